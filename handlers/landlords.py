"""The landlord's side: sharing a household with it, and its answers (rapport, PPAL
co-signature, glissement at a review), each a form whose end tells the advisor."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError

from handlers.cards import send_card
from handlers.common import Context, deps, send, with_actor
from handlers.forms import AFTER_DONE, start_form
from storage import landlords
from storage.errors import Refused
from storage.forms.engine import Step
from storage.models import Advisor, Household, LandlordOrganisation

log = logging.getLogger(__name__)


async def share(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[Household, LandlordOrganisation]:
        return landlords.share(session, d.clock, actor, household_id)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        await send(update, d.render.msg("household.refused", code=refused.code))
        return
    if applied.value is not None:
        household, organisation = applied.value
        await send(update, d.render.msg("household.shared", h=household,
                                        organisation=organisation))


async def start_review_agreement(update: Update, context: Context, household_id: int,
                                 review_id: int) -> None:
    def prepare(_session: Session, _actor: Advisor, _household: Household
                ) -> tuple[dict[str, Any], None]:
        return {"_review": review_id}, None

    await start_form(update, context, "accord_revue", household_id, prepare)


async def _after_answer(update: Update, context: Context, step: Step) -> None:
    """The advisor hears of the landlord's answer; the landlord sees its card again."""
    d = deps(context)
    answered = step.result
    assert isinstance(answered, landlords.Answered)
    text = d.render.msg("household.landlord_answered", a=answered, h=answered.household)
    for person in answered.told:
        try:
            await context.bot.send_message(person.telegram_id, text)
        except TelegramError as error:
            log.warning("landlord answer notice to advisor %s not sent: %s", person.id,
                        type(error).__name__)
    await send_card(update, context, answered.household.id or 0)


AFTER_DONE.update({
    "rapport_answer": _after_answer,
    "plan_cosign": _after_answer,
    "review_agreement": _after_answer,
})
