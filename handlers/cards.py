"""The household card, lists and lookups."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError

from handlers import history_keyboards, keyboards
from handlers.common import (
    Context,
    deps,
    edit_or_send,
    read_or_say,
    send,
    with_actor,
)
from storage import households, landlords, notes
from storage.errors import Refused
from storage.models import Advisor, Household, PendingFile, Reminder, Tenancy

log = logging.getLogger(__name__)


async def send_card(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor
             ) -> tuple[households.Card | landlords.LandlordCard, Advisor, PendingFile | None]:
        card = landlords.any_card(session, d.clock, actor, household_id)
        return card, actor, notes.waiting(session, d.clock, actor)

    found = await read_or_say(update, context, work)
    if found is None:
        return
    card, actor, pending = found
    if isinstance(card, landlords.LandlordCard):
        await send(update, d.render.msg("household.landlord_card", c=card),
                   keyboards.landlord_card(d.render, card))
        return
    text = d.render.msg("household.card", c=card)
    await send(update, text, keyboards.card(d.render, card, actor))
    if pending is not None:  # a file sent with no card open: this may be its household
        await send(update, d.render.msg("history.pending_offer"),
                   history_keyboards.pending_targets(d.render, pending, [card.household]))


async def send_search(update: Update, context: Context, text: str) -> None:
    d = deps(context)
    limit = 10

    def work(session: Session, actor: Advisor) -> tuple[list[Household], dict[int, Reminder]]:
        found = households.search(session, d.clock, actor, text, limit=limit)
        return found, households.next_due(session, d.clock, found)

    if not text.strip():
        await send(update, d.render.msg("household.search_usage"))
        return
    found, next_due = await d.db.read(with_actor(update, work))
    if not found:
        await send(update, d.render.msg("household.search_none", text=text))
    elif len(found) == 1:
        await send_card(update, context, found[0].id or 0)  # /cherche paused any form
    else:
        await send(update, d.render.msg("household.search_many", text=text, count=len(found),
                                        limit=limit),
                   keyboards.household_list(d.render, found, next_due=next_due))


async def send_my_households(update: Update, context: Context, page: int,
                             replace: bool = False) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor
             ) -> tuple[list[Household], int, int, dict[int, Reminder]]:
        rows, number, pages = households.page(session, d.clock, actor, page)
        return rows, number, pages, households.next_due(session, d.clock, rows)

    rows, page, pages, next_due = await d.db.read(with_actor(update, work))
    text = d.render.msg("household.my_households", page=page, pages=pages, count=len(rows))
    keyboard = keyboards.household_list(d.render, rows, page, pages, next_due)
    if replace:
        await edit_or_send(update, text, keyboard)
    else:
        await send(update, text, keyboard)


async def send_address(update: Update, context: Context, household_id: int) -> None:
    """The 🔒 tap: the addresses in a message that cannot be forwarded or saved, deleted
    after 10 minutes (a row, so that a restart does not forget it)."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[Household, Tenancy | None]:
        return households.reveal_address(session, d.clock, actor, household_id)

    found = await read_or_say(update, context, work)
    chat = update.effective_chat
    if found is None or chat is None:
        return
    household, home = found
    shown = await chat.send_message(d.render.msg("household.address", h=household, home=home),
                                    protect_content=True)
    await d.db.read(lambda s: households.show_address_later(s, d.clock, chat.id, shown.message_id))


async def choose_assignee(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    found = await read_or_say(update, context, lambda s, actor: households.assignees(
        s, d.clock, actor, household_id))
    if found is None:
        return
    household, candidates = found
    await send(update, d.render.msg("household.choose_assignee", h=household),
               keyboards.assignees(d.render, household, candidates))


async def reassign(update: Update, context: Context, household_id: int, advisor_id: int
                   ) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> households.Reassignment:
        return households.reassign(session, d.clock, actor, household_id, advisor_id)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused:
        await send(update, d.render.msg("household.unknown"))
        return
    if applied.value is None:
        return
    done = applied.value
    await edit_or_send(update, d.render.msg("household.reassigned", h=done.household,
                                            advisor=done.advisor))
    for person in done.told:
        receives = person.id == done.advisor.id
        text = d.render.msg("household.reassigned_notice", r=done, receives=receives)
        keyboard = keyboards.household_list(d.render, [done.household]) if receives else None
        try:
            await context.bot.send_message(person.telegram_id, text, reply_markup=keyboard)
        except TelegramError as error:  # one out of reach does not keep the other uninformed
            log.warning("reassignment notice to advisor %s not sent: %s", person.id,
                        type(error).__name__)


async def closed_notice(update: Update, context: Context, household_id: int) -> str | None:
    """"L'accompagnement de … est clos." when the household's support is closed, else None."""
    d = deps(context)
    household = await d.db.read(with_actor(update, lambda s, actor: households.closed(
        s, actor, household_id)))
    return d.render.text("reminders.support_closed", h=household) if household else None
