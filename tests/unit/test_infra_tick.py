"""Issue 9 §9: reminders of an advisor whose chat with the bot is not open go to a
coordinator, once, marked for whom they were; no call is made to her chat until she writes.

The real TelegramSender over a fake Bot, which answers as Telegram does for a chat that was
never opened (400 chat not found) or a bot she blocked (403)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from telegram.error import BadRequest, Forbidden

from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from bot.settings import Settings
from handlers.notify import TelegramSender
from reminders.tick import Ticker
from storage import advisors, households, tenancy
from storage.clock import FixedClock
from storage.db import Offloaded
from storage.households import HouseholdData
from storage.models import Advisor, Reminder, ReminderStatus, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")
SOPHIE, ZOE = 2002, 3003


class FakeBot:
    def __init__(self, refused: dict[int, Exception]) -> None:
        self.refused = refused
        self.calls: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: object = None) -> None:
        if text.startswith("📊"):  # the coordinator's Monday team summary (test_team_figures)
            return
        self.calls.append((chat_id, text))
        if chat_id in self.refused:
            raise self.refused[chat_id]


def setup(db, clock, sophie_wrote: bool) -> None:
    with db.session() as s:
        zoe = make_advisor(s, clock, ZOE, "Zoé Petit", Role.COORDINATRICE)
        if sophie_wrote:
            sophie = make_advisor(s, clock, SOPHIE, "Sophie Laborde")
        else:  # created by an import: she has never written to the bot
            sophie = advisors.get_or_create(s, clock, SOPHIE, "Sophie Laborde")
        household = households.create(s, clock, zoe, HouseholdData(
            "Dupont", "Ana", advisor_id=sophie.id))
        tenancy.add_free(s, clock, zoe, household, clock.today(), "appeler la CAF")


def ticker(db, clock, bot: FakeBot) -> Ticker:
    render = Renderer(PARIS)
    d = Deps(Settings.from_values({}), clock, Offloaded(db), render,
             DocumentMaker(render, Organisation("MDL")))
    return Ticker(db, clock, TelegramSender(bot, d), "a")  # type: ignore[arg-type]


def sophie(db) -> Advisor:
    return db.read(lambda s: advisors.by_telegram_id(s, SOPHIE))


@pytest.fixture
def clock() -> FixedClock:
    # A Tuesday: Monday's digest of a coordinator carries the team's weekly summary.
    return FixedClock(PARIS, datetime(2027, 3, 16, 9, 30, tzinfo=PARIS))


async def test_never_opened_goes_to_the_coordinator_once_marked(db, clock):
    """Seen: after an import, her reminders went to a chat that does not exist yet (400),
    retried every 15 minutes, and reached nobody."""
    setup(db, clock, sophie_wrote=False)
    bot = FakeBot({SOPHIE: BadRequest("Chat not found")})
    tick = ticker(db, clock, bot)
    assert await tick.tick() == 1
    assert [chat for chat, _ in bot.calls] == [ZOE]  # never her chat
    assert "pour S. L." in bot.calls[0][1] and "appeler la CAF" in bot.calls[0][1]
    clock.advance(timedelta(minutes=15))
    assert await tick.tick() == 0 and len(bot.calls) == 1  # once
    with db.session() as s:
        (reminder,) = s.exec(select(Reminder)).all()
        assert reminder.status == ReminderStatus.SENT
        assert reminder.sent_to_id == advisors.by_telegram_id(s, ZOE).id


@pytest.mark.parametrize("refusal", [
    Forbidden("Forbidden: bot was blocked by the user"), BadRequest("Chat not found")])
async def test_a_refused_chat_is_marked_and_rerouted_at_once(db, clock, refusal):
    setup(db, clock, sophie_wrote=True)
    bot = FakeBot({SOPHIE: refusal})
    tick = ticker(db, clock, bot)
    assert await tick.tick() == 1
    assert [chat for chat, _ in bot.calls] == [SOPHIE, ZOE]
    assert "pour S. L." in bot.calls[1][1]
    assert sophie(db).chat_opened_at is None
    # a new reminder of hers: no call to her chat any more
    with db.session() as s:
        zoe = advisors.by_telegram_id(s, ZOE)
        household = s.exec(select(households.Household)).one()
        tenancy.add_free(s, clock, zoe, household, clock.today(), "relancer le bailleur")
    clock.advance(timedelta(minutes=1))
    assert await tick.tick() == 1
    assert [chat for chat, _ in bot.calls] == [SOPHIE, ZOE, ZOE]


async def test_once_she_writes_she_gets_her_own_reminders(db, clock):
    setup(db, clock, sophie_wrote=False)
    with db.session() as s:  # what the gate does with each of her updates
        assert advisors.identify(s, SOPHIE, "Sophie", clock) is not None
    bot = FakeBot({})
    assert await ticker(db, clock, bot).tick() == 1
    assert {chat for chat, _ in bot.calls} == {SOPHIE}  # the reminder, then her digest
    assert "pour" not in bot.calls[0][1] and "appeler la CAF" in bot.calls[0][1]


async def test_no_digest_to_a_chat_not_open(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 8, 45, tzinfo=PARIS))
    setup(db, clock, sophie_wrote=False)
    bot = FakeBot({SOPHIE: BadRequest("Chat not found")})
    await ticker(db, clock, bot).tick()
    assert SOPHIE not in [chat for chat, _ in bot.calls]
