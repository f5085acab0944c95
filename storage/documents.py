"""The record of each document generated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from storage import audit, budget, households, ledger, tenancy
from storage.budget import Budget
from storage.clock import Clock
from storage.errors import Refused
from storage.models import Advisor, Document, Household


def folder(data_dir: Path, household: Household) -> Path:
    path = data_dir / "documents" / household.reference
    path.mkdir(parents=True, exist_ok=True)
    return path


def record(session: Session, clock: Clock, actor: Advisor, household: Household, kind: str,
           path: Path, *, plan_version_id: int | None = None, bilan_id: int | None = None,
           content: dict[str, Any] | None = None) -> Document:
    document = Document(household_id=household.id or 0, kind=kind,
                        plan_version_id=plan_version_id, bilan_id=bilan_id,
                        content=content or {}, path=str(path), file_name=path.name,
                        advisor_id=actor.id or 0, created_at=clock.now())
    session.add(document)
    audit.record(session, clock, actor, f"document.{kind}", household, detail=path.name)
    return document


def team_folder(data_dir: Path) -> Path:
    """Documents of the team (the yearly evaluation), about no one household."""
    path = data_dir / "documents" / "equipe"
    path.mkdir(parents=True, exist_ok=True)
    return path


def record_team(session: Session, clock: Clock, actor: Advisor, kind: str, path: Path,
                content: dict[str, Any] | None = None) -> Document:
    document = Document(household_id=None, kind=kind, content=content or {}, path=str(path),
                        file_name=path.name, advisor_id=actor.id or 0, created_at=clock.now())
    session.add(document)
    audit.record(session, clock, actor, f"document.{kind}", detail=path.name)
    return document


def of(session: Session, household: Household) -> list[Document]:
    query = select(Document).where(Document.household_id == household.id)
    return list(session.exec(query.order_by(col(Document.created_at))))


@dataclass
class ReportDocument:
    """What the rapport socio-éducatif is made of, besides the advisor's answers."""

    household: Household
    diagnostic: dict[str, Any] | None
    advisor: Advisor | None
    landlord: str  # the home's landlord, when the household has a home
    budget: Budget | None  # today
    target: Budget | None  # in the home sought, at the diagnostic's `loyer_max`
    arrears: int  # rent arrears today, cents


def report_document(session: Session, clock: Clock, household: Household) -> ReportDocument:
    diagnostic = households.latest_diagnostic(session, household)
    answers = diagnostic.answers if diagnostic else None
    home = tenancy.of(session, household)
    return ReportDocument(
        household, answers, households.advisor_of(session, household),
        landlord=home.landlord if home else "",
        budget=budget.compute(answers, household.persons) if answers else None,
        target=budget.project(answers, household.persons, answers.get("loyer_max"))
        if answers else None,
        # The rent ledger's balance today: the one place the documents read the arrears.
        arrears=ledger.arrears(session, clock, household) if home else 0,
    )


def resend(session: Session, clock: Clock, actor: Advisor, document_id: int) -> Document:
    """A document generated earlier, to send it again: a read of its household, audited."""
    document = session.get(Document, document_id)
    if document is None or document.household_id is None:  # a team document: not a household's
        raise Refused("document_unknown")
    households.get(session, clock, actor, document.household_id, action="document.view",
                   need="household.notes")
    return document
