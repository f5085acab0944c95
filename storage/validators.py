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


_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\s*$")
# Dates a person means: anything outside these years is a typing slip (31/12/9999, 01/01/0001),
# refused at the question rather than failing later in date arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# `18/1/27` is 2027; `15/3/85` is 1985 (two-digit years from 70 are the last century).
CENTURY_PIVOT = 70


def parse_date(text: str, *, earliest: date | None = None, latest: date | None = None) -> date:
    """`jj/mm/aaaa` (also `-` or `.` as separators, `j/m/aa`)."""
    match = _DATE.match(text)
    if not match:
        raise Invalid("date")
    day, month, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 2000 if year < CENTURY_PIVOT else 1900
    try:
        value = date(year, month, day)
    except ValueError:
        raise Invalid("date_impossible") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid("date_out_of_range", first=FIRST_YEAR, last=LAST_YEAR)
    if earliest and value < earliest:
        raise Invalid("date_too_early", earliest=earliest)
    if latest and value > latest:
        raise Invalid("date_too_late", latest=latest)
    return value


# ASCII digits, and not too many: int() of thousands of digits raises (and is no amount).
_AMOUNT = re.compile(r"^([0-9]{1,3}(?:[ .][0-9]{3}){1,4}|[0-9]{1,13})(?:[,.]([0-9]{1,2}))?$")


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
    """A French phone number in its one national form `06 12 34 56 78`, however typed
    (`+33 6…`, `0033 6…`, `+33 (0)6…`, `06.12…`, no-break spaces of a copied contact)."""
    raw = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not re.fullmatch(r"[+\d][\d .\-()]*", raw):
        raise Invalid("phone")
    number = digits(raw)
    if raw.startswith("+33") or raw.startswith("0033"):
        national = number[(2 if raw.startswith("+") else 4):]
        number = national if national.startswith("0") else "0" + national  # `+33 (0)6…`
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


_MONTHS = re.compile(r"^([0-9]{1,2})\s*mois$")
BABY_MONTHS = 24  # up to this many months, an age may be given in months ("8 mois")


def parse_ages(text: str) -> list[int | str]:
    """Children's ages: `3, 7, 12` (spaces, commas, `et`, `ans` accepted); `0`/`aucun` = none.

    A baby's age may be in months, `8 mois`: stored as `"8m"` (years stay numbers), so that it
    reads back as "8 mois"."""
    cleaned = text.strip().lower()
    if cleaned in {"aucun", "aucune", "non", "0", "-"}:
        return []
    ages: list[int | str] = []
    for chunk in (c.strip() for c in re.split(r"[,;/]+|\bet\b", cleaned)):
        months = _MONTHS.match(chunk)
        if months:
            if not 0 < int(months.group(1)) <= BABY_MONTHS:
                raise Invalid("ages")
            ages.append(f"{int(months.group(1))}m")
            continue
        parts = [p for p in re.split(r"\s+|\bans?\b", chunk) if p]
        if not all(re.fullmatch(r"[0-9]{1,2}", p) for p in parts):
            raise Invalid("ages")
        ages += [int(p) for p in parts]
    if not ages or len(ages) > 15 or any(isinstance(a, int) and a > 25 for a in ages):
        raise Invalid("ages")
    return ages


# Control characters (C0 but tab and newline, DEL, C1) and the bidi overrides and isolates,
# which can hide or reorder what a name or a note shows (and NUL breaks PostgreSQL).
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def parse_text(text: str, *, max_length: int) -> str:
    """Free text as typed; blank text, text over `max_length` characters and text with control
    or bidi-override characters are refused."""
    if not text.strip():
        raise Invalid("empty")
    if len(text) > max_length:
        raise Invalid("too_long", max_length=max_length, length=len(text))
    if _HIDDEN.search(text):
        raise Invalid("hidden_characters")
    return text.strip()


def clean_name(text: str) -> str:
    """A file name as it may be shown: control and bidi characters removed (a name like
    `facture\u202egnp.exe` would read `facture exe.png`)."""
    return _HIDDEN.sub("", text).strip()


_YES = {"oui", "o", "yes", "y", "1", "vrai", "x"}
_NO = {"non", "n", "no", "0", "faux", ""}


def parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise Invalid("yes_no")
