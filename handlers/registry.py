"""Which handler answers which update."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import callbacks, commands, messages
from handlers.common import Context, deps, send
from handlers.gate import gate

log = logging.getLogger(__name__)

GATE_GROUP, PAUSE_GROUP = -2, -1

MENU = [
    ("nouveau", "Ouvrir un ménage"),
    ("cherche", "Retrouver un ménage"),
    ("mes_menages", "Mes ménages"),
    ("diagnostic", "Diagnostic du ménage ouvert"),
    ("ppal", "PPAL du ménage ouvert"),
    ("reprendre", "Reprendre le formulaire en pause"),
    ("fermer", "Fermer la fiche ouverte"),
    ("equipe", "L'équipe"),
    ("inviter", "Inviter une personne (admin)"),
    ("aide", "Aide"),
]


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
    app.add_error_handler(on_error)


async def set_menu(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in MENU])


async def on_error(update: object, context: Context) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await send(update, deps(context).render.msg("general.error"))
        except Exception:
            log.exception("could not tell the user about the error")
