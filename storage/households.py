"""Households: creation, access on a need-to-know basis, lookup, the open card."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, column, func, or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit, deletions, ledger, phases, plans, policy, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import (
    Advisor,
    AuditLog,
    Diagnostic,
    EntryPath,
    FormRun,
    Household,
    Note,
    Reminder,
    ReminderStatus,
    RunStatus,
    Tenancy,
)
from storage.references import by_reference_order
from storage.text import compact, digits
from storage.validators import Invalid, parse_phone

PAGE_SIZE = 8
# A card stays "open" for notes this long after the advisor last touched it, so that a
# note typed the next morning does not land on yesterday's family.
OPEN_CARD_TTL = timedelta(hours=3)


@dataclass
class HouseholdData:
    last_name: str
    first_name: str
    phone: str = ""
    address: str = ""
    adults: int = 1
    children_ages: list[int | str] | None = None
    resources: dict[str, int] | None = None
    entry_path: EntryPath = EntryPath.AUTRE
    dalo: bool = False
    pdalpd: bool = False
    accords_collectifs: bool = False
    confidential: bool = False
    confidential_attestation: date | None = None
    advisor_id: int | None = None
    support_start: date | None = None
    reference: str | None = None


REFERENCE = re.compile(r"^\d{4}-\d+$")


def phone_key(phone: str) -> str:
    """A phone in one national form (`06 12 34 56 78`) whatever way it was typed, or as
    typed when it is no French number."""
    try:
        return parse_phone(phone)
    except Invalid:
        return phone.strip()


def name_key(last_name: str, first_name: str) -> str:
    """Name and first name as a lookup compares them (see `storage.text.compact`)."""
    return f" | {compact(last_name)} | {compact(first_name)} | "


def search_key(household: Household) -> str:
    """`reference | name | first name | phone digits | address` (address empty when
    confidential), each part compacted: the text a lookup matches."""
    address = "" if household.confidential else compact(household.address)
    return (f"{household.reference.lower()}{name_key(household.last_name, household.first_name)}"
            f"{digits(phone_key(household.phone))} | {address}")


def next_reference(session: Session, year: int) -> str:
    prefix = f"{year}-"
    of_year = col(Household.reference).startswith(prefix)
    # Not max(reference): as text, 2027-9999 > 2027-10000. The longest, then the greatest.
    length = session.exec(select(func.max(func.length(Household.reference))).where(of_year)
                          ).first()
    last = session.exec(select(func.max(Household.reference)).where(
        of_year, func.length(Household.reference) == length)).first() if length else None
    number = int(last.split("-")[1]) + 1 if last else 1
    return format_reference(year, number)


def format_reference(year: int, number: int) -> str:
    return f"{year}-{number:04d}"


def reference_parts(reference: str) -> tuple[int, int] | None:
    """`2027-0042` → (2027, 42); None for a reference of another form."""
    if not REFERENCE.match(reference):
        return None
    year, number = reference.split("-")
    return int(year), int(number)


def apply_data(household: Household, data: HouseholdData) -> None:
    for name, value in _data_fields(data).items():
        setattr(household, name, value)
    household.search_key = search_key(household)


def _data_fields(data: HouseholdData) -> dict[str, Any]:
    """The household's fields the data gives (its search key follows from them)."""
    return {"last_name": data.last_name, "first_name": data.first_name,
            "phone": phone_key(data.phone), "address": data.address, "adults": data.adults,
            "children_ages": list(data.children_ages or []),
            "resources": dict(data.resources or {}), "entry_path": data.entry_path,
            "dalo": data.dalo, "pdalpd": data.pdalpd,
            "accords_collectifs": data.accords_collectifs, "confidential": data.confidential,
            "confidential_attestation": data.confidential_attestation if data.confidential
            else None, "advisor_id": data.advisor_id, "support_start": data.support_start}


