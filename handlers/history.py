"""🗒 Historique, the notes' own buttons (type, ↩️ Annuler, move, strike out), files sent
again, files waiting for a household, the phase set by hand and the card's «Plus…».

Buttons `t:<action>:<row id>...`; every answer comes from storage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from handlers import cards, keyboards
from handlers import history_keyboards as keys
from handlers.common import Context, deps, edit_or_send, send, with_actor
from handlers.messages import download
from storage import documents, households, notes, phases, timeline
from storage.errors import Refused
from storage.models import Advisor, Document, Note

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _apply(update: Update, context: Context, fn: Callable[[Session, Advisor], T]
                 ) -> T | None:
    """Apply for the acting advisor; a refusal is said; a redelivered update gives None."""
    d = deps(context)
    try:
        return (await d.db.apply(update.update_id, with_actor(update, fn))).value
    except Refused as refused:
        await send(update, d.render.msg("history.refused", code=refused.code))
        return None


async def _read(update: Update, context: Context, fn: Callable[[Session, Advisor], T]
                ) -> T | None:
    d = deps(context)
    try:
        return await d.db.read(with_actor(update, fn))
    except Refused as refused:
        await send(update, d.render.msg("history.refused", code=refused.code))
        return None


async def on_button(update: Update, context: Context, parts: list[str]) -> str | None:
    action, first = parts[1], int(parts[2])
    if action == "h":
        await send_page(update, context, first, parts[3] if len(parts) > 3 else timeline.FIRST)
    elif action == "f":
        await resend_note(update, context, first)
    elif action == "d":
        await resend_document(update, context, first)
    elif action in {"+", "-"}:
        await _card_keyboard(update, context, first, more=action == "+")
    elif action in {"p", "P"}:  # the phase of a closed support no longer changes
        if notice := await cards.closed_notice(update, context, first):
            return notice
        await _phase(update, context, first, parts[3] if action == "P" else None)
    elif action == "k":
        await _prompt_type(update, context, first, parts[3])
    elif action == "a":
        await attach_pending(update, context, first, int(parts[3]))
    else:
        await NOTE_ACTIONS[action](update, context, first, parts[3:])
    return None


async def send_page(update: Update, context: Context, household_id: int, anchor: str) -> None:
    d = deps(context)
    found = await _read(update, context, lambda s, actor: timeline.page(
        s, d.clock, actor, household_id, anchor))
    if found is None:
        return
    text, keyboard = d.render.msg("history.page", p=found), keys.page(d.render, found)
    if anchor == timeline.FIRST and update.callback_query is not None \
            and update.callback_query.data == f"t:h:{household_id}":
        await send(update, text, keyboard)  # from the card: the card stays
    else:
        await edit_or_send(update, text, keyboard)


async def _send_file(update: Update, kind: str, file_id: str | None, path: str | None,
                     name: str | None, caption: str = "") -> bool:
    """By Telegram's file id, else from the copy kept under BOT_DATA_DIR."""
    chat = update.effective_chat
    if chat is None:
        return False
    senders: dict[str, Callable[..., Any]] = {
        "photo": chat.send_photo, "vocal": chat.send_voice}
    if file_id:
        try:
            await senders.get(kind, chat.send_document)(file_id, caption=caption or None)
            return True
        except TelegramError as error:
            log.info("file id no longer valid, sending the stored copy: %s", error)
    if path and Path(path).is_file():
        await chat.send_document(Path(path), filename=name or Path(path).name,
                                 caption=caption or None)
        return True
    return False


async def resend_note(update: Update, context: Context, note_id: int) -> None:
    d = deps(context)
    note = await _read(update, context, lambda s, actor: notes.resend(s, d.clock, actor, note_id))
    if note is not None and not await _send_file(update, note.kind, note.file_id, note.file_path,
                                                 note.file_name, note.text[:1000]):
        await send(update, d.render.msg("history.refused", code="file_gone"))


async def resend_document(update: Update, context: Context, document_id: int) -> None:
    d = deps(context)
    found: Document | None = await _read(update, context, lambda s, actor: documents.resend(
        s, d.clock, actor, document_id))
    if found is not None and not await _send_file(update, "document", None, found.path,
                                                  found.file_name):
        await send(update, d.render.msg("history.refused", code="file_gone"))


async def _card_keyboard(update: Update, context: Context, household_id: int, more: bool
                         ) -> None:
    """«Plus…» and back: only the keyboard of the card changes."""
    d = deps(context)
    found = await _read(update, context, lambda s, actor: (
        households.card(s, d.clock, actor, household_id), actor))
    query = update.callback_query
    if found is None or query is None:
        return
    card, actor = found
    keyboard = keyboards.card(d.render, card, actor, more=more)
    try:
        await query.edit_message_reply_markup(reply_markup=keyboard)
    except TelegramError:  # too old to edit: the card again, on that side
        await send(update, d.render.msg("household.card", c=card), keyboard)


async def _phase(update: Update, context: Context, household_id: int, phase: str | None
                 ) -> None:
    d = deps(context)
    if phase is None:
        found = await _read(update, context, lambda s, actor: households.get(
            s, d.clock, actor, household_id, need="household.notes"))
    else:
        found = await _apply(update, context, lambda s, actor: phases.set_by_hand(
            s, d.clock, actor, households.get(s, d.clock, actor, household_id,
                                         need="household.notes"),
            None if phase == "auto" else phase))
    if found is None:
        return
    text, keyboard = d.render.msg("history.phase_menu", h=found), keys.phases(d.render, found)
    if phase is None:  # from the card: the card stays
        await send(update, text, keyboard)
    else:
        await edit_or_send(update, text, keyboard)


