"""The door: private chats only, registered advisors only (and invitations to become one)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from handlers.common import Context, deps, display_name, role_labels, send
from storage import advisors
from storage.errors import Refused
from storage.models import Advisor

log = logging.getLogger(__name__)


async def gate(update: Update, context: Context) -> None:
    """Runs before every handler; stops the update unless an active advisor sent it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _leave(update, context)
        raise ApplicationHandlerStop
    if user is None or update.my_chat_member is not None:
        raise ApplicationHandlerStop  # blocked/unblocked by a user: nothing to answer
    d = deps(context)
    advisor = d.db.read(lambda s: advisors.identify(s, user.id, display_name(update),
                                                  d.clock))
    if advisor is not None:
        return
    text = update.message.text if update.message and update.message.text else ""
    if text.startswith("/start ") and await _accept_invitation(update, context, text):
        raise ApplicationHandlerStop
    refusal = d.render.msg("access.refusal", telegram_id=user.id)
    if update.callback_query is not None:
        await update.callback_query.answer(refusal.replace("<code>", "").replace("</code>", ""),
                                           show_alert=True)
    else:
        await send(update, refusal)
    raise ApplicationHandlerStop


async def _accept_invitation(update: Update, context: Context, text: str) -> bool:
    d = deps(context)
    user = update.effective_user
    assert user is not None
    code = text.split(maxsplit=1)[1].strip()

    def work(session: Session) -> Advisor:
        return advisors.accept(session, d.clock, code, user.id, display_name(update))

    try:
        applied = d.db.apply(update.update_id, work)
    except Refused:
        await send(update, d.render.msg("access.invitation_invalid", telegram_id=user.id))
        return True
    advisor: Advisor | None = applied.value
    if advisor is not None:
        labels = role_labels(context)
        await send(update, d.render.msg("access.welcome", advisor=advisor,
                                        role_label=labels[advisor.role]))
    return True


async def _leave(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("left", "kicked"):
        return  # removed from the group: nothing to say
    try:
        await context.bot.send_message(chat.id, deps(context).render.msg("access.private_only"))
        await context.bot.leave_chat(chat.id)
    except TelegramError as error:
        log.info("could not leave chat %s: %s", chat.id, error)
