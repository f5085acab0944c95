"""Every user-facing text comes from a Jinja2 template: `file.macro` names a macro.

Messages (`*.html`) are autoescaped for Telegram's HTML parse mode; button labels
(`labels.txt`) are plain text, where escaping would show `&amp;`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reminders import kinds
from storage import policy
from storage.forms.spec import Choice, FieldSpec

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def money(cents: int | None) -> str:
    """`125050` -> `1 250,50 €` (French grouping and decimal comma)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} €"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def as_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(value) if isinstance(value, str) else value


def short_date(value: date | str | None) -> str:
    day = as_date(value)
    return day.strftime("%d/%m/%Y") if day else ""


def long_date(value: date | str | None) -> str:
    day = as_date(value)
    if day is None:
        return ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def month_name(value: date | str | None) -> str:
    day = as_date(value)
    return f"{MONTHS[day.month - 1]} {day.year}" if day else ""


def of_month(value: date | str | None) -> str:
    """`de mars 2027`, `d'avril 2027`."""
    name = month_name(value)
    return f"d'{name}" if name[:1] in "aeiouéè" else f"de {name}"


def decimal(value: float | None, digits: int = 1) -> str:
    """`18.25` -> `18,3`; nothing to average -> `—`."""
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def truncate(text: str | None, length: int) -> str:
    text = text or ""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class Renderer:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.env = Environment(
            loader=PackageLoader("bot", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        # Whether a role has an action (storage.policy): the help lists only what it may do.
        self.env.globals["grants"] = policy.grants
        self.env.filters.update(
            money=money, percent=percent, date=short_date, long_date=long_date,
            truncate_text=truncate, decimal=decimal, when=self.when, answer=self.answer,
            capitalize_first=lambda text: text[:1].upper() + text[1:],
            month=month_name, of_month=of_month, as_date=as_date, item_line=self.item_line,
            expected=self.expected, status_name=lambda v: self.label("status_name", status=v),
            composition=lambda h: self.label("composition", h=h),
            local_day=lambda instant: long_date(instant.astimezone(self.tz).date()),
        )
        # A reminder's kind (reminders.kinds) names the macros that show it.
        self.env.globals["kind_of"] = kinds.get

    def when(self, instant: datetime | None) -> str:
        if instant is None:
            return ""
        return instant.astimezone(self.tz).strftime("%d/%m/%Y à %H:%M")

    def answer(self, value: Any, spec_field: FieldSpec,
               choices: tuple[Choice, ...] | None = None) -> str:
        """An answer as the summary shows it (plain text: the template escapes it)."""
        return str(self.env.get_template("labels.txt").module.answer(  # type: ignore[attr-defined]
            value, spec_field, choices if choices is not None else spec_field.choices))

    # Macros of the plain-text templates, called from messages: `str()` makes their result
    # plain text again, so that the message's autoescaping applies to what the advisor typed.
    def item_line(self, item: dict[str, Any], spec_field: FieldSpec) -> str:
        return str(self.env.get_template("labels.txt").module.item_line(  # type: ignore[attr-defined]
            item, spec_field))

    def expected(self, error: Any) -> str:
        return str(self.env.get_template("errors.txt").module.invalid(  # type: ignore[attr-defined]
            error.code, error.params))

    def _macro(self, template: str, name: str, context: dict[str, Any]) -> str:
        module = self.env.get_template(template).module
        return str(getattr(module, name)(**context))

    def msg(self, name: str, /, **context: Any) -> str:
        """A message: `household.card` is the macro `card` of `household.html`."""
        template, _, macro = name.partition(".")
        return tidy(self._macro(f"{template}.html", macro, context))

    def text(self, name: str, /, **context: Any) -> str:
        """Plain text (no escaping): `errors.invalid` is the macro `invalid` of `errors.txt`."""
        template, _, macro = name.partition(".")
        return tidy(self._macro(f"{template}.txt", macro, context))

    def label(self, name: str, /, **context: Any) -> str:
        return self.text(f"labels.{name}", **context)


def tidy(text: str) -> str:
    """Template indentation out: no trailing spaces, at most one blank line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def split_message(text: str, limit: int = 4000) -> list[str]:
    """Telegram takes 4096 characters a message: cut between lines (each closes its tags)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a message: cut it hard
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
