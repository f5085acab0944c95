"""Bringing an existing caseload: a .csv or .xlsx checked whole, then imported all or nothing.

Rows are matched to existing households by reference, or by name and phone when the
reference is empty, so that importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from storage import advisors, audit, households, ledger, reminders, tenancy
from storage.clock import Clock
from storage.models import Advisor, EntryPath, FreeReminder, Household, Tenancy
from storage.text import fold
from storage.validators import (
    Invalid,
    parse_amount,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
    parse_yes_no,
)

REQUIRED = ("nom", "prenom")
OPTIONAL = ("reference", "telephone", "adresse", "confidentiel", "conseillere_telegram_id",
            "conseillere_nom", "debut_accompagnement", "parcours")
# The home (issue: tenancy follow-up): a row with any of these records a tenancy.
TENANCY = ("bail", "date_entree_logement", "date_sous_location", "loyer", "charges", "apl",
           "apl_versee_a", "jour_echeance", "fin_assurance", "prochain_bilan",
           "periode_examen_mois", "debut_periode_examen", "bailleur")
# The rent account's opening balance: the arrears owed when the household comes in.
DEBT = ("dette_initiale", "date_dette")
# The end of the support (`motif_fin`: storage.households.CLOSURE_REASONS) and the lease's
# transfer to the household when it happened (a sub-let's `transferred_on`).
END = ("date_fin", "motif_fin", "date_glissement")
COLUMNS = REQUIRED + OPTIONAL + TENANCY + DEBT + END
# tenancy column -> the home form's answer it fills (storage.tenancy.save reads those)
TENANCY_ANSWERS = {"bail": "bail", "date_entree_logement": "entree",
                   "date_sous_location": "date_sous_location", "loyer": "loyer",
                   "charges": "charges", "apl": "apl", "apl_versee_a": "apl_versee_a",
                   "jour_echeance": "jour_echeance", "fin_assurance": "fin_assurance",
                   "periode_examen_mois": "periode_examen_mois",
                   "debut_periode_examen": "debut_periode_examen",
                   "bailleur": "bailleur"}  # the landlord's name: its organisation
# ASCII digits only (`\d` would take Arabic-Indic ones); numbers past 9999 have more digits.
REFERENCE = re.compile(r"^[0-9]{4}-[0-9]{4,6}$")
# What a file may hold (stated in the README): a bigger one is refused before it is read whole.
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_CELL = 5_000  # characters
# The dates a caseload may hold; a year 0001 or 9999 is a typing error.
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


@dataclass
class RowError:
    line: int
    column: str
    error: Invalid


@dataclass
class Row:
    line: int
    data: households.HouseholdData
    advisor_telegram_id: int | None
    advisor_name: str
    given: set[str] = field(default_factory=set)  # the household fields the file fills
    home: dict[str, Any] = field(default_factory=dict)  # the home form's answers, if any
    next_bilan: date | None = None
    debt: int | None = None  # opening arrears, cents
    debt_on: date | None = None
    closed_on: date | None = None
    closure_reason: str | None = None
    transferred_on: date | None = None


# column -> household field, for updates of households already there
FIELDS = {"nom": "last_name", "prenom": "first_name", "telephone": "phone", "adresse": "address",
          "parcours": "entry_path", "confidentiel": "confidential",
          "debut_accompagnement": "support_start", "conseillere_telegram_id": "advisor_id"}


@dataclass
class Report:
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    advisors_created: list[int] = field(default_factory=list)


# --- reading the file ----------------------------------------------------------------------

def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")  # what Excel's "CSV (séparateur : point-virgule)" writes
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise Invalid("file_encoding", line=line) from None


def _cell(value: Any) -> str:
    """A spreadsheet cell as the text the advisor typed."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) == 9:
        return f"0{value}"  # a phone number typed as a number lost its leading zero
    return str(value).strip()


def _read_xlsx(path: Path) -> list[list[str]]:
    """The first sheet, streamed (read-only mode) and refused past the limits.

    A sheet declares its used range: one spanning columns A to XFD is refused before any row is
    read (openpyxl would fill 16 384 cells a row). A sheet that declares none is read up to the
    limits only, so it cannot take more memory than an accepted one.
    """
    from openpyxl import load_workbook

    try:
        # Not data_only: a formula is kept as the text typed (`=…`), never its computed value.
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # not a zip, not a workbook, a broken part: all "not a spreadsheet"
        raise Invalid("file_unreadable") from None
    try:
        sheet = workbook.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise Invalid("file_too_wide", maximum=MAX_COLUMNS)
        if (sheet.max_row or 0) > MAX_ROWS + 1:
            raise Invalid("file_too_long", maximum=MAX_ROWS)
        table: list[list[str]] = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_ROWS + 2, values_only=True):
            table.append(_within_limits([_cell(v) for v in row], len(table) + 1))
            if len(table) > MAX_ROWS + 1:
                raise Invalid("file_too_long", maximum=MAX_ROWS)
    except Invalid:
        raise
    except Exception:
        raise Invalid("file_unreadable") from None
    finally:
        workbook.close()
    return table


