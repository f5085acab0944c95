"""The PPAL on the phone: the plan's forms, its follow-up, and the documents sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.constants import ChatAction

from handlers import keyboards
from handlers.cards import send_card
from handlers.common import Context, deps, read_or_say, send, with_actor
from handlers.forms import AFTER_DONE, start_form
from storage import budget, documents, households, plans, tenancy
from storage.forms.engine import Step
from storage.forms.spec import load
from storage.models import Advisor, Bilan, Household, PlanVersion, TransferReview

# --- starting the forms ------------------------------------------------------------------------

async def start_ppal(update: Update, context: Context, household_id: int,
                     bilan_id: int | None = None) -> None:
    """The plan: a new one from the diagnostic, the draft again, or an avenant."""
    render = deps(context).render

    def prepare(session: Session, _actor: Advisor, household: Household
                ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        form_context = {"_bilan": bilan_id} if bilan_id else {}
        if plans.draft(session, household) or plans.current(session, household):
            return form_context, None  # storage pre-fills from the plan being changed
        diagnostic = households.latest_diagnostic(session, household)
        answers = diagnostic.answers if diagnostic else {}
        figures = budget.compute(answers, household.persons)
        return form_context, {
            "situation": render.text("proposals.situation", h=household, d=answers,
                                     diag=load("diagnostic"), budget=figures),
            "objectif_final": render.text("proposals.final_goal", d=answers),
        }

    await start_form(update, context, "ppal", household_id, prepare,
                     follow_up=bilan_id is not None)


async def start_signature(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "signature", household_id,
                     lambda s, _a, h: (plans.signature_context(s, h), None))


async def start_progress(update: Update, context: Context, household_id: int, uid: str) -> None:
    await start_form(update, context, "suivi", household_id,
                     lambda s, _a, h: (plans.item_context(s, h, uid), None))


async def start_bilan(update: Update, context: Context, household_id: int) -> None:
    def needs_signed_plan(session: Session, _actor: Advisor, household: Household
                          ) -> tuple[dict[str, Any], None]:
        plans.in_force(session, household)
        return {}, None

    await start_form(update, context, "bilan", household_id, needs_signed_plan)


async def start_report(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "rapport", household_id)


# --- the follow-up list ---------------------------------------------------------------------

async def send_items(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[Household, list[plans.Item]]:
        household = households.get(session, d.clock, actor, household_id,
                                   action="ppal.view", need="plan.view")
        return household, plans.items(session, household, plans.in_force(session, household))

    loaded = await read_or_say(update, context, work)
    if loaded is None:
        return
    household, found = loaded
    await send(update, d.render.msg("plans.items", h=household, items=found),
               keyboards.plan_items(d.render, household, found))


async def send_versions(update: Update, context: Context, household_id: int) -> None:
    """Every version of the plan, each one's PDF a tap away: the history stays readable."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[Household, list[PlanVersion]]:
        household = households.get(session, d.clock, actor, household_id,
                                   action="ppal.view", need="plan.view")
        return household, plans.versions(session, household)

    loaded = await read_or_say(update, context, work)
    if loaded is None:
        return
    household, found = loaded
    await send(update, d.render.msg("plans.versions", h=household, versions=found),
               keyboards.plan_versions(d.render, household, found))


# --- documents --------------------------------------------------------------------------------

async def _deliver(update: Update, context: Context, household: Household, name: str,
                   make: Callable[[], bytes], record: Callable[[Session, Advisor, Path], Any],
                   caption: str) -> None:
    """Make a PDF in a worker (WeasyPrint takes half a second: the other chats go on), the
    upload action shown meanwhile; keep it, record it in its own transaction, send it."""
    d = deps(context)
    chat = update.effective_chat
    assert chat is not None
    # Each file generated is kept: the time in its name keeps versions of a day apart.
    stamp = d.clock.local_now().strftime("%Y%m%d-%H%M%S-%f")
    path = documents.folder(d.settings.data_dir, household) / f"{Path(name).stem}-{stamp}.pdf"

    def make_and_keep() -> bytes:
        pdf = make()
        path.write_bytes(pdf)
        return pdf

    rendering = asyncio.ensure_future(d.db.run(make_and_keep))
    while not rendering.done():
        # Telegram shows the action 5 s at most: said again while the PDF is not ready.
        await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
        await asyncio.wait({rendering}, timeout=UPLOAD_ACTION_SECONDS)
    pdf = rendering.result()
    await d.db.apply(None, with_actor(update, lambda s, actor: record(s, actor, path)))
    await chat.send_document(pdf, filename=name, caption=caption)


UPLOAD_ACTION_SECONDS = 4.0


