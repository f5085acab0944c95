"""The right of access (RGPD art. 15) and the audit log, for coordinators and admins.

An export holds every row of every table about the household (any table with a
`household_id`, found in the models' metadata, so that a new table is exported without a
change here), and the files on disk those rows point to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as select_model

from storage import audit, policy
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, AuditLog, Household, SecurityEvent

JOURNAL_PAGE = 15


def to_json(value: Any) -> Any:
    """For `json.dumps(default=...)`: dates and instants as ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def household_tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if "household_id" in t.columns]


def rows_about(session: Session, household: Household) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows about the household, as dicts (ordered by id)."""
    found: dict[str, list[dict[str, Any]]] = {}
    own = SQLModel.metadata.tables["household"]
    tables = [(own, own.c.id), *((t, t.c.household_id) for t in household_tables())]
    for table, key in tables:
        query = select(table).where(key == household.id)
        if "id" in table.columns:
            query = query.order_by(table.c.id)
        found[table.name] = [dict(row._mapping)
                             for row in session.execute(query)]
    return found


@dataclass
class Export:
    household: Household
    data: dict[str, list[dict[str, Any]]]
    advisors: dict[int, str]
    files: list[tuple[str, Path]] = field(default_factory=list)  # name in the ZIP, file


def _coordinator(session: Session, clock: Clock, actor: Advisor | None, household: Household,
                 action: str) -> None:
    """storage.policy's `action` (None: the command line, run by the administrator)."""
    if actor is not None:
        policy.require(session, clock, actor, action, household)


def find(session: Session, reference: str) -> Household:
    household = session.exec(select_model(Household).where(
        Household.reference == reference.strip())).first()
    if household is None:
        raise Refused("household_unknown")
    return household


def advisor_names(session: Session) -> dict[int, str]:
    return {a.id or 0: a.name for a in session.exec(select_model(Advisor))}


def export(session: Session, clock: Clock, actor: Advisor | None, reference: str,
           data_dir: Path) -> Export:
    """What the household may ask to receive: its rows and its files; audited."""
    household = find(session, reference)
    _coordinator(session, clock, actor, household, "export")
    audit.record(session, clock, actor, "household.export", household)
    data = rows_about(session, household)
    files: list[tuple[str, Path]] = []
    for table, column in (("note", "file_path"), ("document", "path")):
        for row in data.get(table, []):
            path = Path(row[column]) if row.get(column) else None
            if path is not None and not path.is_absolute():
                path = data_dir / path
            if path is not None and path.is_file():
                files.append((f"{table}s/{row['id']}-{path.name}", path))
    return Export(household, data, advisor_names(session), files)


@dataclass
class JournalPage:
    household: Household
    entries: list[AuditLog]
    advisors: dict[int, str]
    page: int
    pages: int


def journal(session: Session, clock: Clock, actor: Advisor, key: str | int, page: int = 0
            ) -> JournalPage:
    """Who read or changed the household (by reference, or id from a page button), newest
    first, a page at a time; reading the journal is itself audited."""
    found = session.get(Household, key) if isinstance(key, int) else None
    household = found or find(session, str(key))
    _coordinator(session, clock, actor, household, "audit.view")
    entries = list(reversed(audit.trail(session, household)))
    pages = max((len(entries) + JOURNAL_PAGE - 1) // JOURNAL_PAGE, 1)
    page = min(max(page, 0), pages - 1)
    audit.record(session, clock, actor, "household.journal", household)
    chosen = entries[page * JOURNAL_PAGE:(page + 1) * JOURNAL_PAGE]
    return JournalPage(household, chosen, advisor_names(session), page, pages)


@dataclass
class AuditRow:
    at: datetime
    source: str  # audit, securite
    advisor: str
    telegram_id: int | None
    action: str
    reference: str
    detail: str
    count: int = 1


def audit_rows(session: Session, since: date, clock: Clock) -> list[AuditRow]:
    """The audit log and the security events since a day (Paris), in time order."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=clock.tz)
    names = {a.id: a for a in session.exec(select_model(Advisor))}
    refs = {h.id: h.reference for h in session.exec(select_model(Household))}
    found: list[AuditRow] = []
    for entry in session.exec(select_model(AuditLog).where(col(AuditLog.at) >= start)):
        who = names.get(entry.advisor_id)
        found.append(AuditRow(entry.at, "audit", who.name if who else "",
                              who.telegram_id if who else None, entry.action,
                              refs.get(entry.household_id, ""), entry.detail))
    for event in session.exec(select_model(SecurityEvent).where(
            col(SecurityEvent.last_at) >= start)):
        who = names.get(event.advisor_id)
        found.append(AuditRow(event.at, "securite", who.name if who else "", event.telegram_id,
                              event.kind, refs.get(event.household_id, ""), event.detail,
                              event.count))
    return sorted(found, key=lambda r: r.at)
