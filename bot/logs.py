"""What reaches the log: no household data and never the token.

An exception's message can quote what it failed on (a statement's parameters, a value an
advisor typed, a URL with the token in it), so tracebacks are written as their frames and
exception classes only: where it failed and what kind of error, enough to find the bug, with
nothing of the data. The token is also masked in every line, whatever logger wrote it (httpx
writes request URLs, and the Bot API puts the token in the URL).
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

TOKEN_MASK = "<TELEGRAM_BOT_TOKEN>"


def describe(error: BaseException) -> str:
    """The traceback of `error` and of its causes, without their messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}"
                     f"{type(current).__module__}.{type(current).__qualname__} "
                     "(message not logged: it may hold personal data)")
        current = current.__cause__ or current.__context__
    return "\n\nwhile handling or caused by:\n".join(reversed(parts))


class SafeFormatter(logging.Formatter):
    def __init__(self, fmt: str, token: str | None) -> None:
        super().__init__(fmt)
        self.token = token

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        return describe(ei[1]) if ei[1] is not None else ""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.token:
            text = text.replace(self.token, TOKEN_MASK)
            # also its secret half alone (what a URL-quoting or a split could leave)
            secret = self.token.split(":", 1)[-1]
            if len(secret) >= 8:
                text = text.replace(secret, TOKEN_MASK)
        return text


def configure(token: str | None) -> None:
    logging.basicConfig(level=logging.INFO)
    formatter = SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    # httpx logs every request's URL at INFO, and the Bot API's URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    for noisy in ("alembic", "fontTools", "weasyprint", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
