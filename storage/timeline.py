"""The household's whole history, newest first, from each kind of record.

Each source is one small function returning Entries; a page is cut by a stable anchor (the
instant and id of the entry it starts after), so a note added meanwhile does not shift the
older pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import households
from storage.clock import Clock
from storage.models import (
    AddressChange,
    Advisor,
    AuditLog,
    Bilan,
    Document,
    Household,
    LedgerEntry,
    Note,
    TransferReview,
)

PAGE_SIZE = 5
FIRST = "0"  # the anchor of the newest page
# Form confirmations and decisions whose record is the audit log itself.
AUDITED_EVENTS = ("household.create", "diagnostic.confirm", "ppal.save", "ppal.sign",
                  "ppal.progress", "tenancy.save", "household.phase", "household.phase.manual",
                  "household.reassign", "household.close", "rapport.prepare")


@dataclass
class Entry:
    at: datetime
    kind: str  # note, document, rent, review, bilan, event, address
    id: int
    row: Any  # the record, for the template

    @property
    def anchor(self) -> str:
        return f"{int(self.at.timestamp() * 1000)}.{self.kind[:2]}.{self.id}"

    @property
    def order(self) -> tuple[int, str, int]:
        return _order(self.anchor)


def _order(anchor: str) -> tuple[int, str, int]:
    millis, kind, number = anchor.split(".")
    return int(millis), kind, int(number)


def notes(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(Note).where(Note.household_id == household.id))
    return [Entry(n.created_at, "note", n.id or 0, n) for n in rows]


def documents(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(Document).where(Document.household_id == household.id))
    return [Entry(d.created_at, "document", d.id or 0, d) for d in rows]


def rent(session: Session, household: Household) -> list[Entry]:
    """What was typed in the rent account (payments, opening balance, corrections); the
    monthly dues, written by the bot, are on the 💶 screen."""
    rows = session.exec(select(LedgerEntry).where(LedgerEntry.household_id == household.id,
                                                  LedgerEntry.kind != "due"))
    return [Entry(r.created_at, "rent", r.id or 0, r) for r in rows]


def reviews(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(TransferReview).where(TransferReview.household_id == household.id))
    return [Entry(r.created_at, "review", r.id or 0, r) for r in rows]


def bilans(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(Bilan).where(Bilan.household_id == household.id))
    return [Entry(b.created_at, "bilan", b.id or 0, b) for b in rows]


def addresses(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(AddressChange).where(AddressChange.household_id == household.id))
    return [Entry(a.at, "address", a.id or 0, a) for a in rows]


def events(session: Session, household: Household) -> list[Entry]:
    rows = session.exec(select(AuditLog).where(AuditLog.household_id == household.id,
                                               col(AuditLog.action).in_(AUDITED_EVENTS)))
    return [Entry(e.at, "event", e.id or 0, e) for e in rows]


SOURCES: tuple[Callable[[Session, Household], list[Entry]], ...] = (
    notes, documents, rent, reviews, bilans, addresses, events)


@dataclass
class Page:
    household: Household
    entries: list[Entry]
    total: int
    number: int  # 0 for the newest page
    older: str | None  # anchor of the next (older) page
    newer: str | None  # anchor of the previous (newer) page
    advisors: dict[int, str]  # id -> name, for "par …"


def history(session: Session, household: Household) -> list[Entry]:
    entries = [e for source in SOURCES for e in source(session, household)]
    return sorted(entries, key=lambda e: e.order, reverse=True)


def page(session: Session, clock: Clock, actor: Advisor, household_id: int,
         anchor: str = FIRST, size: int = PAGE_SIZE) -> Page:
    """The entries older than `anchor` (all for FIRST): a read of the household, audited."""
    household = households.get(session, clock, actor, household_id, action="timeline.view",
                               need="household.notes")
    entries = history(session, household)
    start = 0
    if anchor != FIRST:
        bound = _order(anchor)
        start = next((i for i, e in enumerate(entries) if e.order < bound), len(entries))
    shown = entries[start:start + size]
    older = shown[-1].anchor if start + size < len(entries) else None
    newer = None
    if start > 0:
        previous_start = max(start - size, 0)
        newer = entries[previous_start - 1].anchor if previous_start > 0 else FIRST
    return Page(household, shown, len(entries), -(-start // size), older, newer,
                advisor_names(session))


def advisor_names(session: Session) -> dict[int, str]:
    """Who wrote or struck out a note: the team's names."""
    return {a.id or 0: a.name for a in session.exec(select(Advisor))}

