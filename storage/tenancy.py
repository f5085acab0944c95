"""The household's home: lease, insurance, glissement reviews (the rent account: storage.ledger).

Every change here re-derives the household's reminders (storage.reminders.sync) in the same
transaction, so that reminders always follow the records (an import leaves it to the
derivation pass: `save(..., derive=False)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from reminders.calendar import add_months
from reminders.rules import PREFET_NOTICE_MONTHS, exam_period_start
from storage import audit, households, landlords, ledger, phases, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Bilan, FreeReminder, Household, Tenancy, TransferReview


def of(session: Session, household: Household) -> Tenancy | None:
    return session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def save(session: Session, clock: Clock, actor: Advisor | None, household: Household,
         answers: dict[str, Any], derive: bool = True) -> Tenancy:
    """The home form confirmed (or, `actor` None, an import row): create or update it.
    `derive` False (an import): the phase and the reminders are left to the next pass."""
    return write(session, clock, actor, household, of(session, household), answers, derive)


def write(session: Session, clock: Clock, actor: Advisor | None, household: Household,
          current: Tenancy | None, answers: dict[str, Any], derive: bool = True) -> Tenancy:
    """`save` given the household's home as it is (None: it has none yet), not looked up: an
    import loads every home once."""
    now = clock.now()
    landlord = answers.get("bailleur") or ""
    organisation = landlords.named(session, clock, landlord)
    fields: dict[str, Any] = {
        "address": answers.get("adresse") or "", "typology": answers.get("typologie") or "",
        "landlord": landlord, "landlord_id": organisation.id if organisation else None,
        "entry_date": _date(answers.get("entree")), "rent": answers.get("loyer") or 0,
        "charges": answers.get("charges") or 0, "due_day": answers.get("jour_echeance") or 1,
        "housing_benefit": answers.get("apl") or 0,
        "benefit_paid_to": answers.get("apl_versee_a") or "bailleur",
        "lease": answers.get("bail") or "direct",
        "main_lease_ref": answers.get("bail_principal") or "",
        "annex": answers.get("annexe") or "",
        "sublease_start": _date(answers.get("date_sous_location")),
        "exam_period_months": answers.get("periode_examen_mois") or 12,
        "exam_period_start": _date(answers.get("debut_periode_examen")),
        "insurance_expiry": _date(answers.get("fin_assurance")), "updated_at": now}
    if current is None:  # built with its fields at once (an import builds thousands)
        tenancy = Tenancy(household_id=household.id or 0, created_at=now, **fields)
    else:
        tenancy = current
        for name, value in fields.items():
            setattr(tenancy, name, value)
    session.add(tenancy)
    audit.record(session, clock, actor, "tenancy.save", household)
    if phases.move_in(session, clock, actor, household, tenancy.address):
        household.search_key = households.search_key(household)
    if not derive:
        reminders.leave_to_pass(session, household)
        return tenancy
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
            "periode_examen_mois": home.exam_period_months,
            "debut_periode_examen": iso(home.exam_period_start),
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
        occurrence=_date(answers.get("revue")) if answers.get("revue") != "supplementaire"
        else None, extra=answers.get("revue") == "supplementaire",
        attendees=list(answers.get("presents") or []), facts=dict(answers.get("_facts") or {}),
        created_at=clock.now())
    session.add(review)
    if review.decision == "glisser":
        if not review.landlord_agrees:
            raise Refused("landlord_agreement_needed")
        tenancy.transferred_on = review.transfer_on or held_on
        tenancy.lease = "direct"
        tenancy.updated_at = clock.now()
        session.add(tenancy)
    elif renewed := _date(answers.get("debut_periode_examen")):
        # The convention renewed: a new examination period, a new préfet notice.
        tenancy.exam_period_start, tenancy.updated_at = renewed, clock.now()
        session.add(tenancy)
    session.flush()
    audit.record(session, clock, actor, "glissement.review", household,
                 detail=review.decision)
    reminders.sync(session, clock, household)
    return review


def review_facts(session: Session, clock: Clock, household: Household) -> dict[str, Any]:
    """What the bot knows for a review's conditions: the rent balance today (cents), the
    insurance certificate's expiry, the last bilan held."""
    home = of(session, household)
    last = session.exec(select(Bilan).where(Bilan.household_id == household.id)
                        .order_by(col(Bilan.held_on).desc())).first()
    return {"balance": ledger.arrears(session, clock, household) if home else None,
            "insurance": home.insurance_expiry.isoformat()
            if home and home.insurance_expiry else None,
            "bilan": last.held_on.isoformat() if last else None}


EARLY = timedelta(days=45)  # a review held this long before its date asks which one it is
AROUND = timedelta(days=270)  # the 6-month dates offered then: the one before, the two after


def review_dates(session: Session, household: Household, today: date) -> list[date]:
    """The 6-month dates of the sub-lease not settled by a review held, from 6 months ago
    to a year ahead."""
    home = of(session, household)
    if home is None or not home.sublet or home.sublease_start is None:
        return []
    settled = [r.occurrence or r.held_on for r in session.exec(select(TransferReview).where(
        TransferReview.household_id == household.id)) if not r.extra]
    found, number = [], 1
    while (day := add_months(home.sublease_start, 6 * number)) <= today + timedelta(days=365):
        if day >= today - timedelta(days=183) and not any(
                add_months(day, -3) <= held <= day + timedelta(days=60) for held in settled):
            found.append(day)
        number += 1
    return found


def review_occurrences(answers: dict[str, Any], held: date | None) -> tuple[list[date], bool]:
    """Which review a review held on `held` may be, and whether to ask: the one due, not
    asked (none open: a supplementary review); held long before it, asked among the open
    6-month dates around it."""
    due = _date(answers.get("_due"))
    if due is None:
        return [], False
    if held is None or held >= due - EARLY:
        return [due], False
    return [d for d in map(date.fromisoformat, answers.get("_reviews") or [])
            if abs((d - held).days) <= AROUND.days], True


@dataclass(frozen=True)
class ReviewDocument:
    household: Household
    review: TransferReview
    home: Tenancy | None
    advisor: Advisor | None
    period_end: date | None  # the examination period the review falls in
    deadline: date | None  # the préfet told before this day


def review_document(session: Session, household: Household, review_id: int
                    ) -> ReviewDocument:
    review = session.get(TransferReview, review_id)
    if review is None or review.household_id != household.id:
        raise Refused("household_unknown")
    home = of(session, household)
    start = exam_period_start(home) if home else None
    months = home.exam_period_months if home else 0
    return ReviewDocument(household, review, home, session.get(Advisor, review.advisor_id),
                          add_months(start, months) if start else None,
                          add_months(start, months - PREFET_NOTICE_MONTHS) if start else None)


def add_free(session: Session, clock: Clock, actor: Advisor, household: Household,
             due_on: date, text: str) -> FreeReminder:
    reminder = FreeReminder(household_id=household.id or 0, advisor_id=actor.id, due_on=due_on,
                            text=text, created_at=clock.now())
    session.add(reminder)
    session.flush()
    audit.record(session, clock, actor, "reminder.free", household)
    reminders.sync(session, clock, household)
    return reminder
