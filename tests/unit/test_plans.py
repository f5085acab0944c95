"""PPAL versions: a signed version never changes; avenants; follow-up; bilans proposed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage import households, plans
from storage.errors import Refused
from storage.forms.engine import Engine, Outcome
from storage.households import HouseholdData
from storage.models import Advisor, Household, PlanStatus, PlanVersion, Role

from factories import make_advisor

CONTENT = {
    "debut": "2027-03-15", "situation": "Hébergée", "objectif_final": "Un T3",
    "objectifs": [{"texte": "Droits CAF", "date": "2027-04-30"}],
    "demarches": [{"texte": "Demande HLM", "qui": "menage", "echeance": "2027-04-01"},
                  {"texte": "Assurance", "qui": "menage", "echeance": "2027-05-01"}],
    "rythme": "mensuel", "lieu": "Au domicile", "contact": "SMS",
    "bilans": [{"date": "2027-06-15"}, {"date": "2027-09-15"}],
}


@pytest.fixture
def setup(session, clock):
    advisor = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
    household = households.create(session, clock, advisor, HouseholdData("Dupont", "Ana"))
    return advisor, household


def test_draft_then_signed_then_avenant(session, clock, setup):
    advisor, household = setup
    draft = plans.save_draft(session, clock, advisor, household, CONTENT)
    assert (draft.number, draft.status) == (1, PlanStatus.DRAFT)
    assert [i["_uid"] for i in draft.content["demarches"]] == ["d1", "d2"]
    # A draft may still change.
    again = plans.save_draft(session, clock, advisor, household,
                             {**draft.content, "situation": "Hébergée chez sa sœur"})
    assert again.id == draft.id and again.content["situation"] == "Hébergée chez sa sœur"
    signed = plans.sign(session, clock, advisor, household, draft.id or 0, date(2027, 3, 16),
                        "Mme Lafitte")
    assert plans.current(session, household) == signed and plans.draft(session, household) is None
    with pytest.raises(Refused, match="already_signed"):
        plans.sign(session, clock, advisor, household, draft.id or 0, date(2027, 3, 17), None)
    # Changing it makes version 2, which keeps the uids and numbers new items after them.
    content = {**signed.content, "demarches": [*signed.content["demarches"],
                                               {"texte": "FSL", "qui": "conseillere",
                                                "echeance": "2027-04-20"}]}
    avenant = plans.save_draft(session, clock, advisor, household, content, bilan_id=None)
    assert avenant.number == 2 and avenant.based_on_id == signed.id and avenant.is_amendment
    assert [i["_uid"] for i in avenant.content["demarches"]] == ["d1", "d2", "d3"]
    assert plans.current(session, household) == signed  # still in force until signed


def test_a_signed_version_never_changes(db, clock):
    with db.session() as s:
        advisor = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        household = households.create(s, clock, advisor, HouseholdData("Dupont", "Ana"))
        version = plans.save_draft(s, clock, advisor, household, CONTENT)
        plans.sign(s, clock, advisor, household, version.id or 0, date(2027, 3, 16), None)
    with db.session() as s:
        signed = s.get(PlanVersion, version.id)
        assert signed is not None
        signed.content = {**signed.content, "situation": "réécrite"}
        with pytest.raises(plans.SignedPlanChanged):
            s.flush()
        s.rollback()
    with db.session() as s:
        signed = s.get(PlanVersion, version.id)
        assert signed is not None
        signed.status = PlanStatus.DRAFT
        with pytest.raises(plans.SignedPlanChanged):
            s.flush()
        s.rollback()
    with db.session() as s:
        signed = s.get(PlanVersion, version.id)
        assert signed is not None and signed.content["situation"] == "Hébergée"
        s.delete(signed)
        with pytest.raises(plans.SignedPlanChanged):
            s.flush()
        s.rollback()


def test_follow_up_of_steps(session, clock, setup):
    advisor, household = setup
    version = plans.save_draft(session, clock, advisor, household, CONTENT)
    with pytest.raises(Refused):  # only the plan in force is followed
        plans.record_progress(session, clock, advisor, household, "d1", "fait", None, "")
    plans.sign(session, clock, advisor, household, version.id or 0, date(2027, 3, 15), None)
    plans.record_progress(session, clock, advisor, household, "d1", "fait", None, "déposée")
    clock.advance(timedelta(minutes=1))
    plans.record_progress(session, clock, advisor, household, "d2", "reporte", date(2027, 6, 1),
                          "devis attendu")
    found = {i.uid: i for i in plans.items(session, household, version)}
    assert found["d1"].status == "fait" and found["d1"].comment == "déposée"
    assert found["d2"].status == "reporte" and found["d2"].due == date(2027, 6, 1)
    overview = plans.overview(session, clock, household)
    assert (overview.steps_done, overview.steps_total) == (1, 2)
    assert [i.uid for i in overview.next_due] == ["o1", "d2"]
    assert overview.next_bilan == date(2027, 6, 15)
    with pytest.raises(Refused):
        plans.record_progress(session, clock, advisor, household, "d9", "fait", None, "")


@pytest.mark.parametrize("start, rhythm, expected", [
    (date(2027, 3, 15), "mensuel", [date(2027, 6, 15), date(2027, 9, 15), date(2027, 12, 15),
                                    date(2028, 3, 15)]),
    # 31/07/2027 is a Saturday: the bilan goes to Monday 02/08.
    (date(2027, 1, 31), "hebdomadaire", [date(2027, 3, 31), date(2027, 5, 31), date(2027, 8, 2),
                                         date(2027, 9, 30), date(2027, 11, 30),
                                         date(2028, 1, 31)]),
    (date(2027, 11, 30), "trimestriel", [date(2028, 5, 30), date(2028, 11, 30)]),
    (date(2027, 8, 31), None, [date(2027, 11, 30), date(2028, 2, 29), date(2028, 5, 31),
                               date(2028, 8, 31)]),
])
def test_bilans_proposed_from_the_rhythm(start, rhythm, expected):
    assert plans.propose_bilans(start, rhythm) == expected


def test_list_fields_in_the_engine(db, clock):
    """Add, correct, remove items; an item left before its first answer is not kept."""
    with db.session() as s:
        advisor = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        h = households.create(s, clock, advisor, HouseholdData("Dupont", "Ana"))

    def run(fn):
        with db.session() as s:
            engine = Engine(s, clock, s.get(Advisor, advisor.id))
            return fn(engine, engine.active())

    with db.session() as s:
        Engine(s, clock, s.get(Advisor, advisor.id)).start("ppal", s.get(Household, h.id))
    for text in ("15/03/2027", "Hébergée", "Un T3"):
        step = run(lambda e, r, t=text: e.answer_text(r, t))
    assert step.run.step == "objectifs.0.texte"
    step = run(lambda e, r: e.answer_text(r, "Droits CAF"))
    step = run(lambda e, r: e.answer_text(r, "30/04/2027"))
    assert step.run.step == "objectifs" and step.items == [
        {"texte": "Droits CAF", "date": "2027-04-30", "_uid": "o1"}]
    step = run(lambda e, r: e.add_item(r, "objectifs"))
    assert step.run.step == "objectifs.1.texte" and "{n}" in step.field.question
    step = run(lambda e, r: e.back(r, "objectifs.1.texte"))  # left before answering
    assert step.run.step == "objectifs" and len(step.items) == 1
    step = run(lambda e, r: e.edit_item(r, "objectifs", "o1"))
    assert step.value == "Droits CAF"
    step = run(lambda e, r: e.answer_text(r, "Droits CAF et CSS"))
    step = run(lambda e, r: e.keep(r, "objectifs.0.date"))
    assert step.items[0]["texte"] == "Droits CAF et CSS"
    step = run(lambda e, r: e.delete_item(r, "objectifs", "o1"))
    step = run(lambda e, r: e.validate(r, "objectifs"))
    assert step.outcome == Outcome.INVALID and step.error.code == "too_few"
    step = run(lambda e, r: e.add_item(r, "objectifs"))
    step = run(lambda e, r: e.answer_text(r, "Droits CAF"))
    step = run(lambda e, r: e.answer_text(r, "30/04/2027"))
    step = run(lambda e, r: e.validate(r, "objectifs"))
    assert step.run.step == "demarches.0.texte"
    step = run(lambda e, r: e.answer_text(r, "Dossier SIAO"))
    step = run(lambda e, r: e.choose(r, "demarches.0.qui", 3))  # a partner: who?
    assert step.run.step == "demarches.0.partenaire"
    step = run(lambda e, r: e.answer_text(r, "CCAS"))
    step = run(lambda e, r: e.answer_text(r, "15/04/2027"))
    step = run(lambda e, r: e.validate(r, "demarches"))
    step = run(lambda e, r: e.choose(r, "rythme", 2))
    step = run(lambda e, r: e.answer_text(r, "Au domicile"))
    step = run(lambda e, r: e.answer_text(r, "SMS"))
    # The bilans are proposed from the rhythm and the start date.
    assert step.run.step == "bilans" and [b["date"] for b in step.items] == [
        "2027-06-15", "2027-09-15", "2027-12-15", "2028-03-15"]
    step = run(lambda e, r: e.validate(r, "bilans"))
    step = run(lambda e, r: e.skip(r, "clauses"))
    assert step.outcome == Outcome.SUMMARY
    step = run(lambda e, r: e.confirm(r))
    assert step.outcome == Outcome.DONE and step.result.content["demarches"] == [
        {"_uid": "d1", "texte": "Dossier SIAO", "qui": "partenaire", "partenaire": "CCAS",
         "echeance": "2027-04-15"}]


def test_a_removed_item_number_is_never_reused(session, clock, setup):
    advisor, household = setup
    v1 = plans.save_draft(session, clock, advisor, household, CONTENT)
    plans.sign(session, clock, advisor, household, v1.id or 0, date(2027, 3, 15), None)
    plans.record_progress(session, clock, advisor, household, "d2", "fait", None, "")
    v2 = plans.save_draft(session, clock, advisor, household,
                          {**v1.content, "demarches": v1.content["demarches"][:1]})
    plans.sign(session, clock, advisor, household, v2.id or 0, date(2027, 4, 1), None)
    v3 = plans.save_draft(session, clock, advisor, household, {
        **v2.content, "demarches": [*v2.content["demarches"],
                                    {"texte": "Nouvelle", "qui": "menage",
                                     "echeance": "2027-06-01"}]})
    assert [i["_uid"] for i in v3.content["demarches"]] == ["d1", "d3"]


def test_the_signature_is_of_the_draft_as_it_was_shown(session, clock, setup):
    advisor, household = setup
    draft = plans.save_draft(session, clock, advisor, household, CONTENT)
    seen = draft.updated_at.isoformat()
    clock.advance(timedelta(minutes=5))
    plans.save_draft(session, clock, advisor, household, {**CONTENT, "situation": "Autre"})
    with pytest.raises(Refused, match="draft_changed"):
        plans.sign(session, clock, advisor, household, draft.id or 0, date(2027, 3, 15), None,
                   seen=seen)


def test_a_refusal_at_confirm_is_said_and_undoes_nothing_else(db, clock):
    with db.session() as s:
        advisor = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        h = households.create(s, clock, advisor, HouseholdData("Dupont", "Ana"))
        version = plans.save_draft(s, clock, advisor, h, CONTENT)
        plans.sign(s, clock, advisor, h, version.id or 0, date(2027, 3, 15), None)
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, advisor.id))
        engine.start("suivi", s.get(Household, h.id), {"_uid": "d9", "_about": "?"})
        engine.choose(engine.active(), "statut", 0)
        step = engine.skip(engine.active(), "commentaire")  # no summary: stored at once
        assert step.outcome == Outcome.INVALID and step.error.code == "plan_item_unknown"
        assert engine.active() is not None  # the form is still there to leave or pause
