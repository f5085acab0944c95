"""The rent account of a household: each month's due, the payments, by whom and when.

Rent is an account, not a monthly yes/no (PRODUCT.md «Unpaid rent»): arrears at any date =
dues − payments up to that date. Entries are never changed nor erased: a mistake is corrected
by a correcting entry (who, when, why). Each month's due is materialised once, when its due
day comes (`materialise`, run by every reminders sync and every read of the account), from
the first due day after the home was recorded in the bot; an imported opening balance says
what was owed before. A plan d'apurement asks a monthly extra amount on top of the rent.

The impayé threshold is twice the monthly rent net of housing benefit paid to the landlord:
`settle` opens the «prévention impayé» step the day the debt reaches it, and cancels it the
day the debt falls back under it. Who is told and when is derived from those records by
reminders.rules, as any reminder.

These functions do not re-derive the reminders: their callers (use cases) do, once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from reminders.calendar import add_months, day_of_month
from storage import audit
from storage.clock import Clock
from storage.errors import NeedsConfirmation, Refused
from storage.models import Advisor, FreeReminder, Household, LedgerEntry, RepaymentPlan, Tenancy

PAYERS = ("menage", "caf", "fsl", "autre")
CAF_NOTICE_MONTHS = 2  # the landlord must tell the CAF within 2 months of an impayé
PREVENTION_WARNING_DAYS = 14  # the advisor is reminded this long before that deadline
STATEMENT_MONTHS = 6
STATEMENT_ENTRIES = 8


def _tenancy(session: Session, household: Household) -> Tenancy | None:
    return session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()


def month_of(day: date) -> date:
    return day.replace(day=1)


def due_date(home: Tenancy, month: date) -> date:
    return day_of_month(month.year, month.month, home.due_day)


def recorded_on(home: Tenancy, tz: ZoneInfo) -> date:
    return home.created_at.astimezone(tz).date()


def months_due(home: Tenancy, recorded: date, until: date) -> Iterator[tuple[date, date]]:
    """(month, due day) of each month's rent whose due day is in [start, until]: from the
    home's entry, and not before the home was recorded in the bot (what was owed before is
    an opening balance, not the bot's to guess)."""
    if home.monthly_due <= 0:
        return
    start = max(home.entry_date or recorded, recorded)
    month = month_of(start)
    while (due_on := due_date(home, month)) <= until:
        if due_on >= start:
            yield month, due_on
        month = add_months(month, 1)


@dataclass
class Account:
    """The account as a reminders sync leaves it: the home, the months fallen due, the
    balance today."""

    home: Tenancy | None
    dues: dict[date, int]
    balance: int


def refresh(session: Session, clock: Clock, household: Household) -> Account:
    """The account up to today (every reminders sync): the months fallen due, then whether
    the debt is an impayé."""
    home = _tenancy(session, household)
    fallen = _materialise(session, clock, household, home)
    return Account(home, fallen, _settle(session, clock, household, home))


def materialise(session: Session, clock: Clock, household: Household) -> None:
    """Each month's due, once its due day has come (the unique index keeps it once)."""
    _materialise(session, clock, household, _tenancy(session, household))


def _materialise(session: Session, clock: Clock, household: Household, home: Tenancy | None
                 ) -> dict[date, int]:
    have = dues(session, household)
    if home is None or household.status != "actif":
        return have
    now = clock.now()
    added = False
    for month, due_on in months_due(home, recorded_on(home, clock.tz), clock.today()):
        if month not in have:
            session.add(LedgerEntry(household_id=household.id or 0, kind="due", day=due_on,
                                    month=month, amount=home.monthly_due, created_at=now))
            have[month] = home.monthly_due
            added = True
    if added:
        session.flush()
    return have


def dues(session: Session, household: Household) -> dict[date, int]:
    """The months fallen due and their amount (as first materialised)."""
    rows = session.exec(select(col(LedgerEntry.month), col(LedgerEntry.amount)).where(
        LedgerEntry.household_id == household.id, LedgerEntry.kind == "due"))
    return {month: amount for month, amount in rows if month is not None}