def create(session: Session, clock: Clock, actor: Advisor | None, data: HouseholdData
           ) -> Household:
    """A new household; `actor` None for an import from the command line."""
    if actor:
        policy.require(session, clock, actor, "household.create")
    if actor and data.advisor_id not in (None, actor.id):
        policy.require(session, clock, actor, "household.assign")
    for _attempt in range(5):
        household = new(clock, data, data.reference or next_reference(session,
                                                                      clock.today().year))
        if data.reference:  # taken already: the caller says so (no savepoint to retry)
            session.add(household)
            session.flush()
        else:
            try:
                with session.begin_nested():
                    session.add(household)
                    session.flush()
            except IntegrityError:
                continue  # another advisor took that number at the same instant
        audit_creation(session, clock, actor, household)
        return household
    raise RuntimeError("could not allocate a household reference")


def new(clock: Clock, data: HouseholdData, reference: str) -> Household:
    """A household with that reference, not yet in the session (`create` adds it; an import
    adds a batch of them, written in one statement)."""
    now = clock.now()
    # Built with its fields at once, not set a second time (10 000 of them in an import);
    # those with a default_factory are among them (pydantic inspects the factory at each use).
    household = Household(reference=reference, created_at=now, updated_at=now,
                          **_data_fields(data))
    household.search_key = search_key(household)
    return household


def audit_creation(session: Session, clock: Clock, actor: Advisor | None,
                   household: Household) -> None:
    """Every creation audited once (`actor` None: an import, which `imported` finds)."""
    audit.record(session, clock, actor, "household.create", household,
                 detail="" if actor else "import")


def imported(session: Session, household: Household) -> bool:
    """Whether the household came with a caseload imported from a file (`hlm-bot import`)."""
    query = select(AuditLog.id).where(AuditLog.household_id == household.id,
                                      AuditLog.action == "household.create",
                                      AuditLog.detail == "import")
    return session.exec(query).first() is not None


def _visible(actor: Advisor) -> SelectOfScalar[Household]:
    return select(Household).where(policy.visible_filter(actor))


def get(session: Session, clock: Clock, actor: Advisor, household_id: int,
        action: str = "household.view", need: str = "household.view") -> Household:
    """A household on which the actor may do `need` (storage.policy), the access written to
    the audit log (`action` empty: the caller writes it, once, naming what was done)."""
    household = session.get(Household, household_id)
    if household is None:
        raise Refused("household_unknown")
    policy.require(session, clock, actor, need, household)
    if action:
        audit.record(session, clock, actor, action, household)
    return household


def by_reference(session: Session, clock: Clock, actor: Advisor, reference: str) -> Household:
    household = session.exec(select(Household).where(Household.reference == reference)).first()
    if household is None or household.id is None:
        raise Refused("household_unknown")
    return get(session, clock, actor, household.id)


def search(session: Session, clock: Clock, actor: Advisor, text: str, limit: int = 10
           ) -> list[Household]:
    """Name, reference, phone or address fragments, each matched ignoring case, accents,
    apostrophes, hyphens and spaces; a phone in any French form."""
    words = search_terms(text)
    if not words:
        return []
    query = _visible(actor)
    for word in words:
        query = query.where(col(Household.search_key).contains(word, autoescape=True))
    if session.get_bind().dialect.name == "sqlite":
        query = _narrowed_by_trigrams(query, words)
    found = list(session.exec(query.order_by(*by_reference_order()).limit(limit)))
    for household in found:  # each household shown, even as a line of a list, is a read
        audit.record(session, clock, actor, "household.search", household)
    return found


# The trigram index answers only for words of 3 characters or more; shorter ones are matched
# by the `LIKE` alone, on the rows the longer ones left (or on all, when every word is short).
TRIGRAM = 3


def _narrowed_by_trigrams(query: SelectOfScalar[Household], words: list[str]
                          ) -> SelectOfScalar[Household]:
    """On SQLite, the households whose key holds every long word, found through the FTS5
    trigram table `household_search` (migration `scale_1`) rather than by a scan; the
    `LIKE`s stay, so the answer is the same with or without the index. (PostgreSQL's
    `pg_trgm` index serves the `LIKE` itself.)"""
    phrases = [f'"{word.replace(chr(34), chr(34) * 2)}"' for word in words if len(word) >= TRIGRAM]
    if not phrases:
        return query
    matching = text("SELECT rowid FROM household_search WHERE household_search MATCH :phrases"
                    ).bindparams(bindparam("phrases", " AND ".join(phrases))
                                 ).columns(column("rowid"))
    return query.where(col(Household.id).in_(matching))


