"""Which handler answers which update."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import admission, callbacks, commands, messages
from handlers.common import Context, deps, send
from handlers.gate import gate, refuse_stranger, settle_last
from handlers.menus import set_menu
from storage.errors import Stranger

__all__ = ["register", "set_menu"]

log = logging.getLogger(__name__)

GATE_GROUP, PAUSE_GROUP, LAST_GROUP = -2, -1, 1

def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
    new = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(new & filters.COMMAND, commands.pausing), group=PAUSE_GROUP)
    # An edited message is not a new answer: first in its group, it catches every edit.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, messages.on_edited))
    for name, callback in commands.COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown))
    app.add_handler(CallbackQueryHandler(callbacks.on_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, messages.on_text))
    files = (filters.PHOTO | filters.VOICE | filters.AUDIO | filters.Document.ALL
             | filters.VIDEO | filters.VIDEO_NOTE)
    app.add_handler(MessageHandler(files, messages.on_file))
    app.add_handler(MessageHandler(filters.ALL, messages.on_other))
    app.add_handler(TypeHandler(Update, settle_last), group=LAST_GROUP)
    app.add_error_handler(on_error)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Stranger):  # no advisor behind it: refused, the handlers stop
        await refuse_stranger()
        raise ApplicationHandlerStop
    if isinstance(error, admission.NotAdmitted):  # refused already
        raise ApplicationHandlerStop
    # The update's id and the error's class and frames; never the update's text, and the
    # exception's message is left out by the log's formatter (bot.logs): it may quote data.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s: %s", update_id,
              type(error).__name__ if error else None, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await send(update, deps(context).render.msg("general.error"))
        except Exception:
            log.exception("could not tell the user about the error")
