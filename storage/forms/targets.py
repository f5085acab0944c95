"""Where a confirmed form goes: each form's `target` names a committer; and its pre-filling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from reminders.calendar import next_working_day
from storage import (
    audit,
    documents,
    households,
    landlords,
    ledger,
    notes,
    plans,
    policy,
    reminder_answers,
    reminders,
    tenancy,
)
from storage.clock import Clock
from storage.errors import NeedsConfirmation, Refused
from storage.forms.spec import FormSpec
from storage.models import (
    Advisor,
    Bilan,
    Diagnostic,
    EntryPath,
    FreeReminder,
    Household,
    LedgerEntry,
    PlanVersion,
    Reminder,
    RepaymentPlan,
    StepProgress,
    Tenancy,
    TransferReview,
)
from storage.validators import Invalid


def prefill(session: Session, clock: Clock, spec: FormSpec, household: Household | None
            ) -> dict[str, Any]:
    """Answers known before the first question: the last diagnostic, the plan being amended,
    household data."""
    answers: dict[str, Any] = {}
    if household is None:
        return answers
    diagnostic = households.latest_diagnostic(session, household)
    if spec.target == "diagnostic" and diagnostic is not None:
        answers.update(diagnostic.answers)
    elif spec.target == "ppal":
        base = plans.draft(session, household) or plans.current(session, household)
        if base is not None:
            answers.update(base.content)
    elif spec.target == "report":
        answers["_confidential"] = household.confidential
        if diagnostic is not None:
            answers.update({k: diagnostic.answers.get(k) for k in ("axes", "typologie")})
        last = [d for d in documents.of(session, household) if d.kind == "rapport"]
        if last:  # the last report's answers: to update it, or to make it again
            answers.update(last[-1].content)
    elif spec.target == "tenancy":
        home = tenancy.of(session, household)
        if home is not None:
            answers.update(tenancy.as_answers(home))
    elif spec.target == "insurance":
        home = tenancy.of(session, household)
        if home is not None and home.insurance_expiry is not None:
            answers["_expiry"] = home.insurance_expiry.isoformat()  # a renewal comes after it
    elif spec.target == "glissement":
        dates = tenancy.review_dates(session, household, clock.today())
        review = reminders.next_review(session, household) or next(iter(dates), None)
        answers["_due"] = review.isoformat() if review else None  # a review long before: asked
        answers["_reviews"] = [d.isoformat() for d in dates]  # which one it is, then
        answers["_facts"] = tenancy.review_facts(session, clock, household)  # beside each condition
    elif spec.target == "bilan":
        version = plans.current(session, household)
        upcoming = plans.next_bilan(version, clock.today() + timedelta(days=1)) \
            if version else None
        answers["_next_bilan"] = upcoming.isoformat() if upcoming else None
    sources = {"household.resources_total": household.resources_total or None}
    for spec_field in spec.fields:
        if spec_field.prefill and answers.get(spec_field.key) is None:
            answers[spec_field.key] = sources.get(spec_field.prefill)
    return {k: v for k, v in answers.items() if v is not None}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _household(household: Household | None, actor: Advisor) -> Household:
    if household is None:  # whether she may: see commit
        raise Refused("household_unknown")
    return household


def _household_data(spec: FormSpec, answers: dict[str, Any]) -> households.HouseholdData:
    resources = {f.key.removeprefix("res_"): answers[f.key] for f in spec.fields
                 if f.group == "ressources" and answers.get(f.key)}
    flags = set(answers.get("eligibilite") or [])
    return households.HouseholdData(
        last_name=answers["nom"],
        first_name=answers["prenom"],
        phone=answers.get("telephone") or "",
        address=answers.get("adresse") or "",
        adults=answers.get("adultes") or 1,
        children_ages=answers.get("enfants") or [],
        resources=resources,
        entry_path=EntryPath(answers.get("parcours") or "autre"),
        dalo="dalo" in flags,
        pdalpd="pdalpd" in flags,
        accords_collectifs="accords_collectifs" in flags,
        confidential=bool(answers.get("confidentiel")),
        confidential_attestation=_date(answers.get("date_attestation")),
        advisor_id=int(answers["conseillere"]) if answers.get("conseillere") else None,
        support_start=_date(answers.get("debut")),
    )


def duplicates(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
               answers: dict[str, Any]) -> list[households.Duplicate]:
    """Existing households the household being opened may be (same phone, or same name and
    first name), except those the advisor set aside; nothing for other forms."""
    if spec.target != "household" or not answers.get("nom") or not answers.get("prenom"):
        return []
    return households.find_duplicates(session, clock, actor, answers["nom"], answers["prenom"],
                                      answers.get("telephone") or "",
                                      ignore=answers.get("_not_duplicates") or ())


def _commit_household(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                      answers: dict[str, Any], _household: Household | None) -> Household:
    household = households.create(session, clock, actor, _household_data(spec, answers))
    for text in answers.get("_notes") or []:  # answers too long for their question, kept
        notes.add(session, clock, actor, household, "texte", text)
    _sync(session, clock, household)
    return household


def _commit_diagnostic(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                       answers: dict[str, Any], household: Household | None) -> Diagnostic:
    household = _household(household, actor)
    diagnostic = Diagnostic(household_id=household.id or 0, answers=answers,
                            completed_by_id=actor.id or 0, completed_at=clock.now())
    session.add(diagnostic)
    audit.record(session, clock, actor, "diagnostic.confirm", household)
    return diagnostic


def _commit_ppal(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                 answers: dict[str, Any], household: Household | None) -> PlanVersion:
    return plans.save_draft(session, clock, actor, _household(household, actor), answers,
                            bilan_id=answers.get("_bilan"))


def _commit_signature(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                      answers: dict[str, Any], household: Household | None) -> PlanVersion:
    version = plans.sign(session, clock, actor, _household(household, actor),
                         int(answers["_version"]), date.fromisoformat(answers["date"]),
                         answers.get("bailleur_nom") if answers.get("bailleur") else None,
                         seen=answers.get("_seen"))
    _sync(session, clock, household)
    return version


def _commit_progress(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                     answers: dict[str, Any], household: Household | None) -> StepProgress:
    progress = plans.record_progress(session, clock, actor, _household(household, actor),
                                     answers["_uid"], answers["statut"],
                                     _date(answers.get("nouvelle_date")),
                                     answers.get("commentaire") or "")
    _sync(session, clock, household)
    return progress


def _commit_bilan(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                  answers: dict[str, Any], household: Household | None) -> Bilan:
    bilan = plans.record_bilan(session, clock, actor, _household(household, actor), answers)
    _sync(session, clock, household)
    if answers.get("_reminder"):  # started from the bilan's reminder: it is answered
        reminder_answers.with_form(session, clock, actor, int(answers["_reminder"]), "fait")
    return bilan


def _sync(session: Session, clock: Clock, household: Household | None) -> None:
    if household is not None:
        reminders.sync(session, clock, household)


def _commit_tenancy(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                    answers: dict[str, Any], household: Household | None) -> Tenancy:
    return tenancy.save(session, clock, actor, _household(household, actor), answers)


def _commit_rent_partial(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                         answers: dict[str, Any], household: Household | None
                         ) -> ledger.RentCheck:
    household = _household(household, actor)
    reminder = reminders.get(session, int(answers["_reminder"]))
    if reminder is None or reminder.household_id != household.id:
        raise Refused("reminder_unknown")
    with _asking_about("montant"):
        return reminder_answers.rent_check(session, clock, actor, household, reminder,
                                           answers["montant"], answers.get("_accepted", []))


@contextmanager
def _asking_about(key: str) -> Iterator[None]:
    """A rule's question (an amount above what is owed) is about this answer: «Corriger»
    goes back to it."""
    try:
        yield
    except NeedsConfirmation as asked:
        asked.field = key
        raise


def _commit_payment(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                    answers: dict[str, Any], household: Household | None) -> LedgerEntry:
    household = _household(household, actor)
    with _asking_about("montant"):
        entry = ledger.record_payment(session, clock, actor, household,
                                      date.fromisoformat(answers["date"]), answers["montant"],
                                      answers["payeur"], answers.get("commentaire") or "",
                                      accepted=answers.get("_accepted", []))
    _sync(session, clock, household)
    return entry


def _commit_correction(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                       answers: dict[str, Any], household: Household | None) -> LedgerEntry:
    household = _household(household, actor)
    fix = ledger.correct(session, clock, actor, household, int(answers["_entry"]),
                         answers["montant"], answers["motif"])
    _sync(session, clock, household)
    return fix


def _commit_repayment_plan(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                           answers: dict[str, Any], household: Household | None
                           ) -> RepaymentPlan:
    household = _household(household, actor)
    plan = ledger.start_plan(session, clock, actor, household, answers["montant"],
                             date.fromisoformat(answers["premier_mois"]), answers["mois"])
    _sync(session, clock, household)
    return plan


def _commit_insurance(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                      answers: dict[str, Any], household: Household | None) -> Tenancy:
    household = _household(household, actor)
    found = tenancy.renew_insurance(session, clock, actor, household,
                                    date.fromisoformat(answers["fin"]))
    households.open_card(session, clock, actor, household)  # the certificate's photo goes here
    if answers.get("_reminder"):
        reminder_answers.with_form(session, clock, actor, int(answers["_reminder"]), "recue")
    return found


def _commit_glissement(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                       answers: dict[str, Any], household: Household | None
                       ) -> TransferReview:
    review = tenancy.record_review(session, clock, actor, _household(household, actor),
                                   answers)
    if answers.get("_reminder"):
        reminder_answers.with_form(session, clock, actor, int(answers["_reminder"]), "revue")
    return review


def _commit_free_reminder(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                          answers: dict[str, Any], household: Household | None
                          ) -> FreeReminder:
    return tenancy.add_free(session, clock, actor, _household(household, actor),
                            date.fromisoformat(answers["date"]), answers["texte"])


def _commit_snooze(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                   answers: dict[str, Any], household: Household | None) -> Reminder:
    _household(household, actor)
    return reminder_answers.postpone(session, clock, actor, int(answers["_reminder"]),
                                     date.fromisoformat(answers["date"]))


def _commit_report(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                   answers: dict[str, Any], household: Household | None) -> dict[str, Any]:
    """The report's own answers; the document itself is made and recorded by bot.documents."""
    audit.record(session, clock, actor, "rapport.prepare", _household(household, actor))
    return answers