@dataclass
class Duplicate:
    """An existing household that may be the one being opened. `visible`: the actor may
    open it; otherwise only its label and its advisor's name are shown."""

    household: Household
    advisor: Advisor | None
    visible: bool
    same_phone: bool
    same_name: bool


DUPLICATES_SHOWN = 3


def find_duplicates(session: Session, clock: Clock, actor: Advisor, last_name: str,
                    first_name: str, phone: str = "", ignore: Sequence[int] = ()
                    ) -> list[Duplicate]:
    """Households (active or closed, whoever follows them) with the same phone, or the same
    name and first name, as the one being opened; `ignore`: those she already set aside."""
    number = phone_key(phone) if phone else ""
    names = name_key(last_name, first_name)
    conditions = []
    if compact(last_name) and compact(first_name):
        conditions.append(col(Household.search_key).contains(names, autoescape=True))
    if number:
        conditions.append(col(Household.phone) == number)
    if not conditions:
        return []
    query = select(Household).where(or_(*conditions))
    if ignore:
        query = query.where(col(Household.id).not_in(list(ignore)))
    found = []
    for household in session.exec(query.order_by(col(Household.reference))
                                  .limit(DUPLICATES_SHOWN)):
        audit.record(session, clock, actor, "household.duplicate", household)
        found.append(Duplicate(
            household=household, advisor=advisor_of(session, household),
            visible=policy.visible(actor, household),
            same_phone=bool(number) and household.phone == number,
            same_name=name_key(household.last_name, household.first_name) == names))
    return found


def search_terms(text: str) -> list[str]:
    """What each typed word must match in `search_key`: a whole phone number typed with
    spaces is one term (`+33 6 12 34 56 78` -> `0612345678`)."""
    try:
        return [digits(parse_phone(text))]
    except Invalid:
        pass
    terms = []
    for token in text.split():
        if REFERENCE.match(token):
            terms.append(token)
            continue
        try:
            terms.append(digits(parse_phone(token)))
        except Invalid:
            if word := compact(token):
                terms.append(word)
    return terms


def next_due(session: Session, clock: Clock, rows: Sequence[Household]) -> dict[int, Reminder]:
    """Each household's most urgent open reminder: with the commune, what tells households
    apart in a list without their names."""
    found: dict[int, Reminder] = {}
    for reminder in reminders.upcoming(session, clock, rows, date.max):
        found.setdefault(reminder.household_id, reminder)
    return found


def page(session: Session, clock: Clock, actor: Advisor, number: int, mine_only: bool = True
         ) -> tuple[list[Household], int, int]:
    """One page of the actor's households (assigned to her), its number and the page count."""
    query = select(Household).where(policy.own_filter(actor)) if mine_only \
        else _visible(actor)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    rows = list(session.exec(
        query.order_by(*by_reference_order()).offset(number * PAGE_SIZE).limit(PAGE_SIZE)
    ))
    for household in rows:
        audit.record(session, clock, actor, "household.list", household)
    return rows, number, pages


@dataclass
class Card:
    household: Household
    advisor: Advisor | None
    notes: list[Note]
    note_count: int
    diagnostic: Diagnostic | None
    diagnostic_run: FormRun | None  # a diagnostic started and not confirmed
    plan: plans.Progress
    tenancy: Tenancy | None
    arrears: int
    upcoming: list[Upcoming]
    allowed: frozenset[str]  # what the actor may do on it (storage.policy): its buttons


@dataclass
class Upcoming:
    """One line of the card's «À venir»: a stored open reminder, or a step of the plan."""

    due: date
    reminder: Reminder | None = None
    item: plans.Item | None = None


UPCOMING_LINES = 3


