"""Plumbing shared by the handlers: dependencies, the acting advisor, sending."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.deps import Deps
from bot.render import split_message
from handlers import admission
from handlers.admission import Admission, State
from storage import advisors
from storage.db import lock_chat
from storage.errors import Refused, Stranger
from storage.models import Advisor, Role

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

ROLE_KEYS = [Role.CONSEILLERE, Role.COORDINATRICE, Role.ADMIN, Role.BAILLEUR]


def deps(context: Context) -> Deps:
    value: Deps = context.application.bot_data["deps"]
    return value


def display_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


def actor_in(session: Session, update: Update, admitting: Admission | None = None) -> Advisor:
    """The active advisor behind the update, identified in this transaction; anyone else:
    `Stranger`. Her identification admits the update (handlers.admission): the gate's own
    check is not needed."""
    user = update.effective_user
    clock = admitting.clock if admitting is not None else None
    advisor = advisors.identify(session, user.id, display_name(update), clock) if user else None
    if advisor is None:
        raise Stranger
    if admitting is not None and admitting.state is State.PENDING:
        admitting.state = State.ADMITTED
    return advisor


def with_actor(update: Update, fn: Callable[[Session, Advisor], T]) -> Callable[[Session], T]:
    """The update's use case as one transaction: the chat's lock first (two instances never
    interleave one chat, storage.db.lock_chat), then the advisor identified (the update's
    admission: no transaction of the gate before; anyone else, or deactivated since: `Stranger`,
    nothing applied), then `fn`. Awaited through the pool: `await d.db.apply(update.update_id,
    with_actor(update, fn))`, `await d.db.read(with_actor(update, fn))`."""
    chat = update.effective_chat
    admitting = admission.current()  # read here: the worker thread does not see the context

    def work(session: Session) -> T:
        if chat is not None:
            lock_chat(session, chat.id)
        return fn(session, actor_in(session, update, admitting))

    return work


async def read_or_say(update: Update, context: Context, fn: Callable[[Session, Advisor], T]
                      ) -> T | None:
    """Read for the acting advisor; a refusal (not hers, gone…) is said, and gives None."""
    d = deps(context)
    try:
        return await d.db.read(with_actor(update, fn))
    except Refused as refused:
        await send(update, d.render.msg("household.refused", code=refused.code))
        return None


def role_labels(context: Context) -> dict[str, str]:
    render = deps(context).render
    return {role.value: render.label("role", value=role.value) for role in ROLE_KEYS}


async def send(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
               ) -> Message | None:
    """Send to the update's chat, cut in several messages if too long (keyboard on the last)."""
    chat = update.effective_chat
    if chat is None:
        return None
    chunks = split_message(text)
    message = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        message = await chat.send_message(chunk, reply_markup=keyboard if last else None)
    return message


async def edit_or_send(update: Update, text: str,
                       keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Replace the message whose button was pressed, or send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and len(text) <= 4000:
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
            return
        except BadRequest as error:
            if "not modified" in error.message:
                return  # the same button pressed twice: the message already says it
            # too old to edit, or not a text message: a new message does as well
    await send(update, text, keyboard)


async def append_to_pressed(update: Update, text: str) -> bool:
    """Under the message whose button was pressed: `text` (HTML), and no more buttons."""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    original = getattr(query.message, "text_html", None) or ""
    try:
        await query.edit_message_text(f"{original}\n{text}", reply_markup=None)
    except TelegramError:
        return False  # too old to edit, or the same: the caller says it another way
    return True


def button_data(*parts: Any) -> str:
    data = ":".join(str(p) for p in parts)
    assert len(data.encode()) <= 64, data
    return data