def _commit_closure(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                    answers: dict[str, Any], household: Household | None) -> Household:
    return households.close(session, clock, actor, _household(household, actor).id or 0,
                            date.fromisoformat(answers["date"]), answers["motif"],
                            answers.get("precision"))


def _commit_reopen(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                   answers: dict[str, Any], household: Household | None) -> Household:
    return households.reopen(session, clock, actor, _household(household, actor).id or 0,
                             answers["motif"])


def _commit_rapport_answer(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                           answers: dict[str, Any], household: Household | None
                           ) -> landlords.Answered:
    return landlords.answer_rapport(session, clock, actor, _household(household, actor).id or 0,
                                    answers["avis"], answers.get("commentaire") or "")


def _commit_plan_cosign(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                        answers: dict[str, Any], household: Household | None
                        ) -> landlords.Answered:
    return landlords.cosign(session, clock, actor, _household(household, actor).id or 0,
                            answers["signataire"])


def _commit_review_agreement(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                             answers: dict[str, Any], household: Household | None
                             ) -> landlords.Answered:
    return landlords.agree_review(session, clock, actor, _household(household, actor).id or 0,
                                  int(answers["_review"]), answers["accord"] == "accord",
                                  answers.get("commentaire") or "")


Committer = Callable[[Session, Clock, Advisor, FormSpec, dict[str, Any], Household | None], Any]

