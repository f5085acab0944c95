"""The rent account (storage.ledger): dues, payments at any date, checks of the amounts,
corrections, plan d'apurement, the impayé threshold both ways, the rent reminder answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from storage import households, ledger, reminder_answers, reminders, tenancy
from storage.errors import NeedsConfirmation, Refused
from storage.forms.engine import Engine, Outcome
from storage.households import HouseholdData
from storage.models import FreeReminder, LedgerEntry, Reminder, ReminderStatus, Role

from factories import make_advisor

# Loyer 450 + 50 de charges − 200 d'APL au bailleur = 300 € dus le 5; seuil d'impayé : 600 €.
HOME = {"loyer": 45000, "charges": 5000, "apl": 20000, "apl_versee_a": "bailleur",
        "jour_echeance": 5, "entree": "2027-03-15"}


@pytest.fixture
def account(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
    tenancy.save(session, clock, lea, h, HOME)
    return lea, coord, h


def go(session, clock, h, day: date) -> None:
    """Time passes until `day` (10:00); the hourly sync runs."""
    clock.advance(timedelta(days=(day - clock.today()).days))
    reminders.sync(session, clock, h)


def reminder(session, h, key: str) -> Reminder:
    return session.exec(select(Reminder).where(Reminder.household_id == h.id,
                                               Reminder.key == key)).one()


def test_dues_fall_due_once_from_the_first_due_day_after_the_home_was_recorded(
        session, clock, account):
    _, _, h = account
    assert ledger.arrears(session, clock, h) == 0  # March's due day came before the bot knew
    go(session, clock, h, date(2027, 4, 4))
    assert ledger.arrears(session, clock, h) == 0
    go(session, clock, h, date(2027, 4, 5))
    ledger.materialise(session, clock, h)
    reminders.sync(session, clock, h)
    dues = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "due")).all()
    assert [(d.month, d.day, d.amount) for d in dues] == [(date(2027, 4, 1), date(2027, 4, 5),
                                                           30000)]
    assert ledger.balance(session, h, date(2027, 4, 4)) == 0
    assert ledger.balance(session, h, date(2027, 4, 5)) == 30000
    # A new rent changes the months to come, not those already due.
    tenancy.save(session, clock, account[0], h, {**HOME, "loyer": 50000})
    go(session, clock, h, date(2027, 5, 6))
    assert ledger.dues(session, h) == {date(2027, 4, 1): 30000, date(2027, 5, 1): 35000}


def test_payments_at_any_date_from_anyone_lower_the_debt(session, clock, account):
    lea, _, h = account
    go(session, clock, h, date(2027, 5, 20))
    assert ledger.arrears(session, clock, h) == 60000
    ledger.record_payment(session, clock, lea, h, date(2027, 5, 10), 30000, "fsl", "aide FSL")
    ledger.record_payment(session, clock, lea, h, date(2027, 5, 20), 15000, "menage")
    assert ledger.balance(session, h, date(2027, 5, 9)) == 60000
    assert ledger.balance(session, h, date(2027, 5, 10)) == 30000
    assert ledger.arrears(session, clock, h) == 15000
    card = households.card(session, clock, lea, h.id or 0)
    assert card.arrears == 15000


def test_zero_negative_and_excess_amounts(session, clock, account):
    lea, _, h = account
    go(session, clock, h, date(2027, 4, 20))
    for amount in (0, -500):
        with pytest.raises(Refused, match="amount_not_positive"):
            ledger.record_payment(session, clock, lea, h, clock.today(), amount, "menage")
    with pytest.raises(NeedsConfirmation) as asked:
        ledger.record_payment(session, clock, lea, h, clock.today(), 35000, "menage")
    assert asked.value.code == "excess" and asked.value.params == {"amount": 35000,
                                                                   "owed": 30000}
    assert session.exec(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all() == []
    # Said yes to that question: recorded, the excess is an advance.
    ledger.record_payment(session, clock, lea, h, clock.today(), 35000, "menage",
                          accepted=[asked.value.key])
    assert ledger.arrears(session, clock, h) == -5000


def test_a_mistake_is_corrected_by_a_correcting_entry_never_erased(session, clock, account):
    lea, coord, h = account
    go(session, clock, h, date(2027, 4, 20))
    typed = ledger.record_payment(session, clock, lea, h, date(2027, 4, 12), 25000, "menage")
    clock.advance(timedelta(days=2))
    fix = ledger.correct(session, clock, coord, h, typed.id or 0, 20000, "erreur de saisie")
    assert (fix.kind, fix.corrects_id, fix.day, fix.amount, fix.advisor_id, fix.comment) == (
        "correction", typed.id, date(2027, 4, 12), 5000, coord.id, "erreur de saisie")
    session.refresh(typed)
    assert typed.amount == -25000  # the entry stays as it was typed
    assert ledger.balance(session, h, date(2027, 4, 12)) == 10000
    assert ledger.effective(session, typed) == 20000
    with pytest.raises(Refused, match="correction_same"):
        ledger.correct(session, clock, lea, h, typed.id or 0, 20000, "encore")
    with pytest.raises(Refused, match="entry_unknown"):
        ledger.correct(session, clock, lea, h, fix.id or 0, 0, "une correction se corrige ?")
    other = households.create(session, clock, lea, HouseholdData("Autre", "Eva"))
    with pytest.raises(Refused, match="entry_unknown"):
        ledger.correct(session, clock, lea, other, typed.id or 0, 0, "pas le sien")
    # 0: the payment should not have been recorded at all.
    ledger.correct(session, clock, lea, h, typed.id or 0, 0, "chèque rejeté")
    assert ledger.arrears(session, clock, h) == 30000
    s = ledger.statement(session, clock, h, 5)
    line = next(e for e in s.entries if e.entry.id == typed.id)
    assert line.shown == 0 and [c.comment for c in line.corrections] == [
        "erreur de saisie", "chèque rejeté"]
    assert s.months[0].month == date(2027, 4, 1) and (s.months[0].due, s.months[0].paid) == (
        30000, 0)
    assert s.names[coord.id or 0] == "Coord"


def test_the_threshold_opens_the_prevention_step_and_a_catch_up_cancels_it(
        session, clock, account):
    lea, coord, h = account
    go(session, clock, h, date(2027, 4, 20))
    assert ledger.open_prevention(session, h) == []  # one month: an alert, not an impayé
    go(session, clock, h, date(2027, 5, 5))  # May falls due: 600 € = twice the rent
    (step,) = ledger.open_prevention(session, h)
    assert step.deadline == date(2027, 7, 5)  # May's due day + 2 months
    alerts = {r.payload["to"] for r in session.exec(select(Reminder).where(
        Reminder.kind == "impaye"))}
    assert alerts == {lea.id, coord.id}
    assert reminders.recipient(session, h, reminder(session, h, f"impaye:{step.id}:{coord.id}")
                               ) == coord
    prevention = reminder(session, h, f"prevention:{step.id}")
    assert prevention.status == ReminderStatus.DUE
    # An FSL aid brings the debt back under the threshold: the step is cancelled, she is told.
    ledger.record_payment(session, clock, lea, h, clock.today(), 30000, "fsl")
    reminders.sync(session, clock, h)
    session.refresh(step)
    session.refresh(prevention)
    assert step.cancelled_on == date(2027, 5, 5)
    assert prevention.status == ReminderStatus.CANCELLED
    back = reminder(session, h, f"impaye_fin:{step.id}")
    assert back.status == ReminderStatus.DUE and reminders.recipient(session, h, back) == lea
    # Once sent, a notice leaves the open items.
    back.claimed_by, back.status = "x", ReminderStatus.SENDING
    reminders.sent(session, clock, back.id or 0, "x", lea.id or 0, False)
    assert back.status == ReminderStatus.ANSWERED
    # Crossing again opens a new step.
    go(session, clock, h, date(2027, 6, 5))
    assert len(ledger.open_prevention(session, h)) == 1
    assert len(session.exec(select(FreeReminder).where(
        FreeReminder.kind == "prevention")).all()) == 2


def test_a_repayment_plan_is_expected_each_month_and_a_missed_instalment_alerts(
        session, clock, account):
    lea, _, h = account
    go(session, clock, h, date(2027, 5, 20))  # April and May unpaid: 600 €
    plan = ledger.start_plan(session, clock, lea, h, 10000, date(2027, 6, 15), 6)
    reminders.sync(session, clock, h)
    june = reminder(session, h, "rent:2027-06")
    assert june.payload == {"month": "2027-06-01", "due": 40000, "instalment": 10000}
    go(session, clock, h, date(2027, 6, 11))  # June checked on the 10th: nothing came
    progress = ledger.plan_progress(session, clock, h, tenancy.of(session, h), 5)
    assert progress is not None and progress.missed == date(2027, 6, 1)
    missed = reminder(session, h, f"plan:{plan.id}:2027-06")
    assert missed.kind == "plan_missed" and missed.status == ReminderStatus.DUE
    # June's rent and instalment come: the alert goes, one instalment of six is paid.
    ledger.record_payment(session, clock, lea, h, clock.today(), 40000, "menage")
    reminders.sync(session, clock, h)
    session.refresh(missed)
    assert missed.status == ReminderStatus.CANCELLED
    progress = ledger.plan_progress(session, clock, h, tenancy.of(session, h), 5)
    assert progress is not None and progress.missed is None
    assert (progress.start_debt, progress.paid_instalments, progress.remaining) == (
        60000, 1, 50000)
    # July's rent falls due on the 5th: not a missed instalment before the 10th.
    go(session, clock, h, date(2027, 7, 6))
    progress = ledger.plan_progress(session, clock, h, tenancy.of(session, h), 5)
    assert progress is not None and progress.missed is None


def test_rent_reminder_answers_record_once(session, clock, account):
    lea, coord, h = account
    go(session, clock, h, date(2027, 4, 12))
    april = reminder(session, h, "rent:2027-04")
    check = reminder_answers.answer(session, clock, lea, april.id or 0, "p").rent
    assert check is not None and (check.status, check.paid, check.arrears) == ("paye", 30000, 0)
    again = reminder_answers.answer(session, clock, coord, april.id or 0, "p")
    assert again.already and again.answered_by == "Léa"
    assert len(session.exec(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all()) == 1
    go(session, clock, h, date(2027, 5, 11))
    may = reminder(session, h, "rent:2027-05")
    unpaid = reminder_answers.answer(session, clock, lea, may.id or 0, "i").rent
    assert unpaid is not None and (unpaid.status, unpaid.missing, unpaid.first_missed) == (
        "impaye", 30000, True)
    assert ledger.arrears(session, clock, h) == 30000  # the month stays owed


def test_partial_on_a_reminder_refuses_0_and_questions_an_excess_once(db, clock):
    with db.session() as s:
        lea = make_advisor(s, clock, 3, "Léa")
        h = households.create(s, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
        tenancy.save(s, clock, lea, h, {**HOME, "loyer": 22440, "charges": 0, "apl": 2500})
        clock.advance(timedelta(days=27))  # 11/04: April's check is due (199,40 €)
        reminders.sync(s, clock, h)
        april = reminder(s, h, "rent:2027-04")
        assert april.payload["due"] == 19940
        asked = reminder_answers.answer(s, clock, lea, april.id or 0, "t")
        assert asked.form == "loyer"
        engine = Engine(s, clock, lea)
        step = engine.start("loyer", h, {"_reminder": april.id})
        step = engine.answer_text(step.run, "0")
        assert step.outcome == Outcome.INVALID and step.error.code == "amount_zero"
        step = engine.answer_text(step.run, "-20")
        assert step.error.code == "amount_negative"
        step = engine.answer_text(step.run, "250")
        assert step.outcome == Outcome.CONFIRM and step.error.params == {"amount": 25000,
                                                                          "owed": 19940}
        assert s.exec(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all() == []
        # «Corriger»: back to the amount; 150 is a partial payment, recorded at once.
        step = engine.reconsider(step.run)
        assert step.outcome == Outcome.ASK and step.field.key == "montant"
        step = engine.answer_text(step.run, "150")
        assert step.outcome == Outcome.DONE and step.result.status == "partiel"
        assert ledger.arrears(s, clock, h) == 4940
        # Another month, the excess confirmed: recorded once, with what was typed.
        clock.advance(timedelta(days=30))
        reminders.sync(s, clock, h)
        may = reminder(s, h, "rent:2027-05")
        step = engine.start("loyer", h, {"_reminder": may.id})
        step = engine.answer_text(step.run, "250")
        assert step.outcome == Outcome.CONFIRM
        step = engine.confirm(step.run, accept=True)
        assert step.outcome == Outcome.DONE and step.result.paid == 25000
        assert ledger.arrears(s, clock, h) == 4940 + 19940 - 25000


def test_a_payment_form_questions_an_amount_above_the_arrears(db, clock):
    with db.session() as s:
        lea = make_advisor(s, clock, 3, "Léa")
        h = households.create(s, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id))
        tenancy.save(s, clock, lea, h, HOME)
        clock.advance(timedelta(days=22))  # 06/04: 300 € owed
        engine = Engine(s, clock, lea)
        step = engine.start("paiement", h)
        step = engine.today(step.run, "date")
        step = engine.answer_text(step.run, "400")
        step = engine.choose(step.run, "payeur", 2)  # FSL
        step = engine.skip(step.run, "commentaire")
        assert step.outcome == Outcome.SUMMARY
        step = engine.confirm(step.run)
        assert step.outcome == Outcome.CONFIRM and step.error.params["owed"] == 30000
        step = engine.reconsider(step.run)
        step = engine.answer_text(step.run, "300")
        step = engine.confirm(step.run)
        assert step.outcome == Outcome.DONE and (step.result.payer, step.result.amount) == (
            "fsl", -30000)
        assert ledger.arrears(s, clock, h) == 0


def test_a_rent_check_paid_from_the_account_meanwhile_records_nothing_more(
        session, clock, account):
    lea, _, h = account
    go(session, clock, h, date(2027, 4, 12))
    april = reminder(session, h, "rent:2027-04")
    april.status = ReminderStatus.SENT  # on her phone
    ledger.record_payment(session, clock, lea, h, date(2027, 4, 11), 30000, "caf")
    reminders.sync(session, clock, h)
    assert april.status == ReminderStatus.CANCELLED
    with pytest.raises(Refused, match="rent_settled"):
        reminder_answers.answer(session, clock, lea, april.id or 0, "p")
    assert ledger.arrears(session, clock, h) == 0


def test_impaye_news_is_not_brought_back_weeks_later():
    """A prévention step opened before this rule (its alerts sent then), or a coordinator
    named since: no alert about an impayé of more than a week ago."""
    from datetime import UTC, datetime

    from reminders import rules
    from reminders.kinds import NOTICES
    from storage.models import Household

    opened = datetime(2027, 5, 5, 8, 0, tzinfo=UTC)
    h = Household(id=1, reference="2027-0001", last_name="D", first_name="A",
                  created_at=opened, updated_at=opened)
    step = FreeReminder(id=9, household_id=1, kind="prevention", due_on=date(2027, 6, 21),
                        deadline=date(2027, 7, 5), created_at=opened)
    facts = rules.Facts(h, free=[step], impaye_to=[3, 2], balance=60000)
    kinds = lambda today: sorted(d.key for d in rules.due_items(facts, today)  # noqa: E731
                                 if d.kind in NOTICES)
    assert kinds(date(2027, 5, 5)) == ["impaye:9:2", "impaye:9:3"]
    assert kinds(date(2027, 5, 20)) == []
    step.cancelled_on = date(2027, 5, 21)
    assert kinds(date(2027, 5, 22)) == ["impaye_fin:9"]


def test_no_plan_without_a_debt(session, clock, account):
    lea, _, h = account
    with pytest.raises(Refused, match="no_debt"):
        ledger.start_plan(session, clock, lea, h, 5000, date(2027, 4, 1), 6)
