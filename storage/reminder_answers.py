"""The one-tap answers of a reminder, doing the work right there (rent, insurance, steps…).

An answer on a reminder already answered (twice, on an old message, by someone else, before
a restart) changes nothing and says what was recorded. A reminder replaced by a newer one of
its kind (the insurance notice by the expiry) still works: its buttons act on the newer one.
A reminder whose reason went away with nothing recorded says so; one of a household whose
support is closed says that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from reminders import kinds
from reminders.kinds import Does
from storage import households, ledger, plans, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Household, Reminder, ReminderStatus


@dataclass
class Result:
    reminder: Reminder
    household: Household
    already: bool = False  # answered before: nothing done
    outdated: bool = False  # its reason went away, nothing recorded, nothing newer: nothing done
    closed: bool = False  # the household's support is closed: nothing done
    form: str | None = None  # the answer needs a few more words: this form, then done
    rent: ledger.RentCheck | None = None
    snoozed_to: datetime | None = None
    answered_by: str = ""  # who answered it (for "déjà enregistré … par …")


def _load(session: Session, clock: Clock, actor: Advisor, reminder_id: int,
          action: str = "reminder.answer") -> tuple[Reminder, Household]:
    reminder = reminders.get(session, reminder_id)
    if reminder is None:
        raise Refused("reminder_unknown")
    household = households.get(session, clock, actor, reminder.household_id, action=action,
                               need="reminder.answer")
    return reminder, household


def answer(session: Session, clock: Clock, actor: Advisor, reminder_id: int, action: str
           ) -> Result:
    return _with_answerer(session, _answer(session, clock, actor, reminder_id, action))


def _with_answerer(session: Session, result: Result) -> Result:
    by = session.get(Advisor, result.reminder.answered_by_id) \
        if result.reminder.answered_by_id else None
    result.answered_by = by.name if by else ""
    return result


def _answer(session: Session, clock: Clock, actor: Advisor, reminder_id: int, action: str
            ) -> Result:
    """What the button does is the reminder kind's action (reminders.kinds)."""
    reminder, household = _load(session, clock, actor, reminder_id)
    kind = kinds.find(reminder.kind)
    if kind is not None and kind.cancelled_refusal and household.status == "actif" \
            and reminder.status == ReminderStatus.CANCELLED:
        raise Refused(kind.cancelled_refusal)  # e.g. the account was paid up since
    found = _current(session, clock, reminder, household)
    if isinstance(found, Result):
        return found
    reminder = found
    kind = kinds.find(reminder.kind)
    chosen = kind.action(action) if kind is not None else None
    if chosen is None:
        raise Refused("reminder_action")
    if chosen.does == Does.FORM:
        return Result(reminder, household, form=chosen.form)
    if chosen.does == Does.RENT:
        expected = int(reminder.payload["due"])
        check = rent_check(session, clock, actor, household, reminder,
                           expected if chosen.paid else None)
        return Result(reminder, household, rent=check)
    if chosen.does == Does.SNOOZE:
        until = datetime.combine(clock.today() + timedelta(days=chosen.days), time(9, 0),
                                 tzinfo=clock.tz)
        reminders.snooze(session, clock, reminder, until)
        return Result(reminder, household, snoozed_to=reminder.due_at)
    if chosen.does == Does.STEP:
        plans.record_progress(session, clock, actor, household, reminder.payload["uid"],
                              "fait", None, "")
    reminders.close(session, clock, actor, reminder, chosen.answer)
    return Result(reminder, household)


def _current(session: Session, clock: Clock, reminder: Reminder, household: Household
              ) -> Reminder | Result:
    """The reminder a button acts on: itself, or the newer one that replaced it; or why none."""
    if household.status == "clos":
        return Result(reminder, household, closed=True)
    if reminder.status == ReminderStatus.ANSWERED:
        return Result(reminder, household, already=True)
    if reminder.status != ReminderStatus.CANCELLED:
        return reminder
    newer = reminders.replacing(session, reminder, clock.today())
    if newer is not None:
        return newer
    # Settled on another reminder of the same matter: that is what was recorded.
    answered = reminders.answered_sibling(session, reminder)
    if answered is not None:
        return Result(answered, household, already=True)
    return Result(reminder, household, outdated=True)


def rent_check(session: Session, clock: Clock, actor: Advisor, household: Household,
               reminder: Reminder, amount: int | None, accepted: Sequence[str] = ()
               ) -> ledger.RentCheck:
    """A rent reminder answered: Payé / Partiel (`amount`) / Impayé (None), recorded once."""
    if reminder.status == ReminderStatus.ANSWERED:
        raise Refused("reminder_answered")
    month = reminders.payload_date(reminder, "month")
    if month is None:
        raise Refused("reminder_unknown")
    check = ledger.answer_rent_check(session, clock, actor, household, month,
                                     int(reminder.payload["due"]), amount, accepted)
    reminders.close(session, clock, actor, reminder, check.status)
    reminders.sync(session, clock, household)
    return check


def open_reminder(session: Session, clock: Clock, actor: Advisor, reminder_id: int) -> Result:
    """From a grouped message: the reminder alone (or the newer one), with its buttons."""
    reminder, household = _load(session, clock, actor, reminder_id, action="reminder.open")
    kind = kinds.find(reminder.kind)
    if kind is not None and kind.notice:  # a notice is «answered» once sent: still shown
        return Result(reminder, household)
    found = _current(session, clock, reminder, household)
    return _with_answerer(session, found if isinstance(found, Result)
                          else Result(found, household))


def with_form(session: Session, clock: Clock, actor: Advisor, reminder_id: int,
              answer_text: str) -> Reminder:
    """A form started from the reminder was confirmed: the reminder is answered."""
    reminder, _household = _load(session, clock, actor, reminder_id)
    reminders.close(session, clock, actor, reminder, answer_text)
    return reminder


def postpone(session: Session, clock: Clock, actor: Advisor, reminder_id: int, day: date
             ) -> Reminder:
    reminder, _household = _load(session, clock, actor, reminder_id)
    if reminder.status in (ReminderStatus.ANSWERED, ReminderStatus.CANCELLED):
        raise Refused("reminder_answered")
    reminders.snooze(session, clock, reminder,
                     datetime.combine(day, time(9, 0), tzinfo=clock.tz))
    return reminder
