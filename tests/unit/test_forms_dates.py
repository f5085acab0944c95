"""Dates and amounts a person means: bounds, two-digit years, windows asking a confirmation,
babies' ages in months, proposals on working days, over-long answers kept."""

from __future__ import annotations

import dataclasses
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.render import Renderer
from storage import households, plans, tenancy
from storage.forms import engine as engine_module
from storage.forms import targets
from storage.forms.engine import Engine, Outcome
from storage.forms.spec import load
from storage.households import HouseholdData
from storage.models import Advisor, Household, Note, Role
from storage.validators import Invalid, parse_ages, parse_date

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("text, value", [
    ("18/1/27", date(2027, 1, 18)), ("1/3/2027", date(2027, 3, 1)), ("15.03.85", date(1985, 3, 15)),
    ("31/12/2100", date(2100, 12, 31)), ("01/01/1900", date(1900, 1, 1)),
])
def test_dates_as_people_type_them(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize("text", ["31/12/9999", "01/01/0001", "01/01/2101", "31/12/1899"])
def test_dates_outside_1900_2100_are_refused(text):
    with pytest.raises(Invalid) as error:
        parse_date(text)
    assert error.value.code == "date_out_of_range"


@pytest.mark.parametrize("text, ages, shown", [
    ("8 mois", ["8m"], "8 mois"), ("8 mois, 3", ["8m", 3], "8 mois, 3 ans"),
    ("3 ans et 1 an", [3, 1], "3, 1 ans"), ("4, 9", [4, 9], "4, 9 ans"),
])
def test_babies_ages_in_months(text, ages, shown):
    assert parse_ages(text) == ages
    render = Renderer(PARIS)
    assert render.answer(ages, load("menage").field("enfants"), ()) == shown


@pytest.mark.parametrize("text", ["²", "0 mois", "30 mois", "8 semaines"])
def test_bad_ages(text):
    with pytest.raises(Invalid):
        parse_ages(text)


def test_composition_shows_months():
    render = Renderer(PARIS)
    household = Household(reference="2027-0001", last_name="D", first_name="A", adults=1,
                          children_ages=["8m", 4])
    assert render.label("composition", h=household) == "1 adulte, 2 enfants (8 mois, 4 ans)"


@pytest.fixture
def claire(db, clock):
    with db.session() as s:
        return make_advisor(s, clock, 1, "Claire", Role.ADMIN).id


def act(db, clock, advisor_id, fn):
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, advisor_id))
        return fn(engine, engine.active(), s)


def to_question(db, clock, advisor_id, key):
    """The household form, answered up to the question `key`."""
    answers = {"nom": "Dupont", "prenom": "Hélène", "telephone": "06 12 34 56 78",
               "adresse": "12 rue des Arènes", "adultes": 1, "enfants": [], "parcours": "autre",
               "eligibilite": [], "confidentiel": False}
    def start(e, _run, _s):
        step = e.start("menage")
        step.run.answers = answers
        step.run.step = key
        return step
    return act(db, clock, advisor_id, start)


def test_a_support_start_far_ahead_asks_a_confirmation(db, clock, claire):
    to_question(db, clock, claire, "debut")
    # 31/12/9999 is refused at the question (it used to fail at confirm, forever).
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "31/12/9999"))
    assert step.outcome == Outcome.INVALID and step.error.code == "date_out_of_range"
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "15/03/2029"))
    assert step.outcome == Outcome.CONFIRM and step.error.code == "date_after_window"
    render = Renderer(clock.tz)
    assert render.expected(step.error) == \
        "le 15/03/2029, plus d'un an après aujourd'hui : c'est bien ça ?"
    # The question waits in the database: shown again as a confirmation.
    step = act(db, clock, claire, lambda e, r, s: e.current(r))
    assert step.outcome == Outcome.CONFIRM
    # Corriger: asked again, nothing kept.
    step = act(db, clock, claire, lambda e, r, s: e.confirm_answer(r, "debut", yes=False))
    assert step.outcome == Outcome.ASK and step.answers.get("debut") is None
    assert "_confirm" not in step.answers
    act(db, clock, claire, lambda e, r, s: e.answer_text(r, "15/03/2029"))
    step = act(db, clock, claire, lambda e, r, s: e.confirm_answer(r, "debut", yes=True))
    assert step.answers["debut"] == "2029-03-15" and step.run.step != "debut"
    # A second "Oui" (double tap) finds the question over.
    step = act(db, clock, claire, lambda e, r, s: e.confirm_answer(r, "debut", yes=True))
    assert step.outcome == Outcome.STALE


def test_a_date_within_its_window_is_kept_at_once(db, clock, claire):
    to_question(db, clock, claire, "debut")
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "18/1/28"))
    assert step.answers["debut"] == "2028-01-18"


