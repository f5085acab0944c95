"""The yearly evaluation for the funders: every figure computed from the records.

The supports counted are those active at any day of the period (1 January to 31 December,
or to today for «année en cours à date»). A support runs from `support_start` (else the day
the household was opened) to `closed_on` (else, for a support closed before closure dates
were recorded, the day it was last changed). Months are days / (365,25 / 12), to one
decimal; a household-year is the household's days of support in the period over the days of
the year, so the cost of a year still running is the cost so far.
"""

from __future__ import annotations

from calendar import isleap, monthrange
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import mean, median

from sqlmodel import Session, col, select

from storage import audit, ledger, policy
from storage.clock import Clock
from storage.households import CLOSURE_REASONS
from storage.models import (
    Advisor,
    Bilan,
    FreeReminder,
    Household,
    Note,
    PlanStatus,
    PlanVersion,
    RepaymentPlan,
    StepProgress,
    Tenancy,
    TransferReview,
)
from storage.notes import NOTE_TYPES

# An end that keeps the household housed: an eviction avoided when the impayé was reached.
POSITIVE_REASONS = frozenset({"glissement", "relogement", "maintien", "orientation"})
# Monthly resources, cents: a household is in the first band whose upper bound it is under.
RESOURCE_BANDS = (("moins_600", 60000), ("600_1000", 100000), ("1000_1500", 150000),
                  ("plus_1500", None))
REVIEW_MONTHS = 6  # the glissement review, every 6 months from the sub-lease's signature
REVIEW_TOLERANCE_DAYS = 15  # held within 15 days of its date: on time
MONTH_DAYS = 365.25 / 12


@dataclass(frozen=True)
class Period:
    year: int
    start: date
    end: date  # 31 December, or today for the year running

    @property
    def year_days(self) -> int:
        return 366 if isleap(self.year) else 365

    @property
    def complete(self) -> bool:
        return self.end == date(self.year, 12, 31)

    def months(self) -> list[date]:
        return [date(self.year, m, 1) for m in range(1, self.end.month + 1)]


def period(year: int | None, clock: Clock, *, to_date: bool = False) -> Period:
    """The year asked; without one, the last complete year, or the year running to today."""
    today = clock.today()
    if to_date:
        return Period(today.year, date(today.year, 1, 1), today)
    chosen = today.year - 1 if year is None else year
    end = date(chosen, 12, 31)
    return Period(chosen, date(chosen, 1, 1), min(end, today) if chosen == today.year else end)


def months_between(start: date, end: date) -> float:
    return round((end - start).days / MONTH_DAYS, 1)


def _mean(values: list[float]) -> float | None:
    return round(mean(values), 1) if values else None


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def support_start(household: Household, clock: Clock) -> date:
    return household.support_start or household.created_at.astimezone(clock.tz).date()


def support_end(household: Household, clock: Clock) -> date | None:
    if household.closed_on is not None:
        return household.closed_on
    if household.status == "clos":
        return household.updated_at.astimezone(clock.tz).date()
    return None


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def resource_band(cents: int) -> str:
    for name, upper in RESOURCE_BANDS:
        if upper is None or cents < upper:
            return name
    raise AssertionError("the last band has no upper bound")


def composition(household: Household) -> str:
    if household.children_ages:
        return "avec_enfants"
    return "couple" if household.adults >= 2 else "isole"


@dataclass
class Row:
    """One household supported in the period: the «Ménages» sheet (no name)."""

    reference: str
    start: date
    end: date | None
    entry_path: str
    composition: str
    persons: int
    resource_band: str
    lease: str  # sous_location, direct, or "" without a home
    home_entry: date | None
    sublease_start: date | None
    transferred_on: date | None
    closure_reason: str | None
    months_in_period: float
    duration_months: float | None  # of a support ended in the period
    impaye: bool  # reached the impayé threshold in the period
    impaye_outcome: str  # resolu, en_dette, expulse, or ""
    repayment_plan: bool
    contacts: int


