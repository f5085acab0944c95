"""The coordinator's view of her team: every household, filtered (/menages), and each
advisor's figures (/equipe, the Monday summary).

Coordinators and admins only; a conseillère has /mes_menages. Every household listed is
audited as a listing, like /mes_menages; the figures are counts, no household named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from reminders.calendar import add_months, is_working_day
from storage import audit, households, policy, reminders
from storage.clock import Clock
from storage.models import (
    Advisor,
    Bilan,
    Household,
    Note,
    Reminder,
    ReminderStatus,
    Tenancy,
    TransferReview,
)
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
    policy.require(session, clock, actor, "team.view")
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


# /equipe: a review or bilan is held on time within this many days of its date (the
# evaluation counts the 6-month reviews the same way), over the last REVIEW_MONTHS months.
ON_TIME = timedelta(days=15)
REVIEW_MONTHS = 6
# A household with no note, visit, bilan, review or reminder answered for this long.
SILENCE = timedelta(days=30)
REVIEWS: dict[str, type[Bilan] | type[TransferReview]] = {"bilan": Bilan,
                                                         "glissement": TransferReview}


@dataclass
class AdvisorFigures:
    advisor: Advisor
    households: int  # active households she follows
    overdue: int  # their open reminders already past their day
    reviews_due: int  # bilans and glissement reviews due in the window and past their margin
    reviews_on_time: int
    silent: int  # active households without any contact for SILENCE

    @property
    def on_time_percent(self) -> int | None:
        if not self.reviews_due:
            return None
        return round(100 * self.reviews_on_time / self.reviews_due)


def _overdue(session: Session, today: date, ids: list[int]) -> int:
    return session.exec(select(func.count()).select_from(Reminder).where(
        col(Reminder.household_id).in_(ids), col(Reminder.status).in_(OPEN),
        col(Reminder.due_on) < today)).one() if ids else 0


def _reviews(session: Session, today: date, ids: list[int]) -> tuple[int, int]:
    """(due, held on time): each bilan or glissement reminder of the last REVIEW_MONTHS
    months, held within ON_TIME of its date; one still within its margin and not held yet
    is not counted."""
    if not ids:
        return 0, 0
    due = on_time = 0
    since = add_months(today, -REVIEW_MONTHS)
    items = session.exec(select(Reminder).where(
        col(Reminder.household_id).in_(ids), col(Reminder.kind).in_(list(REVIEWS)),
        col(Reminder.status) != ReminderStatus.CANCELLED,
        col(Reminder.due_on) >= since, col(Reminder.due_on) <= today))
    for item in items:
        record = REVIEWS[item.kind]
        held = session.exec(select(func.count()).select_from(record).where(
            col(record.household_id) == item.household_id,
            col(record.held_on) >= item.due_on - ON_TIME,
            col(record.held_on) <= min(item.due_on + ON_TIME, today))).one()
        if held:
            due, on_time = due + 1, on_time + 1
        elif item.due_on + ON_TIME < today:
            due += 1
    return due, on_time


def last_contacts(session: Session, ids: list[int]) -> dict[int, date]:
    """Each household's last contact: a note (not struck out), a bilan, a glissement review,
    a reminder answered. Dates in UTC days: a day's margin on 30 does not matter here."""
    found: dict[int, date] = {}

    def keep(household_id: int, day: date | None) -> None:
        if day is not None and (household_id not in found or day > found[household_id]):
            found[household_id] = day

    for household_id, at in session.exec(
            select(Note.household_id, func.max(Note.created_at))
            .where(col(Note.household_id).in_(ids), col(Note.struck_at).is_(None))
            .group_by(col(Note.household_id))):
        keep(household_id, at.date() if at else None)
    for household_id, answered in session.exec(
            select(Reminder.household_id, func.max(Reminder.answered_at))
            .where(col(Reminder.household_id).in_(ids))
            .group_by(col(Reminder.household_id))):
        keep(household_id, answered.date() if answered else None)
    for record in REVIEWS.values():
        for household_id, day in session.exec(
                select(record.household_id, func.max(record.held_on))
                .where(col(record.household_id).in_(ids))
                .group_by(col(record.household_id))):
            keep(household_id, day)
    return found


def _silent(session: Session, today: date, rows: list[Household]) -> int:
    """Active households without a contact for SILENCE (one opened since is not silent)."""
    contacts = last_contacts(session, [h.id or 0 for h in rows])
    return sum(1 for h in rows
               if contacts.get(h.id or 0, h.created_at.date()) < today - SILENCE)


def team_figures(session: Session, clock: Clock) -> list[AdvisorFigures]:
    """Per active conseillère (and anyone else following households), the /equipe figures."""
    today = clock.today()
    found = []
    for advisor in session.exec(select(Advisor).where(col(Advisor.active))
                                .order_by(col(Advisor.name), col(Advisor.id))):
        rows = list(session.exec(select(Household).where(
            Household.advisor_id == advisor.id, Household.status == "actif")))
        if not rows and policy.grants(advisor.role, "team.view"):
            continue  # a coordinator with no household of her own is not a line
        ids = [h.id or 0 for h in rows]
        due, on_time = _reviews(session, today, ids)
        found.append(AdvisorFigures(advisor, len(rows), _overdue(session, today, ids), due,
                                    on_time, _silent(session, today, rows)))
    return found


def figures(session: Session, clock: Clock, actor: Advisor) -> list[AdvisorFigures]:
    policy.require(session, clock, actor, "team.view")
    return team_figures(session, clock)


def team_upcoming(session: Session, clock: Clock, actor: Advisor, until: date
                  ) -> tuple[list[tuple[Household, list[Reminder]]], dict[int, Advisor]]:
    """/echeances equipe: every active household's open items due until `until`, and who
    follows each (audited as a listing, like /echeances)."""
    policy.require(session, clock, actor, "team.view")
    groups = reminders.digest(session, clock, actor, until, listing="echeances_equipe",
                              whole_team=True)
    ids = {h.advisor_id for h, _items in groups if h.advisor_id is not None}
    followers = {a.id or 0: a for a in session.exec(
        select(Advisor).where(col(Advisor.id).in_(ids)))} if ids else {}
    return groups, followers


def weekly_summary(session: Session, clock: Clock, advisor: Advisor, day: date
                   ) -> list[AdvisorFigures] | None:
    """The team's figures for a coordinator's morning digest on the week's first working day
    (Monday, or the Tuesday after Easter Monday...): sent with the digest, so claimed once
    with it (reminders.tick). None for anyone else, on another day, or with no household
    followed yet."""
    if not policy.allowed(advisor, "team.view") or not is_working_day(day):
        return None
    monday = day - timedelta(days=day.weekday())
    if any(is_working_day(monday + timedelta(days=n)) for n in range(day.weekday())):
        return None
    return team_figures(session, clock) or None
