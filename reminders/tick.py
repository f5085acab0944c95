"""The scheduler's tick: what is due now is claimed in the database, then sent.

The JobQueue only calls `tick` every few seconds; the database says what is due, who has
claimed it and what was sent. A tick outside working hours sends nothing (what fell due
waits for the next slot). Sending goes through a `Sender`, so no Telegram object is here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reminders.calendar import is_working_day, is_working_time
from storage import reminders
from storage.clock import Clock
from storage.db import Database
from storage.models import Advisor, DigestSent, Household, Reminder

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(hours=1)  # sent this long after its slot: marked late
GROUP_FROM = 4  # this many late reminders for one advisor go in one message
DIGEST_AT = time(8, 30)
FULL_SYNC_EVERY = timedelta(hours=1)


@dataclass
class Outgoing:
    reminder: Reminder
    household: Household
    late: bool


class Sender(Protocol):
    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool: ...

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool: ...

    async def send_digest(self, advisor: Advisor, day: date) -> bool: ...


def _round_robin(groups: list[tuple[Advisor, list[Outgoing]]]
                 ) -> list[tuple[Advisor, Outgoing]]:
    """One advisor's reminders spread between the others': Telegram allows about one
    message a second in a chat, thirty a second in all."""
    order: list[tuple[Advisor, Outgoing]] = []
    for rank in range(max((len(items) for _, items in groups), default=0)):
        order += [(advisor, items[rank]) for advisor, items in groups if rank < len(items)]
    return order


class Ticker:
    def __init__(self, db: Database, clock: Clock, sender: Sender, owner: str) -> None:
        self.db, self.clock, self.sender, self.owner = db, clock, sender, owner
        self._last_full_sync: datetime | None = None

    async def tick(self) -> int:
        """One pass; returns how many reminders were sent."""
        now = self.clock.now()
        if self._last_full_sync is None or now - self._last_full_sync >= FULL_SYNC_EVERY:
            try:
                with self.db.session() as session:
                    reminders.sync_all(session, self.clock)
            except Exception:  # deriving failed: what is already stored is still sent
                log.exception("reminders not derived this time")
            self._last_full_sync = now
        if not is_working_time(now, self.clock.tz):
            return 0
        sent = await self._send_due(now)
        await self._digests(now)
        return sent

    async def _send_due(self, now: datetime) -> int:
        count = 0
        while is_working_time(self.clock.now(), self.clock.tz):  # a long backlog stops at 18:00
            with self.db.session() as session:
                claimed = reminders.claim(session, self.clock, self.owner)
                groups = self._by_recipient(session, claimed, now)
            if not claimed:
                return count
            singles: list[tuple[Advisor, list[Outgoing]]] = []
            for advisor, items in groups:
                late = [i for i in items if i.late]
                if len(late) >= GROUP_FROM:
                    late = [i for i in late if self._renew(i)]
                    if late:
                        count += await self._deliver(advisor, late, self.sender.send_group(
                            advisor, late))
                    items = [i for i in items if not i.late]
                singles.append((advisor, items))
            for advisor, item in _round_robin(singles):
                if self._renew(item):
                    count += await self._deliver(advisor, [item],
                                                 self.sender.send_one(advisor, item))
        return count

    def _renew(self, item: Outgoing) -> bool:
        with self.db.session() as session:
            return reminders.renew(session, self.clock, item.reminder.id or 0, self.owner)

    async def _deliver(self, advisor: Advisor, items: Sequence[Outgoing], sending: object
                       ) -> int:
        ok = await self._try(sending)
        self._record(items, advisor, ok)
        return len(items) if ok else 0

    def _by_recipient(self, session: Session, claimed: list[Reminder], now: datetime
                      ) -> list[tuple[Advisor, list[Outgoing]]]:
        groups: dict[int, list[Outgoing]] = defaultdict(list)
        advisors: dict[int, Advisor] = {}
        for reminder in claimed:
            household = session.get(Household, reminder.household_id)
            advisor = reminders.recipient(session, household, reminder) if household else None
            if household is None or advisor is None or advisor.id is None:
                reminders.release(session, self.clock, reminder.id or 0, self.owner)
                continue
            advisors[advisor.id] = advisor
            # Late: its slot passed while nothing sent it (not: created today for today).
            waited = now - max(reminder.due_at, reminder.created_at)
            groups[advisor.id].append(Outgoing(reminder, household, late=waited > LATE_AFTER))
        return [(advisors[a], items) for a, items in groups.items()]

    async def _try(self, sending: object) -> bool:
        try:
            return bool(await sending)  # type: ignore[misc]
        except Exception:  # a Telegram error delays a reminder, never drops it
            log.exception("sending reminders failed; they will be tried again")
            return False

    def _record(self, items: Sequence[Outgoing], advisor: Advisor, ok: bool) -> None:
        with self.db.session() as session:
            for item in items:
                if ok:
                    reminders.sent(session, self.clock, item.reminder.id or 0, self.owner,
                                   advisor.id or 0, item.late)
                else:
                    reminders.release(session, self.clock, item.reminder.id or 0, self.owner)

    async def _digests(self, now: datetime) -> None:
        local = now.astimezone(self.clock.tz)
        if local.time() < DIGEST_AT or not is_working_day(local.date()):
            return
        day = local.date()
        with self.db.session() as session:
            team = list(session.exec(select(Advisor).where(col(Advisor.active))))
        for advisor in team:
            if not self._claim_digest(advisor, day, now):
                continue
            if not await self._try(self.sender.send_digest(advisor, day)):
                self._release_digest(advisor, day)

    def _claim_digest(self, advisor: Advisor, day: date, now: datetime) -> bool:
        """One digest per advisor and day, whichever process gets there first."""
        try:
            with self.db.session() as session:
                session.add(DigestSent(advisor_id=advisor.id or 0, day=day, at=now))
            return True
        except IntegrityError:
            return False

    def _release_digest(self, advisor: Advisor, day: date) -> None:
        with self.db.session() as session:
            row = session.get(DigestSent, (advisor.id, day))
            if row is not None:
                session.delete(row)
