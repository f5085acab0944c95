"""The form engine: every answer saved, back, skip, stale buttons, summary, confirm."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage import households
from storage.errors import Refused
from storage.forms.engine import Engine, Outcome
from storage.forms.spec import FormDefinitionError, all_forms, load, parse
from storage.models import Advisor, FormRun, Household, Role, RunStatus

from factories import make_advisor


def test_every_form_definition_loads():
    names = {spec.name for spec in all_forms()}
    assert {"menage", "diagnostic"} <= names
    diagnostic = load("diagnostic")
    titles = [s.title for s in diagnostic.sections]
    assert titles[:5] == ["Pouvoir louer", "Savoir louer", "Savoir habiter",
                          "S'adapter à son environnement", "Besoin d'accompagnement"]


def test_bad_definitions_are_refused():
    base = {"name": "x", "title": "X", "target": "household",
            "sections": [{"key": "s", "title": "S"}]}
    with pytest.raises(FormDefinitionError, match="unknown type"):
        parse({**base, "fields": [{"key": "a", "type": "colour", "section": "s",
                                   "question": "?", "short": "A"}]})
    with pytest.raises(FormDefinitionError, match="needs choices"):
        parse({**base, "fields": [{"key": "a", "type": "choice", "section": "s",
                                   "question": "?", "short": "A"}]})
    with pytest.raises(FormDefinitionError, match="earlier unknown field"):
        parse({**base, "fields": [{"key": "a", "type": "text", "section": "s", "question": "?",
                                   "short": "A", "when": {"field": "zz", "is": [1]}}]})


def answer(db, clock, advisor_id, fn):
    """One update = one transaction, as in the bot."""
    with db.session() as session:
        engine = Engine(session, clock, session.get(Advisor, advisor_id))
        return fn(engine)


def test_household_form_saves_each_answer_and_creates_on_confirm(db, clock):
    with db.session() as s:
        claire = make_advisor(s, clock, 1, "Claire", Role.CONSEILLERE)
    cid = claire.id

    step = answer(db, clock, cid, lambda e: e.start("menage"))
    assert step.field.key == "nom"
    answer(db, clock, cid, lambda e: e.answer_text(e.active(), "Dupont"))
    # Saved: a new transaction (a new process after kill -9) sees it.
    run = answer(db, clock, cid, lambda e: e.active())
    assert run.answers == {"nom": "Dupont"} and run.step == "prenom"
    step = answer(db, clock, cid, lambda e: e.answer_text(e.active(), ""))
    assert step.outcome == Outcome.INVALID and step.error.code == "empty"
    answer(db, clock, cid, lambda e: e.answer_text(e.active(), "Léa"))
    step = answer(db, clock, cid, lambda e: e.skip(e.active(), "telephone"))
    assert step.field.key == "confidentiel"  # before any address
    # A button of an older question: stale, nothing changes.
    step = answer(db, clock, cid, lambda e: e.skip(e.active(), "telephone"))
    assert step.outcome == Outcome.STALE
    # Back, then keep.
    step = answer(db, clock, cid, lambda e: e.back(e.active(), "confidentiel"))
    assert step.field.key == "telephone"
    step = answer(db, clock, cid, lambda e: e.back(e.active(), "telephone"))
    assert step.field.key == "prenom"
    step = answer(db, clock, cid, lambda e: e.keep(e.active(), "prenom"))
    assert step.field.key == "telephone"
    step = answer(db, clock, cid, lambda e: e.answer_text(e.active(), "0612345678"))
    step = answer(db, clock, cid, lambda e: e.choose(e.active(), "confidentiel", 1))
    assert step.field.key == "date_attestation"  # the condition now holds
    step = answer(db, clock, cid, lambda e: e.answer_text(e.active(), "20/03/2027"))
    assert step.error.code == "date_too_late"
    step = answer(db, clock, cid, lambda e: e.answer_text(e.active(), "01/03/2027"))
    assert step.field.key == "adresse" and step.hides(step.field)
    for text in ("1 rue X", "1", "0"):  # address, adults, children
        step = answer(db, clock, cid, lambda e, t=text: e.answer_text(e.active(), t))
    for key in ("res_activite", "res_rsa", "res_famille", "res_chomage", "res_pension",
                "res_autres"):
        step = answer(db, clock, cid, lambda e, k=key: e.skip(e.active(), k))
    step = answer(db, clock, cid, lambda e: e.choose(e.active(), "parcours", 0))
    step = answer(db, clock, cid, lambda e: e.choose(e.active(), "eligibilite", 0))
    assert step.answers["eligibilite"] == ["dalo"]
    step = answer(db, clock, cid, lambda e: e.choose(e.active(), "eligibilite", 0))
    assert step.answers["eligibilite"] == []
    step = answer(db, clock, cid, lambda e: e.validate(e.active(), "eligibilite"))
    step = answer(db, clock, cid, lambda e: e.today(e.active(), "debut"))
    # A conseillère is not asked to whom: her own household.
    assert step.outcome == Outcome.SUMMARY
    assert step.answers["conseillere"] == str(cid)
    step = answer(db, clock, cid, lambda e: e.confirm(e.active()))
    assert step.outcome == Outcome.DONE
    household = step.result
    assert household.reference == "2027-0001" and household.initials == "L. D."
    assert household.confidential and str(household.confidential_attestation) == "2027-03-01"
    assert household.advisor_id == cid and household.phone == "06 12 34 56 78"
    # Confirming again (a button pressed twice) does not create a second one.
    with db.session() as s:
        run = s.get(FormRun, step.run.id)
        again = Engine(s, clock, s.get(Advisor, cid)).confirm(run)
        assert again.outcome == Outcome.STALE
        assert len(list(s.exec(select(Household)))) == 1


def test_edit_from_summary_returns_to_summary(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        h = households.create(s, clock, admin, households.HouseholdData("Dupont", "Ana"))
    with db.session() as s:
        run = FormRun(advisor_id=admin.id, form="diagnostic", household_id=h.id,
                      answers={"nationalite": "ue"}, step=None, created_at=clock.now(),
                      updated_at=clock.now())
        s.add(run)
    step = answer(db, clock, admin.id, lambda e: e.edit(e.active(), "nationalite"))
    assert step.field.key == "nationalite"
    step = answer(db, clock, admin.id, lambda e: e.choose(e.active(), "nationalite", 2))
    # "Hors UE" makes the residence-permit question apply: it is asked before the summary.
    assert step.field.key == "titre_sejour"


def test_diagnostic_needs_a_household_and_resumes_paused_run(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        h = households.create(s, clock, admin, households.HouseholdData(
            "Dupont", "Ana", resources={"activite": 120000}))
    with db.session() as s, pytest.raises(Refused):
        Engine(s, clock, s.get(Advisor, admin.id)).start("diagnostic")
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, admin.id))
        first = engine.start("diagnostic", s.get(Household, h.id))
        assert first.answers == {"ressources": 120000}  # pre-filled from the household
        engine.choose(engine.active(), "nationalite", 0)
        engine.stop(engine.active(), "papiers")
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, admin.id))
        assert engine.active() is None
        again = engine.start("diagnostic", s.get(Household, h.id))
        assert again.run.id == first.run.id and again.field.key == "papiers"
        assert again.run.status == RunStatus.ACTIVE


def test_starting_a_form_pauses_the_other(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        h = households.create(s, clock, admin, households.HouseholdData("Dupont", "Ana"))
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, admin.id))
        creation = engine.start("menage")
        diagnostic = engine.start("diagnostic", s.get(Household, h.id))
        assert engine.active().id == diagnostic.run.id
        assert s.get(FormRun, creation.run.id).status == RunStatus.PAUSED
