"""Showing the form engine's steps on the phone, and the form buttons."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError

from handlers import keyboards
from handlers.cards import send_card
from handlers.common import Context, append_to_pressed, deps, edit_or_send, send, with_actor
from storage import households
from storage.errors import Refused
from storage.forms.engine import Engine, Outcome, Step, cursor, step_of
from storage.forms.spec import Choice, FieldSpec, load
from storage.models import Advisor, Household, RunStatus


def current_answer(context: Context, step: Step) -> str | None:
    """The answer already given to this question (after going back, or pre-filled)."""
    if step.field is None or step.value is None or step.field.type == "items":
        return None
    return answer_text(context, step, step.field, step.value, step.choices)


def answer_text(context: Context, step: Step, spec_field: FieldSpec,
                value: Any = None, choices: tuple[Choice, ...] | None = None) -> str:
    """An answer as shown (question, « Garder », summary, echo): `value`, or else the form's
    answer to `spec_field`; a confidential household's address only as « 🔒 enregistrée »."""
    render = deps(context).render
    shown = value if value is not None else step.answers.get(spec_field.key)
    if shown not in (None, "") and step.hides(spec_field):
        return render.label("address_hidden")
    if choices is None:
        choices = step.extras.get("dynamic_choices", {}).get(spec_field.key, spec_field.choices)
    return render.answer(shown, spec_field, choices)


async def show(update: Update, context: Context, step: Step, prefix: str = "") -> None:
    """Render a step: a question, a summary, or the end of the form."""
    render = deps(context).render
    if step.extras.get("duplicates"):  # the next question waits for her choice
        await send(update, _join(prefix, render.msg("forms.duplicates", step=step)),
                   keyboards.duplicates(render, step))
    elif step.outcome == Outcome.CONFIRM and step.field is not None:
        await send(update, _join(prefix, render.msg("forms.confirm_answer", step=step)),
                   keyboards.confirm_answer(render, step))
    elif step.outcome == Outcome.ABANDON:
        await send(update, render.msg("forms.confirm_abandon", step=step),
                   keyboards.confirm_abandon(render, step))
    elif step.outcome in (Outcome.ASK, Outcome.INVALID) and step.field is not None:
        current = current_answer(context, step)
        text = render.msg("forms.question", step=step, current=current,
                          hidden=step.hides(step.field))
        await send(update, _join(prefix, text), keyboards.question(render, step, current))
    elif step.outcome in (Outcome.SUMMARY, Outcome.INVALID):
        text = render.msg("forms.summary", step=step,
                          answer_of=lambda f: answer_text(context, step, f))
        await send(update, _join(prefix, text), keyboards.summary(render, step))
    elif step.outcome == Outcome.CONFIRM:
        await send(update, _join(prefix, render.msg("forms.confirm_question", step=step)),
                   keyboards.confirm_question(render, step))
    elif step.outcome == Outcome.PAUSED:
        await send(update, render.msg("forms.paused", step=step), keyboards.paused(render, step))
    elif step.outcome == Outcome.CANCELLED:
        await send(update, render.msg("forms.cancelled", step=step))
    elif step.outcome == Outcome.DONE and step.household is not None:
        await send(update, render.msg("forms.done", step=step))
        after = AFTER_DONE.get(step.spec.target)
        if after is not None:
            await after(update, context, step)
        else:
            await send_card(update, context, step.household.id or 0)


# What follows a confirmed form, by target (documents to send, the next form...).
AfterDone = Callable[[Update, Context, Step], Awaitable[None]]
AFTER_DONE: dict[str, AfterDone] = {}


def _join(prefix: str, text: str) -> str:
    return f"{prefix}\n{text}" if prefix else text


async def echo_answer(update: Update, context: Context, step: Step) -> None:
    """Under the question answered with a button: the answer, and no more buttons."""
    query = update.callback_query
    if query is None or step.answered is None or query.message is None:
        return
    render = deps(context).render
    answered = answer_text(context, step, step.answered, step.answered_value) \
        if step.answered_value is not None else render.label("skipped")
    # The echo is a comfort; if Telegram refuses the edit, the next question still matters.
    await append_to_pressed(update, render.msg("forms.echo", answer=answered))