COMMITTERS: dict[str, Committer] = {
    "household": _commit_household,
    "diagnostic": _commit_diagnostic,
    "ppal": _commit_ppal,
    "signature": _commit_signature,
    "progress": _commit_progress,
    "bilan": _commit_bilan,
    "report": _commit_report,
    "tenancy": _commit_tenancy,
    "rent_partial": _commit_rent_partial,
    "payment": _commit_payment,
    "correction": _commit_correction,
    "repayment_plan": _commit_repayment_plan,
    "insurance": _commit_insurance,
    "glissement": _commit_glissement,
    "free_reminder": _commit_free_reminder,
    "snooze": _commit_snooze,
    "closure": _commit_closure,
    "reopen": _commit_reopen,
    "rapport_answer": _commit_rapport_answer,
    "plan_cosign": _commit_plan_cosign,
    "review_agreement": _commit_review_agreement,
}


# What each target does on its household, in storage.policy's terms: checked when the form
# starts and again when it is confirmed (the actor's role or the household may have changed).
ACTIONS: dict[str, str] = {
    "household": "household.create",
    "diagnostic": "diagnostic.edit",
    "ppal": "plan.edit",
    "signature": "plan.sign",
    "progress": "plan.edit",
    "bilan": "plan.edit",
    "report": "rapport.write",
    "tenancy": "household.edit",
    "rent_partial": "rent.record",
    "payment": "rent.record",
    "correction": "rent.record",
    "repayment_plan": "rent.record",
    "insurance": "household.edit",
    "glissement": "review.record",
    "free_reminder": "reminder.answer",
    "snooze": "reminder.answer",
    "rapport_answer": "rapport.answer",
    "plan_cosign": "plan.cosign",
    "review_agreement": "review.agree",
    "closure": "household.close",
    "reopen": "household.reopen",
}