def upcoming(session: Session, household: Household, plan: plans.Progress,
             limit: int = UPCOMING_LINES) -> list[Upcoming]:
    """What is still to do, most urgent first: an impayé prevention step (its CAF date)
    before anything else, then by date; the plan's steps that have no reminder yet."""
    stored = list(session.exec(select(Reminder).where(
        Reminder.household_id == household.id,
        col(Reminder.status).in_([ReminderStatus.DUE, ReminderStatus.SENDING,
                                  ReminderStatus.SENT]))))
    found = [Upcoming(r.due_on, reminder=r) for r in stored]
    reminded = {r.payload.get("uid") for r in stored if r.kind == "step"}
    found += [Upcoming(i.due, item=i) for i in plan.next_due
              if i.due and i.uid not in reminded and i.status != "non_fait"]
    found.sort(key=lambda u: (u.reminder is None or u.reminder.kind != "prevention", u.due))
    return found[:limit]


def card(session: Session, clock: Clock, actor: Advisor, household_id: int) -> Card:
    """What the card shows; opening it makes it the advisor's open card (for notes). It shows
    the social side (notes, diagnostic): the landlord's staff have storage.landlords.card."""
    household = get(session, clock, actor, household_id)
    policy.require(session, clock, actor, "household.notes", household)
    open_card(session, clock, actor, household)
    phases.refresh(session, clock, household)  # the entry date may have passed since
    progress = plans.overview(session, clock, household)
    notes_query = select(Note).where(Note.household_id == household.id)
    notes = list(session.exec(notes_query.order_by(col(Note.created_at).desc()).limit(3)))
    count = session.exec(
        select(func.count()).select_from(Note).where(Note.household_id == household.id)
    ).one()
    return Card(
        household=household,
        advisor=advisor_of(session, household),
        notes=notes,
        note_count=count,
        diagnostic=latest_diagnostic(session, household),
        diagnostic_run=session.exec(
            select(FormRun).where(
                FormRun.household_id == household.id,
                FormRun.form == "diagnostic",
                col(FormRun.status).in_([RunStatus.ACTIVE, RunStatus.PAUSED]),
            ).order_by(col(FormRun.updated_at).desc())
        ).first(),
        plan=progress,
        tenancy=session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first(),
        arrears=ledger.arrears(session, clock, household),
        upcoming=upcoming(session, household, progress),
        allowed=policy.allowed_actions(actor, household),
    )


def latest_diagnostic(session: Session, household: Household) -> Diagnostic | None:
    query = select(Diagnostic).where(Diagnostic.household_id == household.id)
    return session.exec(query.order_by(col(Diagnostic.completed_at).desc())).first()


def advisor_of(session: Session, household: Household) -> Advisor | None:
    return session.get(Advisor, household.advisor_id) if household.advisor_id else None


def assignees(session: Session, clock: Clock, actor: Advisor, household_id: int
              ) -> tuple[Household, list[Advisor]]:
    """Whom a coordinator may give the household to (coordinators and admins only)."""
    household = get(session, clock, actor, household_id, need="household.reassign")
    candidates = session.exec(select(Advisor).where(col(Advisor.active))
                              .order_by(col(Advisor.name)))
    return household, [a for a in candidates if a.id != household.advisor_id]


@dataclass
class Reassignment:
    household: Household
    advisor: Advisor  # who follows it now
    previous: Advisor | None  # who followed it before
    actor: Advisor
    told: list[Advisor]  # who gets a message (the handler sends; one out of reach is skipped)


def reassign(session: Session, clock: Clock, actor: Advisor, household_id: int,
             advisor_id: int) -> Reassignment:
    """Give a household to another active advisor: coordinators and admins only. The advisor
    who receives it and the one who loses it are told (not the actor, not a deactivated one)."""
    household = get(session, clock, actor, household_id, action="", need="household.reassign")
    advisor = session.get(Advisor, advisor_id)
    if advisor is None or not advisor.active:
        raise Refused("advisor_unknown")
    previous = advisor_of(session, household)
    told: list[Advisor] = []
    if previous is None or previous.id != advisor.id:
        told = [a for a in (advisor, previous)
                if a is not None and a.active and a.id != actor.id]
    household.advisor_id, household.updated_at = advisor.id, clock.now()
    session.add(household)
    audit.record(session, clock, actor, "household.reassign", household,
                 detail=f"-> {advisor.telegram_id}")
    return Reassignment(household, advisor, previous, actor, told)


