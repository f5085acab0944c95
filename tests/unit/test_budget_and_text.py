from storage.budget import compute
from storage.text import digits, fold


def test_effort_rate_and_rest_to_live():
    budget = compute({"ressources": 110000, "loyer": 45000, "charges_locatives": 5000,
                      "aide_logement": 20000, "charges_fixes": 15050, "remboursements": 0}, 3)
    assert budget is not None
    assert budget.housing_cost == 30000
    assert budget.effort_rate == 27.3
    assert budget.remaining == 64950
    assert budget.remaining_per_person_day == 722


def test_budget_needs_resources_and_rent():
    assert compute({"ressources": 100000}, 1) is None
    budget = compute({"ressources": 0, "loyer": 0}, 0)
    assert budget is not None and budget.effort_rate is None and budget.persons == 1


def test_housing_benefit_above_rent_counts_as_no_effort():
    budget = compute({"ressources": 50000, "loyer": 20000, "aide_logement": 25000}, 1)
    assert budget is not None and budget.effort_rate == 0.0


def test_fold_and_digits():
    assert fold("  Hélène   DUPRÉ ") == "helene dupre"
    assert fold("Ærøskøbing Œuvre") == "ærøskøbing œuvre"
    assert digits("06 12-34.56") == "06123456"
