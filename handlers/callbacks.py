"""Every inline button lands here and is answered exactly once."""

from __future__ import annotations

import logging
import re

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError

from handlers import (
    cards,
    evaluation,
    forms,
    history,
    keyboards,
    landlords,
    ledger,
    plans,
    reminders,
    rgpd,
    team,
)
from handlers.commands import send_team
from handlers.common import Context, deps, edit_or_send, role_labels, send, with_actor
from storage import advisors, retention, security
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


# Card buttons that still work once the support is closed: consultation (card, PDF, versions,
# address, rent history), notes, and the reopening (coordinators); any other says the support
# is closed and does nothing.
READ_ONLY = {"o", "f", "V", "v", "a", "y", "n", "O"}
# Every action of a card button (`h:<action>:<household>[:<other id>]`).
CARD_ACTIONS = {"o", "d", "n", "a", "r", "u", "c", "C", "O", "V", "R", "K", "k", "Q", "X", "G",
                *PLAN_ACTIONS}

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


class Unreadable(ValueError):
    """Button data this bot cannot read: forged, cut, or from a version that had other buttons.

    Only this is answered as a stale button: an error raised by the work a button starts is
    a bug, and goes to the error handler with its traceback (handlers.registry.on_error)."""


# What button_data writes: visible ASCII (ids, actions, form positions like `3.0.1`, uids).
_PART = re.compile(r"[\x21-\x7e]{1,64}")
MAX_ID_DIGITS = 18  # a BIGINT holds 18 digits: a 20-digit "id" is no row of ours


def parse(data: str | None) -> list[str]:
    """The parts of a button's data, checked before anything is done with them."""
    parts = (data or "").split(":")
    if not all(_PART.fullmatch(p) for p in parts) or \
            any(p.isdigit() and len(p) > MAX_ID_DIGITS for p in parts):
        raise Unreadable(data)
    return parts


def _id(parts: list[str], position: int) -> int:
    """The row id at `position` of the data (Unreadable if absent or not a number)."""
    if position >= len(parts) or not parts[position].isdigit():
        raise Unreadable(parts)
    return int(parts[position])


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    toast: str | None = None
    try:
        toast = await _route(update, context, parse(query.data))
    except Unreadable:
        # Only the length: the data of a forged button is not worth a log line of its own.
        log.warning("unreadable button data (%d bytes)", len(query.data or ""))
        await _record_forged(update, context, query.data or "")
        toast = deps(context).render.msg("forms.stale")
    finally:
        await _answer(update, toast)


async def _record_forged(update: Update, context: Context, data: str) -> None:
    """Button data the bot never made: kept as a security event (who, what, when)."""
    d, user = deps(context), update.effective_user
    if user is None:
        return
    await d.db.read(lambda s: security.record(s, d.clock, "forged_button", telegram_id=user.id,
                                              advisor=advisors.by_telegram_id(s, user.id),
                                              detail=data[:64]))


async def _route(update: Update, context: Context, parts: list[str]) -> str | None:
    kind = parts[0]
    if kind == "f":
        _id(parts, 1)
        return await forms.on_form_button(update, context, parts)
    if kind == "dn":
        ids = parts[3].split(".") if len(parts) > 3 else []
        if not all(i.isdigit() for i in ids):
            raise Unreadable(parts)
        return await forms.on_duplicates(update, context, _id(parts, 1), parts[2],
                                         [int(i) for i in ids])
    if kind in {"r", "a"}:
        return await forms.on_resume(update, context, _id(parts, 1), cancel=kind == "a",
                                     confirmed=parts[2:] == ["y"])
    if kind == "h":
        if len(parts) < 3:
            raise Unreadable(parts)
        action, household_id = parts[1], _id(parts, 2)
        if action not in CARD_ACTIONS:
            raise Unreadable(parts)
        # version, advisor, entry, review
        other_id = _id(parts, 3) if action in {"V", "R", "K", "G"} else 0
        if action not in READ_ONLY and (notice := await cards.closed_notice(
                update, context, household_id)):
            return notice
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
            await history.note_prompt(update, context, household_id, notice)
        elif action == "a":
            await cards.send_address(update, context, household_id)
        elif action == "r":
            await cards.choose_assignee(update, context, household_id)
        elif action in PLAN_ACTIONS:
            await PLAN_ACTIONS[action](update, context, household_id)
        elif action == "u":
            if len(parts) < 4:
                raise Unreadable(parts)
            await plans.start_progress(update, context, household_id, parts[3])
        elif action in {"c", "C"}:  # C: the «Oui, clôturer» of older cards asks the same
            await forms.start_form(update, context, "cloture", household_id)
        elif action == "O":
            await forms.start_form(update, context, "reouverture", household_id)
        elif action == "V":
            await plans.send_ppal(update, context, household_id, other_id)
        elif action == "R":
            await cards.reassign(update, context, household_id, other_id)
        elif action == "K":
            await ledger.start_correction(update, context, household_id, other_id)
        elif action == "k":
            await landlords.share(update, context, household_id)
        elif action == "Q":
            await forms.start_form(update, context, "reponse_rapport", household_id)
        elif action == "X":
            await forms.start_form(update, context, "cosignature", household_id)
        elif action == "G":
            await landlords.start_review_agreement(update, context, household_id, other_id)
        else:
            raise Unreadable(parts)
        return None
    if kind == "t":
        return await history.on_button(update, context, parts)
    if kind == "m":
        if len(parts) < 3:
            raise Unreadable(parts)
        return await reminders.on_button(update, context, _id(parts, 1), parts[2])
    if kind == "p":
        await cards.send_my_households(update, context, _id(parts, 1), replace=True)
        return None
    if kind == "g":
        try:
            await team.on_button(update, context, parts)
        except team.BadFilters as error:
            raise Unreadable(parts) from error
        return None
    if kind == "i":
        if len(parts) < 2 or parts[1] not in {r.value for r in Role}:
            raise Unreadable(parts)
        organisation_id = _id(parts, 2) if len(parts) > 2 else None
        return await _invite(update, context, Role(parts[1]), organisation_id)
    if kind == "ev":
        if parts[1:] != ["now"]:
            raise Unreadable(parts)
        await evaluation.on_button(update, context, "now")
        return None
    if kind == "e":
        action, advisor_id = (parts[1] if len(parts) > 1 else ""), _id(parts, 2)
        if action == "d":  # deactivating someone: asked first, naming her
            return await _confirm_deactivate(update, context, advisor_id)
        if action == "n":
            await edit_or_send(update, deps(context).render.msg("team.unchanged"))
            return None
        if action in {"D", "r"}:
            return await _set_active(update, context, advisor_id, action == "r")
        if action == "o":  # a new role: chosen, then confirmed naming her and the role
            return await _role_step(update, context, advisor_id, None, False)
        if action in {"O", "S"}:
            if len(parts) < 4 or parts[3] not in {r.value for r in Role}:
                raise Unreadable(parts)
            return await _role_step(update, context, advisor_id, Role(parts[3]), action == "S")
    if kind == "v":  # a pending invitation revoked, after a confirmation naming it
        action, invitation_id = (parts[1] if len(parts) > 1 else ""), _id(parts, 2)
        if action in {"c", "y"}:
            return await _revoke(update, context, invitation_id, action == "y")
    if kind == "jr":
        await rgpd.journal_page(update, context, _id(parts, 1), _id(parts, 2))
        return None
    if kind == "lh":
        if len(parts) < 3 or parts[2] not in {"?", "x", *retention.HOLD_REASONS}:
            raise Unreadable(parts)
        await rgpd.on_hold_button(update, context, _id(parts, 1), parts[2])
        return None
    raise Unreadable(parts)