@dataclass
class Evaluation:
    period: Period
    target: int
    cost_per_household_year: int  # cents
    households: int = 0
    new: int = 0
    carried_over: int = 0
    ended: int = 0
    active_at_end: int = 0
    compositions: Counter[str] = field(default_factory=Counter)
    persons: int = 0
    resource_bands: Counter[str] = field(default_factory=Counter)
    entry_paths: Counter[str] = field(default_factory=Counter)
    dalo: int = 0
    pdalpd: int = 0
    accords_collectifs: int = 0
    violence: int = 0  # confidential with an attestation: a count, never a list
    sublets: int = 0
    direct_leases: int = 0
    home_entries: int = 0
    glissements: int = 0
    glissement_delay_mean: float | None = None
    glissement_delay_median: float | None = None
    reviews_due: int = 0
    reviews_on_time: int = 0
    impaye: int = 0
    impaye_resolved: int = 0
    impaye_plan: int = 0
    impaye_in_debt: int = 0
    impaye_evicted: int = 0
    evictions_avoided: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    duration_mean: float | None = None
    duration_median: float | None = None
    objectives_planned: int = 0
    objectives_reached: int = 0
    bilans: int = 0
    contacts: Counter[str] = field(default_factory=Counter)
    household_years: float = 0.0
    by_month: list[tuple[date, int]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def contacts_total(self) -> int:
        return sum(self.contacts.values())

    @property
    def contacts_per_household(self) -> float | None:
        return round(self.contacts_total / self.households, 1) if self.households else None

    @property
    def visits(self) -> int:
        return self.contacts["visite"]

    @property
    def cost(self) -> int:
        """Cents: the cost per household-year × the household-years of support."""
        return round(self.cost_per_household_year * self.household_years)


def supported(session: Session, clock: Clock, p: Period) -> list[Household]:
    """Households whose support was active at any day of the period, by reference."""
    found = []
    for household in session.exec(select(Household).order_by(col(Household.reference))):
        start, end = support_start(household, clock), support_end(household, clock)
        if start <= p.end and (end is None or end >= p.start):
            found.append(household)
    return found


def _reviews(home: Tenancy, until: date, p: Period, held: list[date]) -> tuple[int, int]:
    """The 6-month reviews due in the period while the home was sub-let, and those held
    within 15 days of their date."""
    if home.lease != "sous_location" or home.sublease_start is None:
        return 0, 0
    due = on_time = 0
    k = 1
    while (when := add_months(home.sublease_start, REVIEW_MONTHS * k)) <= until:
        if when >= p.start:
            due += 1
            on_time += any(abs((day - when).days) <= REVIEW_TOLERANCE_DAYS for day in held)
        k += 1
    return due, on_time


def _objectives(session: Session, household: Household, end: date, clock: Clock
                ) -> tuple[int, int]:
    """Objectives of the plan in force at the period's end, and those marked done by then."""
    signed = [v for v in session.exec(select(PlanVersion).where(
        PlanVersion.household_id == household.id, PlanVersion.status == PlanStatus.SIGNED)
        .order_by(col(PlanVersion.number))) if v.signed_on is None or v.signed_on <= end]
    if not signed:
        return 0, 0
    uids = {item.get("_uid") for item in signed[-1].content.get("objectifs") or []}
    latest: dict[str, StepProgress] = {}
    for row in session.exec(select(StepProgress).where(
            StepProgress.household_id == household.id).order_by(col(StepProgress.at),
                                                                 col(StepProgress.id))):
        if row.at.astimezone(clock.tz).date() <= end:
            latest[row.item_uid] = row
    reached = sum(1 for uid in uids if uid in latest and latest[uid].status == "fait")
    return len(uids), reached


def compute(session: Session, clock: Clock, p: Period, *, target: int,
            cost_per_household_year: int) -> Evaluation:
    ev = Evaluation(p, target, cost_per_household_year)
    households = supported(session, clock, p)
    ev.households = len(households)
    spans: list[tuple[date, date | None]] = []
    durations: list[float] = []
    delays: list[float] = []
    for h in households:
        start, end = support_start(h, clock), support_end(h, clock)
        spans.append((start, end))
        ended = end is not None and end <= p.end
        ev.new += start >= p.start
        ev.carried_over += start < p.start
        ev.ended += ended
        ev.active_at_end += not ended
        kind = composition(h)
        ev.compositions[kind] += 1
        ev.persons += h.persons
        band = resource_band(h.resources_total)
        ev.resource_bands[band] += 1
        ev.entry_paths[h.entry_path.value] += 1
        ev.dalo += h.dalo
        ev.pdalpd += h.pdalpd
        ev.accords_collectifs += h.accords_collectifs
        ev.violence += h.confidential and h.confidential_attestation is not None
        last = min(end, p.end) if end is not None else p.end
        in_period = (last - max(start, p.start)).days + 1
        ev.household_years += in_period / p.year_days
        duration = months_between(start, end) if ended and end is not None else None
        if duration is not None:
            durations.append(duration)
            ev.exits[h.closure_reason or "autre"] += 1

        home = session.exec(select(Tenancy).where(Tenancy.household_id == h.id)).first()
        lease = ""
        if home is not None:
            transferred = home.transferred_on is not None and home.transferred_on <= last
            lease = "sous_location" if home.lease == "sous_location" and not transferred \
                else "direct"
            ev.sublets += lease == "sous_location"
            ev.direct_leases += lease == "direct"
            ev.home_entries += home.entry_date is not None and p.start <= home.entry_date <= last
            if home.transferred_on is not None and p.start <= home.transferred_on <= last:
                ev.glissements += 1
                if home.sublease_start is not None:
                    delays.append(months_between(home.sublease_start, home.transferred_on))
            held = [r.held_on for r in session.exec(select(TransferReview).where(
                TransferReview.household_id == h.id))]
            review_end = min(last, home.transferred_on) if home.transferred_on else last
            due, on_time = _reviews(home, review_end, p, held)
            ev.reviews_due += due
            ev.reviews_on_time += on_time

        reached = session.exec(select(FreeReminder).where(
            FreeReminder.household_id == h.id, FreeReminder.kind == "prevention",
            col(FreeReminder.due_on) >= p.start, col(FreeReminder.due_on) <= last)).first()
        outcome, with_plan = "", False
        if reached is not None:
            ev.impaye += 1
            with_plan = session.exec(select(RepaymentPlan).where(
                RepaymentPlan.household_id == h.id,
                col(RepaymentPlan.first_month) <= last)).first() is not None
            ev.impaye_plan += with_plan
            if ended and h.closure_reason == "expulsion":
                outcome = "expulse"
            elif ledger.balance(session, h, last) < ledger.threshold(home):
                outcome = "resolu"
            else:
                outcome = "en_dette"
            ev.impaye_evicted += outcome == "expulse"
            ev.impaye_resolved += outcome == "resolu"
            ev.impaye_in_debt += outcome == "en_dette"
            ev.evictions_avoided += not ended or h.closure_reason in POSITIVE_REASONS

        objectives, done = _objectives(session, h, last, clock)
        ev.objectives_planned += objectives
        ev.objectives_reached += done
        ev.bilans += len(session.exec(select(Bilan).where(
            Bilan.household_id == h.id, col(Bilan.held_on) >= p.start,
            col(Bilan.held_on) <= last)).all())
        contacts = 0
        for note in session.exec(select(Note).where(Note.household_id == h.id,
                                                    col(Note.struck_at).is_(None))):
            if p.start <= note.created_at.astimezone(clock.tz).date() <= last:
                ev.contacts[note.note_type if note.note_type in NOTE_TYPES else "autre"] += 1
                contacts += 1

        ev.rows.append(Row(
            h.reference, start, end if ended else None, h.entry_path.value, kind, h.persons,
            band, lease, home.entry_date if home else None,
            home.sublease_start if home else None,
            home.transferred_on if home and home.transferred_on
            and home.transferred_on <= last else None,
            h.closure_reason if ended else None, round(in_period / MONTH_DAYS, 1), duration,
            reached is not None, outcome, with_plan, contacts))

    ev.duration_mean, ev.duration_median = _mean(durations), _median(durations)
    ev.glissement_delay_mean, ev.glissement_delay_median = _mean(delays), _median(delays)
    ev.by_month = [(month, sum(1 for start, end in spans
                               if start <= min(_month_end(month), p.end)
                               and (end is None or end >= month)))
                   for month in p.months()]
    return ev


def run(session: Session, clock: Clock, actor: Advisor, year: int | None, *, to_date: bool,
        target: int, cost_per_household_year: int) -> Evaluation:
    """`/evaluation`: the coordinator's and the administrator's only (every household is in
    it); audited, without any household (the figures name none)."""
    policy.require(session, clock, actor, "evaluation.view")
    p = period(year, clock, to_date=to_date)
    audit.record(session, clock, actor, "evaluation.view",
                 detail=f"{p.start.isoformat()}..{p.end.isoformat()}")
    return compute(session, clock, p, target=target,
                   cost_per_household_year=cost_per_household_year)


def indicators(ev: Evaluation) -> list[tuple[str, str, object]]:
    """The figures in the order of the report, each (section, key, value): the «Indicateurs»
    sheet has one row each; the labels are the templates' (bot/templates/evaluation.txt)."""
    rows: list[tuple[str, str, object]] = [
        ("menages", "households", ev.households), ("menages", "target", ev.target),
        ("menages", "new", ev.new), ("menages", "carried_over", ev.carried_over),
        ("menages", "ended", ev.ended), ("menages", "active_at_end", ev.active_at_end)]
    rows += [("profil", f"composition.{k}", ev.compositions[k])
             for k in ("isole", "couple", "avec_enfants")]
    rows.append(("profil", "persons", ev.persons))
    rows += [("profil", f"band.{name}", ev.resource_bands[name]) for name, _ in RESOURCE_BANDS]
    rows += [("profil", f"path.{k}", ev.entry_paths[k]) for k in ("mediation", "bailleur",
                                                                   "autre")]
    rows += [("profil", "dalo", ev.dalo), ("profil", "pdalpd", ev.pdalpd),
             ("profil", "accords_collectifs", ev.accords_collectifs),
             ("profil", "violence", ev.violence),
             ("logement", "sublets", ev.sublets), ("logement", "direct_leases", ev.direct_leases),
             ("logement", "home_entries", ev.home_entries),
             ("logement", "glissements", ev.glissements),
             ("logement", "glissement_delay_mean", ev.glissement_delay_mean),
             ("logement", "glissement_delay_median", ev.glissement_delay_median),
             ("logement", "reviews_due", ev.reviews_due),
             ("logement", "reviews_on_time", ev.reviews_on_time),
             ("loyer", "impaye", ev.impaye), ("loyer", "impaye_resolved", ev.impaye_resolved),
             ("loyer", "impaye_plan", ev.impaye_plan),
             ("loyer", "impaye_in_debt", ev.impaye_in_debt),
             ("loyer", "impaye_evicted", ev.impaye_evicted),
             ("loyer", "evictions_avoided", ev.evictions_avoided)]
    rows += [("sorties", f"reason.{k}", ev.exits[k]) for k in CLOSURE_REASONS]
    rows += [("sorties", "duration_mean", ev.duration_mean),
             ("sorties", "duration_median", ev.duration_median),
             ("ppal", "objectives_planned", ev.objectives_planned),
             ("ppal", "objectives_reached", ev.objectives_reached),
             ("ppal", "bilans", ev.bilans)]
    rows += [("ppal", f"contact.{k}", ev.contacts[k]) for k in NOTE_TYPES]
    rows += [("ppal", "contacts_per_household", ev.contacts_per_household),
             ("cout", "household_years", round(ev.household_years, 2)),
             ("cout", "cost_per_household_year", ev.cost_per_household_year / 100),
             ("cout", "cost", ev.cost / 100)]
    return rows


def _month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])
