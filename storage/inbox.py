"""Updates taken by long polling and not handled yet (bot.polling).

Telegram forgets an update once a poll confirms it (an offset past it). Kept here first, an
update can be confirmed at once: the next poll is a real long poll that brings only new
updates, instead of fetching again, every few milliseconds, those still being handled; and a
kill -9 loses nothing, the next start handles what is left here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, delete, insert, update
from sqlmodel import Session, col, select

from storage.clock import Clock
from storage.models import InboxUpdate

# Telegram numbers updates anew (at random) after a week without any: an offset older than a
# day is not trusted, the first poll takes Telegram's own (confirmed by every poll anyway).
OFFSET_TRUSTED = timedelta(days=1)


@dataclass
class Left:
    """What the last run left: the updates not handled (Telegram's JSON, in order) and the
    offset to confirm, or None to take Telegram's."""

    payloads: list[str]
    offset: int | None


# Prebuilt statements on a plain connection (storage.db.Database.write): an update's row is
# written twice, and the ORM's session and a statement built each time cost more than SQLite.
TABLE = InboxUpdate.__table__  # type: ignore[attr-defined]
_MINE = TABLE.c.bot_id == bindparam("bot")
_INSERT = insert(TABLE)
# Rows handled below the batch being kept: the new rows keep the offset.
_FORGET = delete(TABLE).where(_MINE, TABLE.c.payload.is_(None),
                              TABLE.c.update_id < bindparam("below"))
_HANDLED = update(TABLE).where(_MINE, TABLE.c.update_id.in_(bindparam("ids", expanding=True))
                               ).values(payload=None)


def store(connection: Connection, clock: Clock, bot_id: int,
          updates: Sequence[tuple[int, str]]) -> None:
    """Keep these updates (id, JSON) before they are confirmed to Telegram; the rows handled
    before them go."""
    now = clock.now()
    connection.execute(_FORGET, {"bot": bot_id, "below": min(u for u, _ in updates)})
    connection.execute(_INSERT, [
        {"bot_id": bot_id, "update_id": update_id, "payload": payload, "received_at": now}
        for update_id, payload in updates])


def handled(connection: Connection, bot_id: int, update_ids: Sequence[int]) -> None:
    """These are handled (or failed for good): their content goes; their rows stay until the
    next batch (the highest is the offset after a restart)."""
    connection.execute(_HANDLED, {"bot": bot_id, "ids": list(update_ids)})


def left(session: Session, clock: Clock, bot_id: int) -> Left:
    rows = session.exec(select(InboxUpdate).where(col(InboxUpdate.bot_id) == bot_id)
                        .order_by(col(InboxUpdate.update_id))).all()
    payloads = [row.payload for row in rows if row.payload is not None]
    if not rows or clock.now() - rows[-1].received_at > OFFSET_TRUSTED:
        return Left(payloads, None)
    return Left(payloads, rows[-1].update_id + 1)
