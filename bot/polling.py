"""Long polling that confirms an update only once it has been handled.

PTB's own updater asks for the next batch (and so confirms the previous one to Telegram)
while the handlers are still working: a kill -9 in that instant loses the advisor's message.
Here the offset moves past an update only after `process_update` returned, so a crash means
redelivery, and `storage.db.Database.apply` makes the redelivered update a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0


async def _poll(app: Application, stop: asyncio.Event) -> None:
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(app.bot.get_updates(
            offset=offset, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            fetch.cancel()
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
        for update in updates:
            await app.process_update(update)  # handler errors go to the error handler
            offset = update.update_id + 1
    if offset is not None:
        # Confirm what was handled, so that a clean restart does not see it again.
        with contextlib.suppress(NetworkError, TimedOut, Conflict):
            await app.bot.get_updates(offset=offset, timeout=0)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def serve(app: Application) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:  # initialize / shutdown
        await app.bot.delete_webhook(drop_pending_updates=False)
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # job queue
        log.info("polling as @%s", app.bot.username)
        try:
            await _poll(app, stop)
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)


def run(app: Application) -> None:
    asyncio.run(serve(app))
