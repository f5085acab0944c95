"""What falls due for a household, derived from its records and nothing else.

`due_items(facts, today)` returns the reminders that should exist, each with a key naming
what it is about (unique per household). storage.reminders stores them: a key already there
is not created twice, a key no longer wanted is cancelled if not yet sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from reminders.calendar import add_months
from storage import ledger
from storage.models import Bilan, FreeReminder, Household, RepaymentPlan, Tenancy

RENT_CHECK_DELAY_DAYS = 5
INSURANCE_NOTICE_DAYS = 30
INSURANCE_WEEKLY_AFTER = 7
GLISSEMENT_PERIOD_MONTHS = 6
GLISSEMENT_CONVENE = timedelta(weeks=3)  # the association convenes the review this early
GLISSEMENT_SETTLES_MONTHS = 3  # a review held up to this early counts for the 6-month date
PREFET_NOTICE_MONTHS = 2  # the landlord tells the préfet this long before the period ends
DEFAULT_BILAN_MONTHS = 3
HORIZON_DAYS = 35  # reminders are created this far ahead (for /echeances and the digest)
NOTICE_DAYS = 7  # an impayé's notices are derived this long after the fact, not later


@dataclass(frozen=True)
class Due:
    key: str
    kind: str  # a name of reminders.kinds.KINDS (which names this module's function)
    due_on: date
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Facts:
    """A household's records that reminders are derived from."""

    household: Household
    tenancy: Tenancy | None = None
    rent_dues: dict[date, int] = field(default_factory=dict)  # months fallen due: amount
    balance: int = 0  # the rent account today (storage.ledger)
    plan: RepaymentPlan | None = None  # the plan d'apurement running
    plan_missed: tuple[date, date] | None = None  # (month, its check) instalment not paid
    impaye_to: list[int] = field(default_factory=list)  # advisors told of an impayé
    plan_bilans: list[date] | None = None  # from the PPAL in force; None without one
    plan_items: list[dict[str, Any]] = field(default_factory=list)  # open items with a due date
    bilans: list[Bilan] = field(default_factory=list)
    reviews: list[date] = field(default_factory=list)  # glissement reviews held
    review_history: list[tuple[date, str]] = field(default_factory=list)  # (held on, decision)
    free: list[FreeReminder] = field(default_factory=list)
    tenancy_recorded_on: date | None = None
    rent_check_delay: int = RENT_CHECK_DELAY_DAYS


def due_items(facts: Facts, today: date) -> list[Due]:
    if facts.household.status != "actif":
        return []
    horizon = today + timedelta(days=HORIZON_DAYS)
    found: list[Due] = []
    found += _rent(facts, horizon)
    found += _insurance(facts, today, horizon)
    found += _latest_past(_glissement(facts, today, horizon), today)
    found += _latest_past(_bilans(facts, horizon), today)
    found += _plan_steps(facts, horizon)
    found += _latest_past(_evaluation(facts, horizon), today)
    found += _free(facts)
    found += _impaye(facts, today)
    return found


LOOKAHEAD_DAYS = 366  # a household with nothing ahead is derived again after this long


def next_change(facts: Facts, today: date) -> date | None:
    """The first day after `today` on which `due_items` (or the rent account it reads) may
    differ with time alone: a date entering the horizon, a date passing (a periodic kind's
    latest past occurrence replaces the one before; the month's due is written in the
    ledger), an impayé notice leaving its window. Early is harmless (the set is derived
    again and found unchanged); late would lose a reminder. None: not active, nothing ever.
    """
    if facts.household.status != "actif":
        return None
    far = today + timedelta(days=LOOKAHEAD_DAYS)
    days: list[date] = []
    ahead = far + timedelta(days=HORIZON_DAYS)  # generators see as far as `far` will
    for due in (_rent(facts, ahead) + _insurance_dates(facts, ahead)
                + _glissement(facts, today, ahead) + _bilans(facts, ahead)
                + _plan_steps(facts, ahead) + _evaluation(facts, ahead)):
        days += [due.due_on - timedelta(days=HORIZON_DAYS), due.due_on]
    if facts.tenancy is not None:
        recorded_on = facts.tenancy_recorded_on or facts.tenancy.entry_date or today
        for _month, due_on in ledger.months_due(facts.tenancy, recorded_on, far):
            # The due written in the ledger; its check (a plan's instalment missed, too).
            days += [due_on, due_on + timedelta(days=facts.rent_check_delay)]
    for step in facts.free:
        if step.kind == "prevention":  # its notice leaves the window NOTICE_DAYS later
            days.append((step.cancelled_on or step.created_at.date())
                        + timedelta(days=NOTICE_DAYS + 1))
    return min((d for d in days if today < d <= far), default=far)