def balance(session: Session, household: Household, at: date) -> int:
    """Arrears at the end of `at`, in cents: dues − payments (negative: paid in advance)."""
    total = session.exec(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.household_id == household.id, col(LedgerEntry.day) <= at)).one()
    return int(total)


def arrears(session: Session, clock: Clock, household: Household) -> int:
    """What the household owes today (the card's «Dette locative»)."""
    materialise(session, clock, household)
    return balance(session, household, clock.today())


def threshold(home: Tenancy | None) -> int:
    """An impayé from twice the monthly rent net of the APL paid to the landlord."""
    return 2 * home.monthly_due if home else 0


# --- entries -----------------------------------------------------------------------------------

def _check_amount(amount: int, owed: int, accepted: Sequence[str]) -> None:
    """0 and negative refused; above what is owed, asked once (the advisor may confirm)."""
    if amount <= 0:
        raise Refused("amount_not_positive")
    owed = max(owed, 0)
    key = f"excess:{amount}:{owed}"
    if amount > owed and key not in accepted:
        raise NeedsConfirmation("excess", key, amount=amount, owed=owed)


def record_payment(session: Session, clock: Clock, actor: Advisor, household: Household,
                   day: date, amount: int, payer: str, comment: str = "", *,
                   month: date | None = None, owed: int | None = None,
                   accepted: Sequence[str] = ()) -> LedgerEntry:
    """A payment at any date. `owed`: what the amount is checked against (a month's
    expected rent on a reminder), the arrears today otherwise."""
    if payer not in PAYERS:
        raise Refused("payer_unknown")
    materialise(session, clock, household)
    _check_amount(amount, balance(session, household, clock.today()) if owed is None else owed,
                  accepted)
    entry = LedgerEntry(household_id=household.id or 0, kind="payment", day=day, month=month,
                        amount=-amount, payer=payer, comment=comment, advisor_id=actor.id,
                        created_at=clock.now())
    session.add(entry)
    session.flush()
    audit.record(session, clock, actor, "ledger.payment", household, detail=f"{day} {payer}")
    settle(session, clock, household)
    return entry


def record_opening(session: Session, clock: Clock, actor: Advisor | None, household: Household,
                   day: date, amount: int, comment: str = "", derive: bool = True
                   ) -> LedgerEntry | None:
    """The arrears owed when the account starts (an import's `dette_initiale`): once; a
    different amount later corrects it. None when nothing changes. `derive` False (an
    import): the impayé is settled by the account's next refresh (the derivation pass, which
    the caller asks for with `reminders.leave_to_pass`)."""
    opening = session.exec(select(LedgerEntry).where(
        LedgerEntry.household_id == household.id, LedgerEntry.kind == "opening")).first()
    if opening is not None:
        if effective(session, opening) == amount:
            return None
        return _correct(session, clock, actor, household, opening, amount, comment, derive)
    entry = open_account(session, clock, actor, household, day, amount, comment)
    if derive:
        settle(session, clock, household)
    return entry


def open_account(session: Session, clock: Clock, actor: Advisor | None, household: Household,
                 day: date, amount: int, comment: str = "") -> LedgerEntry:
    """The opening entry of an account that has none (`record_opening` looks first; an import
    knows, from `openings`). The caller settles the impayé, or leaves it to the derivation
    pass."""
    entry = LedgerEntry(household_id=household.id or 0, kind="opening", day=day, amount=amount,
                        comment=comment, advisor_id=actor.id if actor else None,
                        created_at=clock.now())
    session.add(entry)
    audit.record(session, clock, actor, "ledger.opening", household, detail=str(day))
    return entry


def _sign(entry: LedgerEntry) -> int:
    """How an entry's shown (positive) amount counts on the debt."""
    return -1 if entry.kind == "payment" else 1


def effective(session: Session, entry: LedgerEntry) -> int:
    """An entry's amount as shown (positive), after its corrections."""
    corrections = session.exec(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.corrects_id == entry.id)).one()
    return _sign(entry) * (entry.amount + int(corrections))


