"""The household's home: lease, insurance, glissement reviews (the rent account: storage.ledger).

Every change here re-derives the household's reminders (storage.reminders.sync) in the same
transaction, so that reminders always follow the records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from storage import audit, households, landlords, phases, reminders
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, FreeReminder, Household, Tenancy, TransferReview


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
    organisation = landlords.named(session, clock, tenancy.landlord)
    tenancy.landlord_id = organisation.id if organisation else None
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