def _insurance_dates(facts: Facts, horizon: date) -> list[Due]:
    """Every insurance reminder up to `horizon`, past ones included (for `next_change`)."""
    tenancy = facts.tenancy
    if tenancy is None or tenancy.insurance_expiry is None:
        return []
    return _insurance(facts, tenancy.insurance_expiry - timedelta(days=INSURANCE_NOTICE_DAYS + 1),
                      horizon)


def _free(facts: Facts) -> list[Due]:
    """The reminders she wrote (libre) and the steps opened for her (prevention)."""
    return [Due(f"{f.kind}:{f.id}", f.kind, f.due_on,
                {"text": f.text, "deadline": f.deadline.isoformat() if f.deadline else None})
            for f in facts.free if f.kind != "bilan" and f.cancelled_on is None]


def _latest_past(found: list[Due], today: date) -> list[Due]:
    """Of a periodic kind, the latest occurrence already due (a household recorded late, or a
    long downtime, does not bring back every past period) and those still to come."""
    latest: dict[str, Due] = {}
    for due in sorted(found, key=lambda d: d.due_on):
        if due.due_on <= today:
            latest[due.kind] = due
    return list(latest.values()) + [d for d in found if d.due_on > today]


def _rent(facts: Facts, horizon: date) -> list[Due]:
    """A check of each month's rent, a few days after the due day, for the months of the
    account (storage.ledger.months_due); a month fallen due while the account is paid up is
    not chased. With a plan d'apurement, the check expects rent + instalment."""
    tenancy = facts.tenancy
    if tenancy is None:
        return []
    recorded_on = facts.tenancy_recorded_on or tenancy.entry_date or horizon
    found = []
    for month, due_on in ledger.months_due(tenancy, recorded_on, horizon):
        check = due_on + timedelta(days=facts.rent_check_delay)
        if check > horizon or (month in facts.rent_dues and facts.balance <= 0):
            continue
        extra = ledger.instalment(facts.plan, month)
        due = facts.rent_dues.get(month, tenancy.monthly_due) + extra
        found.append(Due(f"rent:{month:%Y-%m}", "rent", check,
                         {"month": month.isoformat(), "due": due, "instalment": extra}))
    if facts.plan is not None and facts.plan_missed is not None:
        month, check = facts.plan_missed
        found.append(Due(f"plan:{facts.plan.id}:{month:%Y-%m}", "plan_missed", check,
                         {"month": month.isoformat(), "instalment": facts.plan.monthly}))
    return found


def _impaye(facts: Facts, today: date) -> list[Due]:
    """The day the debt reaches the impayé threshold (a prévention step opened), the advisor
    and the coordinators are told; the day it falls back under it, the advisor. News that
    old (a coordinator named later, steps opened before this rule) is not brought back."""
    found = []
    recent = today - timedelta(days=NOTICE_DAYS)
    for step in facts.free:
        if step.kind != "prevention" or (step.cancelled_on or step.created_at.date()) < recent:
            continue
        deadline = step.deadline.isoformat() if step.deadline else None
        if step.cancelled_on is None:
            found += [Due(f"impaye:{step.id}:{to}", "impaye", step.created_at.date(),
                          {"to": to, "deadline": deadline, "arrears": facts.balance})
                      for to in facts.impaye_to]
        else:
            found.append(Due(f"impaye_fin:{step.id}", "impaye_fin", step.cancelled_on,
                             {"deadline": deadline, "arrears": facts.balance}))
    return found


def _insurance(facts: Facts, today: date, horizon: date) -> list[Due]:
    """30 days before the certificate expires, on expiry, then every week until a new one."""
    tenancy = facts.tenancy
    if tenancy is None or tenancy.insurance_expiry is None:
        return []
    expiry = tenancy.insurance_expiry
    tag = expiry.isoformat()
    found = [Due(f"insurance:{tag}:avant", "insurance",
                 expiry - timedelta(days=INSURANCE_NOTICE_DAYS), {"expiry": tag}),
             Due(f"insurance:{tag}:echeance", "insurance", expiry, {"expiry": tag})]
    week = 1
    while (day := expiry + timedelta(days=INSURANCE_WEEKLY_AFTER * week)) <= horizon:
        found.append(Due(f"insurance:{tag}:relance{week}", "insurance", day,
                         {"expiry": tag, "week": week}))
        week += 1
    # After a downtime, one reminder says it: the latest one due, and those still ahead.
    past = [d for d in found if d.due_on <= today]
    return past[-1:] + [d for d in found if today < d.due_on <= horizon]


