"""`hlm-bot import FILE [--dry-run]`: check every row, then import all or nothing."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.deps import Deps
from storage import advisors, importer

log = logging.getLogger(__name__)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def run_import(d: Deps, path: Path, dry_run: bool = False) -> int:
    if not path.is_file():
        print(f"{path} : fichier introuvable / file not found", file=sys.stderr)
        return 2
    with _no_cycle_collection():
        return _run(d, path, dry_run)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while the rows are read and written: its passes over
    the tens of thousands of objects an import holds took a sixth of a 10 000-row import, and
    an import makes next to no cyclic garbage (freed by reference counting as it goes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(d: Deps, path: Path, dry_run: bool) -> int:
    rows, report = importer.check(path)
    if report.errors:
        print(d.render.text("cli.import_errors", report=report, path=path), file=sys.stderr)
        return 1
    codes: dict[int, str] = {}
    try:
        # One transaction: a failure at any row, or a dry run, leaves the database untouched.
        with d.db.session() as session:
            importer.apply(session, d.clock, rows, report, source=path.name)
            if dry_run:
                raise _DryRun
            for telegram_id in report.advisors_created:
                advisor = advisors.by_telegram_id(session, telegram_id)
                assert advisor is not None
                codes[telegram_id] = advisors.invite_imported(session, d.clock, advisor).code
    except _DryRun:
        pass
    except importer.ImportFailed as failed:
        # The class only: the exception's text may quote the row's data.
        log.error("import failed at line %s: %s", failed.line, failed.error_class)
        print(d.render.text("cli.import_failed", path=path, line=failed.line,
                            error=failed.error_class), file=sys.stderr)
        return 1
    print(d.render.text("cli.import_done", report=report, path=path, dry_run=dry_run))
    if codes:
        print(d.render.text("cli.import_invitations", codes=codes, username=_bot_username(d)))
    return 0


def _bot_username(d: Deps) -> str | None:
    """The bot's username for t.me links (getMe), or None without a token or a network: the
    admin then gets the `/start` command to paste instead."""
    if not d.settings.token:
        return None
    from telegram import Bot

    async def get_me() -> str | None:
        bot = Bot(d.settings.token or "", base_url=d.settings.api_url)
        async with bot:
            return bot.username

    try:
        return asyncio.run(get_me())
    except Exception as error:  # never its text: the URL in it carries the token
        log.warning("bot username not known (%s): /start commands printed instead",
                    type(error).__name__)
        return None