def require(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
            household: Household | None) -> None:
    """The form's action allowed to the actor (storage.policy), on its household if it has one."""
    action = ACTIONS.get(spec.target)
    if action is not None:
        policy.require(session, clock, actor, action,
                       household if action in policy.HOUSEHOLD_ACTIONS else None)


def commit(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
           answers: dict[str, Any], household: Household | None) -> Any:
    require(session, clock, actor, spec, household)
    return COMMITTERS[spec.target](session, clock, actor, spec, answers, household)


def propose(rule: str, answers: dict[str, Any], clock: Clock) -> Any:
    """An answer proposed when its question comes, from the answers before it."""
    return PROPOSALS[rule](answers, clock)


def _bilans(answers: dict[str, Any], clock: Clock) -> list[dict[str, Any]]:
    start = _date(answers.get("debut")) or clock.today()
    return [{"date": d.isoformat()} for d in plans.propose_bilans(start, answers.get("rythme"))]


def _next_bilan(answers: dict[str, Any], _clock: Clock) -> str | None:
    """The plan's next bilan, on a working day."""
    planned = _date(answers.get("_next_bilan"))
    return next_working_day(planned).isoformat() if planned else None


PROPOSALS: dict[str, Callable[[dict[str, Any], Clock], Any]] = {
    "bilans": _bilans,
    "next_bilan": _next_bilan,
}


def reserved_uids(session: Session, spec: FormSpec, household: Household | None) -> list[str]:
    """Item uids a new item of this form must not take: a plan's items ever used (so that a
    new objective never inherits the follow-up of a removed one)."""
    if spec.target == "ppal" and household is not None:
        return plans.used_uids(session, household)
    return []


Warning = Callable[[dict[str, Any], Any, Clock], Invalid | None]
# Checks that ask "c'est bien ça ?" (Oui / Corriger) before an answer is kept: a field's
# `warn` names one. Each returns the reason (an Invalid, rendered by errors.txt) or None.
WARNINGS: dict[str, Warning] = {}
