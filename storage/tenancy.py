"""The household's home: lease, rent follow-up with arrears, insurance, glissement reviews.

Every change here re-derives the household's reminders (storage.reminders.sync) in the same
transaction, so that reminders always follow the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from reminders.calendar import add_months, day_of_month
from storage import audit, households, phases, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, FreeReminder, Household, RentRecord, Tenancy, TransferReview

CAF_NOTICE_MONTHS = 2  # the landlord must tell the CAF within 2 months of an impayé
PREVENTION_WARNING_DAYS = 14  # the advisor is reminded this long before that deadline


def of(session: Session, household: Household) -> Tenancy | None:
    return session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def save(session: Session, clock: Clock, actor: Advisor | None, household: Household,
         answers: dict[str, Any]) -> Tenancy:
    """The home form confirmed (or, `actor` None, an import row): create or update it."""
    now = clock.now()
    tenancy = of(session, household) or Tenancy(household_id=household.id or 0,
                                                created_at=now, updated_at=now)
    tenancy.address = answers.get("adresse") or ""
    tenancy.typology = answers.get("typologie") or ""
    tenancy.landlord = answers.get("bailleur") or ""
    tenancy.entry_date = _date(answers.get("entree"))
    tenancy.rent = answers.get("loyer") or 0
    tenancy.charges = answers.get("charges") or 0
    tenancy.due_day = answers.get("jour_echeance") or 1
    tenancy.housing_benefit = answers.get("apl") or 0
    tenancy.benefit_paid_to = answers.get("apl_versee_a") or "bailleur"
    tenancy.lease = answers.get("bail") or "direct"
    tenancy.main_lease_ref = answers.get("bail_principal") or ""
    tenancy.annex = answers.get("annexe") or ""
    tenancy.sublease_start = _date(answers.get("date_sous_location"))
    tenancy.insurance_expiry = _date(answers.get("fin_assurance"))
    tenancy.updated_at = now
    session.add(tenancy)
    session.flush()
    audit.record(session, clock, actor, "tenancy.save", household)
    if phases.move_in(session, clock, actor, household, tenancy.address):
        household.search_key = households.search_key(household)
    phases.refresh(session, clock, household)
    reminders.sync(session, clock, household)
    return tenancy


def as_answers(home: Tenancy) -> dict[str, Any]:
    """The tenancy as the home form's answers, to correct it from its summary."""
    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    return {"adresse": home.address, "typologie": home.typology, "bailleur": home.landlord,
            "entree": iso(home.entry_date), "loyer": home.rent, "charges": home.charges,
            "jour_echeance": home.due_day, "apl": home.housing_benefit,
            "apl_versee_a": home.benefit_paid_to, "bail": home.lease,
            "bail_principal": home.main_lease_ref, "annexe": home.annex,
            "date_sous_location": iso(home.sublease_start),
            "fin_assurance": iso(home.insurance_expiry)}


def renew_insurance(session: Session, clock: Clock, actor: Advisor, household: Household,
                    expiry: date) -> Tenancy:
    tenancy = of(session, household)
    if tenancy is None:
        raise Refused("no_tenancy")
    tenancy.insurance_expiry, tenancy.updated_at = expiry, clock.now()
    session.add(tenancy)
    audit.record(session, clock, actor, "tenancy.insurance", household, detail=str(expiry))
    reminders.sync(session, clock, household)
    return tenancy


@dataclass
class RentOutcome:
    record: RentRecord
    arrears: int  # cents owed over all months recorded
    threshold: int  # twice the monthly rent net of housing benefit
    first_missed: bool  # the first month missed or partial
    threshold_crossed: bool  # arrears just reached the legal threshold of an impayé
    caf_deadline: date | None


def arrears(session: Session, household: Household) -> int:
    rows = session.exec(select(RentRecord).where(RentRecord.household_id == household.id))
    return sum(r.due - r.paid for r in rows)


