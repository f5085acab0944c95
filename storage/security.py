"""Refused attempts, kept for the audit export: who (Telegram id, advisor if known), what was
attempted, when, and how many times in a row.

The gate also keeps here, per Telegram id, when the refusal was last said: a stranger who
floods the bot hears it once per window, and each further attempt only counts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from storage import advisors
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Household, RefusedSender, SecurityEvent

REFUSAL_WINDOW = timedelta(minutes=10)


def event(clock: Clock, kind: str, *, telegram_id: int | None = None,
          advisor: Advisor | None = None, household: Household | None = None,
          detail: str = "") -> SecurityEvent:
    now = clock.now()
    return SecurityEvent(at=now, last_at=now, kind=kind, detail=detail[:500],
                         telegram_id=telegram_id if telegram_id is not None
                         else advisor.telegram_id if advisor else None,
                         advisor_id=advisor.id if advisor else None,
                         household_id=household.id if household else None)


def record(session: Session, clock: Clock, kind: str, *, telegram_id: int | None = None,
           advisor: Advisor | None = None, household: Household | None = None,
           detail: str = "") -> SecurityEvent:
    """A refused attempt, in the caller's transaction."""
    found = event(clock, kind, telegram_id=telegram_id, advisor=advisor, household=household,
                  detail=detail)
    session.add(found)
    session.flush()
    return found


def refused(code: str, clock: Clock, actor: Advisor, household: Household, attempted: str
            ) -> Refused:
    """The refusal of an access to an existing household the actor may not have; the event
    is kept although the update's transaction is rolled back (see storage.db)."""
    error = Refused(code)
    error.event = event(clock, "forbidden", advisor=actor, household=household, detail=attempted)
    return error


def refuse_sender(session: Session, clock: Clock, telegram_id: int, attempted: str,
                  group: bool = False) -> bool:
    """Someone the gate turns away (a stranger, a deactivated advisor, a group chat) tried
    something: True if the refusal is to be said now (the first attempt of a window), False
    if the attempt is only counted."""
    now = clock.now()
    advisor = None if group else advisors.by_telegram_id(session, telegram_id)
    kind = "group" if group else "deactivated" if advisor else "stranger"
    row = session.get(RefusedSender, telegram_id)
    if row is not None and now - row.refused_at < REFUSAL_WINDOW:
        current = session.get(SecurityEvent, row.event_id) if row.event_id else None
        if current is not None:
            current.count, current.last_at = current.count + 1, now
            session.add(current)
        return False
    found = record(session, clock, kind, telegram_id=telegram_id, advisor=advisor,
                   detail=attempted)
    row = row or RefusedSender(telegram_id=telegram_id, refused_at=now)
    row.refused_at, row.event_id = now, found.id
    session.add(row)
    return True
