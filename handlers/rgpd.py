"""The data's life for coordinators: `/export` (right of access), `/journal` (audit log),
`/conservation` (legal hold), and the buttons of the 30-day retention notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access_export import build_zip, zip_name
from bot.render import Renderer
from handlers.common import Context, button_data, deps, edit_or_send, send, with_actor
from storage import access, retention
from storage.errors import Refused
from storage.models import Advisor

T = TypeVar("T")


def _reference(context: Context) -> str:
    return (context.args or [""])[0].strip()


async def _apply(update: Update, context: Context, fn: Callable[[Session, Advisor], T]
                 ) -> T | None:
    """Run the use case in the update's transaction; a refusal is said, and gives None."""
    d = deps(context)
    try:
        return (await d.db.apply(update.update_id, with_actor(update, fn))).value
    except Refused as refused:
        if refused.code == "forbidden":
            await send(update, d.render.msg("rgpd.forbidden"))
        else:
            await send(update, d.render.msg("household.refused", code=refused.code))
        return None


async def export(update: Update, context: Context) -> None:
    d, reference = deps(context), _reference(context)
    if not reference:
        await send(update, d.render.msg("rgpd.usage", command="export"))
        return
    today = d.clock.today()

    def work(session: Session, actor: Advisor) -> tuple[bytes, str, str]:
        found = access.export(session, d.clock, actor, reference, d.settings.data_dir)
        return (build_zip(d.documents, found, today), zip_name(found, today),
                d.render.msg("rgpd.export_caption", h=found.household))

    made = await _apply(update, context, work)
    if made is not None and update.effective_chat is not None:
        content, name, caption = made
        await update.effective_chat.send_document(content, filename=name, caption=caption,
                                                  protect_content=True)


def _journal_keyboard(context: Context, page: access.JournalPage) -> InlineKeyboardMarkup | None:
    render, hid = deps(context).render, page.household.id
    row = []
    if page.page + 1 < page.pages:
        row.append(InlineKeyboardButton(render.label("journal_older"),
                                        callback_data=button_data("jr", hid, page.page + 1)))
    if page.page > 0:
        row.append(InlineKeyboardButton(render.label("journal_newer"),
                                        callback_data=button_data("jr", hid, page.page - 1)))
    return InlineKeyboardMarkup([row]) if row else None


async def journal(update: Update, context: Context) -> None:
    d, reference = deps(context), _reference(context)
    if not reference:
        await send(update, d.render.msg("rgpd.usage", command="journal"))
        return
    await _send_journal(update, context, reference, 0)


async def journal_page(update: Update, context: Context, household_id: int, number: int
                       ) -> None:
    await _send_journal(update, context, household_id, number)


async def _send_journal(update: Update, context: Context, key: str | int, number: int) -> None:
    d = deps(context)
    page = await _apply(update, context, lambda s, actor: access.journal(
        s, d.clock, actor, key, number))
    if page is not None:
        text = d.render.msg("rgpd.journal", j=page, when=d.render.when)
        await edit_or_send(update, text, _journal_keyboard(context, page))


def _hold_keyboard(context: Context, status: retention.HoldStatus
                   ) -> InlineKeyboardMarkup:
    render, hid = deps(context).render, status.household.id
    if status.hold is not None:
        return InlineKeyboardMarkup([[InlineKeyboardButton(
            render.label("hold_lift"), callback_data=button_data("lh", hid, "x"))]])
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        render.label("hold_reason_button", code=code), callback_data=button_data("lh", hid, code))
        for code in retention.HOLD_REASONS]])


def notice_keyboard(render: Renderer, items: list[retention.Due]
                    ) -> InlineKeyboardMarkup | None:
    """The 30-day notice: one «Conserver» button per household (it asks the reason)."""
    buttons = [[InlineKeyboardButton(render.label("hold_for", reference=i.household.reference),
                                     callback_data=button_data("lh", i.household.id, "?"))]
               for i in items]
    return InlineKeyboardMarkup(buttons) if buttons else None


async def conservation(update: Update, context: Context) -> None:
    d, reference = deps(context), _reference(context)
    if not reference:
        await send(update, d.render.msg("rgpd.usage", command="conservation"))
        return
    reason = " ".join((context.args or [])[1:]).strip()

    def work(session: Session, actor: Advisor) -> tuple[str, InlineKeyboardMarkup | None]:
        household = access.find(session, reference)
        hid = household.id or 0
        if reason:
            retention.place_hold(session, d.clock, actor, hid, reason)
            return d.render.msg("rgpd.hold_placed", h=household, reason=reason), None
        status = retention.hold_status(session, d.clock, actor, hid)
        return (d.render.msg("rgpd.hold_status", h=household, hold=status.hold,
                             due_on=status.due_on), _hold_keyboard(context, status))

    shown = await _apply(update, context, work)
    if shown is not None:
        await send(update, *shown)


async def on_hold_button(update: Update, context: Context, household_id: int, code: str
                         ) -> None:
    """`?`: where it stands and the reasons; a reason code: placed; `x`: lifted."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[str, InlineKeyboardMarkup | None]:
        if code == "x":
            household = retention.lift_hold(session, d.clock, actor, household_id)
            return d.render.msg("rgpd.hold_lifted", h=household), None
        if code in retention.HOLD_REASONS:
            household = retention.place_hold(session, d.clock, actor, household_id, code)
            return d.render.msg("rgpd.hold_placed", h=household, reason=code), None
        status = retention.hold_status(session, d.clock, actor, household_id)
        return (d.render.msg("rgpd.hold_status", h=status.household, hold=status.hold,
                             due_on=status.due_on), _hold_keyboard(context, status))

    shown = await _apply(update, context, work)
    if shown is None:
        return
    if code == "?":  # from the notice, which lists other households: left as it is
        await send(update, *shown)
    else:
        await edit_or_send(update, *shown)
