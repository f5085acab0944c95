"""A bare python-telegram-bot echo bot: the reference of bench/concurrent_advisors.py.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=... TELEGRAM_FILE_URL=... python bench/echo_bot.py

PTB's defaults (its own updater, one update at a time): what a bot costs with no work at all.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_API_URL"])
           .base_file_url(os.environ["TELEGRAM_FILE_URL"]).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