async def send_ppal(update: Update, context: Context, household_id: int,
                    version_id: int | None = None) -> None:
    """The plan as PDF: the version asked, else the draft being prepared, else the one in force."""
    d = deps(context)
    found = await read_or_say(update, context, lambda s, actor: plans.plan_document(
        s, households.get(s, d.clock, actor, household_id, action="ppal.view", need="plan.view"),
        version_id))
    if found is None:
        return
    version, household = found.version, found.household
    draft = "" if version.signed_on else "-brouillon"
    today = d.clock.today()

    def record(session: Session, actor: Advisor, path: Path) -> Any:
        return documents.record(session, d.clock, actor, household, "ppal", path,
                                plan_version_id=version.id)

    await _deliver(update, context, household,
                   f"PPAL-{household.reference}-v{version.number}{draft}.pdf",
                   lambda: d.documents.ppal(household, version, found.history, found.advisor,
                                            found.signatory, today, found.previous,
                                            found.changes),
                   record, d.render.msg("plans.ppal_caption", h=household, v=version))


async def send_bilan(update: Update, context: Context, household_id: int, bilan: Bilan) -> None:
    d = deps(context)
    found = await read_or_say(update, context, lambda s, actor: plans.bilan_document(
        s, households.get(s, d.clock, actor, household_id, action="bilan.view", need="plan.view"),
        bilan))
    if found is None:
        return
    household = found.household

    def record(session: Session, actor: Advisor, path: Path) -> Any:
        return documents.record(session, d.clock, actor, household, "bilan", path,
                                bilan_id=bilan.id)

    await _deliver(update, context, household,
                   f"Bilan-{household.reference}-{bilan.held_on.isoformat()}.pdf",
                   lambda: d.documents.bilan(household, bilan, found.version, found.items,
                                             found.advisor),
                   record, d.render.msg("plans.bilan_caption", h=household, b=bilan))


async def send_report(update: Update, context: Context, household_id: int,
                      answers: dict[str, Any]) -> None:
    d = deps(context)
    found = await read_or_say(update, context, lambda s, actor: documents.report_document(
        s, d.clock, households.get(s, d.clock, actor, household_id, action="rapport.view",
                                   need="rapport.view")))
    if found is None:
        return
    household = found.household
    today = d.clock.today()

    def record(session: Session, actor: Advisor, path: Path) -> Any:
        return documents.record(session, d.clock, actor, household, "rapport", path,
                                content=answers)

    await _deliver(update, context, household,
                   f"Rapport-socio-educatif-{household.reference}-{today.isoformat()}.pdf",
                   lambda: d.documents.report(found, answers, today),
                   record, d.render.msg("plans.report_caption", h=household))


async def send_review(update: Update, context: Context, household_id: int,
                      review_id: int) -> None:
    """A glissement review's one-page record (for the landlord), kept and recorded."""
    d = deps(context)
    found = await read_or_say(update, context, lambda s, actor: tenancy.review_document(
        s, households.get(s, d.clock, actor, household_id, action="glissement.view"), review_id))
    if found is None:
        return
    household, review = found.household, found.review

    def record(session: Session, actor: Advisor, path: Path) -> Any:
        return documents.record(session, d.clock, actor, household, "revue", path,
                                content={"review_id": review.id})

    await _deliver(update, context, household,
                   f"Revue-glissement-{household.reference}-{review.held_on.isoformat()}.pdf",
                   lambda: d.documents.review(found),
                   record, d.render.msg("plans.review_caption", h=household, r=review))


# --- after a confirmed form ------------------------------------------------------------------

async def _after_signature(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None and isinstance(step.result, PlanVersion)
    await send_ppal(update, context, step.household.id or 0, step.result.id)
    await send_card(update, context, step.household.id or 0)


async def _after_progress(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None
    await send_items(update, context, step.household.id or 0)


async def _after_bilan(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None and isinstance(step.result, Bilan)
    await send_bilan(update, context, step.household.id or 0, step.result)
    if step.result.amendment:
        await start_ppal(update, context, step.household.id or 0, bilan_id=step.result.id)
    else:
        await send_card(update, context, step.household.id or 0)


async def _after_report(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None and isinstance(step.result, dict)
    await send_report(update, context, step.household.id or 0, step.result)


async def _after_review(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None and isinstance(step.result, TransferReview)
    await send_review(update, context, step.household.id or 0, step.result.id or 0)
    await send_card(update, context, step.household.id or 0)


AFTER_DONE.update({
    "glissement": _after_review,
    "signature": _after_signature,
    "progress": _after_progress,
    "bilan": _after_bilan,
    "report": _after_report,
})
