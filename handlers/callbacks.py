"""Every inline button lands here and is answered exactly once."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError

from handlers import cards, forms, ledger, plans, reminders
from handlers.commands import send_team
from handlers.common import Context, deps, edit_or_send, role_labels, send, with_actor
from storage import advisors
from storage.errors import Refused
from storage.models import Advisor, Invitation, Role

log = logging.getLogger(__name__)

PLAN_ACTIONS = {
    "p": plans.start_ppal,
    "s": plans.start_signature,
    "f": plans.send_ppal,
    "v": plans.send_versions,
    "t": plans.send_items,
    "b": plans.start_bilan,
    "w": plans.start_report,
    "l": reminders.start_tenancy,
    "g": reminders.start_review,
    "y": ledger.send_account,
    "P": ledger.start_payment,
    "A": ledger.start_plan,
    "z": reminders.start_free,
}


# Buttons answered early (before a slow document), during the handling of their update only:
# a second answer is an error for Telegram.
_answered_early: set[str] = set()


async def _answer(update: Update, toast: str | None = None, early: bool = False) -> None:
    query = update.callback_query
    if query is None:
        return
    if query.id in _answered_early:
        _answered_early.discard(query.id)
        return
    try:
        await query.answer(toast)
    except TelegramError as error:  # too old to answer: nothing else to do
        log.info("callback not answered: %s", error)
    if early:
        _answered_early.add(query.id)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    toast: str | None = None
    try:
        toast = await _route(update, context, parts)
    except (ValueError, IndexError, KeyError):
        log.warning("unreadable button %r", query.data)
        toast = deps(context).render.msg("forms.stale")
    finally:
        await _answer(update, toast)


async def _route(update: Update, context: Context, parts: list[str]) -> str | None:
    kind = parts[0]
    if kind == "f":
        return await forms.on_form_button(update, context, parts)
    if kind in {"r", "a"}:
        return await forms.on_resume(update, context, int(parts[1]), cancel=kind == "a")
    if kind == "h":
        action, household_id = parts[1], int(parts[2])
        if action in {"f", "V"}:  # a PDF takes a moment: stop the button's spinner first
            await _answer(update, early=True)
        if action == "o":
            notice = await forms.pause_for_command(update, context)
            if notice:
                await send(update, notice)
            await cards.send_card(update, context, household_id)
        elif action == "d":
            await forms.start_form(update, context, "diagnostic", household_id)
        elif action == "n":
            notice = await forms.pause_for_command(update, context)
            await cards.note_prompt(update, context, household_id, notice)
        elif action == "a":
            await cards.send_address(update, context, household_id)
        elif action == "r":
            await cards.choose_assignee(update, context, household_id)
        elif action in PLAN_ACTIONS:
            await PLAN_ACTIONS[action](update, context, household_id)
        elif action == "u":
            await plans.start_progress(update, context, household_id, parts[3])
        elif action == "c":
            await cards.confirm_close(update, context, household_id)
        elif action == "C":
            await cards.close(update, context, household_id)
        elif action == "V":
            await plans.send_ppal(update, context, household_id, int(parts[3]))
        elif action == "R":
            await cards.reassign(update, context, household_id, int(parts[3]))
        elif action == "K":
            await ledger.start_correction(update, context, household_id, int(parts[3]))
        return None
    if kind == "m":
        return await reminders.on_button(update, context, int(parts[1]), parts[2])
    if kind == "p":
        await cards.send_my_households(update, context, int(parts[1]), replace=True)
        return None
    if kind == "i":
        return await _invite(update, context, Role(parts[1]))
    if kind == "e":
        return await _set_active(update, context, int(parts[2]), parts[1] == "r")
    raise ValueError(parts)


async def _invite(update: Update, context: Context, role: Role) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Invitation:
        return advisors.invite(session, d.clock, actor, role)

    try:
        applied = d.db.apply(update.update_id, with_actor(update, work))
    except Refused:
        return d.render.msg("access.admin_only")
    invitation = applied.value
    if invitation is None:
        return None
    link = f"https://t.me/{context.bot.username}?start={invitation.code}"
    await edit_or_send(update, d.render.msg(
        "team.invitation", link=link, role_label=role_labels(context)[role],
        expires_at=invitation.expires_at))
    return None


async def _set_active(update: Update, context: Context, advisor_id: int, active: bool
                      ) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Advisor:
        return advisors.set_active(session, d.clock, actor, advisor_id, active)

    try:
        applied = d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        return d.render.msg("access.admin_only") if refused.code == "admin_only" else None
    if applied.value is not None:
        await send_team(update, context, d.render.msg("team.changed", member=applied.value,
                                                      active=active))
    return None
