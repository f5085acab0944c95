"""Long polling that confirms an update only once it has been handled, chats served at once.

PTB's own updater asks for the next batch (and so confirms the previous one to Telegram)
while the handlers are still working: a kill -9 in that instant loses the advisor's message.
Here the offset confirmed to Telegram never passes an update still in flight (`ChatOrder`),
so a crash means redelivery, and `storage.db.Database.apply` makes the redelivered update a
no-op. Updates of different chats are handled concurrently (one advisor's Bot API round trips
no longer delay the others); the updates of one chat strictly in the order Telegram gave them,
so a form's answers never overtake each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0
# While updates are in flight, a poll returns them again (their offset is not confirmed):
# wait this long, or until one is done, before asking again, instead of spinning.
IN_FLIGHT_PAUSE = 0.05


class ChatOrder:
    """Runs updates: different chats concurrently, at most `limit` handlers at once; one
    chat's updates one after the other, lowest update id first (Telegram's order, also when
    webhook requests arrive a little out of order); updates without a chat in order among
    themselves. Knows the lowest update not yet handled (`confirmable`)."""

    def __init__(self, handle: Callable[[Update], Awaitable[object]], limit: int) -> None:
        self._handle = handle
        self._limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._in_flight: dict[int, asyncio.Future[bool]] = {}  # True once handled, False: failed
        self._queues: dict[int | None, list[tuple[int, Update]]] = {}  # per chat, a heap
        self._workers: dict[int | None, asyncio.Task[None]] = {}
        self._highest: int | None = None
        self._done = asyncio.Event()  # set whenever an update is done
        self.completed = 0  # how many were done, to know whether one was since a moment

    @property
    def highest(self) -> int | None:
        """The highest update id ever submitted."""
        return self._highest

    def submit(self, update: Update) -> asyncio.Future[bool]:
        """Queue the update behind its chat's earlier ones; the same update submitted again
        while in flight (a webhook redelivery) shares the first one's outcome."""
        if update.update_id in self._in_flight:
            return self._in_flight[update.update_id]
        outcome = asyncio.get_running_loop().create_future()
        self._in_flight[update.update_id] = outcome
        self._highest = max(update.update_id, self._highest or update.update_id)
        chat = update.effective_chat.id if update.effective_chat is not None else None
        heapq.heappush(self._queues.setdefault(chat, []), (update.update_id, update))
        if chat not in self._workers:
            self._workers[chat] = asyncio.create_task(self._work(chat))
        return outcome

    async def _work(self, chat: int | None) -> None:
        queue = self._queues[chat]
        while queue:
            update_id, update = heapq.heappop(queue)
            async with self._slots:
                try:
                    await self._handle(update)
                    handled = True
                except Exception:  # a failing update must not stall its chat or the others
                    log.exception("update %s failed", update_id)
                    handled = False
            self._in_flight.pop(update_id).set_result(handled)
            self.completed += 1
            self._done.set()
        del self._queues[chat], self._workers[chat]

    @property
    def confirmable(self) -> int | None:
        """The offset to give Telegram: the lowest update still in flight, else one past the
        highest handled; None before any update."""
        if self._in_flight:
            return min(self._in_flight)
        return None if self._highest is None else self._highest + 1

    @property
    def busy(self) -> bool:
        """Enough queued already: fetch no more until some are done (memory stays bounded)."""
        return len(self._in_flight) >= self._limit

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def wait_done(self, since: int, timeout: float | None = None) -> None:
        """Until an update is done after `since` (a value of `completed`), or the timeout."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self.completed == since:
                    self._done.clear()
                    await self._done.wait()

    async def drain(self) -> None:
        """Until every submitted update is handled."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight.values()))


async def _poll(app: Application, stop: asyncio.Event, order: ChatOrder) -> None:
    backoff = 1.0
    while not stop.is_set():
        if order.busy:
            await _until(stop, order.wait_done(order.completed))
            continue
        completed = order.completed
        fetch = asyncio.ensure_future(app.bot.get_updates(
            offset=order.confirmable, timeout=0 if order.in_flight else POLL_TIMEOUT,
            allowed_updates=Update.ALL_TYPES))
        await _until(stop, fetch)
        if stop.is_set():
            break
        try:
            updates = fetch.result()
        except RetryAfter as error:
            await _sleep(stop, float(error.retry_after if isinstance(error.retry_after, int)
                                     else error.retry_after.total_seconds()))
            continue
        except (NetworkError, TimedOut, Conflict) as error:
            # Conflict: another process polls the same token; keep trying, say it loudly.
            log.warning("getUpdates failed (%s); retrying in %.1f s", error, backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 1.5, MAX_BACKOFF)
            continue
        backoff = 1.0
        # Those at or below the highest taken are in flight still (not confirmed yet).
        fresh = [order.submit(update) for update in updates
                 if order.highest is None or update.update_id > order.highest]
        if not fresh and order.in_flight:
            # Only updates still being handled came back: the next poll would too.
            await _until(stop, order.wait_done(completed, IN_FLIGHT_PAUSE))
    # SIGTERM: what was taken is finished, then confirmed, so a clean restart does not see it.
    await order.drain()
    if order.confirmable is not None:
        with contextlib.suppress(NetworkError, TimedOut, Conflict):
            await app.bot.get_updates(offset=order.confirmable, timeout=0)


async def _until(stop: asyncio.Event, awaitable: Awaitable[object]) -> None:
    """Wait for the awaitable or the stop, whichever comes first (then it is cancelled)."""
    task = asyncio.ensure_future(awaitable)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        task.cancel()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def serve(app: Application, concurrency: int) -> None:
    stop = stop_on_signals()
    async with app:  # initialize / shutdown
        await app.bot.delete_webhook(drop_pending_updates=False)
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # job queue
        log.info("polling as @%s", app.bot.username)
        try:
            await _poll(app, stop, ChatOrder(app.process_update, concurrency))
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)


def run(app: Application, concurrency: int) -> None:
    asyncio.run(serve(app, concurrency))