async def note_prompt(update: Update, context: Context, household_id: int, notice: str = ""
                      ) -> None:
    """Open the card for notes, say what to send, offer the note's type."""
    d = deps(context)
    household = await _apply(update, context, lambda s, actor: notes.choose_type(
        s, d.clock, actor, household_id, "autre"))
    if household is None:
        return
    prompt = d.render.msg("history.prompt", h=household, chosen=None)
    await send(update, f"{notice}\n{prompt}" if notice else prompt,
               keys.prompt(d.render, household))


async def _prompt_type(update: Update, context: Context, household_id: int, note_type: str
                       ) -> None:
    d = deps(context)
    household = await _apply(update, context, lambda s, actor: notes.choose_type(
        s, d.clock, actor, household_id, note_type))
    if household is not None:
        await edit_or_send(update, d.render.msg("history.prompt", h=household, chosen=note_type))


async def _show_note(update: Update, context: Context, note_id: int, _args: list[str]) -> None:
    """The note alone, with its buttons: under the history page (which stays), or in place of
    the strike-out question answered «Non» (`t:N`)."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[Note, Any, dict[int, str]]:
        note, household, _targets = notes.move_choices(session, d.clock, actor, note_id)
        return note, household, timeline.advisor_names(session)

    found = await _read(update, context, work)
    if found is not None:
        note, household, names = found
        text = d.render.msg("history.note", n=note, h=household, advisors=names)
        keyboard = keys.note_menu(d.render, note)
        query = update.callback_query
        if query is not None and (query.data or "").startswith("t:N:"):
            await edit_or_send(update, text, keyboard)
        else:
            await send(update, text, keyboard)


async def _set_type(update: Update, context: Context, note_id: int, args: list[str]) -> None:
    d = deps(context)
    note_type = args[0] if args else ""
    duration = int(args[1]) if len(args) > 1 else None
    found = await _apply(update, context, lambda s, actor: notes.set_type(
        s, d.clock, actor, note_id, note_type, duration))
    if found is None:
        return
    note, household = found
    keyboard: InlineKeyboardMarkup | None = None if duration else keys.durations(d.render, note)
    await edit_or_send(update, d.render.msg("history.typed", n=note, h=household), keyboard)


async def _duration(update: Update, context: Context, note_id: int, args: list[str]) -> None:
    d = deps(context)
    found = await _apply(update, context, lambda s, actor: notes.set_type(
        s, d.clock, actor, note_id, None, int(args[0])))
    if found is not None:
        note, household = found
        await edit_or_send(update, d.render.msg("history.typed", n=note, h=household))


async def _undo(update: Update, context: Context, note_id: int, _args: list[str]) -> None:
    d = deps(context)
    found = await _apply(update, context, lambda s, actor: notes.undo(s, d.clock, actor, note_id))
    if found is not None:
        household, removed = found
        await edit_or_send(update, d.render.msg("history.undone", h=household, removed=removed))


async def _choose_move(update: Update, context: Context, note_id: int, _args: list[str]
                       ) -> None:
    d = deps(context)
    found = await _apply(update, context, lambda s, actor: notes.start_move(
        s, d.clock, actor, note_id))
    if found is not None:
        note, household, targets = found
        await send(update, d.render.msg("history.choose_move", n=note, h=household,
                                        targets=targets),
                   keys.move_targets(d.render, note, targets))


async def _move(update: Update, context: Context, note_id: int, args: list[str]) -> None:
    d = deps(context)
    found = await _apply(update, context, lambda s, actor: notes.move(
        s, d.clock, actor, note_id, int(args[0])))
    if found is not None:
        _note, source, target = found
        await edit_or_send(update, d.render.msg("history.moved", source=source, target=target))


async def _ask_strike(update: Update, context: Context, note_id: int, _args: list[str]
                      ) -> None:
    d = deps(context)
    found = await _read(update, context, lambda s, actor: notes.move_choices(
        s, d.clock, actor, note_id))
    if found is not None:
        note, household, _targets = found
        await edit_or_send(update, d.render.msg("history.confirm_strike", n=note, h=household),
                           keys.confirm_strike(d.render, note))


async def _strike(update: Update, context: Context, note_id: int, _args: list[str]) -> None:
    d = deps(context)
    found = await _apply(update, context, lambda s, actor: notes.strike(
        s, d.clock, actor, note_id))
    if found is not None:
        note, household = found
        await edit_or_send(update, d.render.msg("history.struck", n=note, h=household))


NOTE_ACTIONS = {
    "n": _show_note,
    "N": _show_note,
    "y": _set_type,
    "w": _duration,
    "u": _undo,
    "m": _choose_move,
    "M": _move,
    "x": _ask_strike,
    "X": _strike,
}


async def attach_pending(update: Update, context: Context, pending_id: int, household_id: int
                         ) -> None:
    """The household chosen for a file sent with no card open: download it, make it a note."""
    d = deps(context)
    found = await _read(update, context, lambda s, actor: notes.pending(
        s, d.clock, actor, pending_id, household_id))
    if found is None:
        return
    row, household = found
    path = await download(context, household, row.file_id, row.file_unique_id, row.kind,
                          row.file_name)
    placed = await _apply(update, context, lambda s, actor: notes.attach_pending(
        s, d.clock, actor, pending_id, household_id, path))
    if placed is not None:
        _note, target, new = placed
        await edit_or_send(update, d.render.msg("history.pending_placed", h=target, new=new))
