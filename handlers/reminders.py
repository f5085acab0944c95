"""The answers to reminders (one tap), and /aujourdhui, /echeances, /rappel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import Update

from handlers import keyboards
from handlers.cards import send_card
from handlers.common import Context, append_to_pressed, deps, read_or_say, send, with_actor
from handlers.forms import AFTER_DONE, start_form
from storage import ledger, reminder_answers, reminders, team
from storage.errors import Refused
from storage.forms.engine import Step
from storage.models import Advisor, Household

UPCOMING_DAYS = 30


async def on_button(update: Update, context: Context, reminder_id: int, action: str
                    ) -> str | None:
    """`m:<reminder>:<action>`; returns a toast when nothing more is to be said."""
    d = deps(context)
    if action == "o":
        return await _open(update, context, reminder_id)

    def work(session: Session, actor: Advisor) -> reminder_answers.Result:
        return reminder_answers.answer(session, d.clock, actor, reminder_id, action)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        return d.render.text("errors.invalid", code=refused.code, p={})
    if applied.value is None:
        return None
    result = applied.value
    if result.form is not None:
        # The reminder answered by the form: this one, or the newer one that replaced it.
        about = result.reminder.id
        await start_form(update, context, result.form, result.household.id,
                         lambda _s, _a, _h: ({"_reminder": about}, None), follow_up=True)
        return None
    text = d.render.text("reminders.answered", result=result, advisor_name=result.answered_by)
    if result.already or result.outdated or result.closed:
        return text  # said as a toast: nothing was done again
    shown = d.render.msg("general.plain", text=text)
    if not await append_to_pressed(update, shown):
        await send(update, shown)
    if result.rent is not None:
        await _rent_alert(update, context, result.household, result.rent)
    return None


async def _open(update: Update, context: Context, reminder_id: int) -> str | None:
    d = deps(context)
    result = await read_or_say(update, context, lambda s, actor: reminder_answers.open_reminder(
        s, d.clock, actor, reminder_id))
    if result is None:
        return None
    if result.already or result.outdated or result.closed:
        return d.render.text("reminders.answered", result=result,
                             advisor_name=result.answered_by)
    await send(update, d.render.msg("reminders.reminder", r=result.reminder, h=result.household,
                                    late=False),
               keyboards.reminder(d.render, result.reminder))
    return None


async def _rent_alert(update: Update, context: Context, household: Household,
                      check: ledger.RentCheck) -> None:
    """A month missed or partly paid: said to the advisor at once (the coordinators learn of
    an impayé from its reminders, see storage.ledger.settle)."""
    alert = deps(context).render.msg("reminders.rent_alert", c=check, h=household)
    if alert:
        await send(update, alert)


async def today(update: Update, context: Context) -> None:
    d = deps(context)
    day = d.clock.today()
    groups = await d.db.read(with_actor(update, lambda s, actor: reminders.digest(
        s, d.clock, actor, day, listing="aujourdhui")))
    await send(update, d.render.msg("reminders.digest", groups=groups, day=day,
                                    title=d.render.label("today_title")))


async def upcoming(update: Update, context: Context) -> None:
    """/echeances: hers; `/echeances equipe`: the whole team's (coordinators)."""
    d = deps(context)
    day = d.clock.today()
    until = day + timedelta(days=UPCOMING_DAYS)
    if [a.lower() for a in context.args or []] == ["equipe"]:
        try:
            groups, followers = await d.db.read(with_actor(
                update, lambda s, actor: team.team_upcoming(s, d.clock, actor, until)))
        except Refused:
            await send(update, d.render.msg("team.coordination_only"))
            return
        await send(update, d.render.msg("reminders.upcoming", groups=groups, day=day,
                                        until=until, followers=followers))
        return
    groups = await d.db.read(with_actor(update, lambda s, actor: reminders.digest(
        s, d.clock, actor, until, listing="echeances")))
    await send(update, d.render.msg("reminders.upcoming", groups=groups, day=day, until=until))


async def start_free(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "rappel", household_id)


async def start_tenancy(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "logement", household_id)


async def start_review(update: Update, context: Context, household_id: int) -> None:
    await start_form(update, context, "glissement", household_id)


# --- after a confirmed form ------------------------------------------------------------------

async def _after_partial(update: Update, context: Context, step: Step) -> None:
    assert step.household is not None and isinstance(step.result, ledger.RentCheck)
    await _rent_alert(update, context, step.household, step.result)


async def _after_quiet(update: Update, context: Context, step: Step) -> None:
    """The confirmation said it all (the card is not sent again)."""


def _after_card(update: Update, context: Context, step: Step) -> Any:
    assert step.household is not None
    return send_card(update, context, step.household.id or 0)


AFTER_DONE.update({
    "rent_partial": _after_partial,
    "insurance": _after_quiet,
    "free_reminder": _after_quiet,
    "snooze": _after_quiet,
    "tenancy": _after_card,
})
