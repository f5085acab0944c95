"""The door: private chats only, registered advisors only (and invitations to become one).

An advisor's update is admitted by her use case, in its own transaction (handlers.admission);
the gate checks by itself an update that reaches Telegram, or nothing, before that. It fails
closed: whatever goes wrong here (a malformed update, Telegram refusing an answer, the
database), the update stops and the person gets the refusal or nothing, never the handlers'
answers. Someone turned away hears the refusal once per window (storage.security); what
they send meanwhile is confirmed and dropped, without a retry that would hold the other
chats (bot.ratelimit)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import cast

from sqlmodel import Session
from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ExtBot

from bot.ratelimit import NO_RETRY
from handlers import admission
from handlers.common import Context, deps, display_name, role_labels, send
from handlers.menus import set_chat_menu
from storage import advisors, security
from storage.db import lock_chat
from storage.errors import Refused
from storage.models import Advisor

log = logging.getLogger(__name__)


async def gate(update: Update, context: Context) -> None:
    """Runs before every handler; stops the update unless it may go on. A private chat's
    update goes on with its admission pending: its use case identifies the sender in its own
    transaction (handlers.admission)."""
    admission.begin(None)
    try:
        if await _screen(update, context):
            admission.begin(admission.Admission(update, context, deps(context).clock))
            return
    except Exception:
        log.exception("the gate failed on update %s: it stops there", update.update_id)
    raise ApplicationHandlerStop


async def _screen(update: Update, context: Context) -> bool:
    """What is decided before any handler: groups are left, a chat's membership changes are
    not answered, an invitation is taken; the rest goes on."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _leave(update, context)
        return False
    if user is None or update.my_chat_member is not None:
        return False  # blocked/unblocked by a user: nothing to answer
    code = _invitation_code(update)
    if not code:
        return True
    d = deps(context)
    if await d.db.read(lambda s: advisors.identify(s, user.id, display_name(update), d.clock)):
        return True  # already in: her /start
    if await _accept_invitation(update, context, code):
        return False
    say = await d.db.read(lambda s: security.refuse_sender(s, d.clock, user.id,
                                                           _attempt(update)))
    await _refuse(update, context, "access.invitation_invalid", say)
    return False


async def settle(current: admission.Admission) -> bool:
    """The gate's own check, for an update whose sender no use case has identified yet: True
    if she may be answered. A stranger hears the refusal (once per window, storage.security),
    and every attempt is recorded."""
    if current.state is admission.State.PENDING:
        current.state = admission.State.CHECKING
        try:
            admitted = await _check(current.update, current.context)
        except Exception:
            log.exception("the gate failed on update %s: it stops there",
                          current.update.update_id)
            admitted = False
        current.state = admission.State.ADMITTED if admitted else admission.State.REFUSED
    return current.state is not admission.State.REFUSED


async def _check(update: Update, context: Context) -> bool:
    user = update.effective_user
    assert user is not None
    d = deps(context)
    attempted = _attempt(update)

    def check(session: Session) -> tuple[Advisor | None, bool]:
        """Who it is, and for a stranger whether to say the refusal now: one transaction,
        so that a flood costs as little as possible."""
        advisor = advisors.identify(session, user.id, display_name(update), d.clock)
        if advisor is not None:
            return advisor, False
        return None, security.refuse_sender(session, d.clock, user.id, attempted)

    advisor, say = await d.db.read(check)
    if advisor is not None:
        return True
    await _refuse(update, context, "access.refusal", say)
    return False


async def guard() -> None:
    """Before every call to Telegram (bot.ratelimit.RateLimiter.guard): one made for an
    update not admitted yet waits for the gate's check, and is not made if it refuses."""
    current = admission.current()
    if current is not None and not await settle(current):
        raise admission.NotAdmitted


async def settle_last(update: Update, context: Context) -> None:
    """The last group: an update that no use case identified and that called Telegram for
    nothing is checked all the same (a stranger's attempt is recorded, and refused)."""
    current = admission.current()
    if current is not None:
        await settle(current)


