"""The audit trail: who read or changed what, and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from storage.clock import Clock
from storage.models import Advisor, AuditLog, Household

_BULK = "audit.bulk"  # session.info key: the rows `in_bulk` holds back, to insert together


def record(
    session: Session,
    clock: Clock,
    actor: Advisor | None,
    action: str,
    household: Household | None = None,
    detail: str = "",
) -> None:
    row: dict[str, Any] = {"at": clock.now(), "advisor_id": actor.id if actor else None,
                           "action": action, "household_id": household.id if household else None,
                           "detail": detail[:500]}
    held: list[dict[str, Any]] | None = session.info.get(_BULK)
    if held is not None:
        held.append(row)
    else:
        session.add(AuditLog(**row))


@contextmanager
def in_bulk(session: Session) -> Iterator[None]:
    """The rows recorded in the block are inserted together at its end, in one statement
    (an import's batch: thousands of rows, one object each was most of their cost). Nothing
    in the block may read them back; an error in it drops them with the block's changes."""
    held: list[dict[str, Any]] = []
    session.info[_BULK] = held
    try:
        yield
    finally:
        del session.info[_BULK]
    if held:
        session.execute(insert(AuditLog), held)


def trail(session: Session, household: Household) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.household_id == household.id)
    return list(session.exec(query.order_by(col(AuditLog.id))))
