"""The scheduler of bot/polling.py with a fake `process_update` and a fake Bot API."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from telegram import Update

from bot.polling import ChatOrder, Inbox, _poll
from storage import inbox
from storage.clock import FixedClock
from storage.db import Database, Offloaded
from storage.models import InboxUpdate


def update(update_id: int, chat: int | None) -> Update:
    if chat is None:  # e.g. a poll's new state: no chat
        return Update(update_id)
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "x",
        "chat": {"id": chat, "type": "private"}}}, None)


async def test_one_chat_in_order_whatever_each_takes() -> None:
    rng = random.Random(3)
    seen: list[tuple[int | None, int]] = []

    async def handle(u: Update) -> None:
        await asyncio.sleep(rng.random() / 100)
        seen.append((u.effective_chat.id if u.effective_chat else None, u.update_id))

    order = ChatOrder(handle, limit=8)
    sent = [update(i, chat=[5, 6, 7, None][i % 4]) for i in range(1, 81)]
    for u in sent:
        order.submit(u)
    await order.drain()
    assert len(seen) == 80
    for chat in (5, 6, 7, None):
        mine = [i for c, i in seen if c == chat]
        assert mine == sorted(mine) and len(mine) == 20


async def test_chats_at_once_and_never_more_than_the_limit() -> None:
    running = 0
    most = 0

    async def handle(_u: Update) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1

    order = ChatOrder(handle, limit=32)
    start = time.monotonic()
    for i in range(1, 21):
        order.submit(update(i, chat=100 + i))
    await order.drain()
    assert time.monotonic() - start < 0.5  # 20 × 50 ms one after the other would be 1 s
    assert most == 20

    running = most = 0
    order = ChatOrder(handle, limit=3)
    for i in range(1, 13):
        order.submit(update(i, chat=100 + i))
    await order.drain()
    assert most == 3


async def test_a_failing_update_does_not_stall_its_chat() -> None:
    done: list[int] = []

    async def handle(u: Update) -> None:
        if u.update_id == 1:
            raise RuntimeError("boom")
        done.append(u.update_id)

    order = ChatOrder(handle, limit=2)
    outcomes = [order.submit(update(i, chat=42)) for i in (1, 2, 3)]
    await order.drain()
    assert done == [2, 3]
    assert [o.result() for o in outcomes] == [False, True, True]


async def test_one_chat_lowest_id_first_and_a_duplicate_shares_the_outcome() -> None:
    """Webhook requests of one chat may arrive out of order while one is being handled."""
    gate = asyncio.Event()
    done: list[int] = []

    async def handle(u: Update) -> None:
        if u.update_id == 1:
            await gate.wait()
        done.append(u.update_id)

    order = ChatOrder(handle, limit=4)
    first = order.submit(update(1, chat=9))
    await asyncio.sleep(0)
    later = [order.submit(update(i, chat=9)) for i in (4, 2, 3)]
    assert order.submit(update(1, chat=9)) is first
    gate.set()
    await order.drain()
    assert done == [1, 2, 3, 4] and all(o.result() for o in [first, *later])


class FakeBot:
    """getUpdates as Telegram: an update is returned until an offset past it confirms it."""

    def __init__(self, updates: list[Update], kept: Callable[[], set[int]]) -> None:
        self.queue = list(updates)
        self.kept = kept
        self.offsets: list[int | None] = []
        self.returned = 0

    async def get_updates(self, offset: int | None = None, timeout: int = 0,
                          **_: Any) -> list[Update]:
        self.offsets.append(offset)
        # The guarantee: nothing confirmed that is not kept in the database (or handled).
        assert all(u.update_id in self.kept() for u in self.queue
                   if offset is not None and u.update_id < offset)
        if offset is not None:
            self.queue = [u for u in self.queue if u.update_id >= offset]
        await asyncio.sleep(0.001 if self.queue else min(timeout, 0.01))
        batch = self.queue[:100]  # Telegram's default limit
        self.returned += len(batch)
        return batch


class FakeApp:
    def __init__(self, bot: FakeBot) -> None:
        self.bot = bot


def kept_ids(db: Database) -> set[int]:
    with db.session() as session:
        return {row.update_id for row in session.exec(select(InboxUpdate))}


def pending_ids(db: Database) -> list[int]:
    with db.session() as session:
        return [row.update_id for row in session.exec(
            select(InboxUpdate).where(col(InboxUpdate.payload).is_not(None))
            .order_by(col(InboxUpdate.update_id)))]


async def test_polling_keeps_then_confirms_fetches_each_update_once_and_finishes_on_stop(
        db: Database, clock: FixedClock) -> None:
    handled: set[int] = set()
    rng = random.Random(7)
    slow = asyncio.Event()

    async def handle(u: Update) -> None:
        if u.update_id == 2:
            await slow.wait()  # one long handler while the others go on
        await asyncio.sleep(rng.random() / 200)
        handled.add(u.update_id)

    updates = [update(i, chat=i % 3) for i in range(1, 31)]
    bot = FakeBot(updates, lambda: kept_ids(db) | handled)
    stop = asyncio.Event()
    offloaded = Offloaded(db, 2)
    box = Inbox(offloaded, clock, bot_id=7)
    polling = asyncio.create_task(_poll(FakeApp(bot), stop,  # type: ignore[arg-type]
                                        ChatOrder(handle, limit=4), box))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if handled >= {i for i in range(1, 31) if i % 3 != 2}:
            break
    # Chat 2 waits behind update 2; the other chats went on; chat 2's wait in the database
    # (so they may be confirmed: no poll brought any update twice).
    assert handled == {i for i in range(1, 31) if i % 3 != 2}
    await asyncio.sleep(0.05)
    assert pending_ids(db) == [i for i in range(1, 31) if i % 3 == 2]
    stop.set()
    await asyncio.sleep(0.02)
    assert not polling.done()  # SIGTERM waits for what is in flight
    slow.set()
    await asyncio.wait_for(polling, 2)
    assert handled == set(range(1, 31)) and bot.returned == 30
    assert bot.offsets[-1] == 31 and bot.queue == []
    # Nothing left to handle; their rows stay without content until the next batch, the
    # highest being the offset after a restart.
    assert pending_ids(db) == [] and max(kept_ids(db)) == 30
    offloaded.close()


async def test_a_start_handles_first_what_the_last_run_left_then_goes_on_from_its_offset(
        db: Database, clock: FixedClock) -> None:
    """A kill -9 after the batch was kept and confirmed: the next start has it from the
    database, in order, and asks Telegram only for what came after."""
    db.write(lambda c: inbox.store(c, clock, 7, [
        (u.update_id, u.to_json()) for u in (update(5, chat=1), update(6, chat=1))]))
    another_bot = [(9, update(9, chat=1).to_json())]
    db.write(lambda c: inbox.store(c, clock, 8, another_bot))
    order_seen: list[int] = []

    async def handle(u: Update) -> None:
        order_seen.append(u.update_id)

    bot = FakeBot([update(7, chat=1)], lambda: kept_ids(db) | set(order_seen))
    stop = asyncio.Event()
    offloaded = Offloaded(db, 2)
    polling = asyncio.create_task(_poll(FakeApp(bot), stop,  # type: ignore[arg-type]
                                        ChatOrder(handle, limit=4),
                                        Inbox(offloaded, clock, bot_id=7)))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(order_seen) == 3:
            break
    stop.set()
    await asyncio.wait_for(polling, 2)
    assert order_seen == [5, 6, 7] and bot.offsets[0] == 7
    offloaded.close()


def test_an_old_offset_is_not_trusted(db: Database, clock: FixedClock) -> None:
    """Telegram numbers updates anew after a week without any: an offset from days ago
    would confirm (and so lose) the new ones."""
    db.write(lambda c: inbox.store(c, clock, 7, [(40, update(40, chat=1).to_json())]))
    db.write(lambda c: inbox.handled(c, 7, [40]))
    with db.session() as session:
        assert inbox.left(session, clock, 7) == inbox.Left([], 41)
        later = FixedClock(clock.tz, clock.now() + timedelta(days=2))
        assert inbox.left(session, later, 7) == inbox.Left([], None)


def test_handled_rows_lose_their_content_and_go_with_the_next_batch(db: Database,
                                                                    clock: FixedClock) -> None:
    db.write(lambda c: inbox.store(c, clock, 7, [(u, update(u, chat=1).to_json())
                                                 for u in (40, 41)]))
    db.write(lambda c: inbox.handled(c, 7, [40, 41]))
    assert pending_ids(db) == [] and kept_ids(db) == {40, 41}
    db.write(lambda c: inbox.store(c, clock, 7, [(42, update(42, chat=1).to_json())]))
    assert pending_ids(db) == [42] and kept_ids(db) == {42}
    with db.session() as session:
        left = inbox.left(session, clock, 7)
    assert left.offset == 43 and [json.loads(p)["update_id"] for p in left.payloads] == [42]