async def refuse_stranger() -> None:
    """A use case found no active advisor behind the update (storage.errors.Stranger): the
    gate's check says so, records the attempt and refuses."""
    current = admission.current()
    if current is not None and current.state is not admission.State.REFUSED:
        current.state = admission.State.PENDING  # deactivated since: checked again
        await settle(current)


def _invitation_code(update: Update) -> str:
    """The code of `/start <code>` (a link t.me/bot?start=…), or ''."""
    text = update.message.text if update.message and update.message.text else ""
    command, _, rest = text.partition(" ")
    return rest.strip() if command == "/start" else ""


def _attempt(update: Update) -> str:
    """What was attempted, for the security event: a command's name or the kind of update,
    never what was typed."""
    if update.callback_query is not None:
        return "bouton"
    message = update.effective_message
    if message is not None and message.text:
        word = message.text.split(maxsplit=1)[0] if message.text.strip() else ""
        return word[:40] if word.startswith("/") else "texte"
    return "fichier" if message is not None and message.effective_attachment else "autre"


def _bot(context: Context) -> ExtBot[int]:
    """The bot as built (bot.ratelimit.RateLimiter takes an int per call)."""
    return cast("ExtBot[int]", context.bot)


async def _quietly(call: Awaitable[object]) -> None:
    """A refusal that Telegram does not take (429, blocked…) is not tried again."""
    try:
        await call
    except TelegramError as error:
        log.info("refusal not delivered: %s", error.__class__.__name__)


async def _refuse(update: Update, context: Context, message: str, say: bool) -> None:
    """The refusal if `say` (the first attempt of the window), else nothing; a button is
    answered either way."""
    d = deps(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    refusal = d.render.msg(message, telegram_id=user.id)
    query = update.callback_query
    if query is not None:  # always answered; answers do not count against the chat's limit
        text = refusal.replace("<code>", "").replace("</code>", "") if say else None
        await _quietly(_bot(context).answer_callback_query(
            query.id, text, show_alert=say, rate_limit_args=NO_RETRY))
    elif say and chat is not None:
        await _quietly(_bot(context).send_message(chat.id, refusal, rate_limit_args=NO_RETRY))


async def _accept_invitation(update: Update, context: Context, code: str) -> bool:
    """True if the invitation let the person in (or was handled before a crash)."""
    d = deps(context)
    user = update.effective_user
    assert user is not None

    def work(session: Session) -> Advisor:
        lock_chat(session, user.id)  # her private chat's id is her Telegram id
        return advisors.accept(session, d.clock, code, user.id, display_name(update))

    try:
        applied = await d.db.apply(update.update_id, work)
    except Refused:
        return False
    advisor: Advisor | None = applied.value
    if advisor is not None:
        labels = role_labels(context)
        await send(update, d.render.msg("access.welcome", advisor=advisor,
                                        role_label=labels[advisor.role]))
        await set_chat_menu(context.bot, d.render, advisor)  # her role's commands only
    return True


async def _leave(update: Update, context: Context) -> None:
    """A group chat: said and left once per window, whatever its members send meanwhile."""
    chat = update.effective_chat
    assert chat is not None
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("left", "kicked"):
        return  # removed from the group: nothing to say
    d = deps(context)
    say = await d.db.read(lambda s: security.refuse_sender(s, d.clock, chat.id, _attempt(update),
                                                     group=True))
    if update.callback_query is not None:
        await _quietly(_bot(context).answer_callback_query(update.callback_query.id,
                                                           rate_limit_args=NO_RETRY))
    if say:
        await _quietly(_bot(context).send_message(chat.id, d.render.msg("access.private_only"),
                                                  rate_limit_args=NO_RETRY))
    if say or member is not None:  # added again within the window: left without a word
        await _quietly(_bot(context).leave_chat(chat.id, rate_limit_args=NO_RETRY))
