"""Slash commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel import Session
from telegram import Update

from handlers import cards, evaluation, forms, keyboards, plans, reminders, rgpd
from handlers import team as team_views
from handlers.common import Context, deps, role_labels, send, with_actor
from handlers.menus import set_chat_menu
from storage import advisors, households, landlords, policy
from storage import team as team_records
from storage.forms.engine import Engine, Step
from storage.models import Advisor, Household, Invitation


def _args(context: Context) -> str:
    return " ".join(context.args or [])


async def start(update: Update, context: Context) -> None:
    d = deps(context)
    advisor = await d.db.read(with_actor(update, lambda _s, actor: actor))
    await send(update, d.render.msg("access.welcome", advisor=advisor,
                                    role_label=role_labels(context)[advisor.role]))
    await set_chat_menu(context.bot, d.render, advisor)


async def help_(update: Update, context: Context) -> None:
    d = deps(context)
    advisor = await d.db.read(with_actor(update, lambda _s, actor: actor))
    await send(update, d.render.msg("access.help", advisor=advisor))
    # In the middle of a form (/aide does not pause it): its question again, to answer.
    await forms.resume_current(update, context, d.render.msg("forms.back_to_question"))


async def new_household(update: Update, context: Context) -> None:
    await forms.start_form(update, context, "menage")


async def _on_household(update: Update, context: Context,
                        start: Callable[[Update, Context, int], Awaitable[None]]) -> None:
    """A command about one household: the one it names (`/ppal 2027-0007`), or the open card."""
    d = deps(context)
    reference = _args(context)

    def find(session: Session, actor: Advisor) -> Household | None:
        if reference:
            found = households.search(session, d.clock, actor, reference, limit=2)
            return found[0] if len(found) == 1 else None
        return households.open_household(session, d.clock, actor)

    household = await d.db.read(with_actor(update, find))
    if household is None:
        await send(update, d.render.msg("household.which"))
        return
    await start(update, context, household.id or 0)


async def diagnostic(update: Update, context: Context) -> None:
    await _on_household(update, context, lambda u, c, h: forms.start_form(u, c, "diagnostic", h))


async def ppal(update: Update, context: Context) -> None:
    await _on_household(update, context, plans.start_ppal)


async def free_reminder(update: Update, context: Context) -> None:
    await _on_household(update, context, reminders.start_free)


async def resume(update: Update, context: Context) -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Step | None:
        engine = Engine(session, d.clock, actor)
        run = engine.active() or engine.latest_paused()
        return engine.resume(run.id or 0) if run else None

    applied = await d.db.apply(update.update_id, with_actor(update, work))
    if applied.duplicate:
        await forms.resume_current(update, context)
    elif applied.value is None:
        await send(update, d.render.msg("forms.nothing_to_resume"))
    else:
        await forms.show(update, context, applied.value)


async def search(update: Update, context: Context) -> None:
    await cards.send_search(update, context, _args(context))


async def my_households(update: Update, context: Context) -> None:
    await cards.send_my_households(update, context, 0)


async def close(update: Update, context: Context) -> None:
    d = deps(context)
    await d.db.read(with_actor(update, lambda s, actor: households.close_card(s, actor)))
    await send(update, d.render.msg("household.card_closed"))


async def invite(update: Update, context: Context) -> None:
    d = deps(context)
    advisor, organisations = await d.db.read(with_actor(
        update, lambda s, actor: (actor, landlords.organisations(s))))
    if not policy.allowed(advisor, "team.invite"):
        await send(update, d.render.msg("access.admin_only"))
        return
    await send(update, d.render.msg("team.choose_role"), keyboards.roles(d.render, organisations))


async def team(update: Update, context: Context) -> None:
    await send_team(update, context)


async def send_team(update: Update, context: Context, prefix: str = "") -> None:
    d = deps(context)

    def work(session: Session, actor: Advisor
             ) -> tuple[Advisor, list[Advisor], list[team_records.AdvisorFigures],
                        list[Invitation]]:
        if not policy.allowed(actor, "team.view"):
            return actor, advisors.team(session), [], []
        return (actor, advisors.team(session), team_records.figures(session, d.clock, actor),
                advisors.pending_invitations(session, d.clock))

    me, members, figures, invitations = await d.db.read(with_actor(update, work))
    is_admin = me.is_admin
    text = d.render.msg("team.team", members=members, role_labels=role_labels(context),
                        is_admin=is_admin, figures=figures, invitations=invitations)
    keyboard = keyboards.team(d.render, members, me, invitations) if is_admin else None
    await send(update, f"{prefix}\n{text}" if prefix else text, keyboard)


async def pausing(update: Update, context: Context) -> None:
    """Group -1 (after the gate): a command other than these pauses the form in progress."""
    message = update.effective_message
    if message is None or not message.text or not message.text.startswith("/"):
        return
    command = message.text.split()[0].split("@")[0].lstrip("/").lower()
    if command in {"aide", "help", "start", "reprendre", "nouveau", "diagnostic", "ppal",
                   "rappel"}:
        return
    notice = await forms.pause_for_command(update, context)
    if notice:
        await send(update, notice)


async def unknown(update: Update, context: Context) -> None:
    await send(update, deps(context).render.msg("general.unknown_command"))


COMMANDS = {
    "start": start,
    "aide": help_,
    "help": help_,
    "nouveau": new_household,
    "diagnostic": diagnostic,
    "ppal": ppal,
    "reprendre": resume,
    "rappel": free_reminder,
    "aujourdhui": reminders.today,
    "echeances": reminders.upcoming,
    "cherche": search,
    "mes_menages": my_households,
    "menages": team_views.households_command,
    "fermer": close,
    "inviter": invite,
    "equipe": team,
    "evaluation": evaluation.command,
    "export": rgpd.export,
    "journal": rgpd.journal,
    "conservation": rgpd.conservation,
}

