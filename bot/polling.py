"""Long polling that loses nothing on a kill -9, chats served at once.

PTB's own updater asks for the next batch (and so confirms the previous one to Telegram)
while the handlers are still working: a kill -9 in that instant loses the advisor's message.
Here each batch is first kept in the database (`Inbox`, storage.inbox), then confirmed by the
next poll, which is a real long poll for new updates only; an update's row loses its content
once handled, and a start handles first what the last run left. `storage.db.Database.apply`
makes an update handled twice (a crash between its commit and its row's) a no-op. Updates of
different chats are handled concurrently (one advisor's Bot API round trips no longer delay
the others); the updates of one chat strictly in the order Telegram gave them, so a form's
answers never overtake each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from storage import inbox
from storage.clock import Clock
from storage.db import Offloaded

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0


class ChatOrder:
    """Runs updates: different chats concurrently, at most `limit` handlers at once; one
    chat's updates one after the other, lowest update id first (Telegram's order, also when
    webhook requests arrive a little out of order); updates without a chat in order among
    themselves."""

    def __init__(self, handle: Callable[[Update], Awaitable[object]], limit: int) -> None:
        self._handle = handle
        self._limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._in_flight: dict[int, asyncio.Future[bool]] = {}  # True once handled, False: failed
        self._queues: dict[int | None, list[tuple[int, Update]]] = {}  # per chat, a heap
        self._workers: dict[int | None, asyncio.Task[None]] = {}
        self._done = asyncio.Event()  # set whenever an update is done
        self.completed = 0  # how many were done, to know whether one was since a moment

    def submit(self, update: Update) -> asyncio.Future[bool]:
        """Queue the update behind its chat's earlier ones; the same update submitted again
        while in flight (a webhook redelivery) shares the first one's outcome."""
        if update.update_id in self._in_flight:
            return self._in_flight[update.update_id]
        outcome = asyncio.get_running_loop().create_future()
        self._in_flight[update.update_id] = outcome
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
    def busy(self) -> bool:
        """Enough queued already: fetch no more until some are done (memory stays bounded)."""
        return len(self._in_flight) >= self._limit

    async def wait_done(self, since: int) -> None:
        """Until an update is done after `since` (a value of `completed`)."""
        while self.completed == since:
            self._done.clear()
            await self._done.wait()

    async def drain(self) -> None:
        """Until every submitted update is handled."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight.values()))


class Inbox:
    """The database's side of long polling (storage.inbox), off the event loop: a batch is
    kept before it is confirmed; handled updates are forgotten together, a transaction for all
    those done meanwhile, so a busy minute does not cost a transaction per update."""

    def __init__(self, db: Offloaded, clock: Clock, bot_id: int) -> None:
        self.db, self.clock, self.bot_id = db, clock, bot_id
        self._handled: list[int] = []
        self._forgetting: asyncio.Task[None] | None = None

    async def left(self) -> inbox.Left:
        return await self.db.read(lambda s: inbox.left(s, self.clock, self.bot_id))

    async def keep(self, updates: Sequence[Update]) -> None:
        rows = [(u.update_id, u.to_json()) for u in updates]
        await self.db.write(lambda c: inbox.store(c, self.clock, self.bot_id, rows))

    def handled(self, update_id: int) -> None:
        self._handled.append(update_id)
        if self._forgetting is None or self._forgetting.done():
            self._forgetting = asyncio.create_task(self._forget())

    async def _forget(self) -> None:
        while self._handled:
            ids, self._handled = self._handled, []
            try:
                await self.db.write(partial(inbox.handled, bot_id=self.bot_id, update_ids=ids))
            except Exception:  # kept: the next update handled tries again (or the next start)
                log.exception("handled updates not recorded in the inbox")
                self._handled[:0] = ids
                return

    async def flush(self) -> None:
        """At shutdown: what was handled is recorded, so a clean start does not see it."""
        if self._forgetting is not None:
            await self._forgetting
        if self._handled:
            await self._forget()


async def _poll(app: Application, stop: asyncio.Event, order: ChatOrder, box: Inbox) -> None:
    left = await box.left()
    offset = left.offset

    def submit(update: Update) -> None:
        order.submit(update).add_done_callback(lambda _: box.handled(update.update_id))

    for payload in left.payloads:  # what the last run took and did not finish, first
        submit(Update.de_json(json.loads(payload), app.bot))
    backoff = 1.0
    while not stop.is_set():
        if order.busy:
            await _until(stop, order.wait_done(order.completed))
            continue
        fetch = asyncio.ensure_future(app.bot.get_updates(
            offset=offset, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES))
        await _until(stop, fetch)
        if stop.is_set():
            break
        try:
            updates = [u for u in fetch.result() if offset is None or u.update_id >= offset]
            if updates:
                await box.keep(updates)  # before the next poll confirms them
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
        except Exception:  # not kept (the database?): not confirmed either, fetched again
            log.exception("updates not kept; fetched again in %.1f s", backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 1.5, MAX_BACKOFF)
            continue
        backoff = 1.0
        if updates:
            offset = max(u.update_id for u in updates) + 1
            for update in updates:
                submit(update)
    # SIGTERM: what was taken is finished and recorded, then confirmed.
    await order.drain()
    await box.flush()
    if offset is not None:
        with contextlib.suppress(NetworkError, TimedOut, Conflict):
            await app.bot.get_updates(offset=offset, timeout=0)


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


async def serve(app: Application, concurrency: int, box: Inbox) -> None:
    stop = stop_on_signals()
    async with app:  # initialize / shutdown
        await app.bot.delete_webhook(drop_pending_updates=False)
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # job queue
        log.info("polling as @%s", app.bot.username)
        try:
            await _poll(app, stop, ChatOrder(app.process_update, concurrency), box)
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)


def run(app: Application, concurrency: int, box: Inbox) -> None:
    asyncio.run(serve(app, concurrency, box))
