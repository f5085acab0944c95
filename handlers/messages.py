"""Free text and files: an answer to the form in progress, or a note on the open card."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session
from telegram import Update

from handlers import forms, history_keyboards
from handlers.common import Context, deps, send, with_actor
from storage import filing, households, notes
from storage.errors import Refused
from storage.forms.engine import Step
from storage.models import Advisor, Household, Note, PendingFile
from storage.validators import Invalid, clean_name


async def on_text(update: Update, context: Context) -> None:
    d = deps(context)
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text

    try:
        applied = await d.db.apply(update.update_id, with_actor(
            update, lambda s, actor: filing.typed(s, d.clock, actor, text)))
    except Invalid as invalid:  # a note with control or bidi characters: nothing stored
        await send(update, d.render.msg("forms.invalid", error=invalid))
        return
    except Refused as refused:  # a reference typed to move a note, unknown or not hers
        await send(update, d.render.msg("history.refused", code=refused.code))
        return
    if applied.duplicate:
        await forms.resume_current(update, context)
    elif isinstance(applied.value, Step):
        await forms.show(update, context, applied.value)
    elif isinstance(applied.value, tuple) and len(applied.value) == 3:
        _note, source, target = applied.value
        await send(update, d.render.msg("history.moved", source=source, target=target))
    elif applied.value is not None:
        await note_added(update, context, *applied.value)
    else:
        await send(update, d.render.msg("household.no_open_card"))


def _file_of(update: Update) -> tuple[str, str, str, str | None] | None:
    """(kind, file_id, file_unique_id, original name) of the file in the message."""
    message = update.effective_message
    if message is None:
        return None
    if message.photo:
        photo = message.photo[-1]
        return "photo", photo.file_id, photo.file_unique_id, None
    if message.voice:
        return "vocal", message.voice.file_id, message.voice.file_unique_id, None
    for attachment in (message.document, message.audio, message.video, message.video_note):
        if attachment is not None:
            name = getattr(attachment, "file_name", None)
            return "document", attachment.file_id, attachment.file_unique_id, name
    return None


async def note_added(update: Update, context: Context, note: Note, household: Household
                     ) -> None:
    """The confirmation: ↩️ Annuler and ↪️ Déplacer (a note sent to the wrong card), its type."""
    d = deps(context)
    await send(update, d.render.msg("history.added", n=note, h=household),
               history_keyboards.added(d.render, note))


async def keep_pending(update: Update, context: Context, kind: str, file_id: str,
                       unique_id: str, name: str | None, caption: str) -> None:
    """No card open: the file is kept (a row) and the advisor asked which household."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> tuple[PendingFile, list[Household]]:
        return notes.keep_pending(session, d.clock, actor, kind, file_id, unique_id, name,
                                  caption)

    applied = await d.db.apply(update.update_id, with_actor(update, work))
    if applied.value is not None:
        pending, targets = applied.value
        await send(update, d.render.msg("history.pending_kept", targets=targets),
                   history_keyboards.pending_targets(d.render, pending, targets))


async def on_file(update: Update, context: Context) -> None:
    d = deps(context)
    found = _file_of(update)
    if found is None:
        await send(update, d.render.msg("general.unsupported"))
        return
    kind, file_id, unique_id, name = found
    household, in_form = await d.db.read(
        with_actor(update, lambda s, actor: filing.file_target(s, d.clock, actor)))
    caption = (update.effective_message.caption or "") if update.effective_message else ""
    if household is None:
        if in_form:
            await forms.resume_current(update, context, d.render.msg("forms.no_file_yet"))
        else:
            await keep_pending(update, context, kind, file_id, unique_id, name, caption)
        return
    path = await download(context, household, file_id, unique_id, kind, name)
    attachment = notes.Attachment(file_id, unique_id, str(path), name)

    def work(session: Session, actor: Advisor) -> tuple[Note, Household]:
        target = households.get(session, d.clock, actor, household.id or 0, action="note.file",
                                    need="household.notes")
        return notes.add(session, d.clock, actor, target, kind, caption, attachment), target

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused:
        path.unlink(missing_ok=True)
        await send(update, d.render.msg("household.unknown"))
        return
    except Invalid as invalid:  # its caption: nothing stored
        path.unlink(missing_ok=True)
        await send(update, d.render.msg("forms.invalid", error=invalid))
        return
    if applied.duplicate:
        return
    if in_form:
        await forms.resume_current(update, context,
                                   d.render.msg("forms.file_during_form", household=household))
    elif applied.value is not None:
        await note_added(update, context, *applied.value)


EXTENSIONS = {"photo": ".jpg", "vocal": ".ogg"}


async def download(context: Context, household: Household, file_id: str, unique_id: str,
                   kind: str, name: str | None) -> Path:
    d = deps(context)
    folder = d.settings.data_dir / "files" / household.reference
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(clean_name(name)).suffix if name else EXTENSIONS.get(kind, "")
    # Named by Telegram's unique id: a redelivered update downloads onto the same file. The
    # extension is the only part of her name kept, letters and digits only (no NUL, no `/`).
    suffix = "." + "".join(c for c in suffix[1:11] if c.isascii() and c.isalnum()) \
        if suffix else ""
    path = folder / f"{unique_id}{suffix if len(suffix) > 1 else ''}"
    telegram_file = await context.bot.get_file(file_id)
    await telegram_file.download_to_drive(path)
    return path


async def on_other(update: Update, context: Context) -> None:
    await send(update, deps(context).render.msg("general.unsupported"))


async def on_edited(update: Update, context: Context) -> None:
    await send(update, deps(context).render.msg("general.edited"))
