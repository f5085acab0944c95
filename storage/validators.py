"""Parsing of what an advisor types. Each parser returns a value or raises `Invalid`.

`Invalid.code` names the expectation; templates turn it into a short French message.
"""

from __future__ import annotations

import re
from datetime import date

from storage.text import digits


class Invalid(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")


def parse_date(text: str, *, earliest: date | None = None, latest: date | None = None) -> date:
    """`jj/mm/aaaa` (also `-` or `.` as separators)."""
    match = _DATE.match(text)
    if not match:
        raise Invalid("date")
    day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        raise Invalid("date_impossible") from None
    if earliest and value < earliest:
        raise Invalid("date_too_early", earliest=earliest)
    if latest and value > latest:
        raise Invalid("date_too_late", latest=latest)
    return value


_AMOUNT = re.compile(r"^(\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](\d{1,2}))?$")


def parse_amount(text: str, *, maximum_cents: int = 100_000_000, positive: bool = False) -> int:
    """An amount in euros, as French people type it: `1 250,50`, `1250.50`, `1.250,50`, `300 €`.

    Returns cents. A negative amount is refused as such; `positive`: 0 too.
    """
    cleaned = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    cleaned = re.sub(r"\s*(€|eur(os?)?)\s*$", "", cleaned, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"[-−]\s*[\d ,.]+", cleaned):
        raise Invalid("amount_negative")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise Invalid("amount")
    whole = int(re.sub(r"[ .]", "", match.group(1)))
    cents = int((match.group(2) or "0").ljust(2, "0"))
    value = whole * 100 + cents
    if value > maximum_cents:
        raise Invalid("amount_too_large")
    if positive and value == 0:
        raise Invalid("amount_zero")
    return value


def parse_phone(text: str) -> str:
    """A French phone number, stored as `06 12 34 56 78` (or `+33 6 12 34 56 78` kept national)."""
    raw = text.strip()
    if not re.fullmatch(r"[+\d][\d .\-()]*", raw):
        raise Invalid("phone")
    number = digits(raw)
    if raw.startswith("+33") or raw.startswith("0033"):
        number = "0" + number[(2 if raw.startswith("+") else 4):]
    if len(number) != 10 or not number.startswith("0") or number[1] == "0":
        raise Invalid("phone")
    return " ".join(number[i : i + 2] for i in range(0, 10, 2))


def parse_int(text: str, *, minimum: int = 0, maximum: int = 1000) -> int:
    cleaned = text.strip()
    if not re.fullmatch(r"\d{1,6}", cleaned):
        raise Invalid("integer", minimum=minimum, maximum=maximum)
    value = int(cleaned)
    if not minimum <= value <= maximum:
        raise Invalid("integer", minimum=minimum, maximum=maximum)
    return value


def parse_ages(text: str) -> list[int]:
    """Children's ages: `3, 7, 12` (spaces, commas, `et`, `ans` accepted); `0`/`aucun` = none."""
    cleaned = text.strip().lower()
    if cleaned in {"aucun", "aucune", "non", "0", "-"}:
        return []
    parts = [p for p in re.split(r"[,;/\s]+|\bet\b|\bans?\b", cleaned) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise Invalid("ages")
    ages = [int(p) for p in parts]
    if len(ages) > 15 or any(a > 25 for a in ages):
        raise Invalid("ages")
    return ages


def parse_text(text: str, *, max_length: int) -> str:
    """Free text as typed; only blank text and text over `max_length` characters are refused."""
    if not text.strip():
        raise Invalid("empty")
    if len(text) > max_length:
        raise Invalid("too_long", max_length=max_length, length=len(text))
    return text.strip()


_YES = {"oui", "o", "yes", "y", "1", "vrai", "x"}
_NO = {"non", "n", "no", "0", "faux", ""}


def parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Invalid("yes_no")