def test_an_insurance_renewal_before_the_current_expiry_is_questioned(db, clock, claire):
    with db.session() as s:
        actor = s.get(Advisor, claire)
        h = households.create(s, clock, actor, HouseholdData("Dupont", "Ana"))
        tenancy.save(s, clock, actor, h, {"loyer": 45000, "jour_echeance": 5, "bail": "direct",
                                           "entree": "2027-01-15", "fin_assurance": "2027-04-10"})
        hid = h.id
    act(db, clock, claire, lambda e, r, s: e.start("assurance", s.get(Household, hid)))
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "01/01/0001"))
    assert step.outcome == Outcome.INVALID and step.error.code == "date_out_of_range"
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "10/04/2026"))
    assert step.outcome == Outcome.CONFIRM and step.error.code == "date_before_reference"
    assert "avant la fin de l'attestation actuelle (10/04/2027)" in \
        Renderer(clock.tz).expected(step.error)
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "10/04/2028"))
    assert step.outcome == Outcome.DONE


def test_a_review_two_months_early_is_questioned(db, clock, claire):
    with db.session() as s:
        actor = s.get(Advisor, claire)
        h = households.create(s, clock, actor, HouseholdData("Dupont", "Ana"))
        # Sub-let since 15/11/2026: review on 15/05/2027, prepared from 15/03/2027 (today).
        tenancy.save(s, clock, actor, h, {"loyer": 45000, "jour_echeance": 5,
                                           "bail": "sous_location", "entree": "2026-11-15",
                                           "date_sous_location": "2026-11-15"})
        hid = h.id
    step = act(db, clock, claire, lambda e, r, s: e.start("glissement", s.get(Household, hid)))
    assert step.answers["_due"] == "2027-05-15"
    step = act(db, clock, claire, lambda e, r, s: e.today(r, "date"))
    assert step.outcome == Outcome.CONFIRM and step.error.code == "date_before_reference"


def test_a_free_reminder_in_the_past_is_refused(db, clock, claire):
    with db.session() as s:
        h = households.create(s, clock, s.get(Advisor, claire), HouseholdData("Dupont", "Ana"))
        hid = h.id
    act(db, clock, claire, lambda e, r, s: e.start("rappel", s.get(Household, hid)))
    for text, code in (("01/01/0001", "date_out_of_range"), ("14/03/2027", "date_too_early")):
        step = act(db, clock, claire, lambda e, r, s, t=text: e.answer_text(r, t))
        assert step.outcome == Outcome.INVALID and step.error.code == code
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "15/03/2027"))
    assert step.outcome == Outcome.ASK and step.field.key == "texte"


def test_the_warning_hook_is_generic(db, clock, claire, monkeypatch):
    """A field's `warn` names a rule of targets.WARNINGS (e.g. an amount above what is owed)."""
    def above(answers, value, _clock):
        return Invalid("date_after_window", value=value, days=0) if value.year > 2027 else None
    monkeypatch.setitem(targets.WARNINGS, "test_rule", above)
    spec = load("rappel")
    patched = dataclasses.replace(spec, fields=tuple(
        dataclasses.replace(f, warn="test_rule") if f.key == "date" else f for f in spec.fields))
    monkeypatch.setattr(engine_module, "load", lambda name: patched if name == "rappel"
                        else load(name))
    with db.session() as s:
        hid = households.create(s, clock, s.get(Advisor, claire),
                                HouseholdData("Dupont", "Ana")).id
    act(db, clock, claire, lambda e, r, s: e.start("rappel", s.get(Household, hid)))
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "02/01/2028"))
    assert step.outcome == Outcome.CONFIRM
    step = act(db, clock, claire, lambda e, r, s: e.confirm_answer(r, "date", yes=True))
    assert step.answers["date"] == "2028-01-02" and step.field.key == "texte"


def test_bilans_and_the_next_bilan_are_proposed_on_working_days(clock):
    # 15/05/2027 + 3 months = 15/08/2027, a Sunday and a holiday: Monday 16/08.
    assert plans.propose_bilans(date(2027, 5, 15), "mensuel")[0] == date(2027, 8, 16)
    # 14/07/2027 (a public holiday, a Wednesday) proposed as the next bilan: the 15th.
    assert targets.propose("next_bilan", {"_next_bilan": "2027-07-14"}, clock) == "2027-07-15"


def test_an_over_long_answer_becomes_a_note(db, clock, claire):
    with db.session() as s:
        h = households.create(s, clock, s.get(Advisor, claire), HouseholdData("Dupont", "Ana"))
        hid = h.id
    act(db, clock, claire, lambda e, r, s: e.start("bilan", s.get(Household, hid)))
    act(db, clock, claire, lambda e, r, s: e.today(r, "date"))
    long_text = "Visite du 15 mars. " * 200
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, long_text))
    assert step.outcome == Outcome.INVALID and step.error.code == "too_long"
    assert "gardé dans les notes du ménage" in Renderer(clock.tz).expected(step.error)
    with db.session() as s:
        assert [n.text for n in s.exec(select(Note).where(Note.household_id == hid))] == \
            [long_text.strip()]


def test_an_over_long_answer_before_the_household_exists_is_kept_for_it(db, clock, claire):
    step = to_question(db, clock, claire, "nom")
    step = act(db, clock, claire, lambda e, r, s: e.answer_text(r, "D" * 5000))
    assert step.outcome == Outcome.INVALID and step.error.params["kept"] == "later"
    run = act(db, clock, claire, lambda e, r, s: r)
    assert run.answers["_notes"] == ["D" * 5000]