def _read_csv(path: Path) -> list[list[str]]:
    if path.stat().st_size > MAX_ROWS * MAX_CELL:
        raise Invalid("file_too_long", maximum=MAX_ROWS)
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    table: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise Invalid("file_too_wide", maximum=MAX_COLUMNS)
            table.append(_within_limits([c.strip() for c in row], reader.line_num))
            if len(table) > MAX_ROWS + 1:
                raise Invalid("file_too_long", maximum=MAX_ROWS)
    except csv.Error:  # a cell over the csv module's limit (128 KB), a stray NUL...
        raise Invalid("file_cell", line=reader.line_num, maximum=MAX_CELL) from None
    return table


def _within_limits(cells: list[str], line: int) -> list[str]:
    if any(len(cell) > MAX_CELL for cell in cells):
        raise Invalid("file_cell", line=line, maximum=MAX_CELL)
    return cells


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a .csv (UTF-8 with or without BOM, or Windows-1252; `;` or `,`)
    or of the first sheet of an .xlsx, within the limits (MAX_ROWS, MAX_COLUMNS, MAX_CELL)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(path)
    elif suffix == ".csv":
        table = _read_csv(path)
    else:
        raise Invalid("file_format")
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise Invalid("file_empty")
    header = [fold(h).replace(" ", "_") for h in table[0]]
    return header, table[1:]


# --- checking the rows -----------------------------------------------------------------------

def _check_header(header: list[str], report: Report) -> None:
    for name in header:
        if name and name not in COLUMNS:
            report.errors.append(RowError(1, name, Invalid("unknown_column", allowed=COLUMNS)))
    for name in REQUIRED:
        if name not in header:
            report.errors.append(RowError(1, name, Invalid("missing_column")))


def _one_of(allowed: Iterable[str]) -> Callable[[str], str]:
    options = tuple(allowed)

    def parse(text: str) -> str:
        value = fold(text)
        if value not in options:
            raise Invalid("one_of", allowed=options)
        return value

    return parse


def _telegram_id(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,15}", text):  # str.isdigit() takes ² (and int() refuses it)
        raise Invalid("telegram_id")
    return int(text)


def _date(text: str) -> date:
    return parse_date(text, earliest=EARLIEST, latest=LATEST)


def _reference(text: str) -> str:
    if not REFERENCE.match(text):
        raise Invalid("reference")
    return text


