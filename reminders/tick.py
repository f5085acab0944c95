"""The scheduler's tick: what is due now is claimed in the database, then sent.

The JobQueue only calls `tick` every few seconds; the database says what is due, who has
claimed it and what was sent. A tick outside working hours sends nothing (what fell due
waits for the next slot). Sending goes through a `Sender`, so no Telegram object is here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from reminders.calendar import is_working_day, is_working_time
from storage import advisors as team
from storage import deletions, households, reminders, retention
from storage.clock import Clock
from storage.db import Database
from storage.models import Advisor, DigestSent, Household, Reminder
from storage.retention import Due

log = logging.getLogger(__name__)
T = TypeVar("T")

LATE_AFTER = timedelta(hours=1)  # sent this long after its slot: marked late
GROUP_FROM = 4  # this many late reminders for one advisor go in one message
DIGEST_AT = time(8, 30)
FULL_SYNC_EVERY = timedelta(hours=1)
DERIVE_WAIT = timedelta(seconds=1)  # the tick waits this long for the derivation, no more


@dataclass
class Outgoing:
    reminder: Reminder
    household: Household
    late: bool
    # Why it comes late: "downtime" (it fell due while the bot was stopped), "import" (it had
    # fallen due before its caseload was imported), "record" (before it was recorded).
    reason: str = ""
    # The advisor in charge, when the reminder goes to a coordinator in her stead
    # (she has not opened the bot, blocked it, or left): shown as «pour S. L.».
    for_advisor: Advisor | None = None
    # Others it is addressed to besides (the landlord's users, for a préfet notice): sent a
    # copy once it reached its recipient (storage.reminders.recipients).
    copies: list[Advisor] = field(default_factory=list)
    # A copy only informs: sent without the reminder's buttons (they are its recipient's).
    copy: bool = False


class Unreachable(Exception):
    """Raised by a Sender when Telegram refuses the chat itself (403 blocked, 400 chat not
    found): trying again later is pointless until she writes to the bot."""


class Unrenderable(Exception):
    """Raised by a Sender when these reminders cannot be rendered (their kind's macros are
    broken or missing): trying again would fail again, forever."""

    def __init__(self, items: Sequence[Outgoing]) -> None:
        super().__init__(len(items))
        self.items = list(items)


class Sender(Protocol):
    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool: ...

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool: ...

    async def send_digest(self, advisor: Advisor, day: date) -> bool: ...

    async def delete(self, chat_id: int, message_id: int) -> bool: ...

    async def send_retention_notice(self, advisor: Advisor, items: Sequence[Due]) -> bool: ...


def _round_robin(groups: list[tuple[Advisor, list[Outgoing]]]
                 ) -> list[tuple[Advisor, Outgoing]]:
    """One advisor's reminders spread between the others': Telegram allows about one
    message a second in a chat, thirty a second in all."""
    order: list[tuple[Advisor, Outgoing]] = []
    for rank in range(max((len(items) for _, items in groups), default=0)):
        order += [(advisor, items[rank]) for advisor, items in groups if rank < len(items)]
    return order


class Ticker:
    def __init__(self, db: Database, clock: Clock, sender: Sender, owner: str,
                 data_dir: Path | None = None) -> None:
        self.db, self.clock, self.sender, self.owner = db, clock, sender, owner
        self._last_full_sync: datetime | None = None
        self._deriving: asyncio.Task[int] | None = None
        # Households never derived that the last pass left so (their derivation failed): an
        # import made while the bot runs adds some, and a pass starts at the next tick.
        self._left_underived = 0
        self._stop = threading.Event()  # set at shutdown: the pass ends after its chunk
        # The retention pass (storage.retention) needs the files' folder; None: not run.
        self.data_dir = data_dir
        self._retention_day: date | None = None  # only spares a claim attempt per tick
        is_working_day(clock.today())  # the holidays' tables loaded now, not in a tick

    async def _off(self, fn: Callable[..., T], *args: Any) -> T:
        """The database's work in a thread: a SQLite transaction may wait for another
        writer, and the event loop answers the advisors meanwhile."""
        return await asyncio.to_thread(fn, *args)

    async def tick(self) -> int:
        """One pass; returns how many reminders were sent."""
        now = self.clock.now()
        deriving = await self._start_derivation(now)
        if deriving is not None:
            # A small caseload is derived in a moment, and sent in this same tick; a large one
            # goes on in its thread while what is already stored is sent.
            await asyncio.wait({deriving}, timeout=DERIVE_WAIT.total_seconds())
        await self._delete_due()
        if not is_working_time(now, self.clock.tz):
            return 0
        await self._retention()
        sent = await self._send_due(now)
        await self._digests(now)
        return sent

    async def _start_derivation(self, now: datetime) -> asyncio.Task[int] | None:
        """The hourly derivation, in a worker thread: the event loop answers meanwhile; and
        sooner when households wait for their first one (a caseload imported meanwhile)."""
        if self._deriving is not None and not self._deriving.done():
            return None  # the previous pass (the first one on a large caseload) goes on
        if self._last_full_sync is None or now - self._last_full_sync >= FULL_SYNC_EVERY:
            self._last_full_sync = now
        elif await self._off(self._never_derived) <= self._left_underived:
            return None
        self._deriving = asyncio.create_task(asyncio.to_thread(self.derive))
        return self._deriving

    def _never_derived(self) -> int:
        with self.db.session() as session:  # one count on the index
            return reminders.never_derived(session)

    def derive(self) -> int:
        """The households whose day has come (storage.reminders.sync_due), then the purge of
        processed updates; returns how many households were derived."""
        derived = 0
        try:
            derived = reminders.sync_due(self.db, self.clock, self._stop)
            self._left_underived = self._never_derived()
        except Exception:  # deriving failed: what is already stored is still sent
            log.exception("reminders not derived this time")
        try:
            self.db.purge_processed()
        except Exception:
            log.exception("processed updates not purged this time")
        return derived

    async def close(self) -> None:
        """At shutdown: a pass in progress ends after its chunk (committed), and is waited."""
        self._stop.set()
        if self._deriving is not None:
            await asyncio.wait({self._deriving})

    async def _retention(self) -> None:
        """Once a day, in working hours (its notice goes to coordinators): anonymise what
        reached the end of its retention, then tell what comes within 30 days."""
        today = self.clock.today()
        if self.data_dir is None or self._retention_day == today:
            return
        self._retention_day = today
        try:
            done = await asyncio.to_thread(self._retention_pass, self.data_dir)
        except Exception:
            log.exception("retention pass failed")
            return
        if done is None:
            return  # another process has run today's pass
        for advisor in done.coordinators:
            try:
                await self._try(self.sender.send_retention_notice(advisor, done.notice))
            except Unreachable:
                await self._off(self._unreachable, advisor)

    def _retention_pass(self, data_dir: Path) -> retention.DailyPass | None:
        with self.db.session() as session:
            done = retention.daily_pass(session, self.clock, data_dir)
        if done is not None:  # committed: the files can go
            retention.remove_files([path for o in done.anonymised for path in o.files])
        return done

    async def _delete_due(self) -> None:
        """Messages shown for a while (a confidential address): deleted at any hour."""
        for row in await self._off(self.db.read, lambda s: deletions.due(s, self.clock)):
            if await self._try(self.sender.delete(row.chat_id, row.message_id)):
                await self._off(self.db.read, lambda s, done=row.id or 0:
                                deletions.done(s, self.clock, done))

    async def _send_due(self, now: datetime) -> int:
        count = 0
        while is_working_time(self.clock.now(), self.clock.tz):  # a long backlog stops at 18:00
            claimed, groups = await self._off(self._claim, now)
            if not claimed:
                return count
            singles: list[tuple[Advisor, list[Outgoing]]] = []
            for advisor, items in groups:
                for reason in dict.fromkeys(i.reason for i in items if i.late):
                    late = [i for i in items if i.late and i.reason == reason]
                    if len(late) < GROUP_FROM:
                        continue
                    items = [i for i in items if i not in late]
                    late = [i for i in late if await self._off(self._renew, i)]
                    if late:  # one message per reason, which says it
                        count += await self._deliver(advisor, late, self.sender.send_group(
                            advisor, late))
                singles.append((advisor, items))
            for advisor, item in _round_robin(singles):
                if await self._off(self._renew, item):
                    count += await self._deliver(advisor, [item],
                                                 self.sender.send_one(advisor, item))
        return count

    def _claim(self, now: datetime) -> tuple[list[Reminder],
                                             list[tuple[Advisor, list[Outgoing]]]]:
        with self.db.session() as session:
            claimed = reminders.claim(session, self.clock, self.owner)
            return claimed, self._by_recipient(session, claimed, now)

    def _renew(self, item: Outgoing) -> bool:
        with self.db.session() as session:
            return reminders.renew(session, self.clock, item.reminder.id or 0, self.owner)

    async def _deliver(self, advisor: Advisor, items: Sequence[Outgoing], sending: object
                       ) -> int:
        try:
            ok = await self._try(sending)
        except Unrenderable as broken:
            await self._off(self._unrenderable, items, broken)
            return 0
        except Unreachable:
            # Her chat is refused: marked, and the reminders are due again at once, for the
            # next claim to route them to a coordinator (see storage.reminders.recipient).
            await self._off(self._unreachable, advisor, items)
            return 0
        await self._off(self._record, items, advisor, ok)
        if ok:
            await self._send_copies(items)
        return len(items) if ok else 0

    def _unrenderable(self, items: Sequence[Outgoing], broken: Unrenderable) -> None:
        """The reminders that cannot be rendered are marked failed (reported in the lists as
        «rappel non envoyable», never retried); the others of the message are due again at
        once, for the next claim of this pass to send them without the broken ones."""
        failed = {i.reminder.id for i in broken.items}
        cause = type(broken.__cause__).__name__ if broken.__cause__ else "its line"
        with self.db.session() as session:
            for item in items:
                if item.reminder.id in failed:
                    # Its kind and id only: no household data in the logs.
                    log.error("reminder %s of kind %r cannot be rendered (%s): marked failed",
                              item.reminder.id, item.reminder.kind, cause)
                    reminders.failed(session, item.reminder.id or 0, self.owner)
                else:
                    reminders.release(session, self.clock, item.reminder.id or 0, self.owner,
                                      retry_later=False)

    async def _send_copies(self, items: Sequence[Outgoing]) -> None:
        """Once, after the recipient got it: a copy that fails is logged, not retried (the
        reminder is the recipient's; the copy informs)."""
        for item in items:
            for other in item.copies:
                try:
                    await self._try(self.sender.send_one(
                        other, replace(item, copies=[], copy=True)))
                except Unreachable:
                    log.warning("copy of reminder %s to %s not sent", item.reminder.id, other.id)

    def _unreachable(self, advisor: Advisor, items: Sequence[Outgoing] = ()) -> None:
        """Marked, and her reminders `items` released (due again at once)."""
        log.warning("advisor %s cannot be reached (chat refused by Telegram)", advisor.id)
        with self.db.session() as session:
            team.unreachable(session, advisor.id or 0)
            for item in items:
                reminders.release(session, self.clock, item.reminder.id or 0, self.owner,
                                  retry_later=False)

    def _by_recipient(self, session: Session, claimed: list[Reminder], now: datetime
                      ) -> list[tuple[Advisor, list[Outgoing]]]:
        groups: dict[int, list[Outgoing]] = defaultdict(list)
        advisors: dict[int, Advisor] = {}
        for reminder in claimed:
            household = session.get(Household, reminder.household_id)
            found = reminders.recipients(session, household, reminder) if household else []
            advisor = found[0] if found else None
            if household is None or advisor is None or advisor.id is None:
                reminders.release(session, self.clock, reminder.id or 0, self.owner)
                continue
            advisors[advisor.id] = advisor
            in_charge = session.get(Advisor, household.advisor_id) \
                if household.advisor_id not in (None, advisor.id) else None
            item = self._outgoing(session, reminder, household, now, in_charge)
            item.copies = found[1:]
            groups[advisor.id].append(item)
        return [(advisors[a], items) for a, items in groups.items()]

    def _outgoing(self, session: Session, reminder: Reminder, household: Household,
                  now: datetime, for_advisor: Advisor | None) -> Outgoing:
        if reminder.due_on < reminder.created_at.astimezone(self.clock.tz).date():
            # It fell due before it existed: the bot was not stopped, the record came late
            # (with the caseload's import, or when the advisor entered it).
            with_import = reminder.created_at - household.created_at < LATE_AFTER \
                and households.imported(session, household)
            reason = "import" if with_import else "record"
            return Outgoing(reminder, household, late=True, reason=reason,
                            for_advisor=for_advisor)
        # Late: its slot passed while nothing sent it (not: created today for today).
        waited = now - max(reminder.due_at, reminder.created_at)
        late = waited > LATE_AFTER
        return Outgoing(reminder, household, late=late, reason="downtime" if late else "",
                        for_advisor=for_advisor)

    async def _try(self, sending: object) -> bool:
        try:
            return bool(await sending)  # type: ignore[misc]
        except (Unreachable, Unrenderable):
            raise
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
        # Not to a chat she has not opened (or refused): no call is made to it.
        members = await self._off(self.db.read, lambda s: list(s.exec(select(Advisor).where(
            col(Advisor.active), col(Advisor.chat_opened_at).is_not(None)))))
        for advisor in members:
            if not await self._off(self._claim_digest, advisor, day, now):
                continue
            try:
                ok = await self._try(self.sender.send_digest(advisor, day))
            except Unreachable:
                await self._off(self._unreachable, advisor)
                continue  # the day's digest stays claimed: not tried again today
            if not ok:
                await self._off(self._release_digest, advisor, day)

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
