"""Assembling the Telegram application from the settings."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy.engine import make_url
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot import polling
from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.ratelimit import RateLimiter
from bot.render import Renderer
from bot.settings import Settings, SettingsError
from handlers import gate
from handlers.notify import TelegramSender
from handlers.registry import register, set_menu
from reminders.tick import Ticker
from storage import advisors, budget, reminders
from storage.clock import Clock
from storage.db import Database, Offloaded
from storage.migrate import upgrade


def make_deps(settings: Settings) -> Deps:
    clock = Clock(settings.timezone, settings.clock_start)
    reminders.settings["rent_check_delay"] = settings.rent_check_delay
    budget.settings["remaining_min"] = settings.remaining_min
    render = Renderer(settings.timezone)
    logo = settings.org_logo.as_uri() if settings.org_logo else None
    org = Organisation(settings.org_name, settings.org_address, logo, settings.org_city)
    db = Database(settings.database_url, clock, settings.bot_id)
    return Deps(settings, clock, Offloaded(db, settings.workers), render,
                DocumentMaker(render, org))


def prepare(d: Deps) -> None:
    """Schema to the latest revision, administrators of the settings in place."""
    upgrade(d.db.engine)
    with d.db.session() as session:
        advisors.ensure_admins(session, d.clock, list(d.settings.admins))
    d.settings.data_dir.mkdir(parents=True, exist_ok=True)
    _private(d)


def _private(d: Deps) -> None:
    """What an older version left readable by others (before `umask 077`, see bot.cli) is
    made the bot user's only: the data folder, everything under it, the SQLite file."""
    paths = [d.settings.data_dir, *d.settings.data_dir.rglob("*")]
    database = make_url(d.settings.database_url)
    if database.get_backend_name() == "sqlite" and database.database not in (None, ":memory:"):
        paths += list(Path(database.database or "").parent.glob(
            Path(database.database or "").name + "*"))
    for path in paths:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


TICK_SECONDS = 5


async def _start_reminders(app: Application) -> None:
    """The JobQueue is only the tick: what is due is in the database (see reminders.tick)."""
    d: Deps = app.bot_data["deps"]
    ticker = Ticker(d.db.sync, d.clock, TelegramSender(app.bot, d),
                    owner=f"{socket.gethostname()}:{os.getpid()}", data_dir=d.settings.data_dir)

    async def tick(_context: object) -> None:
        await ticker.tick()

    app.bot_data["ticker"] = ticker

    assert app.job_queue is not None
    app.job_queue.run_repeating(tick, interval=TICK_SECONDS, first=1, name="reminders")


async def _post_init(app: Application) -> None:
    await set_menu(app)
    await _start_reminders(app)


async def _post_stop(app: Application) -> None:
    """A derivation in progress (a large caseload's first) ends after its chunk."""
    ticker: Ticker | None = app.bot_data.get("ticker")
    if ticker is not None:
        await ticker.close()


def build(d: Deps) -> Application:
    defaults = Defaults(parse_mode=ParseMode.HTML, tzinfo=d.settings.timezone,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
    app = (
        ApplicationBuilder()
        .token(d.settings.require_token())
        .base_url(d.settings.api_url)
        .base_file_url(d.settings.file_url)
        # A 429 is waited out and retried instead of reaching the handlers (default: 0);
        # refusals to strangers are sent with NO_RETRY (see bot.ratelimit).
        .rate_limiter(RateLimiter(overall_max_rate=d.settings.send_rate, max_retries=3,
                                  guard=gate.guard))
        .defaults(defaults)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .updater(None)  # bot.polling confirms updates only once handled
        .build()
    )
    app.bot_data["deps"] = d
    register(app)
    return app


def run(settings: Settings, webhook: bool = False) -> None:
    """Long polling (one instance), or a webhook server (several behind a proxy)."""
    d = make_deps(settings)
    prepare(d)
    try:
        if webhook:
            from bot import webhook as server  # aiohttp: imported only when used

            server.run(build(d), settings)
        else:
            polling.run(build(d), settings.concurrency,
                        polling.Inbox(d.db, d.clock, settings.bot_id))
    except InvalidToken:  # its message quotes the token: replaced by which setting to check
        raise SettingsError(TOKEN_REFUSED) from None
    finally:
        d.db.close()  # the transactions in flight commit before the process ends


TOKEN_REFUSED = ("TELEGRAM_BOT_TOKEN / TELEGRAM_API_URL : le serveur Telegram refuse le jeton "
                 "ou l'adresse de l'API est fausse (vérifiez le jeton donné par @BotFather et "
                 "TELEGRAM_API_URL) / the token was refused or the API URL is wrong")
