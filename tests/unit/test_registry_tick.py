"""A reminder kind that cannot render is reported, not retried forever.

Seen: a new kind forgotten in a template rendered with an UndefinedError, went back to the
queue with a backoff and was retried forever. Now the tick marks that reminder failed (its
kind and id in the log, no household data), sends the others, and the lists say «rappel non
envoyable». The real TelegramSender over a fake Bot, a deliberately broken kind registered."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from bot.settings import Settings
from handlers.notify import TelegramSender
from reminders import kinds
from reminders.tick import Ticker
from storage import households, reminders, tenancy
from storage.clock import FixedClock
from storage.db import Offloaded
from storage.households import HouseholdData
from storage.models import FreeReminder, Reminder, ReminderStatus, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")
ADVISOR = 1001
# Registered, but its line's macro does not exist in reminder_kinds.html.
BROKEN = kinds.Kind("broken", "_free", line="no_such_macro", short="no_such_short",
                    word="libre_word", actions=kinds.LATER)


class FakeBot:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: object = None) -> None:
        self.texts.append(text)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> kinds.Kind:
    monkeypatch.setitem(kinds.BY_NAME, BROKEN.name, BROKEN)
    return BROKEN


def setup(db, clock, free: int, broken_due: date) -> int:
    """`free` reminders she wrote, due today, and one of the broken kind; its id."""
    with db.session() as s:
        advisor = make_advisor(s, clock, ADVISOR, "Léa Morel", Role.ADMIN)
        h = households.create(s, clock, advisor, HouseholdData(
            "Dupont", "Ana", advisor_id=advisor.id))
        for n in range(free):
            tenancy.add_free(s, clock, advisor, h, broken_due, f"appeler la CAF {n}")
        # Derived like the others (rules._free names the kind recorded on it).
        s.add(FreeReminder(household_id=h.id or 0, kind="broken", due_on=broken_due,
                           text="x", created_at=clock.now()))
        s.flush()
        reminders.sync(s, clock, h)
        return s.exec(select(Reminder.id).where(Reminder.kind == "broken")).one() or 0


def ticker(db, clock, bot: FakeBot) -> Ticker:
    render = Renderer(PARIS)
    d = Deps(Settings.from_values({}), clock, Offloaded(db), render,
             DocumentMaker(render, Organisation("MDL")))
    return Ticker(db, clock, TelegramSender(bot, d), "a")  # type: ignore[arg-type]


async def test_a_broken_kind_is_marked_failed_once_and_the_others_go(db, clock, broken,
                                                                     caplog):
    bad = setup(db, clock, 1, clock.today())
    bot = FakeBot()
    tick = ticker(db, clock, bot)
    with caplog.at_level(logging.ERROR, logger="reminders.tick"):
        assert await tick.tick() == 1
    sent = [t for t in bot.texts if "appeler la CAF 0" in t and "Rappel" in t]
    assert len(sent) == 1
    # Reported with its kind and id, and nothing of the household.
    (record,) = [r for r in caplog.records if "cannot be rendered" in r.getMessage()]
    assert "'broken'" in record.getMessage() and str(bad) in record.getMessage()
    assert "Dupont" not in caplog.text and "Ana" not in caplog.text
    with db.session() as s:
        assert s.get(Reminder, bad).status == ReminderStatus.FAILED
    # Not tried again: later passes send nothing, and log nothing more.
    count = len(bot.texts)
    for _ in range(3):
        clock.advance(timedelta(minutes=20))
        assert await tick.tick() == 0
    assert len(bot.texts) == count
    assert len([r for r in caplog.records if "cannot be rendered" in r.getMessage()]) == 1
    # The lists say it: «rappel non envoyable», beside the others (the day's digest too).
    with db.session() as s:
        advisor = s.exec(select(households.Advisor)).one()
        groups = reminders.digest(s, clock, advisor, clock.today() + timedelta(days=30))
        shown = Renderer(PARIS).msg("reminders.upcoming", groups=groups, day=clock.today(),
                                    until=clock.today() + timedelta(days=30))
    assert "rappel non envoyable" in shown and "appeler la CAF 0" in shown
    assert any("rappel non envoyable" in t for t in bot.texts)  # the digest, sent


async def test_in_a_grouped_message_only_the_broken_one_is_left_out(db, clock, broken):
    """Five late ones make one message; the broken one is left out and the four others go
    together, in the same pass."""
    bad = setup(db, clock, 4, clock.today() - timedelta(days=7))
    bot = FakeBot()
    assert await ticker(db, clock, bot).tick() == 4
    with db.session() as s:
        statuses = {r.key: r.status for r in s.exec(select(Reminder))}
        assert s.get(Reminder, bad).status == ReminderStatus.FAILED
    assert sorted(statuses.values()).count(ReminderStatus.SENT) == 4
    (group,) = [t for t in bot.texts if "4 rappels" in t]
    assert all(f"appeler la CAF {n}" in group for n in range(4))


async def test_a_failed_reminder_whose_reason_went_away_leaves_the_lists(db, clock, broken):
    bad = setup(db, clock, 0, clock.today())
    await ticker(db, clock, FakeBot()).tick()
    with db.session() as s:
        h = s.exec(select(households.Household)).one()
        gone = s.exec(select(FreeReminder).where(FreeReminder.kind == "broken")).one()
        gone.cancelled_on = clock.today()
        reminders.sync(s, clock, h)
        assert s.get(Reminder, bad).status == ReminderStatus.CANCELLED