def _glissement(facts: Facts, today: date, horizon: date) -> list[Due]:
    """The law's calendar (CCH L442-8-3, decree 2010-1564): a contradictory review every 6
    months from the sub-lease's signature, which the association convenes 3 weeks before;
    and, once per examination period fixed by the convention, the landlord tells the préfet
    2 months before the period ends whether it offers a lease (the coordinators are told
    3 weeks before that deadline, with the period's reviews)."""
    tenancy = facts.tenancy
    if tenancy is None or not tenancy.sublet or tenancy.sublease_start is None:
        return []
    found = []
    number = 1
    while (convene := (review := add_months(tenancy.sublease_start,
                                            GLISSEMENT_PERIOD_MONTHS * number))
           - GLISSEMENT_CONVENE) <= horizon:
        number += 1
        # A review held around this date (or recorded as this one) settles it.
        if any(add_months(review, -GLISSEMENT_SETTLES_MONTHS) <= held <= review + _GRACE
               for held in facts.reviews):
            continue
        # Its preparation is never sent once the review's date has come: the review
        # itself is then due (after an import or a downtime).
        if review > today:
            # The landlord takes part: its staff get a copy (a shared household only).
            found.append(Due(f"glissement_convene:{review}", "glissement_convene", convene,
                             {"review": review.isoformat(), "recipients": ["bailleur"]}))
        if review <= horizon:
            found.append(Due(f"glissement:{review}", "glissement", review,
                             {"review": review.isoformat()}))
    return found + _prefet_notice(facts, tenancy, today, horizon)


def _prefet_notice(facts: Facts, tenancy: Tenancy, today: date, horizon: date) -> list[Due]:
    """The current examination period's préfet notice, to the coordinators; not once the
    period is over (a caseload imported late: nothing left to tell the préfet for it)."""
    start = exam_period_start(tenancy)
    if start is None:
        return []
    months = tenancy.exam_period_months
    end = add_months(start, months)
    deadline = add_months(start, months - PREFET_NOTICE_MONTHS)
    due_on = deadline - GLISSEMENT_CONVENE
    if due_on > horizon or end <= today:
        return []
    history = [{"held_on": held.isoformat(), "decision": decision}
               for held, decision in sorted(facts.review_history) if start <= held <= end]
    return [Due(f"prefet_notice:{start}", "prefet_notice", due_on,
                {"to_role": "coordinatrice", "recipients": ["coordinatrice", "bailleur"],
                 "deadline": deadline.isoformat(),
                 "period_start": start.isoformat(), "period_end": end.isoformat(),
                 "reviews": history})]


def exam_period_start(tenancy: Tenancy) -> date | None:
    """The examination period runs from the sub-lease's signature, or from the convention's
    renewal when one was recorded."""
    return tenancy.exam_period_start or tenancy.sublease_start


_GRACE = timedelta(days=60)


def _bilans(facts: Facts, horizon: date) -> list[Due]:
    """The PPAL's bilans, or one every 3 months from the start of the support without one;
    a bilan already held on or after a date settles it."""
    held = max((b.held_on for b in facts.bilans), default=None)
    planned = [f.due_on for f in facts.free if f.kind == "bilan"]  # e.g. imported
    if facts.plan_bilans is not None:
        dates = sorted(set(facts.plan_bilans + planned))
    elif facts.household.support_start is not None:
        dates, number = [], 1
        while (day := add_months(facts.household.support_start,
                                 DEFAULT_BILAN_MONTHS * number)) <= horizon:
            dates.append(day)
            number += 1
    else:
        dates = []
    dates = sorted(set(dates + planned))
    # A bilan held up to a fortnight early settles the planned one.
    return [Due(f"bilan:{d}", "bilan", d, {}) for d in dates
            if d <= horizon and (held is None or d > held + BILAN_EARLY)]


BILAN_EARLY = timedelta(days=15)


def _plan_steps(facts: Facts, horizon: date) -> list[Due]:
    return [Due(f"step:{i['uid']}:{i['due']}", "step", date.fromisoformat(i["due"]),
                {"uid": i["uid"], "text": i["text"]})
            for i in facts.plan_items if date.fromisoformat(i["due"]) <= horizon]


def _evaluation(facts: Facts, horizon: date) -> list[Due]:
    """The yearly evaluation of the support, renewable each year."""
    start = facts.household.support_start
    if start is None:
        return []
    found, year = [], 1
    while (day := add_months(start, 12 * year)) <= horizon:
        found.append(Due(f"evaluation:{day}", "evaluation", day, {"year": year}))
        year += 1
    return found