def openings(session: Session) -> dict[int, int]:
    """Household id -> its opening balance as `effective` shows it (after its corrections),
    for every account that has one: what `record_opening` compares with, read at once by an
    import (not two queries a row)."""
    corrections = dict(session.exec(
        select(col(LedgerEntry.corrects_id), func.sum(LedgerEntry.amount))
        .where(col(LedgerEntry.corrects_id).is_not(None))
        .group_by(col(LedgerEntry.corrects_id))).all())
    return {entry.household_id: _sign(entry) * (entry.amount + int(corrections.get(entry.id, 0)))
            for entry in session.exec(select(LedgerEntry).where(LedgerEntry.kind == "opening"))}


def entry_of(session: Session, household: Household, entry_id: int) -> LedgerEntry:
    """An entry of this household's account that may be corrected (not a correction)."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or entry.household_id != household.id or entry.kind == "correction":
        raise Refused("entry_unknown")
    return entry


def correct(session: Session, clock: Clock, actor: Advisor, household: Household,
            entry_id: int, amount: int, reason: str) -> LedgerEntry:
    """The entry should have said `amount` (0: it should not exist): a correcting entry on
    the same day, with who and why; the entry itself stays as it was typed."""
    entry = entry_of(session, household, entry_id)
    if amount < 0:
        raise Refused("amount_negative")
    if amount == effective(session, entry):
        raise Refused("correction_same")
    return _correct(session, clock, actor, household, entry, amount, reason)


def _correct(session: Session, clock: Clock, actor: Advisor | None, household: Household,
             entry: LedgerEntry, amount: int, reason: str, derive: bool = True
             ) -> LedgerEntry:
    fix = LedgerEntry(household_id=household.id or 0, kind="correction", day=entry.day,
                      month=entry.month, payer=entry.payer, comment=reason,
                      amount=_sign(entry) * (amount - effective(session, entry)),
                      corrects_id=entry.id, advisor_id=actor.id if actor else None,
                      created_at=clock.now())
    session.add(fix)
    session.flush()
    audit.record(session, clock, actor, "ledger.correction", household,
                 detail=f"entry {entry.id}")
    if derive:
        settle(session, clock, household)
    return fix


# --- the monthly rent check --------------------------------------------------------------------

@dataclass
class RentCheck:
    """A rent reminder answered: what the month asked, what came, what is owed now."""

    month: date
    expected: int  # rent (+ the plan's instalment) asked that month
    paid: int
    arrears: int  # the account's balance today
    first_missed: bool  # nothing owed before this month: the first missed month

    @property
    def missing(self) -> int:
        return max(self.expected - self.paid, 0)

    @property
    def status(self) -> str:
        return "paye" if self.paid >= self.expected else "partiel" if self.paid else "impaye"


def answer_rent_check(session: Session, clock: Clock, actor: Advisor, household: Household,
                      month: date, expected: int, amount: int | None,
                      accepted: Sequence[str] = ()) -> RentCheck:
    """Payé (`amount` = expected) / Partiel (the amount) / Impayé (None: nothing came, the
    month stays owed). A payment is dated today; the amount is checked against the month."""
    home = _tenancy(session, household)
    if home is None:
        raise Refused("no_tenancy")
    if amount is not None:
        record_payment(session, clock, actor, household, clock.today(), amount, "menage",
                       month=month, owed=expected, accepted=accepted)
    else:
        audit.record(session, clock, actor, "ledger.unpaid", household, detail=str(month))
    before = balance(session, household, due_date(home, month) - timedelta(days=1))
    return RentCheck(month, expected, amount or 0, balance(session, household, clock.today()),
                     first_missed=before <= 0)


# --- plan d'apurement --------------------------------------------------------------------------

def current_plan(session: Session, household: Household) -> RepaymentPlan | None:
    return session.exec(select(RepaymentPlan).where(
        RepaymentPlan.household_id == household.id, col(RepaymentPlan.ended_on).is_(None))
        .order_by(col(RepaymentPlan.id).desc())).first()


def plan_months(plan: RepaymentPlan) -> list[date]:
    return [add_months(plan.first_month, n) for n in range(plan.months)]


def instalment(plan: RepaymentPlan | None, month: date) -> int:
    """What the plan adds to the rent asked that month."""
    return plan.monthly if plan is not None and month in plan_months(plan) else 0


def start_plan(session: Session, clock: Clock, actor: Advisor, household: Household,
               monthly: int, first: date, months: int) -> RepaymentPlan:
    """A repayment plan; it replaces the one running, if any."""
    if monthly <= 0:
        raise Refused("amount_not_positive")
    if _tenancy(session, household) is None:
        raise Refused("no_tenancy")
    materialise(session, clock, household)
    if balance(session, household, clock.today()) <= 0:
        raise Refused("no_debt")
    previous = current_plan(session, household)
    if previous is not None:
        previous.ended_on = clock.today()
        session.add(previous)
    plan = RepaymentPlan(household_id=household.id or 0, monthly=monthly,
                         first_month=month_of(first), months=months, advisor_id=actor.id or 0,
                         created_at=clock.now())
    session.add(plan)
    session.flush()
    audit.record(session, clock, actor, "ledger.plan", household, detail=str(plan.first_month))
    return plan


@dataclass
class PlanProgress:
    plan: RepaymentPlan
    start_debt: int  # the arrears before the plan's first month
    repaid: int  # how much the debt went down since (capped at the plan's total)
    missed: date | None  # the latest month of the plan whose instalment did not come
    check_on: date | None  # when that month was checked (the alert's date)

    @property
    def total(self) -> int:
        return self.plan.monthly * self.plan.months

    @property
    def paid_instalments(self) -> int:
        return min(self.repaid // self.plan.monthly, self.plan.months)

    @property
    def remaining(self) -> int:
        return self.total - self.repaid

    @property
    def last_month(self) -> date:
        return add_months(self.plan.first_month, self.plan.months - 1)


def plan_progress(session: Session, clock: Clock, household: Household, home: Tenancy | None,
                  check_delay: int) -> PlanProgress | None:
    """The running plan's progress. Its instalment of month k is missed when, once that
    month is checked (due day + `check_delay`), the debt left by the months up to k is above
    what the plan expects (start − k instalments)."""
    plan = current_plan(session, household)
    if plan is None or home is None:
        return None
    today = clock.today()
    start = balance(session, household, due_date(home, plan.first_month) - timedelta(days=1))
    now = balance(session, household, today)
    checked = [(m, due_date(home, m) + timedelta(days=check_delay)) for m in plan_months(plan)]
    checked = [(m, c) for m, c in checked if c <= today]
    missed = check_on = None
    if checked:
        month, check_on = checked[-1]
        later_dues = session.exec(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.household_id == household.id, LedgerEntry.kind == "due",
            col(LedgerEntry.month) > month, col(LedgerEntry.day) <= today)).one()
        if now - int(later_dues) > start - len(checked) * plan.monthly:
            missed = month
    total = plan.monthly * plan.months
    return PlanProgress(plan, start, min(max(start - now, 0), total), missed,
                        check_on if missed else None)


# --- impayé ------------------------------------------------------------------------------------

def open_prevention(session: Session, household: Household) -> list[FreeReminder]:
    return list(session.exec(select(FreeReminder).where(
        FreeReminder.household_id == household.id, FreeReminder.kind == "prevention",
        col(FreeReminder.cancelled_on).is_(None))))


def settle(session: Session, clock: Clock, household: Household) -> None:
    """The impayé follows the real debt: the «prévention impayé» step is opened the day the
    debt reaches the threshold (CAF to be told within 2 months of the due day that made it
    an impayé), and cancelled the day it falls back under it."""
    _settle(session, clock, household, _tenancy(session, household))


def _settle(session: Session, clock: Clock, household: Household, home: Tenancy | None
            ) -> int:
    """Returns the balance today."""
    limit = threshold(home)
    today = clock.today()
    debt = balance(session, household, today)
    opened = open_prevention(session, household)
    if limit > 0 and debt >= limit and not opened:
        began = session.exec(select(func.max(LedgerEntry.day)).where(
            LedgerEntry.household_id == household.id,
            col(LedgerEntry.kind).in_(["due", "opening"]), col(LedgerEntry.day) <= today)).one()
        deadline = add_months(began or today, CAF_NOTICE_MONTHS)
        session.add(FreeReminder(household_id=household.id or 0, kind="prevention",
                                 due_on=deadline - timedelta(days=PREVENTION_WARNING_DAYS),
                                 deadline=deadline, created_at=clock.now()))
        session.flush()
        audit.record(session, clock, None, "ledger.impaye", household)
    elif opened and (limit <= 0 or debt < limit):
        for step in opened:
            step.cancelled_on = today
            session.add(step)
        session.flush()
        audit.record(session, clock, None, "ledger.impaye.end", household)
    return debt


# --- the 💶 screen ------------------------------------------------------------------------------

@dataclass
class MonthLine:
    month: date
    due: int
    paid: int
    balance: int  # at the end of the month (today for the current month)


@dataclass
class EntryLine:
    entry: LedgerEntry
    shown: int  # its amount after corrections
    corrections: list[LedgerEntry] = field(default_factory=list)


@dataclass
class Statement:
    household: Household
    tenancy: Tenancy | None
    balance: int
    threshold: int
    months: list[MonthLine]  # newest first
    entries: list[EntryLine]  # newest first
    plan: PlanProgress | None
    prevention: FreeReminder | None  # the impayé step open, if any
    names: dict[int, str]  # who typed the entries: advisor id -> name


def statement(session: Session, clock: Clock, household: Household, check_delay: int
              ) -> Statement:
    """The account as the 💶 screen shows it (the caller checked access and audited it:
    households.get)."""
    materialise(session, clock, household)
    today = clock.today()
    rows = list(session.exec(select(LedgerEntry).where(
        LedgerEntry.household_id == household.id)
        .order_by(col(LedgerEntry.day), col(LedgerEntry.id))))
    fixes: dict[int, list[LedgerEntry]] = {}
    for row in rows:
        if row.corrects_id is not None:
            fixes.setdefault(row.corrects_id, []).append(row)
    names = {a.id or 0: a.name for a in session.exec(select(Advisor).where(
        col(Advisor.id).in_({r.advisor_id for r in rows if r.advisor_id})))}
    entries = [EntryLine(r, _sign(r) * (r.amount + sum(f.amount for f in fixes.get(r.id or 0, []))),
                         fixes.get(r.id or 0, []))
               for r in rows if r.kind != "correction"]
    entries.sort(key=lambda e: (e.entry.created_at, e.entry.id or 0), reverse=True)
    home = _tenancy(session, household)
    prevention = open_prevention(session, household)
    return Statement(household, home, balance(session, household, today), threshold(home),
                     _months(rows, today), entries[:STATEMENT_ENTRIES],
                     plan_progress(session, clock, household, home, check_delay),
                     prevention[0] if prevention else None, names)


def _months(rows: list[LedgerEntry], today: date) -> list[MonthLine]:
    """Due, paid and balance of the last months of the account (corrections included)."""
    if not rows:
        return []
    first = max(month_of(rows[0].day), add_months(month_of(today), 1 - STATEMENT_MONTHS))
    by_id = {r.id: r for r in rows}
    lines = []
    month = first
    while month <= month_of(today):
        end = min(add_months(month, 1) - timedelta(days=1), today)
        due = paid = 0
        for r in rows:
            kind = by_id[r.corrects_id].kind if r.corrects_id in by_id else r.kind
            if month_of(r.day) != month:
                continue
            if kind == "payment":
                paid -= r.amount
            else:
                due += r.amount
        lines.append(MonthLine(month, due, paid, sum(r.amount for r in rows if r.day <= end)))
        month = add_months(month, 1)
    return lines[::-1]
