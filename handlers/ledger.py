"""The card's 💶 screen: the rent account, a payment, a correction, a plan d'apurement."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from telegram import Update

from handlers import keyboards
from handlers.common import Context, deps, read_or_say, send
from handlers.forms import AFTER_DONE, start_form
from storage import households, ledger, reminders
from storage.forms.engine import Step
from storage.models import Advisor, Household


def _statement(session: Session, context: Context, actor: Advisor, household_id: int
               ) -> ledger.Statement:
    d = deps(context)
    household = households.get(session, d.clock, actor, household_id, action="rent.view",
                               need="rent.view")
    return ledger.statement(session, d.clock, household, reminders.settings["rent_check_delay"])


async def send_account(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)
    found = await read_or_say(update, context,
                              lambda s, actor: _statement(s, context, actor, household_id))
    if found is not None:
        await send(update, d.render.msg("ledger.statement", s=found),
                   keyboards.ledger(d.render, found))


async def start_payment(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "paiement", household_id)


async def start_plan(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "apurement", household_id)


async def start_correction(update: Update, context: Context, household_id: int,
                           entry_id: int) -> None:
    """The entry is named in the form's questions: the advisor sees what she corrects."""
    render = deps(context).render

    def prepare(session: Session, _actor: Advisor, household: Household
                ) -> tuple[dict[str, Any], None]:
        entry = ledger.entry_of(session, household, entry_id)
        about = render.label("ledger_entry", e=entry, shown=ledger.effective(session, entry))
        return {"_entry": entry_id, "_about": about}, None

    await start_form(update, context, "correction", household_id, prepare)


async def _after_entry(update: Update, context: Context, step: Step) -> None:
    """After a payment, a correction or a plan: the account as it is now."""
    assert step.household is not None
    await send_account(update, context, step.household.id or 0)


AFTER_DONE.update({
    "payment": _after_entry,
    "correction": _after_entry,
    "repayment_plan": _after_entry,
})
