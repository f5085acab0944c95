"""What the rapport socio-éducatif is made of: the diagnostic's budget today and at the
target rent, the home's landlord, the rent arrears recorded."""

from __future__ import annotations

from datetime import date

from storage import documents, households, ledger, tenancy
from storage.households import HouseholdData
from storage.models import Diagnostic, Role

from factories import make_advisor

ANSWERS = {"ressources": 125050, "loyer": 45000, "aide_logement": 20000, "dettes": 154000,
           "loyer_max": 42000}


def test_report_document_reads_budget_landlord_and_arrears(session, clock):
    advisor = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
    household = households.create(session, clock, advisor, HouseholdData("Dupont", "Ana"))
    bare = documents.report_document(session, clock, household)
    assert (bare.diagnostic, bare.budget, bare.target, bare.landlord, bare.arrears) == \
        (None, None, None, "", 0)
    session.add(Diagnostic(household_id=household.id or 0, answers=ANSWERS,
                           completed_by_id=advisor.id or 0, completed_at=clock.now()))
    tenancy.save(session, clock, advisor, household,
                 {"bailleur": "Habitat Landes Océanes", "loyer": 40000, "charges": 5000,
                  "apl": 10000, "apl_versee_a": "bailleur", "jour_echeance": 5,
                  "entree": "2027-01-01"})
    ledger.record_opening(session, clock, advisor, household, date(2027, 2, 1), 35000)
    found = documents.report_document(session, clock, household)
    assert found.diagnostic == ANSWERS and found.landlord == "Habitat Landes Océanes"
    assert found.advisor is None  # nobody in charge: the rapport says «La conseillère»
    assert found.budget is not None and found.budget.housing_cost == 25000
    assert found.target is not None and found.target.housing_cost == 42000
    assert found.arrears == 35000  # the opening balance: no month has fallen due since
