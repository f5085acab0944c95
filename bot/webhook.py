"""`hlm-bot run --webhook`: Telegram POSTs each update; it is answered 200 only once handled.

aiohttp rather than PTB's own webhook server (tornado): PTB's answers 200 as soon as the
update is queued, before any handler ran, so a crash then loses it. Here the request waits
for its update to be handled and committed (`Database.apply` records its id in the same
transaction): 200 then, 500 if a handler failed, so Telegram delivers it again and the
record makes that redelivery a no-op when the work was in fact done. One chat's updates go
through `bot.polling.ChatOrder` as in long polling (in order, chats at once); across
instances the chat's database lock serialises them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.polling import ChatOrder, stop_on_signals
from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    def __init__(self, app: Application, settings: Settings) -> None:
        self.app = app
        self.secret = (settings.webhook_secret or "").encode()
        self.order = ChatOrder(self._handle, settings.concurrency)
        self.failed: set[int] = set()  # updates whose handler raised (see _on_error)
        app.add_error_handler(self._on_error)

    async def _on_error(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        # PTB hands a handler's exception to the error handlers instead of raising it.
        if isinstance(update, Update):
            self.failed.add(update.update_id)

    async def _handle(self, update: Update) -> None:
        await self.app.process_update(update)
        if update.update_id in self.failed:
            self.failed.discard(update.update_id)
            raise RuntimeError("a handler failed")  # → 500, Telegram delivers it again

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        # Shielded: a connection Telegram drops does not cancel the work of the others.
        handled = await asyncio.shield(self.order.submit(update))
        return web.Response(status=200 if handled else 500)


def listen_address(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


async def _set_webhook(app: Application, settings: Settings) -> None:
    """The first instance sets it; the next ones find it set and leave it (a setWebhook from
    each would drop Telegram's open connections). A webhook refused with 403 (an instance
    with an older WEBHOOK_SECRET set it) is set again."""
    assert settings.webhook_url is not None
    info = await app.bot.get_webhook_info()
    wanted = sorted(Update.ALL_TYPES)
    if (info.url == settings.webhook_url and sorted(info.allowed_updates or ()) == wanted
            and "403" not in (info.last_error_message or "")):
        log.info("webhook already set, left as it is")
        return
    await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                              allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    log.info("webhook set")


async def serve(app: Application, settings: Settings) -> None:
    stop = stop_on_signals()
    server = WebhookServer(app, settings)
    web_app = web.Application()
    web_app.router.add_post("/{path:.*}", server.receive)
    runner = web.AppRunner(web_app, access_log=None)  # the log would hold nothing useful
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # job queue
        await runner.setup()
        host, port = listen_address(settings.webhook_listen)
        await web.TCPSite(runner, host, port).start()
        log.info("webhook listening on %s as @%s", settings.webhook_listen, app.bot.username)
        try:
            await _set_webhook(app, settings)
            await stop.wait()
        finally:
            # SIGTERM: no new request; those in flight are finished and answered.
            await runner.cleanup()
            await server.order.drain()
            await app.stop()


def run(app: Application, settings: Settings) -> None:
    asyncio.run(serve(app, settings))
