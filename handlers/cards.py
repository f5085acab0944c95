"""The household card, lists and lookups."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from handlers import history_keyboards, keyboards
from handlers.common import (
    Context,
    deps,
    edit_or_send,
    read_or_say,
    send,
    with_actor,
)
from storage import households, notes
from storage.errors import Refused
from storage.models import Advisor, Household, PendingFile


async def send_card(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor
             ) -> tuple[households.Card, Advisor, PendingFile | None]:
        card = households.card(session, d.clock, actor, household_id)
        return card, actor, notes.waiting(session, d.clock, actor)

    found = await read_or_say(update, context, work)
    if found is None:
        return
    card, actor, pending = found
    text = d.render.msg("household.card", c=card)
    await send(update, text, keyboards.card(d.render, card, actor))
    if pending is not None:  # a file sent with no card open: this may be its household
        await send(update, d.render.msg("history.pending_offer"),
                   history_keyboards.pending_targets(d.render, pending, [card.household]))


async def send_search(update: Update, context: Context, text: str) -> None:
    d = deps(context)
    limit = 10

    def work(session: Session, actor: Advisor) -> list[Household]:
        return households.search(session, d.clock, actor, text, limit=limit)

    if not text.strip():
        await send(update, d.render.msg("household.search_usage"))
        return
    found = d.db.read(with_actor(update, work))
    if not found:
        await send(update, d.render.msg("household.search_none", text=text))
    elif len(found) == 1:
        await send_card(update, context, found[0].id or 0)  # /cherche paused any form
    else:
        await send(update, d.render.msg("household.search_many", text=text, count=len(found),
                                        limit=limit),
                   keyboards.household_list(d.render, found))


async def send_my_households(update: Update, context: Context, page: int,
                             replace: bool = False) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[list[Household], int, int]:
        return households.page(session, d.clock, actor, page)

    rows, page, pages = d.db.read(with_actor(update, work))
    text = d.render.msg("household.my_households", page=page, pages=pages, count=len(rows))
    keyboard = keyboards.household_list(d.render, rows, page, pages)
    if replace:
        await edit_or_send(update, text, keyboard)
    else:
        await send(update, text, keyboard)


async def send_address(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Household:
        return households.reveal_address(session, d.clock, actor, household_id)

    household = await read_or_say(update, context, work)
    if household is not None:
        await send(update, d.render.msg("household.address", h=household))


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

    def work(session: Session, actor: Advisor) -> tuple[Household, Advisor]:
        return households.reassign(session, d.clock, actor, household_id, advisor_id)

    try:
        applied = d.db.apply(update.update_id, with_actor(update, work))
    except Refused:
        await send(update, d.render.msg("household.unknown"))
        return
    if applied.value is not None:
        household, advisor = applied.value
        await edit_or_send(update, d.render.msg("household.reassigned", h=household,
                                                advisor=advisor))


async def confirm_close(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)
    household = await read_or_say(update, context, lambda s, actor: households.get(
        s, d.clock, actor, household_id))
    if household is not None:
        await send(update, d.render.msg("household.confirm_close", h=household),
                   keyboards.confirm_close(d.render, household))


async def close(update: Update, context: Context, household_id: int) -> None:
    d = deps(context)
    try:
        applied = d.db.apply(update.update_id, with_actor(update, lambda s, actor: households.close(
            s, d.clock, actor, household_id)))
    except Refused as refused:
        await send(update, d.render.msg("household.refused", code=refused.code))
        return
    if applied.value is not None:
        await edit_or_send(update, d.render.msg("household.closed", h=applied.value))