async def resume_current(update: Update, context: Context, prefix: str = "") -> bool:
    """Show the active form's question again (after a redelivered update, a file...)."""
    def work(session: Session, actor: Advisor) -> Step | None:
        engine = Engine(session, deps(context).clock, actor)
        run = engine.active()
        return engine.current(run) if run else None

    step = await deps(context).db.read(with_actor(update, work))
    if step is None:
        return False
    await show(update, context, step, prefix)
    return True


Prepare = Callable[[Session, Advisor, Household], tuple[dict[str, Any], dict[str, Any] | None]]


async def start_form(update: Update, context: Context, form: str,
                     household_id: int | None = None, prepare: Prepare | None = None,
                     follow_up: bool = False) -> None:
    """Start (or resume) a form; `prepare` gives its context and proposed answers.

    `follow_up`: started by the end of another form, in the same update (already recorded)."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Step:
        household = None
        form_context: dict[str, Any] = {}
        initial = None
        if household_id is not None:
            household = households.get(session, d.clock, actor, household_id)
            if prepare is not None:
                form_context, initial = prepare(session, actor, household)
        return Engine(session, d.clock, actor).start(form, household, form_context, initial)

    try:
        applied = await d.db.apply(None if follow_up else update.update_id,
                                   with_actor(update, work))
    except Refused as refused:
        await send(update, _refusal(context, refused) if refused.code == "household_closed"
                   else d.render.msg("household.refused", code=refused.code))
        return
    if applied.duplicate or applied.value is None:
        await resume_current(update, context)
        return
    await show(update, context, applied.value)


async def on_form_button(update: Update, context: Context, parts: list[str]) -> str | None:
    """`f:<run>:<position or S>:<action>[:<index>]`. Returns a toast text, if any."""
    d = deps(context)
    run_id, position, action = int(parts[1]), parts[2], parts[3]
    uid = parts[4] if action in ITEM_ACTIONS else ""  # an item's stable id, never a position
    index = int(parts[4]) if len(parts) > 4 and not uid else 0

    def work(session: Session, actor: Advisor) -> Step:
        engine = Engine(session, d.clock, actor)
        run = engine.own_run(run_id)
        spec = load(run.form)
        if position == "S":
            if action in {"fix", "sec", "sum"}:
                return engine.at_summary(run)
            summary_actions: dict[str, Callable[[], Step]] = {
                "x": lambda: engine.stop(run, None),
                "ok": lambda: engine.confirm(run),
                "y": lambda: engine.confirm(run, accept=True),
                "re": lambda: engine.reconsider(run),
                "e": lambda: engine.edit(run, spec.fields[index].key),
            }
            return summary_actions[action]()
        step = step_of(spec, position)
        actions: dict[str, Callable[[], Step]] = {
            "c": lambda: engine.choose(run, step, index),
            "cv": lambda: engine.choose_value(run, step, uid),
            "q": lambda: engine.quick(run, step, cursor(spec, step).field.quick[index]),
            "t": lambda: engine.today(run, step),
            "k": lambda: engine.keep(run, step),
            "v": lambda: engine.validate(run, step),
            "s": lambda: engine.skip(run, step),
            "b": lambda: engine.back(run, step),
            "x": lambda: engine.stop(run, step),
            "la": lambda: engine.add_item(run, step),
            "le": lambda: engine.edit_item(run, step, uid),
            "ld": lambda: engine.ask_delete(run, step, uid),
            "lD": lambda: engine.delete_item(run, step, uid),
            "lk": lambda: engine.at_step(run, step),
            "cy": lambda: engine.confirm_answer(run, step, yes=True),
            "cn": lambda: engine.confirm_answer(run, step, yes=False),
        }
        return actions[action]()

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        return _refusal(context, refused)
    if applied.value is None:
        return None
    step, render = applied.value, d.render
    if step.outcome == Outcome.STALE:
        paused = step.run.status == RunStatus.PAUSED
        return render.msg("forms.paused_toast" if paused else "forms.stale")
    if step.outcome == Outcome.GONE:
        return render.msg("forms.item_gone")
    if step.outcome == Outcome.DELETE:
        await send(update, render.msg("forms.confirm_delete", step=step,
                                      item=_item_name(context, step, step.extras["item"])),
                   keyboards.confirm_delete(render, step))
        return None
    if action in {"lD", "lk", "cy", "cn"}:
        # The confirmation answered: under it, what was chosen; then the list or the question.
        done = render.msg("forms.deleted", step=step,
                          item=_item_name(context, step, step.extras["deleted"])) \
            if "deleted" in step.extras else render.msg(
                "forms.echo", answer=render.label(CHOSEN[action]))
        if not await append_to_pressed(update, done) and "deleted" in step.extras:
            await send(update, done)
        await show(update, context, step)
        return None
    if action == "fix":
        await edit_or_send(update, render.msg("forms.choose_section", step=step),
                           keyboards.sections(render, step))
    elif action == "sec":
        section = step.spec.sections[index]
        await edit_or_send(update, render.msg("forms.choose_field", step=step, section=section),
                           keyboards.fields(render, step, section.key))
    elif action == "sum":
        text = render.msg("forms.summary", step=step,
                          answer_of=lambda f: answer_text(context, step, f))
        await edit_or_send(update, text, keyboards.summary(render, step))
    elif action == "c" and step.field is not None and step.field.type == "multi" \
            and step.answered is None:
        await _refresh_buttons(update, context, step)
    else:
        if step.outcome != Outcome.INVALID:
            await echo_answer(update, context, step)
        await show(update, context, step)
    return None


def _item_name(context: Context, step: Step, item: dict[str, Any]) -> str:
    """An item as named in a sentence: its first answer (« Solder la dette EDF »)."""
    assert step.field is not None
    first = next((f for f in step.field.item if item.get(f.key) is not None), None)
    if first is None:
        return ""
    return deps(context).render.answer(item[first.key], first, first.choices)


# The answer to a confirmation, as echoed under it.
CHOSEN = {"cy": "yes", "cn": "fix", "lk": "delete_no", "lD": "delete_yes"}
# Buttons whose last part is an item's uid (or a record's id, for "cv").
ITEM_ACTIONS = {"le", "ld", "lD", "cv"}


async def _refresh_buttons(update: Update, context: Context, step: Step) -> None:
    """A box ticked or unticked: the same question, its buttons redrawn."""
    query = update.callback_query
    if query is not None:
        markup = keyboards.question(deps(context).render, step, current_answer(context, step))
        with contextlib.suppress(TelegramError):  # an old message: the state is saved anyway
            await query.edit_message_reply_markup(markup)


async def on_resume(update: Update, context: Context, run_id: int, cancel: bool,
                    confirmed: bool = False) -> str | None:
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Step:
        engine = Engine(session, d.clock, actor)
        return engine.cancel(run_id, confirmed) if cancel else engine.resume(run_id)

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused as refused:
        return _refusal(context, refused)
    if applied.value is not None:
        await show(update, context, applied.value)
    return None


async def on_duplicates(update: Update, context: Context, run_id: int, action: str,
                        household_ids: list[int]) -> str | None:
    """The answer to "this household may exist already": `o` open the existing one (the new
    one is dropped), `n` create a new one anyway (the form goes on), `c` the same at
    confirmation (the household is created)."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Step:
        engine = Engine(session, d.clock, actor)
        if action == "o":
            return engine.cancel(run_id)
        return engine.set_aside_duplicates(run_id, household_ids, action == "c")

    try:
        applied = await d.db.apply(update.update_id, with_actor(update, work))
    except Refused:
        if action != "o":
            return d.render.msg("forms.closed")
        applied = None  # the form already ended: the existing household still opens
    if applied is not None and applied.value is not None:
        if applied.value.outcome == Outcome.STALE:
            return d.render.msg("forms.stale")
        await show(update, context, applied.value)
    if action == "o":
        await send_card(update, context, household_ids[0])
    return None


def _refusal(context: Context, refused: Refused) -> str:
    """The toast for a form button refused: the support closed, or the form over."""
    render = deps(context).render
    if refused.code == "household_closed":
        return render.text("reminders.support_closed", h=refused.params["household"])
    return render.msg("forms.closed")


async def pause_for_command(update: Update, context: Context) -> str:
    """A command takes the advisor elsewhere: her form waits, and she is told so."""
    d = deps(context)

    def work(session: Session, actor: Advisor) -> Step | None:
        engine = Engine(session, d.clock, actor)
        run = engine.pause_active()
        return engine.current(run) if run else None

    step = await d.db.read(with_actor(update, work))
    return d.render.msg("forms.paused_by_command", step=step) if step else ""

