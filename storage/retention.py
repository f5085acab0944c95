"""The data's life: 2 years after the last contact of a closed support, a household is
anonymised (CNIL référentiel for social support); coordinators are told 30 days before and
may put it on legal hold.

What is kept is what the yearly evaluation counts: the reference, dates, codes and amounts.
What goes is whatever names or describes a person: names, phone, addresses, free texts, files.
The lists below say it field by field (docs/donnees.md says the same for people).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage import audit, households
from storage.clock import Clock
from storage.forms.spec import FieldSpec, all_forms
from storage.models import (
    AddressChange,
    Advisor,
    Bilan,
    DailyRun,
    Diagnostic,
    Document,
    FormRun,
    FreeReminder,
    Household,
    LandlordAnswer,
    LedgerEntry,
    LegalHold,
    Note,
    PendingFile,
    PlanVersion,
    Purge,
    Reminder,
    RetentionNotice,
    StepProgress,
    Tenancy,
    TransferReview,
)

RETENTION_YEARS = 2
NOTICE_DAYS = 30
JOB = "retention"
PARIS = ZoneInfo("Europe/Paris")  # the default day boundary; callers pass the clock's zone

# Text fields emptied by the anonymisation, per table. Every other column is kept: ids,
# dates, codes (kind, status, phase, entry_path, lease, decision, payer, note_type...),
# amounts and counts (resources, rent, ledger amounts, adults, children's ages).
ERASED: dict[type[Any], tuple[str, ...]] = {
    Household: ("last_name", "first_name", "phone", "address", "search_key",
                "closure_detail"),
    Tenancy: ("address", "annex", "main_lease_ref", "landlord"),
    AddressChange: ("old_address", "new_address"),
    Note: ("text", "file_id", "file_unique_id", "file_path", "file_name"),
    Bilan: ("achieved", "difficulties", "decisions"),
    StepProgress: ("comment",),
    TransferReview: ("comment",),
    LedgerEntry: ("comment",),
    LandlordAnswer: ("comment", "signatory"),
    FreeReminder: ("text",),
    Document: ("path", "file_name"),
}
# JSON answers (diagnostic, plan, form runs, generated documents' content): only the answers
# of these field types stay (choices, dates, amounts, numbers); free text and phones go.
KEPT_ANSWER_TYPES = frozenset({"amount", "choice", "date", "int", "multi", "yesno", "ages"})
# Deleted rows: pending files attached to its notes (Telegram file ids and captions),
# reminders' payloads (they name the household) are emptied.


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def last_contact(session: Session, household: Household, tz: ZoneInfo = PARIS) -> date | None:
    """The last day (in `tz`) something was recorded with or about the household (a note, a
    form's answers, a document, a payment, a review, the end of the support)."""
    hid = household.id
    days: list[date] = []
    instants = [
        select(func.max(Note.created_at)).where(Note.household_id == hid),
        select(func.max(Diagnostic.completed_at)).where(Diagnostic.household_id == hid),
        select(func.max(FormRun.updated_at)).where(FormRun.household_id == hid),
        select(func.max(Document.created_at)).where(Document.household_id == hid),
        select(func.max(PlanVersion.updated_at)).where(PlanVersion.household_id == hid),
        select(func.max(StepProgress.at)).where(StepProgress.household_id == hid),
        select(func.max(LedgerEntry.created_at)).where(LedgerEntry.household_id == hid,
                                                       LedgerEntry.kind == "payment"),
    ]
    for query in instants:
        value = session.exec(query).one()
        if value is not None:
            days.append(value.astimezone(tz).date())
    for held in (select(func.max(Bilan.held_on)).where(Bilan.household_id == hid),
                  select(func.max(TransferReview.held_on)).where(
                      TransferReview.household_id == hid)):
        held_on = session.exec(held).one()
        if held_on is not None:
            days.append(held_on)
    if household.closed_on:
        days.append(household.closed_on)
    return max(days) if days else None


def due_on(session: Session, household: Household, tz: ZoneInfo = PARIS) -> date | None:
    """The day it is anonymised: the last contact more than 2 years old (None: not closed)."""
    if household.status != "clos" or household.closed_on is None:
        return None
    last = last_contact(session, household, tz) or household.closed_on
    return add_years(last, RETENTION_YEARS) + timedelta(days=1)


def active_hold(session: Session, household: Household) -> LegalHold | None:
    return session.exec(select(LegalHold).where(
        LegalHold.household_id == household.id,
        col(LegalHold.lifted_at).is_(None))).first()


@dataclass
class Due:
    household: Household
    due_on: date


def _closed(session: Session) -> list[Household]:
    purged = select(Purge.household_id)
    held = select(LegalHold.household_id).where(col(LegalHold.lifted_at).is_(None))
    return list(session.exec(select(Household).where(
        Household.status == "clos", col(Household.closed_on).is_not(None),
        col(Household.id).not_in(purged), col(Household.id).not_in(held),
    ).order_by(col(Household.reference))))


def schedule(session: Session, today: date, tz: ZoneInfo = PARIS
             ) -> tuple[list[Due], list[Due]]:
    """(to anonymise today, to anonymise within 30 days) — households on hold are neither."""
    now: list[Due] = []
    soon: list[Due] = []
    for household in _closed(session):
        day = due_on(session, household, tz)
        if day is None:
            continue
        if day <= today:
            now.append(Due(household, day))
        elif day - timedelta(days=NOTICE_DAYS) <= today:
            soon.append(Due(household, day))
    return now, soon


def to_notify(session: Session, clock: Clock, today: date) -> list[Due]:
    """The households of the 30-day notice not told yet: marked told (once)."""
    _, soon = schedule(session, today, clock.tz)
    fresh = [d for d in soon if session.get(RetentionNotice, (d.household.id, d.due_on)) is None]
    for item in fresh:
        session.add(RetentionNotice(household_id=item.household.id or 0, due_on=item.due_on,
                                    notified_at=clock.now()))
    return fresh


def _scrub_answers(fields: dict[str, FieldSpec], answers: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in answers.items():
        spec = fields.get(key)
        if spec is None:
            # Internal keys (`_uid`, `_reminder`...) are ids and codes; unknown text goes.
            if key == "_uid" or (key.startswith("_")
                                 and not isinstance(value, str | list | dict)):
                kept[key] = value
            continue
        if spec.type == "items" and isinstance(value, list):
            sub = {f.key: f for f in spec.item}
            kept[key] = [_scrub_answers(sub, v) for v in value if isinstance(v, dict)]
        elif spec.type in KEPT_ANSWER_TYPES:
            kept[key] = value
    return kept


def _all_fields() -> dict[str, FieldSpec]:
    """Every form field by key (forms share keys for the same thing: a date is a date)."""
    fields: dict[str, FieldSpec] = {}
    for form in all_forms():
        for spec in form.fields:
            # A key that is text in one form is treated as text everywhere: the safer side.
            if fields.get(spec.key) is None or spec.type not in KEPT_ANSWER_TYPES:
                fields[spec.key] = spec
    return fields


def scrub(answers: dict[str, Any]) -> dict[str, Any]:
    return _scrub_answers(_all_fields(), answers)


@dataclass
class Outcome:
    household: Household
    last_contact: date
    summary: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def _rows(session: Session, model: type[Any], household: Household) -> list[Any]:
    return list(session.exec(select(model).where(model.household_id == household.id)))


def anonymise(session: Session, clock: Clock, household: Household, data_dir: Path,
              actor: Advisor | None = None) -> Outcome:
    """Empties what names or describes the household; deletes its files. Recorded by a
    `purge` row (counts only) and an audit row."""
    last = last_contact(session, household, clock.tz) or clock.today()
    outcome = Outcome(household, last)
    summary: dict[str, int] = {}
    for model, names in ERASED.items():
        rows: list[Any] = [household] if model is Household else _rows(session, model,
                                                                         household)
        for row in rows:
            for name in names:
                if model is Note and name == "file_path" and row.file_path:
                    outcome.files.append(Path(row.file_path))
                if model is Document and name == "path" and row.path:
                    outcome.files.append(Path(row.path))
                setattr(row, name, None if getattr(row, name) is None else "")
            session.add(row)
        if rows and model is not Household:
            summary[model.__tablename__] = len(rows)
    fields = _all_fields()
    for model, attr in ((Diagnostic, "answers"), (PlanVersion, "content"),
                        (FormRun, "answers"), (Document, "content")):
        for row in _rows(session, model, household):
            setattr(row, attr, _scrub_answers(fields, getattr(row, attr)))
            session.add(row)
    for run in _rows(session, FormRun, household):
        run.history = []
        session.add(run)
    for reminder in _rows(session, Reminder, household):
        reminder.payload = {}
        session.add(reminder)
    note_ids = select(Note.id).where(Note.household_id == household.id)
    pending = list(session.exec(select(PendingFile).where(col(PendingFile.note_id).in_(note_ids))))
    for row in pending:
        session.delete(row)
    summary["pendingfile"] = len(pending)
    household.search_key = households.search_key(household)  # found by its reference only
    household.updated_at = clock.now()
    folders = [data_dir / "files" / household.reference,
               data_dir / "documents" / household.reference]
    outcome.files += [f for f in folders if f.exists()]
    summary["files"] = len(outcome.files)
    outcome.summary = summary
    session.add(Purge(household_id=household.id or 0, at=clock.now(), last_contact=last,
                      summary=summary))
    audit.record(session, clock, actor, "household.purge", household,
                 detail=f"contact {last.isoformat()}")
    session.flush()
    return outcome


def remove_files(paths: list[Path]) -> None:
    """After the commit: a file deleted before a rollback could not be brought back."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def claim_day(session: Session, clock: Clock) -> bool:
    """The retention pass runs once a day, whichever process gets there first."""
    try:
        with session.begin_nested():
            session.add(DailyRun(name=JOB, day=clock.today(), at=clock.now()))
            session.flush()
        return True
    except IntegrityError:
        return False


def place_hold(session: Session, clock: Clock, actor: Advisor, household_id: int,
               reason: str) -> Household:
    """A legal hold (coordinators): the household is kept until the hold is lifted."""
    household = households.get(session, clock, actor, household_id, action="",
                               need="retention.hold")
    if active_hold(session, household) is None:
        session.add(LegalHold(household_id=household_id, reason=reason, placed_by_id=actor.id,
                              placed_at=clock.now()))
        audit.record(session, clock, actor, "household.hold", household, detail=reason)
    return household


def lift_hold(session: Session, clock: Clock, actor: Advisor, household_id: int) -> Household:
    household = households.get(session, clock, actor, household_id, action="",
                               need="retention.hold")
    hold = active_hold(session, household)
    if hold is not None:
        hold.lifted_at, hold.lifted_by_id = clock.now(), actor.id
        session.add(hold)
        audit.record(session, clock, actor, "household.hold.lift", household)
    return household


def purged(session: Session, household: Household) -> Purge | None:
    return session.exec(select(Purge).where(Purge.household_id == household.id)).first()


def purge_due(session: Session, clock: Clock, data_dir: Path) -> list[Outcome]:
    """Anonymises every household due today; its files are removed after the commit
    (`remove_files`)."""
    due, _ = schedule(session, clock.today(), clock.tz)
    return [anonymise(session, clock, item.household, data_dir) for item in due]


HOLD_REASONS = ("litige", "obligation")


@dataclass
class HoldStatus:
    household: Household
    hold: LegalHold | None
    due_on: date | None


def hold_status(session: Session, clock: Clock, actor: Advisor, household_id: int
                ) -> HoldStatus:
    """Where a household stands (coordinators): on hold, or the day it is anonymised."""
    household = households.get(session, clock, actor, household_id, need="retention.hold")
    return HoldStatus(household, active_hold(session, household),
                      due_on(session, household, clock.tz))


def coordinators(session: Session) -> list[Advisor]:
    """Who gets the 30-day notice: active coordinators and admins who opened the bot."""
    return list(session.exec(select(Advisor).where(
        col(Advisor.active), col(Advisor.chat_opened_at).is_not(None),
        col(Advisor.role).in_(["coordinatrice", "admin"])).order_by(col(Advisor.id))))


@dataclass
class DailyPass:
    anonymised: list[Outcome]
    notice: list[Due]
    coordinators: list[Advisor]


def daily_pass(session: Session, clock: Clock, data_dir: Path) -> DailyPass | None:
    """The day's retention work, once a day whichever process claims it (None: done
    already): anonymise what is due, and list what comes within 30 days (told once)."""
    if not claim_day(session, clock):
        return None
    done = purge_due(session, clock, data_dir)
    notice = to_notify(session, clock, clock.today())
    return DailyPass(done, notice, coordinators(session) if notice else [])
