"""The audit trail: who read or changed what, and when."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.clock import Clock
from storage.models import Advisor, AuditLog, Household


def record(
    session: Session,
    clock: Clock,
    actor: Advisor | None,
    action: str,
    household: Household | None = None,
    detail: str = "",
) -> None:
    session.add(
        AuditLog(
            at=clock.now(),
            advisor_id=actor.id if actor else None,
            action=action,
            household_id=household.id if household else None,
            detail=detail[:500],
        )
    )


def trail(session: Session, household: Household) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.household_id == household.id)
    return list(session.exec(query.order_by(col(AuditLog.id))))