# Why a support ended (`Household.closure_reason`), in the order they are offered; the
# labels are `labels.txt`'s closure_reason. Imports use the same codes (`motif_fin`).
CLOSURE_REASONS = ("glissement", "relogement", "maintien", "orientation", "expulsion",
                   "depart", "abandon", "deces", "autre")


def end_support(session: Session, clock: Clock, household: Household, day: date, reason: str,
                detail: str | None = None) -> None:
    """Mark the support ended (its day, its reason) and stop its reminders. `detail` says what
    "autre" was (an import may not know it); any other reason has none."""
    if reason not in CLOSURE_REASONS:
        raise Refused("closure_reason")
    household.status, household.updated_at = "clos", clock.now()
    household.closed_on, household.closure_reason = day, reason
    household.closure_detail = (detail or "").strip() or None if reason == "autre" else None
    household.shared_with_id = None  # sharing with the landlord ends with the support
    session.add(household)
    session.flush()
    reminders.sync(session, clock, household)


def close(session: Session, clock: Clock, actor: Advisor, household_id: int, day: date,
          reason: str, detail: str | None = None) -> Household:
    """The support ends on `day` for `reason`: the household leaves the active lists, its
    reminders stop, its card is read-only (consultation, notes, documents)."""
    household = get(session, clock, actor, household_id, action="", need="household.close")
    if household.status == "clos":
        raise Refused("household_closed", household=household)
    if day > clock.today():
        raise Refused("closure_future")
    if reason == "autre" and not (detail or "").strip():
        raise Refused("closure_detail")
    end_support(session, clock, household, day, reason, detail)
    audit.record(session, clock, actor, "household.close", household, detail=reason)
    return household


def reopen(session: Session, clock: Clock, actor: Advisor, household_id: int, reason: str
           ) -> Household:
    """A coordinator takes a closed support up again (why is kept in the audit log): the end's
    day and reason are cleared and the reminders come back."""
    household = get(session, clock, actor, household_id, action="", need="household.reopen")
    if household.status != "clos":
        raise Refused("household_open")
    household.status, household.updated_at = "actif", clock.now()
    household.closed_on = None
    household.closure_reason = household.closure_detail = None
    session.add(household)
    session.flush()
    reminders.sync(session, clock, household)
    audit.record(session, clock, actor, "household.reopen", household, detail=reason.strip())
    return household


def closed(session: Session, actor: Advisor, household_id: int) -> Household | None:
    """The household, if its support is closed: the buttons of its old messages then do
    nothing but say so (None: open, or not hers, which the action itself refuses)."""
    household = session.get(Household, household_id)
    if household is None or not policy.visible(actor, household) or household.status != "clos":
        return None
    return household


def reveal_address(session: Session, clock: Clock, actor: Advisor, household_id: int
                   ) -> tuple[Household, Tenancy | None]:
    """The addresses of a confidential household (current one, its home's), on explicit
    demand only: audited as such."""
    household = get(session, clock, actor, household_id, action="household.address.view",
                    need="household.address")
    home = session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()
    return household, home


def show_address_later(session: Session, clock: Clock, chat_id: int, message_id: int) -> None:
    """The message that shows an address is deleted after a while (storage.deletions)."""
    deletions.schedule(session, clock, chat_id, message_id)


def open_card(session: Session, clock: Clock, actor: Advisor, household: Household) -> None:
    actor.open_household_id, actor.open_household_at = household.id, clock.now()
    session.add(actor)


def close_card(session: Session, actor: Advisor) -> None:
    actor.open_household_id, actor.open_household_at = None, None
    session.add(actor)


def open_household(session: Session, clock: Clock, actor: Advisor) -> Household | None:
    """The card the advisor has open, if it is still fresh and still hers to see."""
    if actor.open_household_id is None or actor.open_household_at is None:
        return None
    if clock.now() - actor.open_household_at > OPEN_CARD_TTL:
        return None
    household = session.get(Household, actor.open_household_id)
    if household is None or not policy.allowed(actor, "household.notes", household):
        return None
    return household
