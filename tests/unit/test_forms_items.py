"""Buttons that can't hit the wrong item: list items carry a stable uid, deletion is confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from storage import households, plans, reminder_answers, tenancy
from storage.errors import Refused
from storage.forms.engine import Engine, Outcome
from storage.households import HouseholdData
from storage.models import Advisor, FormRun, Household, Reminder, ReminderStatus, Role, RunStatus

from factories import make_advisor

PLAN = {
    "debut": "2027-03-15", "situation": "Hébergée", "objectif_final": "Un T3",
    "objectifs": [{"texte": "Ouvrir les droits CAF", "date": "2027-04-30"},
                  {"texte": "Solder la dette EDF", "date": "2027-05-31"},
                  {"texte": "Trouver un T3", "date": "2027-09-30"}],
    "demarches": [{"texte": "Demande HLM", "qui": "menage", "echeance": "2027-04-01"}],
    "rythme": "mensuel", "lieu": "Au domicile", "contact": "SMS",
    "bilans": [{"date": "2027-06-15"}],
}


@pytest.fixture
def setup(db, clock):
    with db.session() as s:
        advisor = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        household = households.create(s, clock, advisor, HouseholdData("Dupont", "Hélène"))
        plans.save_draft(s, clock, advisor, household, PLAN)
        return advisor.id, household.id


def act(db, clock, advisor_id, fn):
    """One update, one transaction, as in the bot."""
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, advisor_id))
        return fn(engine, engine.active(), s)


def open_objectives(db, clock, advisor_id, household_id):
    """The PPAL pre-filled from the draft, corrected from the summary: its objectives list."""
    def start(e, _run, s):
        return e.start("ppal", s.get(Household, household_id))
    step = act(db, clock, advisor_id, start)
    assert step.outcome == Outcome.SUMMARY
    step = act(db, clock, advisor_id, lambda e, r, s: e.edit(r, "objectifs"))
    assert step.cursor.is_list
    return step


def test_items_pre_filled_from_a_plan_keep_their_uids(db, clock, setup):
    advisor_id, household_id = setup
    step = open_objectives(db, clock, advisor_id, household_id)
    assert [i["_uid"] for i in step.items] == ["o1", "o2", "o3"]
    # The bilans, which the plan does not number, get uids too.
    assert all(b.get("_uid") for b in step.run.answers["bilans"])


def test_an_old_delete_button_of_a_deleted_item_changes_nothing(db, clock, setup):
    """Seen: deleting n°2, then "🗑 n°2" on the previous list message deleted another one."""
    advisor_id, household_id = setup
    open_objectives(db, clock, advisor_id, household_id)
    # "🗑 n°2": first the question naming the item, nothing deleted yet.
    step = act(db, clock, advisor_id, lambda e, r, s: e.ask_delete(r, "objectifs", "o2"))
    assert step.outcome == Outcome.DELETE and step.extras["item"]["texte"] == "Solder la dette EDF"
    assert len(step.run.answers["objectifs"]) == 3
    step = act(db, clock, advisor_id, lambda e, r, s: e.delete_item(r, "objectifs", "o2"))
    assert [i["texte"] for i in step.items] == ["Ouvrir les droits CAF", "Trouver un T3"]
    # The same button again (old message, or a double tap): nothing else goes.
    for again in (lambda e, r, s: e.ask_delete(r, "objectifs", "o2"),
                  lambda e, r, s: e.delete_item(r, "objectifs", "o2"),
                  lambda e, r, s: e.edit_item(r, "objectifs", "o2")):
        step = act(db, clock, advisor_id, again)
        assert step.outcome == Outcome.GONE
    run = act(db, clock, advisor_id, lambda e, r, s: r)
    assert [i["_uid"] for i in run.answers["objectifs"]] == ["o1", "o3"]
    # A moved item is found by its uid, not its position: "✏️" of "Trouver un T3" (was n°3).
    step = act(db, clock, advisor_id, lambda e, r, s: e.edit_item(r, "objectifs", "o3"))
    assert step.value == "Trouver un T3"


def test_a_new_item_never_takes_the_uid_of_a_deleted_one(db, clock, setup):
    advisor_id, household_id = setup
    open_objectives(db, clock, advisor_id, household_id)
    act(db, clock, advisor_id, lambda e, r, s: e.delete_item(r, "objectifs", "o3"))
    act(db, clock, advisor_id, lambda e, r, s: e.add_item(r, "objectifs"))
    act(db, clock, advisor_id, lambda e, r, s: e.answer_text(r, "Nouvel objectif"))
    step = act(db, clock, advisor_id, lambda e, r, s: e.answer_text(r, "30/06/2027"))
    assert [i["_uid"] for i in step.items] == ["o1", "o2", "o4"]
    # The old "🗑" of the deleted o3 does not hit the new item.
    step = act(db, clock, advisor_id, lambda e, r, s: e.delete_item(r, "objectifs", "o3"))
    assert step.outcome == Outcome.GONE
    # Confirmed: the plan keeps the uids given by the form (no follow-up inherited).
    act(db, clock, advisor_id, lambda e, r, s: e.validate(r, "objectifs"))
    step = act(db, clock, advisor_id, lambda e, r, s: e.confirm(r))
    assert step.outcome == Outcome.DONE
    assert [i["_uid"] for i in step.result.content["objectifs"]] == ["o1", "o2", "o4"]
    assert "_uids" not in step.result.content


def test_a_form_with_many_answers_is_abandoned_only_when_confirmed(db, clock, setup):
    advisor_id, household_id = setup
    step = open_objectives(db, clock, advisor_id, household_id)
    run_id = step.run.id
    step = act(db, clock, advisor_id, lambda e, r, s: e.cancel(run_id))
    assert step.outcome == Outcome.ABANDON and step.extras["answered"] > 3
    assert step.run.status == RunStatus.ACTIVE
    step = act(db, clock, advisor_id, lambda e, r, s: e.cancel(run_id, confirmed=True))
    assert step.outcome == Outcome.CANCELLED
    with db.session() as s:
        assert s.get(FormRun, run_id).status == RunStatus.CANCELLED


def test_a_bilan_reminder_done_opens_the_bilan_form(session, clock):
    lea = make_advisor(session, clock, 2, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id,
                                                             support_start=date(2026, 12, 1)))
    reminder = Reminder(household_id=h.id, kind="bilan", key="bilan:2027-03-01",
                        due_on=date(2027, 3, 1), due_at=clock.now(), created_at=clock.now(),
                        status=ReminderStatus.SENT)
    session.add(reminder)
    session.flush()
    result = reminder_answers.answer(session, clock, lea, reminder.id, "f")
    assert result.form == "bilan" and not result.already
    assert reminder.status == ReminderStatus.SENT  # nothing recorded yet: the form will


def test_a_replaced_reminder_acts_on_the_newer_one(session, clock):
    """The insurance notice, cancelled when the expiry came, still works: on the expiry's."""
    lea = make_advisor(session, clock, 2, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "jour_echeance": 5,
                                          "entree": "2027-01-15", "bail": "direct",
                                          "fin_assurance": "2027-04-10"})
    stored = {r.key: r for r in session.exec(select(Reminder))}
    notice, expiry = stored["insurance:2027-04-10:avant"], stored["insurance:2027-04-10:echeance"]
    notice.status = ReminderStatus.CANCELLED  # what sync does when the expiry comes
    expiry.status = ReminderStatus.SENT
    session.add_all([notice, expiry])
    session.flush()
    result = reminder_answers.answer(session, clock, lea, notice.id, "l")  # Relancer
    assert not result.already and result.reminder.id == expiry.id
    assert expiry.status == ReminderStatus.ANSWERED and expiry.answer == "relance"
    # Now both are settled: the old button says what was recorded, and by whom.
    for old in (expiry, notice):
        result = reminder_answers.answer(session, clock, lea, old.id, "l")
        assert result.already and result.reminder.id == expiry.id
        assert result.answered_by == "Léa"


