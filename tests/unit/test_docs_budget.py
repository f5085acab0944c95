"""The budget at the target rent, its flags (taux d'effort > 30 %, reste à vivre under the
threshold), the settings behind them, and how the diagnostic's summary shows them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.render import Renderer
from bot.settings import Settings, SettingsError
from storage import budget

DIAGNOSTIC = {"ressources": 125050, "loyer": 45000, "charges_locatives": 3000,
              "aide_logement": 20000, "charges_fixes": 30000, "remboursements": 5000,
              "loyer_max": 42000}


def test_project_replaces_the_housing_cost_by_the_target_rent():
    now = budget.compute(DIAGNOSTIC, 3)
    target = budget.project(DIAGNOSTIC, 3, DIAGNOSTIC["loyer_max"])
    assert now is not None and target is not None
    assert now.housing_cost == 28000 and target.housing_cost == 42000  # net of benefit
    assert target.resources == now.resources == 125050
    assert target.effort_rate == 33.6 and target.effort_high and not now.effort_high
    # 125 050 - 42 000 - 30 000 - 5 000, over 3 persons and 30 days.
    assert target.remaining == 48050 and target.remaining_per_person_day == 534
    assert budget.project(DIAGNOSTIC, 3, None) is None
    assert budget.project({"loyer": 1}, 3, 42000) is None  # no resources yet


def test_flags_at_the_thresholds():
    at_30 = budget.compute({"ressources": 100000, "loyer": 30000}, 1)
    assert at_30 is not None and at_30.effort_rate == 30.0 and not at_30.effort_high
    # 1 000,00 € - 300,00 € = 700,00 € a month for 7 persons: 3,33 € a day each.
    poor = budget.compute({"ressources": 100000, "loyer": 30000}, 7)
    assert poor is not None and poor.remaining_per_person_day == 333 and poor.remaining_low
    assert not at_30.remaining_low  # 23,33 € a day


def test_the_threshold_is_the_setting(monkeypatch):
    monkeypatch.setitem(budget.settings, "remaining_min", 2500)
    figures = budget.compute({"ressources": 100000, "loyer": 30000}, 1)
    assert figures is not None and figures.remaining_min == 2500 and figures.remaining_low


def test_settings_reste_a_vivre_min_and_org_city():
    load = lambda **v: Settings.from_values({"TELEGRAM_BOT_TOKEN": "1:a", **v})  # noqa: E731
    assert load().remaining_min == 1000 and load().org_city == "Dax"
    assert load(RESTE_A_VIVRE_MIN="7,50").remaining_min == 750
    assert load(RESTE_A_VIVRE_MIN="12.5").remaining_min == 1250
    for bad in ("dix", "-3", "10 €", "1,234"):
        with pytest.raises(SettingsError, match=r"^RESTE_A_VIVRE_MIN"):
            load(RESTE_A_VIVRE_MIN=bad)
    # The commune follows the address's last line, unless ORG_CITY says otherwise.
    assert load(ORG_ADDRESS="1 place X\\n40100 Dax").org_city == "Dax"
    assert load(ORG_ADDRESS="3 rue Y\\n40990 Saint-Paul-lès-Dax").org_city == \
        "Saint-Paul-lès-Dax"
    assert load(ORG_ADDRESS="BP 12\\n40102 Dax Cedex").org_city == "Dax"
    assert load(ORG_ADDRESS="Maison du Logement").org_city == "Dax"
    assert load(ORG_ADDRESS="1 place X\\n40100 Dax", ORG_CITY="Mont-de-Marsan").org_city == \
        "Mont-de-Marsan"


def test_the_diagnostic_summary_flags_and_explains_the_budget():
    render = Renderer(ZoneInfo("Europe/Paris"))
    module = render.env.get_template("forms.html").module
    poor = budget.compute({"ressources": 100000, "loyer": 45000}, 4)
    text = str(module.budget_line(poor))  # type: ignore[attr-defined]
    assert "Taux d'effort : <b>45,0 %</b> ⚠️ au-dessus de 30 %\n💶 Reste à vivre" in text
    assert ("<b>550,00 €</b> par mois ; <b>4,58 €</b> par personne et par jour sur 30 jours "
            "(4 pers.) ⚠️ sous le seuil de 10,00 €\n<i>Ressources") in text
    assert "Ressources − logement (loyer + charges − aide) − autres charges fixes" in text
    fine = str(module.budget_line(budget.compute({"ressources": 200000, "loyer": 40000}, 1)))  # type: ignore[attr-defined]
    assert "⚠️" not in fine
