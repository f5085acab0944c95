"""The tick with a fake sender: working hours, late ones grouped, failures retried, one
digest a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from reminders.tick import Outgoing, Ticker
from storage import households, tenancy
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import Advisor, Reminder, ReminderStatus, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")


class FakeSender:
    def __init__(self) -> None:
        self.singles: list[str] = []
        self.groups: list[list[str]] = []
        self.digests: list[date] = []
        self.failing = False

    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool:
        if self.failing:
            raise ConnectionError("network down")
        self.singles.append(item.reminder.key)
        return True

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool:
        self.groups.append([i.reminder.key for i in items])
        return True

    async def send_digest(self, advisor: Advisor, day: date) -> bool:
        self.digests.append(day)
        return True


def setup(db, clock, count: int, due: date) -> None:
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        household = households.create(s, clock, admin, HouseholdData("Dupont", "Ana"))
        for n in range(count):
            tenancy.add_free(s, clock, admin, household, due, f"rappel {n}")


async def test_nothing_outside_working_hours_then_sent_once(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 13, 11, 0, tzinfo=PARIS))  # a Saturday
    setup(db, clock, 2, date(2027, 3, 13))
    sender = FakeSender()
    ticker = Ticker(db, clock, sender, "a")
    assert await ticker.tick() == 0 and sender.singles == []
    clock.advance(timedelta(days=2, hours=-1, minutes=30))  # Monday 10:30: due at 9:00
    assert await ticker.tick() == 2
    assert await ticker.tick() == 0 and len(sender.singles) == 2
    assert sender.digests == [date(2027, 3, 15)]
    await ticker.tick()
    assert sender.digests == [date(2027, 3, 15)]  # once a day, even with a second process
    assert await Ticker(db, clock, sender, "b").tick() == 0
    assert sender.digests == [date(2027, 3, 15)]


async def test_late_ones_are_grouped_and_failures_retried(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 1, 10, 0, tzinfo=PARIS))
    setup(db, clock, 5, date(2027, 3, 2))
    clock.advance(timedelta(days=7))  # the bot was down a week
    sender = FakeSender()
    await Ticker(db, clock, sender, "a").tick()
    assert len(sender.groups) == 1 and len(sender.groups[0]) == 5 and sender.singles == []
    with db.session() as s:
        assert all(r.late and r.status == ReminderStatus.SENT
                   for r in s.exec(select(Reminder)))


async def test_a_failed_send_is_kept_and_tried_again(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 9, 30, tzinfo=PARIS))
    setup(db, clock, 1, date(2027, 3, 15))
    sender = FakeSender()
    sender.failing = True
    ticker = Ticker(db, clock, sender, "a")
    assert await ticker.tick() == 0
    with db.session() as s:
        (reminder,) = s.exec(select(Reminder)).all()
        assert reminder.status == ReminderStatus.DUE and reminder.attempts == 1
    sender.failing = False
    assert await ticker.tick() == 0  # waits for its backoff
    clock.advance(timedelta(seconds=31))
    assert await ticker.tick() == 1 and len(sender.singles) == 1
