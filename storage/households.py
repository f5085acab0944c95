"""Households: creation, access on a need-to-know basis, lookup, the open card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit, ledger, plans, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import (
    Advisor,
    Diagnostic,
    EntryPath,
    FormRun,
    Household,
    Note,
    RunStatus,
    Tenancy,
)
from storage.text import digits, fold

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
    children_ages: list[int] | None = None
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


def search_key(household: Household) -> str:
    parts = [household.reference, household.last_name, household.first_name, household.phone]
    parts.append(digits(household.phone))
    if not household.confidential:
        parts.append(household.address)
    return fold(" | ".join(parts))


def next_reference(session: Session, year: int) -> str:
    prefix = f"{year}-"
    last = session.exec(
        select(func.max(Household.reference)).where(col(Household.reference).startswith(prefix))
    ).first()
    number = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def apply_data(household: Household, data: HouseholdData) -> None:
    household.last_name, household.first_name = data.last_name, data.first_name
    household.phone, household.address = data.phone, data.address
    household.adults = data.adults
    household.children_ages = list(data.children_ages or [])
    household.resources = dict(data.resources or {})
    household.entry_path = data.entry_path
    household.dalo, household.pdalpd = data.dalo, data.pdalpd
    household.accords_collectifs = data.accords_collectifs
    household.confidential = data.confidential
    household.confidential_attestation = (
        data.confidential_attestation if data.confidential else None
    )
    household.advisor_id = data.advisor_id
    household.support_start = data.support_start
    household.search_key = search_key(household)


def create(session: Session, clock: Clock, actor: Advisor | None, data: HouseholdData
           ) -> Household:
    """A new household; `actor` None for an import from the command line."""
    if actor and data.advisor_id not in (None, actor.id) and not actor.role.sees_everything:
        raise Refused("forbidden")
    now = clock.now()
    for _attempt in range(5):
        reference = data.reference or next_reference(session, clock.today().year)
        household = Household(reference=reference, last_name="", first_name="",
                              created_at=now, updated_at=now)
        apply_data(household, data)
        try:
            with session.begin_nested():
                session.add(household)
                session.flush()
        except IntegrityError:
            if data.reference:
                raise
            continue  # another advisor took that number at the same instant
        audit.record(session, clock, actor, "household.create", household,
                     detail="" if actor else "import")
        return household
    raise RuntimeError("could not allocate a household reference")


def may_see(actor: Advisor, household: Household) -> bool:
    return actor.role.sees_everything or household.advisor_id == actor.id


def _visible(actor: Advisor) -> SelectOfScalar[Household]:
    query = select(Household)
    if not actor.role.sees_everything:
        query = query.where(Household.advisor_id == actor.id)
    return query


def get(session: Session, clock: Clock, actor: Advisor, household_id: int,
        action: str = "household.view") -> Household:
    """A household the actor may see, the access written to the audit log."""
    household = session.get(Household, household_id)
    if household is None or not may_see(actor, household):
        raise Refused("household_unknown")
    audit.record(session, clock, actor, action, household)
    return household


def by_reference(session: Session, clock: Clock, actor: Advisor, reference: str) -> Household:
    household = session.exec(select(Household).where(Household.reference == reference)).first()
    if household is None or household.id is None:
        raise Refused("household_unknown")
    return get(session, clock, actor, household.id)


def search(session: Session, clock: Clock, actor: Advisor, text: str, limit: int = 10
           ) -> list[Household]:
    """Name, reference, phone or address fragment, case- and accent-insensitive."""
    words = fold(text).split()
    if not words:
        return []
    query = _visible(actor)
    for word in words:
        conditions = [col(Household.search_key).contains(word, autoescape=True)]
        number = digits(word)
        if len(number) >= 4 and number == word.replace(".", "").replace("-", ""):
            conditions.append(col(Household.search_key).contains(number, autoescape=True))
        query = query.where(or_(*conditions))
    found = list(session.exec(query.order_by(col(Household.reference)).limit(limit)))
    for household in found:  # each household shown, even as a line of a list, is a read
        audit.record(session, clock, actor, "household.search", household)
    return found


def page(session: Session, clock: Clock, actor: Advisor, number: int, mine_only: bool = True
         ) -> tuple[list[Household], int, int]:
    """One page of the actor's households (assigned to her), its number and the page count."""
    query = select(Household).where(Household.advisor_id == actor.id) if mine_only \
        else _visible(actor)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    rows = list(session.exec(
        query.order_by(col(Household.reference)).offset(number * PAGE_SIZE).limit(PAGE_SIZE)
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


def card(session: Session, clock: Clock, actor: Advisor, household_id: int) -> Card:
    """What the card shows; opening it makes it the advisor's open card (for notes)."""
    household = get(session, clock, actor, household_id)
    open_card(session, clock, actor, household)
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
        plan=plans.overview(session, clock, household),
        tenancy=session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first(),
        arrears=ledger.arrears(session, clock, household),
    )


def latest_diagnostic(session: Session, household: Household) -> Diagnostic | None:
    query = select(Diagnostic).where(Diagnostic.household_id == household.id)
    return session.exec(query.order_by(col(Diagnostic.completed_at).desc())).first()


def advisor_of(session: Session, household: Household) -> Advisor | None:
    return session.get(Advisor, household.advisor_id) if household.advisor_id else None


def assignees(session: Session, clock: Clock, actor: Advisor, household_id: int
              ) -> tuple[Household, list[Advisor]]:
    """Whom a coordinator may give the household to (coordinators and admins only)."""
    if not actor.role.sees_everything:
        raise Refused("forbidden")
    household = get(session, clock, actor, household_id)
    candidates = session.exec(select(Advisor).where(col(Advisor.active))
                              .order_by(col(Advisor.name)))
    return household, [a for a in candidates if a.id != household.advisor_id]


def reassign(session: Session, clock: Clock, actor: Advisor, household_id: int,
             advisor_id: int) -> tuple[Household, Advisor]:
    """Give a household to another active advisor: coordinators and admins only."""
    if not actor.role.sees_everything:
        raise Refused("forbidden")
    household = get(session, clock, actor, household_id, action="household.reassign")
    advisor = session.get(Advisor, advisor_id)
    if advisor is None or not advisor.active:
        raise Refused("advisor_unknown")
    household.advisor_id, household.updated_at = advisor.id, clock.now()
    session.add(household)
    audit.record(session, clock, actor, "household.reassign", household,
                 detail=f"-> {advisor.telegram_id}")
    return household, advisor


def close(session: Session, clock: Clock, actor: Advisor, household_id: int) -> Household:
    """The support ends: the household leaves the active lists and its reminders stop."""
    household = get(session, clock, actor, household_id, action="household.close")
    if household.status != "clos":
        household.status, household.updated_at = "clos", clock.now()
        session.add(household)
        session.flush()
        reminders.sync(session, clock, household)
    return household


def reveal_address(session: Session, clock: Clock, actor: Advisor, household_id: int) -> Household:
    """The address of a confidential household, on explicit demand only: audited as such."""
    return get(session, clock, actor, household_id, action="household.address.view")


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
    if household is None or not may_see(actor, household):
        return None
    return household
