"""Where a confirmed form goes: each form's `target` names a committer; and its pre-filling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import Session

from storage import audit, households
from storage.clock import Clock
from storage.errors import Refused
from storage.forms.spec import FormSpec
from storage.models import Advisor, Diagnostic, EntryPath, Household


def prefill(session: Session, spec: FormSpec, household: Household | None) -> dict[str, Any]:
    """Answers known before the first question: the last diagnostic, then household data."""
    answers: dict[str, Any] = {}
    if household is None:
        return answers
    if spec.target == "diagnostic":
        last = households.latest_diagnostic(session, household)
        if last is not None:
            answers.update(last.answers)
    sources = {"household.resources_total": household.resources_total or None}
    for spec_field in spec.fields:
        if spec_field.prefill and answers.get(spec_field.key) is None:
            answers[spec_field.key] = sources.get(spec_field.prefill)
    return {k: v for k, v in answers.items() if v is not None}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


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


def _commit_household(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                      answers: dict[str, Any], _household: Household | None) -> Household:
    return households.create(session, clock, actor, _household_data(spec, answers))


def _commit_diagnostic(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
                       answers: dict[str, Any], household: Household | None) -> Diagnostic:
    if household is None or not households.may_see(actor, household):
        raise Refused("household_unknown")
    diagnostic = Diagnostic(household_id=household.id or 0, answers=answers,
                            completed_by_id=actor.id or 0, completed_at=clock.now())
    session.add(diagnostic)
    audit.record(session, clock, actor, "diagnostic.confirm", household)
    return diagnostic


Committer = Callable[[Session, Clock, Advisor, FormSpec, dict[str, Any], Household | None], Any]

COMMITTERS: dict[str, Committer] = {
    "household": _commit_household,
    "diagnostic": _commit_diagnostic,
}


def commit(session: Session, clock: Clock, actor: Advisor, spec: FormSpec,
           answers: dict[str, Any], household: Household | None) -> Any:
    return COMMITTERS[spec.target](session, clock, actor, spec, answers, household)
