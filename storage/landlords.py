"""The landlord at the table: its organisations, the households shared with one, what its
staff see of them (the landlord card) and their three answers (rapport, PPAL co-signature,
glissement at a review). Who may do each is storage.policy's; what it sees is chosen here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from storage import audit, households, ledger, plans, policy
from storage.clock import Clock
from storage.errors import Refused
from storage.models import (
    Advisor,
    Document,
    Household,
    LandlordAnswer,
    LandlordOrganisation,
    PlanVersion,
    Tenancy,
    TransferReview,
)

RAPPORT_ANSWERS = ("favorable", "a_completer", "defavorable")
REGULARITY_MONTHS = 6  # payment regularity: months in arrears among the last six


def named(session: Session, clock: Clock, name: str) -> LandlordOrganisation | None:
    """The organisation of that name (spaces trimmed), created the first time it is named."""
    name = " ".join(name.split())
    if not name:
        return None
    found = session.exec(select(LandlordOrganisation)
                         .where(LandlordOrganisation.name == name)).first()
    if found is None:
        found = LandlordOrganisation(name=name, created_at=clock.now())
        session.add(found)
        session.flush()
    return found


def organisations(session: Session) -> list[LandlordOrganisation]:
    return list(session.exec(select(LandlordOrganisation)
                             .order_by(col(LandlordOrganisation.name))))


def _home(session: Session, household: Household) -> Tenancy | None:
    return session.exec(select(Tenancy).where(Tenancy.household_id == household.id)).first()


def share(session: Session, clock: Clock, actor: Advisor, household_id: int
          ) -> tuple[Household, LandlordOrganisation]:
    """«Partager avec le bailleur»: the landlord of its home sees it while the support lasts."""
    household = households.get(session, clock, actor, household_id, action="",
                               need="household.share")
    home = _home(session, household)
    organisation = session.get(LandlordOrganisation, home.landlord_id) \
        if home is not None and home.landlord_id else None
    if organisation is None:
        raise Refused("no_landlord")
    household.shared_with_id, household.updated_at = organisation.id, clock.now()
    session.add(household)
    audit.record(session, clock, actor, "household.share", household, detail=organisation.name)
    return household, organisation


@dataclass
class LandlordCard:
    """What the landlord's staff see of a shared household: never the diagnostic, the notes,
    the budget, the confidential flag, the files, nor who paid the rent."""

    household: Household
    home: Tenancy | None
    arrears: int
    late_months: int  # of the last REGULARITY_MONTHS, those ended with rent still owed
    reviews: list[TransferReview]
    plan: PlanVersion | None  # the PPAL, once the landlord co-signed it
    to_cosign: bool  # a signed PPAL the landlord has not co-signed
    rapport: Document | None  # the rapport socio-éducatif
    answers: list[LandlordAnswer]
    allowed: frozenset[str]


def _late_months(session: Session, clock: Clock, household: Household) -> int:
    first = ledger.month_of(clock.today())
    late = 0
    for _ in range(REGULARITY_MONTHS):
        last_day = first - timedelta(days=1)
        first = ledger.month_of(last_day)
        late += ledger.balance(session, household, last_day) > 0
    return late


def _answers(session: Session, household: Household) -> list[LandlordAnswer]:
    return list(session.exec(select(LandlordAnswer)
                             .where(LandlordAnswer.household_id == household.id,
                                    LandlordAnswer.organisation_id == household.shared_with_id)
                             .order_by(col(LandlordAnswer.id))))


def _rapport(session: Session, household: Household) -> Document | None:
    return session.exec(select(Document).where(Document.household_id == household.id,
                                               Document.kind == "rapport")
                        .order_by(col(Document.id).desc())).first()


def card(session: Session, clock: Clock, actor: Advisor, household_id: int) -> LandlordCard:
    household = households.get(session, clock, actor, household_id)
    answers = _answers(session, household)
    cosigned = {a.subject_id for a in answers if a.kind == "ppal"}
    plan = plans.current(session, household)
    return LandlordCard(
        household=household, home=_home(session, household),
        arrears=ledger.arrears(session, clock, household),
        late_months=_late_months(session, clock, household),
        reviews=list(session.exec(select(TransferReview)
                                  .where(TransferReview.household_id == household.id)
                                  .order_by(col(TransferReview.held_on)))),
        plan=plan if plan is not None and plan.id in cosigned else None,
        to_cosign=plan is not None and plan.id not in cosigned,
        rapport=_rapport(session, household), answers=answers,
        allowed=policy.allowed_actions(actor, household))


def any_card(session: Session, clock: Clock, actor: Advisor, household_id: int
             ) -> households.Card | LandlordCard:
    """The card this actor reads: the advisors' one, or the landlord's for who may see the
    household but not its social side."""
    household = session.get(Household, household_id)
    if household is not None and policy.allowed(actor, "household.view", household) \
            and not policy.allowed(actor, "household.notes", household):
        return card(session, clock, actor, household_id)
    return households.card(session, clock, actor, household_id)


def unanswered_reviews(c: LandlordCard) -> list[TransferReview]:
    """The reviews the landlord has not yet said its word on."""
    answered = {a.subject_id for a in c.answers if a.kind == "revue"}
    return [r for r in c.reviews if r.id not in answered]


@dataclass
class Answered:
    household: Household
    answer: LandlordAnswer
    told: list[Advisor]  # the household's advisor, told of the answer


def _answer(session: Session, clock: Clock, actor: Advisor, household: Household, kind: str,
            subject_id: int, answer: str, comment: str = "", signatory: str = "") -> Answered:
    row = LandlordAnswer(household_id=household.id or 0,
                         organisation_id=household.shared_with_id or 0, kind=kind,
                         subject_id=subject_id, answer=answer, comment=comment,
                         signatory=signatory, advisor_id=actor.id or 0, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, clock, actor, f"landlord.{kind}", household, detail=answer)
    advisor = households.advisor_of(session, household)
    return Answered(household, row, [advisor] if advisor is not None and advisor.active else [])


def answer_rapport(session: Session, clock: Clock, actor: Advisor, household_id: int,
                   answer: str, comment: str = "") -> Answered:
    """Favorable, à compléter or défavorable, with a comment: the advisor is told."""
    household = households.get(session, clock, actor, household_id, action="",
                               need="rapport.answer")
    if answer not in RAPPORT_ANSWERS:
        raise Refused("answer_unknown")
    rapport = _rapport(session, household)
    if rapport is None or rapport.id is None:
        raise Refused("no_rapport")
    return _answer(session, clock, actor, household, "rapport", rapport.id, answer, comment)


def cosign(session: Session, clock: Clock, actor: Advisor, household_id: int, signatory: str
           ) -> Answered:
    """The landlord co-signs the PPAL in force, naming who signed for it."""
    household = households.get(session, clock, actor, household_id, action="",
                               need="plan.cosign")
    plan = plans.current(session, household)
    if plan is None or plan.id is None:
        raise Refused("no_signed_plan")
    if any(a.kind == "ppal" and a.subject_id == plan.id for a in _answers(session, household)):
        raise Refused("already_signed")
    return _answer(session, clock, actor, household, "ppal", plan.id, "cosigne",
                   signatory=" ".join(signatory.split()) or actor.name)


def agree_review(session: Session, clock: Clock, actor: Advisor, household_id: int,
                 review_id: int, agrees: bool, comment: str = "") -> Answered:
    """The landlord's agreement or refusal to the glissement discussed at a review."""
    household = households.get(session, clock, actor, household_id, action="",
                               need="review.agree")
    review = session.get(TransferReview, review_id)
    if review is None or review.household_id != household.id:
        raise Refused("review_unknown")
    return _answer(session, clock, actor, household, "revue", review_id,
                   "accord" if agrees else "refus", comment)
