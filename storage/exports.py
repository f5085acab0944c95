"""Cells written to a CSV or XLSX export: text that a spreadsheet will not run.

A cell starting with `=`, `+`, `-` or `@` (also after a tab or carriage return, which some
spreadsheets skip) is read as a formula by Excel and LibreOffice: `=HYPERLINK(...)` typed as a
household's name would run on the coordinator's computer. Such cells are written with a
leading apostrophe, the spreadsheets' own "this is text" mark (OWASP "CSV injection").
Every export the project writes passes its cells through `cell`.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """The value to write: numbers, dates and None as they are; text escaped if needed."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row(values: list[object]) -> list[object]:
    return [cell(v) for v in values]