def _check_row(line: int, cells: dict[str, str], report: Report) -> Row | None:
    values: dict[str, Any] = {}
    parsers: dict[str, Callable[[str], Any]] = {
        "nom": lambda t: parse_text(t, max_length=120),
        "prenom": lambda t: parse_text(t, max_length=120),
        "reference": _reference,
        "telephone": parse_phone,
        "adresse": lambda t: parse_text(t, max_length=400),
        "confidentiel": parse_yes_no,
        "conseillere_telegram_id": _telegram_id,
        "conseillere_nom": lambda t: parse_text(t, max_length=120),
        "debut_accompagnement": _date,
        "parcours": _one_of(e.value for e in EntryPath),
        "bail": _lease,
        "date_entree_logement": _date,
        "date_sous_location": _date,
        "loyer": parse_amount,
        "charges": parse_amount,
        "apl": parse_amount,
        "apl_versee_a": _one_of(("bailleur", "menage")),
        "jour_echeance": lambda t: parse_int(t, minimum=1, maximum=31),
        "fin_assurance": _date,
        "prochain_bilan": _date,
        "periode_examen_mois": lambda t: parse_int(t, minimum=1, maximum=60),
        "debut_periode_examen": _date,
        "bailleur": lambda t: parse_text(t, max_length=200),
        "dette_initiale": parse_amount,
        "date_dette": _date,
        "date_fin": _date,
        "motif_fin": _one_of(households.CLOSURE_REASONS),
        "date_glissement": _date,
    }
    failed = False
    for column, parse in parsers.items():
        text = cells.get(column, "")
        if not text:
            if column in REQUIRED:
                report.errors.append(RowError(line, column, Invalid("required")))
                failed = True
            continue
        try:
            values[column] = parse(text)
        except Invalid as error:
            report.errors.append(RowError(line, column, error))
            failed = True
    if failed:
        return None
    data = households.HouseholdData(
        last_name=values["nom"],
        first_name=values["prenom"],
        phone=values.get("telephone", ""),
        address=values.get("adresse", ""),
        entry_path=EntryPath(values.get("parcours", EntryPath.AUTRE.value)),
        confidential=values.get("confidentiel", False),
        support_start=values.get("debut_accompagnement"),
        reference=values.get("reference"),
    )
    if values.get("bail") == "sous_location" and "date_sous_location" not in values:
        report.errors.append(RowError(line, "date_sous_location", Invalid("required")))
        return None
    if "date_glissement" in values and values.get("bail") != "sous_location":
        # a transfer is the end of a sub-let: the row says which one
        report.errors.append(RowError(line, "bail", Invalid("one_of", allowed=("sous-location",))))
        return None
    for given_one, other in (("date_fin", "motif_fin"), ("motif_fin", "date_fin")):
        if given_one in values and other not in values:
            report.errors.append(RowError(line, other, Invalid("required")))
            return None
    given = {FIELDS[c] for c in values if c in FIELDS}
    home = {TENANCY_ANSWERS[c]: _to_answer(v) for c, v in values.items()
            if c in TENANCY_ANSWERS}
    return Row(line, data, values.get("conseillere_telegram_id"),
               values.get("conseillere_nom", ""), given, home, values.get("prochain_bilan"),
               values.get("dette_initiale"), values.get("date_dette"), values.get("date_fin"),
               values.get("motif_fin"), values.get("date_glissement"))