def test_a_reminder_whose_reason_went_away_is_not_said_recorded(session, clock):
    lea = make_advisor(session, clock, 2, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
    step = Reminder(household_id=h.id, kind="step", key="step:d1:2027-03-10",
                    due_on=date(2027, 3, 10), due_at=clock.now(), created_at=clock.now(),
                    status=ReminderStatus.CANCELLED, payload={"uid": "d1"})
    session.add(step)
    session.flush()
    result = reminder_answers.answer(session, clock, lea, step.id, "f")
    assert result.outdated and not result.already and step.answer is None


def test_a_closed_household_s_reminder_says_so(session, clock):
    lea = make_advisor(session, clock, 2, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
    reminder = Reminder(household_id=h.id, kind="libre", key="libre:1", due_on=date(2027, 3, 10),
                        due_at=clock.now(), created_at=clock.now(), status=ReminderStatus.SENT)
    session.add(reminder)
    session.flush()
    households.close(session, clock, lea, h.id, clock.today(), "depart")
    result = reminder_answers.answer(session, clock, lea, reminder.id, "f")
    assert result.closed and reminder.answer is None
    assert households.closed(session, lea, h.id) is h


def test_an_advisor_is_chosen_by_id_not_by_position(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Claire", Role.ADMIN).id
        lea = make_advisor(s, clock, 2, "Léa").id
        sophie = make_advisor(s, clock, 3, "Sophie").id

    def to_advisor_question(e, _run, _s):
        step = e.start("menage")
        step.run.step = "conseillere"
        return step
    act(db, clock, admin, to_advisor_question)
    with db.session() as s:  # Léa leaves the team after the buttons were shown
        s.get(Advisor, lea).active = False
        s.commit()
    step = act(db, clock, admin, lambda e, r, s: e.choose_value(r, "conseillere", str(lea)))
    assert step.outcome == Outcome.ASK and step.answers.get("conseillere") is None
    step = act(db, clock, admin, lambda e, r, s: e.choose_value(r, "conseillere", str(sophie)))
    assert step.answers["conseillere"] == str(sophie)


def test_a_form_about_a_closed_household_says_so(db, clock, setup):
    """The buttons of a form left open on a household whose support was closed since."""
    advisor_id, household_id = setup
    step = open_objectives(db, clock, advisor_id, household_id)
    run_id = step.run.id
    with db.session() as s:
        households.close(s, clock, s.get(Advisor, advisor_id), household_id,
                         clock.today(), "depart")
        s.commit()
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, advisor_id))
        with pytest.raises(Refused) as refused:
            engine.own_run(run_id)
        assert refused.value.code == "household_closed"
        assert refused.value.params["household"].reference == "2027-0001"
        assert engine.active() is None  # /reprendre does not bring it back
