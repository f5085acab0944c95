"""Sending reminders through Telegram: the `reminders.tick.Sender` of the bot."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.deps import Deps
from bot.render import split_message
from handlers import keyboards, rgpd
from reminders.tick import Outgoing, Unreachable, Unrenderable
from storage import reminders, team
from storage.models import Advisor
from storage.retention import Due

log = logging.getLogger(__name__)

DIGEST_DAYS = 0  # the digest lists what is due today and overdue


class TelegramSender:
    def __init__(self, bot: Bot, deps: Deps) -> None:
        self.bot, self.d = bot, deps

    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool:
        try:
            text = self.d.render.msg("reminders.reminder", r=item.reminder, h=item.household,
                                     late=item.late, reason=item.reason,
                                     for_advisor=item.for_advisor)
            markup = None if item.copy else keyboards.reminder(self.d.render, item.reminder)
        except Exception as error:  # its kind cannot be shown: reported by the tick
            raise Unrenderable([item]) from error
        return await self._send(advisor, text, markup)

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool:
        broken = [i for i in items if not self._renders(i)]
        if broken:
            raise Unrenderable(broken)
        text = self.d.render.msg("reminders.group", items=items)
        return await self._send(advisor, text,
                                keyboards.reminder_list(self.d.render, items))

    def _renders(self, item: Outgoing) -> bool:
        """Its line and its button of a grouped message can be rendered."""
        try:
            self.d.render.msg("reminders.line", r=item.reminder, h=item.household)
            self.d.render.label("reminder_open", r=item.reminder, h=item.household)
        except Exception:
            return False
        return True

    async def send_digest(self, advisor: Advisor, day: date) -> bool:
        """The morning digest; a coordinator's carries the team's weekly summary on the
        week's first working day (one message, claimed once with the digest)."""
        groups, summary = await self.d.db.read(lambda session: (
            reminders.digest(session, self.d.clock, advisor, day + timedelta(days=DIGEST_DAYS)),
            team.weekly_summary(session, self.d.clock, advisor, day)))
        if not groups and summary is None:
            return True  # nothing due: no message
        parts = [self.d.render.msg("reminders.digest", groups=groups, day=day,
                                   title=self.d.render.label("digest_title"))] if groups else []
        if summary is not None:
            parts.append(self.d.render.msg("team.weekly", figures=summary, day=day))
        return await self._send(advisor, "\n\n".join(parts))

    async def send_retention_notice(self, advisor: Advisor, items: Sequence[Due]) -> bool:
        text = self.d.render.msg("rgpd.retention_notice", items=items)
        return await self._send(advisor, text, rgpd.notice_keyboard(self.d.render, list(items)))

    async def delete(self, chat_id: int, message_id: int) -> bool:
        try:
            await self.bot.delete_message(chat_id, message_id)
        except (BadRequest, Forbidden) as error:  # gone already, too old, blocked: done
            log.info("message not deleted: %s", error.__class__.__name__)
        return True

    async def _send(self, advisor: Advisor, text: str, markup: object = None) -> bool:
        chunks = split_message(text)
        try:
            for number, chunk in enumerate(chunks, start=1):
                await self.bot.send_message(
                    advisor.telegram_id, chunk,
                    reply_markup=markup if number == len(chunks) else None)  # type: ignore[arg-type]
        except Forbidden as error:  # she blocked the bot
            raise Unreachable from error
        except BadRequest as error:
            if "chat not found" in str(error).lower():  # she never opened the bot
                raise Unreachable from error
            raise
        return True
