"""The coordinator's view of her team: every household, filtered (/menages).

Coordinators and admins only; a conseillère has /mes_menages. Every household listed is
audited as a listing, like /mes_menages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit, households
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Household, Reminder, ReminderStatus, Tenancy
from storage.references import by_reference_order

# Reminders still waiting for an answer (storage.reminders.upcoming counts the same).
OPEN = (ReminderStatus.DUE, ReminderStatus.SENDING, ReminderStatus.SENT)
LEASES = ("sous_location", "direct")
STATUSES = ("actif", "clos")


@dataclass(frozen=True)
class Filters:
    """What /menages shows; every field None (or False) shows everything. They combine."""

    advisor_id: int | None = None
    phase: str | None = None  # storage.phases.PHASES
    status: str | None = "actif"  # STATUSES
    late: bool = False  # only households with an open reminder already past its day
    lease: str | None = None  # LEASES: a sub-let not yet transferred, or a direct tenancy


@dataclass
class Listing:
    rows: list[Household]
    page: int
    pages: int
    total: int
    next_due: dict[int, Reminder]
    advisors: dict[int, Advisor]  # who follows each household listed, by id
    team: list[Advisor]  # the active advisors, for the advisor filter's buttons


def require_coordination(actor: Advisor) -> None:
    if not actor.role.sees_everything:
        raise Refused("coordination_only")


def _filtered(clock: Clock, filters: Filters) -> SelectOfScalar[Household]:
    query = select(Household)
    if filters.advisor_id is not None:
        query = query.where(Household.advisor_id == filters.advisor_id)
    if filters.phase is not None:
        query = query.where(Household.phase == filters.phase)
    if filters.status is not None:
        query = query.where(Household.status == filters.status)
    if filters.late:
        query = query.where(exists().where(
            col(Reminder.household_id) == Household.id, col(Reminder.status).in_(OPEN),
            col(Reminder.due_on) < clock.today()))
    if filters.lease is not None:
        sublet = (col(Tenancy.lease) == "sous_location") & col(Tenancy.transferred_on).is_(None)
        query = query.where(exists().where(
            col(Tenancy.household_id) == Household.id,
            sublet if filters.lease == "sous_location"
            else or_(col(Tenancy.lease) != "sous_location",
                     col(Tenancy.transferred_on).is_not(None))))
    return query


def listing(session: Session, clock: Clock, actor: Advisor, filters: Filters, number: int
            ) -> Listing:
    """One page of every household matching `filters`, with each one's advisor and most
    urgent due item."""
    require_coordination(actor)
    query = _filtered(clock, filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // households.PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    rows = list(session.exec(query.order_by(*by_reference_order())
                             .offset(number * households.PAGE_SIZE)
                             .limit(households.PAGE_SIZE)))
    for household in rows:
        audit.record(session, clock, actor, "household.list", household)
    ids = {h.advisor_id for h in rows if h.advisor_id is not None}
    followers = {a.id or 0: a for a in session.exec(
        select(Advisor).where(col(Advisor.id).in_(ids)))} if ids else {}
    team = list(session.exec(select(Advisor).where(col(Advisor.active))
                             .order_by(col(Advisor.name), col(Advisor.id))))
    return Listing(rows, number, pages, total, households.next_due(session, clock, rows),
                   followers, team)