async def _invite(update: Update, context: Context, role: Role,
                  organisation_id: int | None = None) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Invitation:
        return advisors.invite(session, d.clock, actor, role, organisation_id)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        if refused.code == "organisation_needed":
            raise Unreadable([role.value]) from refused
        return d.render.msg("access.admin_only")
    invitation = applied.value
    if invitation is None:
        return None
    link = f"https://t.me/{context.bot.username}?start={invitation.code}"
    await edit_or_send(update, d.render.msg(
        "team.invitation", link=link, role_label=role_labels(context)[role],
        expires_at=invitation.expires_at))
    return None


async def _confirm_deactivate(update: Update, context: Context, advisor_id: int
                              ) -> str | None:
    d = deps(context)
    try:
        member = await d.db.read(with_actor(update, lambda s, actor: advisors.member(
            s, d.clock, actor, advisor_id)))
    except Refused:
        return d.render.msg("access.admin_only")
    await send(update, d.render.msg("team.confirm_deactivate", member=member),
               keyboards.confirm_deactivate(d.render, member))
    return None


async def _set_active(update: Update, context: Context, advisor_id: int, active: bool
                      ) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Advisor:
        return advisors.set_active(session, d.clock, actor, advisor_id, active)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        return d.render.msg("access.admin_only") if refused.code == "admin_only" else None
    if applied.value is not None:
        await send_team(update, context, d.render.msg("team.changed", member=applied.value,
                                                      active=active))
    return None


async def _role_step(update: Update, context: Context, advisor_id: int, role: Role | None,
                     confirmed: bool) -> str | None:
    """An administrator changes a role: the roles offered, then the confirmation, then done."""
    d = deps(context)
    if not confirmed:
        try:
            member = await d.db.read(with_actor(update, lambda s, actor: advisors.member(
                s, d.clock, actor, advisor_id)))
        except Refused:
            return d.render.msg("access.admin_only")
        if role is None:
            await send(update, d.render.msg("team.choose_new_role", member=member),
                       keyboards.new_roles(d.render, member))
        else:
            await send(update, d.render.msg("team.confirm_role", member=member,
                                            role_label=role_labels(context)[role]),
                       keyboards.confirm_role(d.render, member, role))
        return None
    assert role is not None
    chosen = role

    def work(session: Session, actor: Advisor) -> Advisor:
        return advisors.set_role(session, d.clock, actor, advisor_id, chosen)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        if refused.code == "last_admin":
            await edit_or_send(update, d.render.msg("team.last_admin"))
            return None
        return d.render.msg("access.admin_only")
    if applied.value is not None:
        await send_team(update, context, d.render.msg(
            "team.role_changed", member=applied.value, role_label=role_labels(context)[chosen]))
    return None


async def _revoke(update: Update, context: Context, invitation_id: int, confirmed: bool
                  ) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Invitation:
        if confirmed:
            return advisors.revoke(session, d.clock, actor, invitation_id)
        return advisors.pending_invitation(session, d.clock, actor, invitation_id)

    try:
        if confirmed:
            invitation = (await d.db.apply(update.update_id, with_actor(update, work))).value
        else:
            invitation = await d.db.read(with_actor(update, work))
    except Refused as refused:
        if refused.code == "invitation_gone":
            await edit_or_send(update, d.render.msg("team.invitation_gone"))
            return None
        return d.render.msg("access.admin_only")
    if invitation is None:  # a second press of «Oui»: already done
        return None
    labels = role_labels(context)
    if confirmed:
        await send_team(update, context, d.render.msg("team.revoked", invitation=invitation,
                                                      role_labels=labels))
    else:
        await send(update, d.render.msg("team.confirm_revoke", invitation=invitation,
                                        role_labels=labels),
                   keyboards.confirm_revoke(d.render, invitation))
    return None
