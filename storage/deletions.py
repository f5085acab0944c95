"""Messages the bot deletes later (a confidential address shown on demand): rows, so that a
restart does not forget them; the reminders' tick deletes what is due."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from storage.clock import Clock
from storage.models import PendingDeletion

ADDRESS_SHOWN_FOR = timedelta(minutes=10)


def schedule(session: Session, clock: Clock, chat_id: int, message_id: int,
             after: timedelta = ADDRESS_SHOWN_FOR) -> PendingDeletion:
    row = PendingDeletion(chat_id=chat_id, message_id=message_id,
                          delete_at=clock.now() + after)
    session.add(row)
    return row


def due(session: Session, clock: Clock, limit: int = 50) -> list[PendingDeletion]:
    query = select(PendingDeletion).where(col(PendingDeletion.deleted_at).is_(None),
                                          PendingDeletion.delete_at <= clock.now())
    return list(session.exec(query.order_by(col(PendingDeletion.delete_at)).limit(limit)))


def done(session: Session, clock: Clock, deletion_id: int) -> None:
    """Deleted, or gone already (deleted by the advisor, too old): not tried again."""
    row = session.get(PendingDeletion, deletion_id)
    if row is not None and row.deleted_at is None:
        row.deleted_at = clock.now()
        session.add(row)
