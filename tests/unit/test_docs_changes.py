"""What an avenant changes: objectives and steps added, removed, changed, done (by `_uid`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage import households, plans
from storage.households import HouseholdData
from storage.models import PlanStatus, PlanVersion, Role, StepProgress

from factories import make_advisor

SIGNED = datetime(2027, 3, 15, 9, tzinfo=UTC)


def plan(number: int, content: dict, signed_at: datetime | None) -> PlanVersion:
    return PlanVersion(id=number, household_id=1, number=number, content=content,
                       status=PlanStatus.SIGNED if signed_at else PlanStatus.DRAFT,
                       signature_recorded_at=signed_at, created_by_id=1, created_at=SIGNED,
                       updated_at=SIGNED)


def done(uid: str, at: datetime, status: str = "fait") -> StepProgress:
    return StepProgress(household_id=1, item_uid=uid, status=status, comment="déposé",
                        advisor_id=1, at=at)


BEFORE = {"objectifs": [{"_uid": "o1", "texte": "Droits CAF", "date": "2027-04-30"}],
          "demarches": [{"_uid": "d1", "texte": "Demande HLM", "qui": "menage",
                         "echeance": "2027-04-01"},
                        {"_uid": "d2", "texte": "Assurance", "qui": "menage",
                         "echeance": "2027-05-01"},
                        {"_uid": "d3", "texte": "Ouvrir un compte", "qui": "menage",
                         "echeance": "2027-05-01"}]}


def test_added_removed_changed_and_done_items():
    after = {"objectifs": [{"_uid": "o1", "texte": "Droits CAF et APL", "date": "2027-04-30"}],
             "demarches": [{"_uid": "d1", "texte": "Demande HLM", "qui": "menage",
                            "echeance": "2027-04-01"},
                           {"_uid": "d2", "texte": "Assurance", "qui": "conseillere",
                            "echeance": "2027-06-15"},
                           {"_uid": "d4", "texte": "Demande FSL", "qui": "partenaire",
                            "partenaire": "CCAS", "echeance": "2027-05-20"}]}
    progress = {"d1": done("d1", SIGNED + timedelta(days=10)),
                "d2": done("d2", SIGNED + timedelta(days=3), status="reporte")}
    found = plans.changes(plan(1, BEFORE, SIGNED), plan(2, after, None), progress)
    assert [(c.what, c.kind, c.text) for c in found] == [
        ("fait", "demarches", "Demande HLM"),
        ("modifie", "objectifs", "Droits CAF et APL"),
        ("modifie", "demarches", "Assurance"),
        ("ajoute", "demarches", "Demande FSL"),
        ("retire", "demarches", "Ouvrir un compte"),
    ]
    assert found[0].done_at == SIGNED + timedelta(days=10) and found[0].comment == "déposé"
    assert found[1].fields == (("texte", "Droits CAF", "Droits CAF et APL"),)
    assert sorted(found[2].fields) == [("echeance", "2027-05-01", "2027-06-15"),
                                       ("qui", "menage", "conseillere")]
    assert dict((k, v) for k, _, v in found[3].fields) == {
        "qui": "partenaire", "partenaire": "CCAS", "echeance": "2027-05-20"}


def test_done_counts_only_between_the_two_signatures():
    after = plan(2, BEFORE, SIGNED + timedelta(days=30))
    early = {"d1": done("d1", SIGNED - timedelta(days=1))}  # done before the plan was signed
    late = {"d1": done("d1", SIGNED + timedelta(days=31))}  # after the avenant was signed
    assert plans.changes(plan(1, BEFORE, SIGNED), after, early) == []
    assert plans.changes(plan(1, BEFORE, SIGNED), after, late) == []
    # A missing field and an empty one are the same: no change.
    blank = {**BEFORE, "demarches": [{**BEFORE["demarches"][0], "partenaire": None},
                                     *BEFORE["demarches"][1:]]}
    assert plans.changes(plan(1, BEFORE, SIGNED), plan(2, blank, None), {}) == []


def test_the_avenant_document_carries_its_changes(session, clock):
    advisor = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
    household = households.create(session, clock, advisor, HouseholdData("Dupont", "Ana"))
    content = {k: [{kk: vv for kk, vv in i.items() if kk != "_uid"} for i in v]
               for k, v in BEFORE.items()}
    first = plans.save_draft(session, clock, advisor, household, content)
    plans.sign(session, clock, advisor, household, first.id or 0, date(2027, 3, 15), None)
    assert plans.plan_document(session, household, first.id).changes == []
    clock.advance(timedelta(days=20))
    plans.record_progress(session, clock, advisor, household, "d1", "fait", None, "ok")
    steps = [s for s in first.content["demarches"] if s["_uid"] != "d3"]
    avenant = plans.save_draft(session, clock, advisor, household,
                               {**first.content, "demarches": steps})
    found = plans.plan_document(session, household, avenant.id)
    assert found.previous is not None and found.previous.id == first.id
    assert [(c.what, c.text) for c in found.changes] == [("fait", "Demande HLM"),
                                                         ("retire", "Ouvrir un compte")]
