"""Small builders for the unit tests."""

from __future__ import annotations

from sqlmodel import Session

from storage.clock import FixedClock
from storage.models import Advisor, Role


def make_advisor(session: Session, clock: FixedClock, telegram_id: int, name: str,
                 role: Role = Role.CONSEILLERE) -> Advisor:
    advisor = Advisor(telegram_id=telegram_id, name=name, role=role, created_at=clock.now(),
                      chat_opened_at=clock.now())  # she has written to the bot
    session.add(advisor)
    session.flush()
    return advisor
