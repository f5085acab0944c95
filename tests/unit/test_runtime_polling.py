"""The scheduler of bot/polling.py with a fake `process_update` and a fake Bot API."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from telegram import Update

from bot.polling import ChatOrder, _poll


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
    assert order.confirmable == 81


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


async def test_the_offset_stays_at_the_lowest_update_in_flight() -> None:
    gates = {1: asyncio.Event(), 3: asyncio.Event()}

    async def handle(u: Update) -> None:
        if u.update_id in gates:
            await gates[u.update_id].wait()

    order = ChatOrder(handle, limit=4)
    assert order.confirmable is None
    for i, chat in [(1, 10), (2, 11), (3, 12), (4, 11)]:
        order.submit(update(i, chat))
    await asyncio.sleep(0.01)
    assert order.confirmable == 1  # 2 and 4 are done, 1 and 3 not
    gates[1].set()
    await asyncio.sleep(0.01)
    assert order.confirmable == 3
    gates[3].set()
    await order.drain()
    assert order.confirmable == 5
    assert order.submit(update(4, 11)).done() is False  # taken again: handled again
    await order.drain()


async def test_a_failing_update_does_not_stall_its_chat() -> None:
    done: list[int] = []

    async def handle(u: Update) -> None:
        if u.update_id == 1:
            raise RuntimeError("boom")
        done.append(u.update_id)

    order = ChatOrder(handle, limit=2)
    outcomes = [order.submit(update(i, chat=42)) for i in (1, 2, 3)]
    await order.drain()
    assert done == [2, 3] and order.confirmable == 4
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

    def __init__(self, updates: list[Update], handled: set[int]) -> None:
        self.queue = list(updates)
        self.handled = handled
        self.offsets: list[int | None] = []

    async def get_updates(self, offset: int | None = None, timeout: int = 0,
                          **_: Any) -> list[Update]:
        self.offsets.append(offset)
        # The guarantee: nothing confirmed that was not handled.
        assert all(u.update_id in self.handled for u in self.queue
                   if offset is not None and u.update_id < offset)
        if offset is not None:
            self.queue = [u for u in self.queue if u.update_id >= offset]
        await asyncio.sleep(0.001 if self.queue else min(timeout, 0.01))
        return self.queue[:100]  # Telegram's default limit


class FakeApp:
    def __init__(self, bot: FakeBot) -> None:
        self.bot = bot


async def test_polling_confirms_only_what_was_handled_and_finishes_on_stop() -> None:
    handled: set[int] = set()
    rng = random.Random(7)
    slow = asyncio.Event()

    async def handle(u: Update) -> None:
        if u.update_id == 2:
            await slow.wait()  # one long handler while the others go on
        await asyncio.sleep(rng.random() / 200)
        handled.add(u.update_id)

    updates = [update(i, chat=i % 3) for i in range(1, 31)]
    bot = FakeBot(updates, handled)
    stop = asyncio.Event()
    order = ChatOrder(handle, limit=4)
    polling = asyncio.create_task(_poll(FakeApp(bot), stop, order))  # type: ignore[arg-type]
    for _ in range(200):
        await asyncio.sleep(0.01)
        if handled >= {i for i in range(1, 31) if i % 3 != 2}:
            break
    # Chat 2 waits behind update 2; the other chats went on; nothing past 2 confirmed.
    assert handled == {i for i in range(1, 31) if i % 3 != 2}
    assert max(o or 0 for o in bot.offsets) <= 2
    stop.set()
    await asyncio.sleep(0.02)
    assert not polling.done()  # SIGTERM waits for what is in flight
    slow.set()
    await asyncio.wait_for(polling, 2)
    assert handled == set(range(1, 31))
    assert bot.offsets[-1] == 31 and bot.queue == []
