"""Inline keyboards of the history, the notes and the files waiting for a household.

Callback data `t:action:id...`, routed in handlers/history.py; every id is a row id."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup

from bot.render import Renderer
from handlers.common import button_data
from handlers.keyboards import markup, rows
from storage.models import Household, Note, PendingFile
from storage.notes import DURATIONS, NOTE_TYPES
from storage.phases import PHASES
from storage.timeline import Page


def _label(render: Renderer, name: str, **context: object) -> str:
    return render.text(f"history.{name}", **context)


def page(render: Renderer, p: Page) -> InlineKeyboardMarkup | None:
    """Per entry: its note's menu, or sending its file again; then the pages around."""
    buttons = []
    for number, e in enumerate(p.entries, start=1):
        if e.kind == "note":
            buttons.append(Button(_label(render, "note_menu", n=number),
                                  callback_data=button_data("t", "n", e.id)))
            if e.row.file_id or e.row.file_path:
                buttons.append(Button(_label(render, "resend", n=number),
                                      callback_data=button_data("t", "f", e.id)))
        elif e.kind == "document":
            buttons.append(Button(_label(render, "resend", n=number),
                                  callback_data=button_data("t", "d", e.id)))
    keyboard = rows(buttons, 2)
    hid = p.household.id
    navigation = []
    if p.older is not None:
        navigation.append(Button(_label(render, "older"),
                                 callback_data=button_data("t", "h", hid, p.older)))
    if p.newer is not None:
        navigation.append(Button(_label(render, "newer"),
                                 callback_data=button_data("t", "h", hid, p.newer)))
    keyboard.append(navigation)
    return markup(keyboard)


def types(render: Renderer, note: Note) -> list[list[Button]]:
    buttons = [Button(_label(render, "note_type", value=t), callback_data=button_data(
        "t", "y", note.id, t)) for t in NOTE_TYPES if t != note.note_type]
    return rows(buttons, 2)


def added(render: Renderer, note: Note) -> InlineKeyboardMarkup:
    """Under a note's confirmation: undo or move it (the wrong card), and its type."""
    keyboard = [[Button(_label(render, "undo"), callback_data=button_data("t", "u", note.id)),
                 Button(_label(render, "move"), callback_data=button_data("t", "m", note.id))]]
    return InlineKeyboardMarkup(keyboard + types(render, note))


def durations(render: Renderer, note: Note) -> InlineKeyboardMarkup:
    buttons = [Button(_label(render, "duration", minutes=m), callback_data=button_data(
        "t", "w", note.id, m)) for m in DURATIONS]
    return InlineKeyboardMarkup(rows(buttons, 3))


def note_menu(render: Renderer, note: Note) -> InlineKeyboardMarkup | None:
    if note.struck_at is not None:
        return None
    keyboard = [[Button(_label(render, "move"), callback_data=button_data("t", "m", note.id)),
                 Button(_label(render, "strike"), callback_data=button_data("t", "x", note.id))]]
    return markup(keyboard + types(render, note))


def confirm_strike(render: Renderer, note: Note) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(_label(render, "strike_yes"), callback_data=button_data("t", "X", note.id)),
        Button(_label(render, "strike_no"), callback_data=button_data("t", "N", note.id)),
    ]])


def move_targets(render: Renderer, note: Note, targets: Sequence[Household]
                 ) -> InlineKeyboardMarkup | None:
    return markup([[Button(render.label("household", h=h),
                           callback_data=button_data("t", "M", note.id, h.id))]
                   for h in targets])


def prompt(render: Renderer, household: Household) -> InlineKeyboardMarkup:
    buttons = [Button(_label(render, "note_type", value=t), callback_data=button_data(
        "t", "k", household.id, t)) for t in NOTE_TYPES if t != "autre"]
    return InlineKeyboardMarkup(rows(buttons, 2))


def pending_targets(render: Renderer, pending: PendingFile, targets: Sequence[Household]
                    ) -> InlineKeyboardMarkup | None:
    return markup([[Button(render.label("household", h=h),
                           callback_data=button_data("t", "a", pending.id, h.id))]
                   for h in targets])


def phases(render: Renderer, household: Household) -> InlineKeyboardMarkup:
    current = household.phase if household.phase_manual else "auto"
    buttons = [Button(_label(render, "phase_choice", value=p, current=current),
                      callback_data=button_data("t", "P", household.id, p))
               for p in (*PHASES, "auto")]
    return InlineKeyboardMarkup(rows(buttons, 2))
