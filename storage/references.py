"""The order of household references (`2027-0007`): numeric, past 9999 too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col

from storage.models import Household


def by_reference_order() -> tuple[Any, ...]:
    """References in numeric order: by year, then 2027-9999 before 2027-10000 (a plain text
    order puts `2027-10000` first). The number is zero-padded to 4 digits, so among numbers of
    the same length the text order is the numeric one."""
    reference = col(Household.reference)
    return func.substr(reference, 1, 4), func.length(reference), reference