def _to_answer(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _lease(text: str) -> str:
    value = fold(text).replace("-", "_").replace(" ", "_")
    if value not in ("direct", "sous_location"):
        raise Invalid("one_of", allowed=("direct", "sous-location"))
    return value


def check(path: Path) -> tuple[list[Row], Report]:
    report = Report()
    try:
        header, table = read_table(path)
    except Invalid as error:
        report.errors.append(RowError(0, "", error))
        return [], report
    _check_header(header, report)
    if report.errors:
        return [], report
    rows: list[Row] = []
    seen_references: dict[str, int] = {}
    seen_people: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(table, start=2):
        if not any(cells):
            continue
        row = _check_row(number, dict(zip(header, cells, strict=False)), report)
        if row is None:
            continue
        if row.data.reference:
            if row.data.reference in seen_references:
                report.errors.append(RowError(number, "reference", Invalid(
                    "duplicate_reference", line=seen_references[row.data.reference])))
                continue
            seen_references[row.data.reference] = number
        else:
            person = _person_key(row.data.last_name, row.data.first_name, row.data.phone)
            if person in seen_people:
                report.errors.append(RowError(number, "nom", Invalid(
                    "duplicate_row", line=seen_people[person])))
                continue
            seen_people[person] = number
        rows.append(row)
    return rows, report


# --- writing ---------------------------------------------------------------------------------

def _person_key(last: str, first: str, phone: str) -> tuple[str, str]:
    """Name and phone compared as the bot's lookup compares them (`households.name_key`)."""
    return households.name_key(last, first), households.phone_key(phone)


@dataclass
class _Known:
    """What the rows are matched against, loaded once per import (not one query a row):
    the households by reference and by name and phone, the advisors by Telegram id, the
    homes and the bilans planned. What the import creates is added as it is."""

    by_reference: dict[str, Household]
    by_person: dict[tuple[str, str], Household]
    advisors: dict[int, Advisor]
    homes: dict[int, Tenancy] = field(default_factory=dict)  # household id -> its home
    bilans: set[tuple[int, date]] = field(default_factory=set)  # (household id, day)
    # household id -> its opening balance (`ledger.openings`), for those that have one
    openings: dict[int, int] = field(default_factory=dict)
    # year -> the greatest reference number there, the file's own ones counted as they come
    # (`households.next_reference` reads the table's greatest one: one scan a row)
    last_number: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Known:
        known = cls({}, {}, {a.telegram_id: a for a in session.exec(select(Advisor))})
        for household in session.exec(select(Household).order_by(col(Household.id))):
            known.add(household)
        known.homes = {h.household_id: h for h in session.exec(select(Tenancy))}
        known.bilans = set(session.exec(
            select(col(FreeReminder.household_id), col(FreeReminder.due_on))
            .where(FreeReminder.kind == "bilan")))
        known.openings = ledger.openings(session)
        return known

    def copy(self) -> _Known:
        """As it is before a batch: what a batch undone (its savepoint rolled back) restores."""
        return _Known(dict(self.by_reference), dict(self.by_person), dict(self.advisors),
                      dict(self.homes), set(self.bilans), dict(self.last_number),
                      dict(self.openings))

    def next_reference(self, year: int) -> str:
        """The reference `households.create` would give (the greatest number of the year + 1)."""
        return households.format_reference(year, self.last_number.get(year, 0) + 1)

    def add(self, household: Household) -> None:
        parts = households.reference_parts(household.reference)
        if parts:
            self.last_number[parts[0]] = max(self.last_number.get(parts[0], 0), parts[1])
        self.by_reference[household.reference] = household
        person = _person_key(household.last_name, household.first_name, household.phone)
        self.by_person.setdefault(person, household)  # the oldest one, as a lookup finds it

    def renamed(self, household: Household, before: tuple[str, str]) -> None:
        """Its name or phone changed: found by the new ones, no longer by the old ones."""
        if self.by_person.get(before) is household:
            del self.by_person[before]
        self.add(household)

    def match(self, row: Row) -> Household | None:
        data = row.data
        if data.reference:
            return self.by_reference.get(data.reference)
        return self.by_person.get(_person_key(data.last_name, data.first_name, data.phone))


def _differs(household: Household, row: Row) -> dict[str, Any]:
    """The fields of the file that change the household (empty cells change nothing)."""
    wanted = {name: getattr(row.data, name) for name in row.given}
    return {k: v for k, v in wanted.items() if getattr(household, k) != v}


def _home(session: Session, clock: Clock, known: _Known, household: Household, row: Row,
          source: str, bilans: list[dict[str, Any]] | None = None) -> bool:
    """The row's home, opening arrears and next bilan; True when they change something.
    `bilans`: where its next bilan goes, to be inserted with others, when nothing reads it
    back before.

    Nothing is derived here, row by row (deriving was nearly all of an import's time): the
    household is left to the derivation pass (`reminders.leave_to_pass`), which runs in the
    background as soon as the bot runs. A row that closes the household is derived at once,
    as before its closure, and so is a closed one: the pass takes active households only.
    """
    derive = row.closed_on is not None or household.status != "actif"
    changed = False
    if row.home:
        current = known.homes.get(household.id or 0)
        wanted = {**(tenancy.as_answers(current) if current else {}), **row.home}
        if current is None or wanted != tenancy.as_answers(current):
            known.homes[household.id or 0] = tenancy.write(session, clock, None, household,
                                                           current, wanted, derive=derive)
            changed = True
    facts_changed = False
    opening = known.openings.get(household.id or 0)
    if row.debt is not None and opening is None:  # `record_opening`, without its lookup
        ledger.open_account(session, clock, None, household, row.debt_on or clock.today(),
                            row.debt, comment=source)
        if derive:
            ledger.settle(session, clock, household)
        facts_changed = True
    elif row.debt is not None and opening != row.debt:  # a correction: rare, looked up
        facts_changed = ledger.record_opening(
            session, clock, None, household, row.debt_on or clock.today(), row.debt,
            comment=source, derive=derive) is not None
    if row.debt is not None:
        known.openings[household.id or 0] = row.debt
    if row.next_bilan is not None and (household.id or 0, row.next_bilan) not in known.bilans:
        bilan: dict[str, Any] = {"household_id": household.id or 0, "kind": "bilan",
                                 "due_on": row.next_bilan, "created_at": clock.now()}
        if bilans is None or derive:  # derived below: it must be there
            session.add(FreeReminder(**bilan))
        else:
            bilans.append(bilan)
        known.bilans.add((household.id or 0, row.next_bilan))
        facts_changed = True
    home = known.homes.get(household.id or 0) if row.transferred_on is not None else None
    if home is not None and home.transferred_on != row.transferred_on:
        home.transferred_on = row.transferred_on  # a direct tenant since: sub-let reminders stop
        session.add(home)
        facts_changed = True
    if facts_changed and derive:
        session.flush()
        reminders.sync(session, clock, household)
    elif changed or facts_changed:
        reminders.leave_to_pass(session, household)
    if row.closed_on is not None and row.closure_reason is not None and \
            (household.status, household.closed_on, household.closure_reason) != \
            ("clos", row.closed_on, row.closure_reason):
        households.end_support(session, clock, household, row.closed_on, row.closure_reason)
        audit.record(session, clock, None, "household.import.close", household,
                     detail=f"{source}: {row.closure_reason}")
        changed = True
    return changed or facts_changed


class ImportFailed(Exception):
    """A row that passed the checks failed while being written: the whole import is undone."""

    def __init__(self, line: int, error: Exception) -> None:
        super().__init__(line, type(error).__name__)
        self.line, self.error_class = line, type(error).__name__


# Rows written together: their new households in one INSERT, then their homes, accounts,
# bilans and audit rows in one flush (a flush a row was most of an import's time).
BATCH = 500


def apply(session: Session, clock: Clock, rows: list[Row], report: Report,
          source: str) -> None:
    """Import checked rows into the session (the caller commits, or rolls back a dry run).

    Rows are written by batches, each under a savepoint. A batch that fails is rolled back and
    written again row by row, each flushed, to name the row that fails: ImportFailed, and the
    caller's transaction is then rolled back whole.
    """
    known = _Known.load(session)
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        before = known.copy()
        counts = [len(done) for done in _report_lists(report)]
        try:
            with session.begin_nested(), audit.in_bulk(session):
                _apply_rows(session, clock, known, batch, report, source)
        except Exception:
            known = before
            for done, count in zip(_report_lists(report), counts, strict=True):
                del done[count:]
            for row in batch:
                try:
                    _apply_rows(session, clock, known, [row], report, source)
                    session.flush()
                except Exception as error:
                    raise ImportFailed(row.line, error) from error


def _report_lists(report: Report) -> tuple[list[Any], ...]:
    return report.created, report.updated, report.unchanged, report.advisors_created


def _apply_rows(session: Session, clock: Clock, known: _Known, rows: list[Row],
                report: Report, source: str) -> None:
    """The rows in their order; the households they create are written together (one flush
    gives their ids), then what hangs on them."""
    created: list[tuple[Row, Household]] = []
    waiting: set[int] = set()  # id() of the households in `created`
    for row in rows:
        if row.advisor_telegram_id is not None:
            advisor = known.advisors.get(row.advisor_telegram_id)
            if advisor is None:
                advisor = advisors.get_or_create(  # named as in the file, else at her first message
                    session, clock, row.advisor_telegram_id, row.advisor_name)
                known.advisors[row.advisor_telegram_id] = advisor
                report.advisors_created.append(row.advisor_telegram_id)
            row.data.advisor_id = advisor.id
        existing = known.match(row)
        if existing is not None and id(existing) in waiting:
            # created by an earlier row of these, its home not written yet: it is, first
            _write_created(session, clock, known, created, report, source)
            created, waiting = [], set()
        if existing is None:
            data = row.data if row.data.reference else replace(
                row.data, reference=known.next_reference(clock.today().year))
            household = households.new(clock, data, data.reference or "")
            session.add(household)
            known.add(household)
            created.append((row, household))
            waiting.add(id(household))
        else:
            _update(session, clock, known, existing, row, report, source)
    _write_created(session, clock, known, created, report, source)


def _write_created(session: Session, clock: Clock, known: _Known,
                   created: list[tuple[Row, Household]], report: Report, source: str) -> None:
    if not created:
        return
    session.flush()  # the households, in one statement: their ids
    bilans: list[dict[str, Any]] = []  # inserted together: nothing reads them before
    for row, household in created:
        households.audit_creation(session, clock, None, household)
        # None of its rows is in the database yet: its lookups need no flush first; a row
        # that closes it is derived at once, and needs them.
        with nullcontext() if row.closed_on is not None else session.no_autoflush:
            _home(session, clock, known, household, row, source, bilans=bilans)
        report.created.append(household.reference)
    if bilans:
        session.execute(insert(FreeReminder), bilans)


def _update(session: Session, clock: Clock, known: _Known, existing: Household, row: Row,
            report: Report, source: str) -> None:
    changes = _differs(existing, row)
    home_changed = _home(session, clock, known, existing, row, source)
    if not changes:
        (report.updated if home_changed else report.unchanged).append(existing.reference)
        return
    before = _person_key(existing.last_name, existing.first_name, existing.phone)
    for name, value in changes.items():
        setattr(existing, name, value)
    known.renamed(existing, before)
    existing.search_key = households.search_key(existing)
    existing.updated_at = clock.now()
    session.add(existing)
    audit.record(session, clock, None, "household.import.update", existing,
                 detail=f"{source}: {', '.join(sorted(changes))}")
    report.updated.append(existing.reference)
