"""Telegram's command menu: the default one, and each member's own in her chat."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.ext import Application

from bot.render import Renderer
from storage import policy
from storage.models import Advisor, Role

# The commands shown in Telegram's menu, in this order (descriptions: labels.txt, `menu`).
MENU = ["aujourdhui", "echeances", "nouveau", "cherche", "mes_menages", "menages", "diagnostic",
        "ppal", "rappel", "reprendre", "fermer", "equipe", "evaluation", "journal", "export",
        "inviter", "aide"]
# A command is in a member's own menu when her role has its action (storage.policy); the
# default menu, before she is known, is the conseillère's.
MENU_ACTIONS = {"echeances": "reminder.answer", "nouveau": "household.create",
                "cherche": "household.view", "mes_menages": "household.view",
                "diagnostic": "diagnostic.edit", "ppal": "plan.edit",
                "rappel": "reminder.answer", "equipe": "team.view", "inviter": "team.invite",
                "menages": "team.view", "evaluation": "evaluation.view",
                "journal": "audit.view", "export": "export"}


def menu(role: Role) -> list[str]:
    return [name for name in MENU
            if name not in MENU_ACTIONS or policy.grants(role, MENU_ACTIONS[name])]


def _commands(render: Renderer, names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, render.label("menu", name=name)) for name in names]


async def set_menu(app: Application) -> None:
    render = app.bot_data["deps"].render
    await app.bot.set_my_commands(_commands(render, menu(Role.CONSEILLERE)))


async def set_chat_menu(bot: Bot, render: Renderer, advisor: Advisor) -> None:
    """Her own menu, in her chat (at her first contact, and when her role changes)."""
    await bot.set_my_commands(_commands(render, menu(advisor.role)),
                              scope=BotCommandScopeChat(advisor.telegram_id))