def record_rent(session: Session, clock: Clock, actor: Advisor, household: Household,
                month: date, status: str, paid: int | None = None, due: int | None = None
                ) -> RentOutcome:
    """Payé / partiel (with the amount) / impayé for one month; alerts follow from it.

    `due`: what was owed that month (the reminder's amount), the current rent otherwise."""
    tenancy = of(session, household)
    if tenancy is None:
        raise Refused("no_tenancy")
    existing = session.exec(select(RentRecord).where(
        RentRecord.household_id == household.id, RentRecord.month == month)).first()
    if existing is not None:
        raise Refused("rent_already_recorded")
    due = tenancy.monthly_due if due is None else due
    amount = {"paye": due, "impaye": 0}.get(status, paid or 0)
    if status == "partiel" and not 0 < amount < due:
        status = "paye" if amount >= due else "impaye"
    before = arrears(session, household)
    missed_before = session.exec(select(RentRecord).where(
        RentRecord.household_id == household.id,
        col(RentRecord.status).in_(["partiel", "impaye"]))).first() is not None
    record = RentRecord(household_id=household.id or 0, month=month, due=due, paid=amount,
                        status=status, advisor_id=actor.id or 0, recorded_at=clock.now())
    session.add(record)
    session.flush()
    after = before + due - amount
    threshold = 2 * due
    crossed = before < threshold <= after
    deadline = None
    if crossed:
        # The impayé exists from that month's due date: the CAF's 2 months run from there.
        due_day = day_of_month(month.year, month.month, tenancy.due_day)
        deadline = add_months(due_day, CAF_NOTICE_MONTHS)
        session.add(FreeReminder(household_id=household.id or 0, kind="prevention",
                                 due_on=deadline - timedelta(days=PREVENTION_WARNING_DAYS),
                                 deadline=deadline, created_at=clock.now()))
        session.flush()
    audit.record(session, clock, actor, "rent.record", household, detail=f"{month} {status}")
    reminders.sync(session, clock, household)
    return RentOutcome(record, after, threshold,
                       first_missed=status != "paye" and not missed_before,
                       threshold_crossed=crossed, caf_deadline=deadline)


def rent_history(session: Session, clock: Clock, actor: Advisor, household_id: int,
                 months: int = 12) -> tuple[Household, list[RentRecord], int]:
    """The last months recorded, newest first, and the arrears over all months."""
    household = households.get(session, clock, actor, household_id, action="rent.view")
    rows = list(session.exec(select(RentRecord).where(RentRecord.household_id == household.id)
                             .order_by(col(RentRecord.month).desc())))
    return household, rows[:months], sum(r.due - r.paid for r in rows)


CONDITIONS = ("ressources", "droits", "loyer_regulier", "logement_entretenu", "assure",
              "accord_bailleur")


def record_review(session: Session, clock: Clock, actor: Advisor, household: Household,
                  answers: dict[str, Any]) -> TransferReview:
    """A glissement review; a decision to transfer makes the household a direct tenant."""
    tenancy = of(session, household)
    if tenancy is None or not tenancy.sublet:
        raise Refused("not_sublet")
    held_on = _date(answers.get("date")) or clock.today()
    review = TransferReview(
        household_id=household.id or 0, held_on=held_on,
        checklist={c: {"ok": bool(answers.get(c)), "date": held_on.isoformat(),
                       "comment": answers.get(f"{c}_commentaire") or ""} for c in CONDITIONS},
        decision=answers["decision"], transfer_on=_date(answers.get("date_glissement")),
        landlord_agrees=bool(answers.get("accord_bailleur")),
        comment=answers.get("commentaire") or "", advisor_id=actor.id or 0,
        created_at=clock.now())
    session.add(review)
    if review.decision == "glisser":
        if not review.landlord_agrees:
            raise Refused("landlord_agreement_needed")
        tenancy.transferred_on = review.transfer_on or held_on
        tenancy.lease = "direct"
        tenancy.updated_at = clock.now()
        session.add(tenancy)
    session.flush()
    audit.record(session, clock, actor, "glissement.review", household,
                 detail=review.decision)
    reminders.sync(session, clock, household)
    return review


def add_free(session: Session, clock: Clock, actor: Advisor, household: Household,
             due_on: date, text: str) -> FreeReminder:
    reminder = FreeReminder(household_id=household.id or 0, advisor_id=actor.id, due_on=due_on,
                            text=text, created_at=clock.now())
    session.add(reminder)
    session.flush()
    audit.record(session, clock, actor, "reminder.free", household)
    reminders.sync(session, clock, household)
    return reminder
