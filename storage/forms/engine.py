"""One conversation engine for every form: ask, validate, save, back, skip, stop, summary.

Each call loads the run from the database, changes it and leaves it saved in the caller's
transaction, so the position and every answer survive a kill -9. The engine knows nothing of
Telegram: it returns a `Step` that the handlers render.

A step is a string: `key` for a question (for a list field: its list view), or
`key.<n>.<sub>` for the sub-question `sub` of the list's item number n (from 0). Each item of
a list has a stable `_uid` (given when the item is created, kept from a plan it comes from):
the buttons acting on an item carry it, never a position.

An answer waiting for a confirmation (a date outside its window) is kept in the answers under
`_confirm` until Oui or Corriger: a row, like everything else of the run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from storage import advisors, audit, budget, notes, plans, policy, tenancy
from storage.clock import Clock
from storage.errors import NeedsConfirmation, Refused
from storage.forms import targets
from storage.forms.spec import Choice, FieldSpec, FormSpec, load
from storage.models import Advisor, FormRun, Household, RunStatus
from storage.validators import (
    Invalid,
    parse_ages,
    parse_amount,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
    parse_yes_no,
)


class Outcome(StrEnum):
    ASK = "ask"  # show the current question
    INVALID = "invalid"  # the answer was refused: say why, ask again
    SUMMARY = "summary"  # every question answered: show the summary to confirm or correct
    DONE = "done"  # confirmed and stored
    PAUSED = "paused"
    CANCELLED = "cancelled"
    STALE = "stale"  # a button of a question already answered
    CONFIRM = "confirm"  # "c'est bien ça ?" Oui / Corriger: an answer outside its usual window
    # (a field's warning), or answers a storage rule questions at confirmation
    DELETE = "delete"  # "Supprimer l'objectif « … » ?" before an item goes
    GONE = "gone"  # a button of an item no longer in the list: nothing done
    ABANDON = "abandon"  # "Abandonner … ?" before a form with answers is dropped


@dataclass(frozen=True)
class Cursor:
    """Where a step points: a question, a list view, or one sub-question of one item."""

    top: FieldSpec
    index: int | None = None
    sub: FieldSpec | None = None

    @property
    def field(self) -> FieldSpec:
        return self.sub or self.top

    @property
    def step(self) -> str:
        if self.sub is None:
            return self.top.key
        return f"{self.top.key}.{self.index}.{self.sub.key}"

    @property
    def is_list(self) -> bool:
        return self.top.type == "items" and self.sub is None


def cursor(spec: FormSpec, step: str) -> Cursor:
    key, _, rest = step.partition(".")
    top = spec.field(key)
    if not rest:
        return Cursor(top)
    index, _, sub = rest.partition(".")
    return Cursor(top, int(index), top.sub(sub))


def token(spec: FormSpec, step: str) -> str:
    """A short form of a step for button data: `7` or `7.2.1` (positions, not names)."""
    where = cursor(spec, step)
    position = str(spec.position(where.top.key))
    if where.sub is None:
        return position
    return f"{position}.{where.index}.{list(where.top.item).index(where.sub)}"


def step_of(spec: FormSpec, short: str) -> str:
    parts = [int(p) for p in short.split(".")]
    top = spec.fields[parts[0]]
    if len(parts) == 1:
        return top.key
    return f"{top.key}.{parts[1]}.{top.item[parts[2]].key}"


@dataclass
class Step:
    outcome: Outcome
    run: FormRun
    spec: FormSpec
    field: FieldSpec | None = None
    cursor: Cursor | None = None
    choices: tuple[Choice, ...] = ()
    error: Invalid | None = None
    # The answer just given to the previous question, for the echo under it.
    answered: FieldSpec | None = None
    answered_value: Any = None
    budget: budget.Budget | None = None
    household: Household | None = None
    result: Any = None
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def answers(self) -> dict[str, Any]:
        return self.run.answers

    @property
    def value(self) -> Any:
        """The answer already given to the question shown (after going back, or pre-filled)."""
        return _get(self.run, self.cursor) if self.cursor else None

    @property
    def items(self) -> list[dict[str, Any]]:
        """The items of the list field shown (list view or one of its sub-questions)."""
        if self.cursor is None or self.cursor.top.type != "items":
            return []
        return list(self.run.answers.get(self.cursor.top.key) or [])

    @property
    def confidential(self) -> bool:
        """The household is confidential, or the form being filled says it will be."""
        if self.household is not None and self.household.confidential:
            return True
        flag = self.spec.confidential_flag
        return flag is not None and self.run.answers.get(flag) is True

    def hides(self, spec_field: FieldSpec) -> bool:
        """An address of a confidential household: never shown in a form (only the
        audited 🔒 of the card shows it)."""
        return spec_field.sensitive == "address" and self.confidential

    @property
    def position(self) -> tuple[int, int]:
        """(number of the current question, questions that apply), for "3/18"."""
        keys = [f.key for f in self.spec.fields if f.applies(self.run.answers)]
        top = self.cursor.top.key if self.cursor else None
        current = keys.index(top) + 1 if top in keys else len(keys)
        return current, len(keys)


# Choices read from the records, or from the answers so far (the form's own choices, from its
# TOML, may be added to them).
ChoiceProvider = Callable[[Session, Advisor, FieldSpec, dict[str, Any]], tuple[Choice, ...]]


def _advisor_choices(session: Session, actor: Advisor, spec_field: FieldSpec,
                     answers: dict[str, Any]) -> tuple[Choice, ...]:
    return tuple(Choice(str(a.id), a.name or str(a.telegram_id))
                 for a in advisors.assignable(session, actor))


def _review_choices(session: Session, actor: Advisor, spec_field: FieldSpec,
                    answers: dict[str, Any]) -> tuple[Choice, ...]:
    """Which 6-month review a glissement review is (storage.tenancy.review_occurrences): the
    one due, alone (not asked), unless held long before it; then the dates around, or a
    supplementary review (the TOML's own choice)."""
    held = answers.get("date")
    dates, asked = tenancy.review_occurrences(answers, date.fromisoformat(held) if held else None)
    found = tuple(Choice(d.isoformat(), d.strftime("%d/%m/%Y")) for d in dates)
    # One choice is taken without asking (Engine._next_top).
    return found + spec_field.choices if asked or not found else found


PROVIDERS: dict[str, ChoiceProvider] = {"advisors": _advisor_choices,
                                        "review_dates": _review_choices}


def _get(run: FormRun, where: Cursor) -> Any:
    if where.sub is None:
        return run.answers.get(where.top.key)
    items = run.answers.get(where.top.key) or []
    item = items[where.index] if where.index is not None and where.index < len(items) else {}
    return item.get(where.sub.key)


def _set(run: FormRun, where: Cursor, value: Any) -> None:
    if where.sub is None:
        run.answers = {**run.answers, where.top.key: value}
        return
    items = [dict(i) for i in run.answers.get(where.top.key) or []]
    index = where.index or 0
    while len(items) <= index:
        items.append({})
    items[index][where.sub.key] = value
    run.answers = {**run.answers, where.top.key: items}


PENDING = "_confirm"  # the answer waiting for "c'est bien ça ?"
GIVEN_UIDS = "_uids"  # every item uid given in this run: a deleted item's is never given again
RUN_ONLY = {PENDING, GIVEN_UIDS}  # kept in the run, not in what a confirmed form stores
LONG_TEXTS = "_notes"  # answers too long, typed before the household existed: notes at creation
ABANDON_FREELY = 3  # a form with more answers than this is abandoned only after a "sure?"


def answered_count(run: FormRun) -> int:
    """The answers given so far (pre-filled ones too: they would be lost as well)."""
    return sum(1 for k, v in run.answers.items() if not k.startswith("_") and v not in (None, []))


def complete(top: FieldSpec, item: dict[str, Any]) -> bool:
    return all(item.get(f.key) is not None for f in top.item if f.required and f.applies(item))


def kept_answers(spec: FormSpec, answers: dict[str, Any]) -> dict[str, Any]:
    """What a confirmed form stores: answers of the questions that apply, complete items only,
    and the context given at start (keys beginning with `_`)."""
    kept: dict[str, Any] = {k: v for k, v in answers.items()
                            if k.startswith("_") and k not in RUN_ONLY}
    for spec_field in spec.fields:
        if not spec_field.applies(answers):
            continue
        value = answers.get(spec_field.key)
        if spec_field.type == "items":
            value = [{**{k: v for k, v in item.items() if k.startswith("_")},
                      **{f.key: item.get(f.key) for f in spec_field.item if f.applies(item)}}
                     for item in value or [] if complete(spec_field, item)]
        kept[spec_field.key] = value
    return kept


class Engine:
    def __init__(self, session: Session, clock: Clock, actor: Advisor) -> None:
        self.session, self.clock, self.actor = session, clock, actor

    # --- runs --------------------------------------------------------------------------------
    def active(self) -> FormRun | None:
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id, FormRun.status == RunStatus.ACTIVE
        )
        run = self.session.exec(query.order_by(col(FormRun.updated_at).desc())).first()
        if run is not None and not self._may_continue(run):
            return None
        return run

    def _may_continue(self, run: FormRun) -> bool:
        """A form about a household that is no longer hers (reassigned), or whose support is
        closed (except its reopening), is closed, unread."""
        household = self._household(run)
        if household is None or (policy.visible(self.actor, household)
                                 and (household.status != "clos" or load(run.form).on_closed)):
            return True
        run.status = RunStatus.CANCELLED
        self._save(run)
        return False

    def start(self, form: str, household: Household | None = None,
              context: dict[str, Any] | None = None,
              initial: dict[str, Any] | None = None) -> Step:
        """Start a form, or resume this advisor's unfinished one for the same household.

        `context` (keys beginning with `_`) says what the form is about, e.g. which step of
        a plan; a run with another context is not resumed. `initial` proposes answers that
        storage cannot know (texts written from templates)."""
        spec = load(form)
        if spec.needs_household and household is None:
            raise Refused("household_needed")
        if household is not None and household.status == "clos" and not spec.on_closed:
            raise self._closed(household)
        targets.require(self.session, self.clock, self.actor, spec, household)
        self.pause_active()
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id,
            FormRun.form == form,
            FormRun.household_id == (household.id if household else None),
            FormRun.status == RunStatus.PAUSED,
        )
        context = context or {}
        run = next((r for r in self.session.exec(query.order_by(col(FormRun.updated_at).desc()))
                    if all(r.answers.get(k) == v for k, v in context.items())), None)
        now = self.clock.now()
        if run is None:
            answers = {**(initial or {}),
                       **targets.prefill(self.session, self.clock, spec, household), **context}
            run = FormRun(advisor_id=self.actor.id or 0, form=form,
                          household_id=household.id if household else None,
                          answers=answers, created_at=now, updated_at=now)
            self._with_item_uids(spec, run)  # pre-filled from a plan: they keep theirs
            # Everything known already (a plan amended, a diagnostic updated): straight to
            # the summary, where the advisor corrects what changed.
            run.step = None if spec.summary and self._all_answered(spec, run) \
                else self._next_top(spec, run, None)
            audit.record(self.session, self.clock, self.actor, f"{form}.start", household)
        else:
            self._audit_resume(run)
        run.status = RunStatus.ACTIVE
        self._save(run)
        return self.current(run)

    def _audit_resume(self, run: FormRun) -> None:
        """A form taken up again shows its answers again: audited like its start."""
        audit.record(self.session, self.clock, self.actor, f"{run.form}.resume",
                     self._household(run))

    def pause_active(self) -> FormRun | None:
        run = self.active()
        if run is not None:
            self.stop(run, check=False)
        return run

    def latest_paused(self) -> FormRun | None:
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id, FormRun.status == RunStatus.PAUSED
        )
        runs = self.session.exec(query.order_by(col(FormRun.updated_at).desc()))
        return next((r for r in runs if self._may_continue(r)), None)

    def current(self, run: FormRun) -> Step:
        spec = load(run.form)
        if run.step is None:
            return self._summary(spec, run)
        return self._ask(spec, run)

    # --- answers -----------------------------------------------------------------------------
    def answer_text(self, run: FormRun, text: str) -> Step:
        spec = load(run.form)
        if run.step is None:
            return self._summary(spec, run, error=Invalid("use_buttons"))
        where = cursor(spec, run.step)
        if where.is_list:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("use_buttons"))
        try:
            value = self._parse(where.field, self._choices(where.field, run.answers), text)
        except Invalid as error:
            if error.code == "too_long":
                self._keep_long_text(run, text, error)
            return self._ask(spec, run, outcome=Outcome.INVALID, error=error)
        return self._checked(spec, run, where, value)

    def _keep_long_text(self, run: FormRun, text: str, error: Invalid) -> None:
        """An answer too long for its question is not thrown away: it becomes a note of the
        household (of the household being created, once it is: see targets)."""
        household = self._household(run)
        if household is not None:
            notes.add(self.session, self.clock, self.actor, household, "texte", text)
            error.params["kept"] = "note"
        else:
            run.answers = {**run.answers, LONG_TEXTS: [*(run.answers.get(LONG_TEXTS) or []),
                                                       text]}
            self._save(run)
            error.params["kept"] = "later"

    def choose(self, run: FormRun, step: str, index: int) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        where = cursor(spec, step)
        choices = self._choices(where.field, run.answers)
        if where.field.type == "yesno":
            return self._store(spec, run, where, index == 1)
        if not 0 <= index < len(choices):
            return self._stale_step(spec, run)
        if where.field.type == "multi":
            selected = list(_get(run, where) or [])
            value = choices[index].value
            selected = [v for v in selected if v != value] if value in selected \
                else [*selected, value]
            _set(run, where, [c.value for c in choices if c.value in selected])
            self._save(run)
            return self._ask(spec, run)
        return self._store(spec, run, where, choices[index].value)

    def choose_value(self, run: FormRun, step: str, value: str) -> Step:
        """A choice read from the records (an advisor), by its value: one no longer offered
        (deactivated since the question was shown) changes nothing."""
        spec = load(run.form)
        choices = self._choices(cursor(spec, step).field, run.answers)
        index = next((n for n, c in enumerate(choices) if c.value == value), None)
        if index is None:
            return self._stale(spec, run, step) or self._ask(spec, run)
        return self.choose(run, step, index)

    def quick(self, run: FormRun, step: str, text: str) -> Step:
        """A shortcut button: the same as typing its text."""
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        return self.answer_text(run, text)

    def today(self, run: FormRun, step: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        return self._checked(spec, run, cursor(spec, step), self.clock.today())

    def keep(self, run: FormRun, step: str) -> Step:
        """Keep the answer already there (given before going back, or pre-filled)."""
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        where = cursor(spec, step)
        value = _get(run, where)
        if value is None:
            return self._ask(spec, run)
        return self._store(spec, run, where, value)

    def validate(self, run: FormRun, step: str) -> Step:
        """Close a multiple choice or a list (or keep the answer given before)."""
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        where = cursor(spec, step)
        value = _get(run, where)
        if where.is_list:
            count = sum(1 for item in value or [] if complete(where.top, item))
            if count < where.top.min_items:
                error = Invalid("too_few", minimum=where.top.min_items)
                return self._ask(spec, run, outcome=Outcome.INVALID, error=error)
            return self._leave_top(spec, run, where.top)
        if where.field.required and not value:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("required"))
        return self._store(spec, run, where, value if value is not None else [])

    def skip(self, run: FormRun, step: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        where = cursor(spec, step)
        if where.field.required or where.is_list:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("required"))
        return self._store(spec, run, where, None)

    def confirm_answer(self, run: FormRun, step: str, yes: bool) -> Step:
        """Oui: the answer waiting for a confirmation is kept; Corriger: asked again."""
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        pending = run.answers.get(PENDING)
        if not pending or pending.get("step") != step:
            return self._stale_step(spec, run)
        run.answers = {k: v for k, v in run.answers.items() if k != PENDING}
        self._save(run)
        if yes:
            return self._store(spec, run, cursor(spec, step), pending["value"])
        return self._ask(spec, run)

    # --- lists -------------------------------------------------------------------------------
    def add_item(self, run: FormRun, step: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        top = spec.field(step)
        items = list(run.answers.get(top.key) or [])
        if len(items) >= top.max_items:
            error = Invalid("too_many", maximum=top.max_items)
            return self._ask(spec, run, outcome=Outcome.INVALID, error=error)
        return self._goto(spec, run, self._first_sub(top, len(items), {}))

    def edit_item(self, run: FormRun, step: str, uid: str) -> Step:
        spec = load(run.form)
        found = self._item(spec, run, step, uid)
        if isinstance(found, Step):
            return found
        top, items, index = found
        return self._goto(spec, run, self._first_sub(top, index, items[index]))

    def ask_delete(self, run: FormRun, step: str, uid: str) -> Step:
        """Before an item goes: the question naming it (nothing changes yet)."""
        spec = load(run.form)
        found = self._item(spec, run, step, uid)
        if isinstance(found, Step):
            return found
        top, items, index = found
        where = Cursor(top)
        return Step(Outcome.DELETE, run, spec, field=top, cursor=where,
                    household=self._household(run), extras={"item": items[index], "uid": uid})

    def delete_item(self, run: FormRun, step: str, uid: str) -> Step:
        spec = load(run.form)
        found = self._item(spec, run, step, uid)
        if isinstance(found, Step):
            return found
        top, items, index = found
        removed = items.pop(index)
        # Its uid is never given again (an old button for it must find nothing).
        given = [*(run.answers.get(GIVEN_UIDS) or []), uid]
        run.answers = {**run.answers, top.key: items, GIVEN_UIDS: given}
        self._save(run)
        shown = self._ask(spec, run)
        shown.extras["deleted"] = removed
        return shown

    def _item(self, spec: FormSpec, run: FormRun, step: str, uid: str
              ) -> Step | tuple[FieldSpec, list[dict[str, Any]], int]:
        """The list shown, its items and the position of the item `uid`; a stale step if the
        list is no longer shown, a "gone" one if the item is no longer in it."""
        if stale := self._stale(spec, run, step):
            return stale
        top = spec.field(step)
        items = [dict(i) for i in run.answers.get(top.key) or []]
        index = next((n for n, i in enumerate(items) if i.get("_uid") == uid), None)
        if index is None:
            return Step(Outcome.GONE, run, spec, field=top, cursor=Cursor(top),
                        household=self._household(run))
        return top, items, index

    def _with_item_uids(self, spec: FormSpec, run: FormRun) -> None:
        """Every item of every list has its `_uid` (items proposed, or of a run begun before
        items had one)."""
        for top in spec.fields:
            items = run.answers.get(top.key)
            if top.type != "items" or not items or all(i.get("_uid") for i in items):
                continue
            items = [dict(i) for i in items]
            for item in items:
                if not item.get("_uid"):
                    item["_uid"] = self._new_uid(spec, run, top, items)
            run.answers = {**run.answers, top.key: items}

    def _new_uid(self, spec: FormSpec, run: FormRun, top: FieldSpec,
                 items: list[dict[str, Any]]) -> str:
        given = list(run.answers.get(GIVEN_UIDS) or [])
        known = [i.get("_uid", "") for i in items] + given
        known += targets.reserved_uids(self.session, spec, self._household(run))
        uid = plans.new_uid(plans.uid_prefix(top.key), known)
        run.answers = {**run.answers, GIVEN_UIDS: [*given, uid]}
        return uid

    # --- moving around -----------------------------------------------------------------------
    def back(self, run: FormRun, step: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, step):
            return stale
        where = cursor(spec, step)
        if where.sub is not None:
            return self._back_in_item(spec, run, where)
        if run.editing:
            run.editing, run.step = False, None
            self._save(run)
            return self._summary(spec, run)
        history = list(run.history)
        while history:
            previous = history.pop()
            if spec.field(previous).applies(run.answers):
                run.history, run.step = history, previous
                self._save(run)
                return self._ask(spec, run)
        return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("first_question"))

    def stop(self, run: FormRun, step: str | None = None, *, check: bool = True) -> Step:
        """Pause. `step` is the question whose button was pressed (None: the summary)."""
        if check and (stale := self._stale(load(run.form), run, step)):
            return stale
        run.status = RunStatus.PAUSED
        self._save(run)
        return Step(Outcome.PAUSED, run, load(run.form), household=self._household(run))

    def own_run(self, run_id: int) -> FormRun:
        return self._own_run(run_id, set(RunStatus))

    def resume(self, run_id: int) -> Step:
        run = self._own_run(run_id, {RunStatus.PAUSED, RunStatus.ACTIVE})
        self.pause_active()
        run.status = RunStatus.ACTIVE
        self._save(run)
        self._audit_resume(run)
        return self.current(run)

    def cancel(self, run_id: int, confirmed: bool = False) -> Step:
        """Abandon a form; one with more than ABANDON_FREELY answers is asked first."""
        run = self._own_run(run_id, {RunStatus.PAUSED, RunStatus.ACTIVE})
        if not confirmed and answered_count(run) > ABANDON_FREELY:
            return Step(Outcome.ABANDON, run, load(run.form), household=self._household(run),
                        extras={"answered": answered_count(run)})
        run.status = RunStatus.CANCELLED
        self._save(run)
        audit.record(self.session, self.clock, self.actor, f"{run.form}.cancel",
                     self._household(run))
        return Step(Outcome.CANCELLED, run, load(run.form), household=self._household(run))

    # --- the summary -------------------------------------------------------------------------
    def at_step(self, run: FormRun, step: str) -> Step:
        """The question (or list) shown again, e.g. after "Non" to a deletion."""
        spec = load(run.form)
        return self._stale(spec, run, step) or self._ask(spec, run)

    def at_summary(self, run: FormRun) -> Step:
        """The summary, to show again or to correct from; stale if the run has moved on."""
        spec = load(run.form)
        return self._stale(spec, run, None) or self._summary(spec, run)

    def edit(self, run: FormRun, key: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, None):
            return stale
        if key not in {f.key for f in spec.fields} or not spec.field(key).applies(run.answers):
            return self._stale_step(spec, run)
        run.step, run.editing = key, True
        self._save(run)
        return self._ask(spec, run)

    def confirm(self, run: FormRun, accept: bool = False) -> Step:
        """Store the answers. A rule may ask first (NeedsConfirmation): the step asks it,
        and `accept` (its «Oui») stores them anyway, for that question only."""
        spec = load(run.form)
        if stale := self._stale(spec, run, None):
            return stale
        asked = run.answers.get("_asked")
        if accept and asked:
            run.answers = {**run.answers,
                           "_accepted": [*run.answers.get("_accepted", []), asked["key"]]}
        missing = self._first_missing(spec, run)
        if missing is not None:
            run.step, run.editing = missing, True
            self._save(run)
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("required"))
        if duplicates := targets.duplicates(self.session, self.clock, self.actor, spec,
                                            run.answers):
            step = self._summary(spec, run)
            step.extras.update(duplicates=duplicates, confirming=True)
            return step
        try:
            with self.session.begin_nested():  # a refusal undoes what the commit began
                result = targets.commit(self.session, self.clock, self.actor, spec,
                                        kept_answers(spec, run.answers), self._household(run))
        except Refused as refused:
            return self._summary(spec, run, error=Invalid(refused.code))
        except NeedsConfirmation as question:
            run.answers = {**run.answers, "_asked": {"key": question.key,
                                                     "field": question.field}}
            self._save(run)
            return Step(Outcome.CONFIRM, run, spec, household=self._household(run),
                        error=Invalid(question.code, **question.params))
        run.status = RunStatus.DONE
        self._save(run)
        household = result if isinstance(result, Household) else self._household(run)
        return Step(Outcome.DONE, run, spec, household=household, result=result,
                    budget=self._budget(spec, run))

    def set_aside_duplicates(self, run_id: int, household_ids: list[int], confirming: bool
                             ) -> Step:
        """"Create a new one anyway": these households are not the one being opened; the
        form goes on (or, asked at confirmation, is confirmed)."""
        run = self._own_run(run_id, {RunStatus.PAUSED, RunStatus.ACTIVE})
        already = set(run.answers.get("_not_duplicates", []))
        if run.status == RunStatus.ACTIVE and already >= set(household_ids):
            return self._stale_step(load(run.form), run)  # a second tap: done already
        run = self.resume(run_id).run
        ignored = {*already, *household_ids}
        run.answers = {**run.answers, "_not_duplicates": sorted(ignored)}
        self._save(run)
        return self.confirm(run) if confirming and run.step is None else self.current(run)

    def reconsider(self, run: FormRun) -> Step:
        """«Corriger» after a rule's question: back to the answer it was about."""
        spec = load(run.form)
        if stale := self._stale(spec, run, None):
            return stale
        asked = run.answers.get("_asked") or {}
        key = asked.get("field") or (run.history[-1] if run.history else None)
        return self.edit(run, key) if key else self._summary(spec, run)

    # --- internals ---------------------------------------------------------------------------
    def _closed(self, household: Household) -> Refused:
        """The refusal naming a closed household, detached from the session so that its label
        still reads once the update's transaction is rolled back."""
        self.session.expunge(household)
        return Refused("household_closed", household=household)

    def _own_run(self, run_id: int, statuses: set[RunStatus]) -> FormRun:
        run = self.session.get(FormRun, run_id)
        if run is None or run.advisor_id != self.actor.id:
            raise Refused("form_closed")
        household = self._household(run)
        if household is not None and household.status == "clos" \
                and policy.visible(self.actor, household) and not load(run.form).on_closed:
            raise self._closed(household)
        if run.status not in statuses or not self._may_continue(run):
            raise Refused("form_closed")
        return run

    def _stale(self, spec: FormSpec, run: FormRun, step: str | None) -> Step | None:
        if run.status != RunStatus.ACTIVE or run.step != step:
            return self._stale_step(spec, run)
        return None

    def _stale_step(self, spec: FormSpec, run: FormRun) -> Step:
        return Step(Outcome.STALE, run, spec, household=self._household(run))

    def _household(self, run: FormRun) -> Household | None:
        return self.session.get(Household, run.household_id) if run.household_id else None

    def _choices(self, spec_field: FieldSpec, answers: dict[str, Any]) -> tuple[Choice, ...]:
        if spec_field.choices_from:
            return PROVIDERS[spec_field.choices_from](self.session, self.actor, spec_field,
                                                      answers)
        return spec_field.choices

    def _parse(self, spec_field: FieldSpec, choices: tuple[Choice, ...], text: str) -> Any:
        kind = spec_field.type
        if kind == "text":
            return parse_text(text, max_length=spec_field.max_length)
        if kind == "int":
            return parse_int(text, minimum=spec_field.minimum, maximum=spec_field.maximum)
        if kind == "amount":
            return parse_amount(text, positive=spec_field.positive)
        if kind == "date":
            latest = self.clock.today() if spec_field.not_after_today else None
            earliest = self.clock.today() if spec_field.not_before_today else None
            return parse_date(text, earliest=earliest, latest=latest)
        if kind == "phone":
            return parse_phone(text)
        if kind == "ages":
            return parse_ages(text)
        if kind == "yesno":
            return parse_yes_no(text)
        if kind == "choice":
            typed = text.strip().casefold()
            for choice in choices:
                if typed in (choice.label.casefold(), choice.value.casefold()):
                    return choice.value
        raise Invalid("use_buttons")

    def _checked(self, spec: FormSpec, run: FormRun, where: Cursor, value: Any) -> Step:
        """Store an answer, unless it is outside its usual window: then ask "c'est bien ça ?"
        (the answer waits in the run until Oui or Corriger)."""
        warning = self._warning(where.field, run, where, value)
        if warning is None:
            return self._store(spec, run, where, value)
        run.answers = {**run.answers, PENDING: {"step": where.step, "value": _to_json(value),
                                                "code": warning.code,
                                                "params": _to_json_dict(warning.params)}}
        self._save(run)
        return self._ask(spec, run)

    def _warning(self, spec_field: FieldSpec, run: FormRun, where: Cursor, value: Any
                 ) -> Invalid | None:
        if spec_field.warn:
            answers = _get_item(run, where) if where.sub is not None else run.answers
            found = targets.WARNINGS[spec_field.warn](answers, value, self.clock)
            if found is not None:
                return found
        if not isinstance(value, date):
            return None
        today = self.clock.today()
        if spec_field.warn_after_days is not None and \
                value > today + timedelta(days=spec_field.warn_after_days):
            return Invalid("date_after_window", value=value, days=spec_field.warn_after_days)
        if spec_field.warn_before_days is not None and \
                value < today - timedelta(days=spec_field.warn_before_days):
            return Invalid("date_before_window", value=value, days=spec_field.warn_before_days)
        reference = run.answers.get(spec_field.warn_before) if spec_field.warn_before else None
        if reference and value < date.fromisoformat(reference) - timedelta(
                days=spec_field.warn_margin_days):
            return Invalid("date_before_reference", value=value,
                           reference=date.fromisoformat(reference),
                           label=spec_field.warn_before_label,
                           days=spec_field.warn_margin_days)
        return None

    def _store(self, spec: FormSpec, run: FormRun, where: Cursor, value: Any) -> Step:
        if PENDING in run.answers:  # answered another way: the question is over
            run.answers = {k: v for k, v in run.answers.items() if k != PENDING}
        is_new_item = where.sub is not None and (where.index or 0) >= len(
            run.answers.get(where.top.key) or [])
        _set(run, where, _to_json(value))
        if is_new_item:
            items = [dict(i) for i in run.answers[where.top.key]]
            items[-1]["_uid"] = self._new_uid(spec, run, where.top, items)
            run.answers = {**run.answers, where.top.key: items}
        if run.household_id is not None:
            audit.record(self.session, self.clock, self.actor, f"{run.form}.answer",
                         self._household(run), detail=where.step)
        if where.sub is not None:
            step = self._after_sub(spec, run, where)
        else:
            step = self._leave_top(spec, run, where.top)
        step.answered, step.answered_value = where.field, _get(run, where)
        if where.field.after == "budget":
            step.budget = self._budget(spec, run)
        if where.field.after == "duplicates":  # asked before the next question is shown
            step.extras["duplicates"] = targets.duplicates(self.session, self.clock,
                                                           self.actor, spec, run.answers)
        return step

    def _leave_top(self, spec: FormSpec, run: FormRun, top: FieldSpec) -> Step:
        """A question (or a whole list) is answered: on to the next, or to the summary."""
        if run.editing:
            # A correction may make another question apply: it is asked before the summary.
            missing = self._first_missing(spec, run)
            run.editing, run.step = missing is not None, missing
        else:
            run.history = [*run.history, top.key]
            run.step = self._next_top(spec, run, top.key)
        self._save(run)
        if run.step is None and not spec.summary:
            return self.confirm(run)
        return self._summary(spec, run) if run.step is None else self._ask(spec, run)

    def _after_sub(self, spec: FormSpec, run: FormRun, where: Cursor) -> Step:
        """Next sub-question of the same item, or back to the list."""
        top, index = where.top, where.index or 0
        item = (run.answers.get(top.key) or [])[index]
        subs = list(top.item)
        following = subs[subs.index(where.field) + 1:]
        next_sub = next((f for f in following if f.applies(item)), None)
        return self._goto(spec, run, Cursor(top, index, next_sub) if next_sub else Cursor(top))

    def _back_in_item(self, spec: FormSpec, run: FormRun, where: Cursor) -> Step:
        top, index = where.top, where.index or 0
        items = [dict(i) for i in run.answers.get(top.key) or []]
        item = items[index] if index < len(items) else {}
        subs = list(top.item)
        earlier = [f for f in subs[: subs.index(where.field)] if f.applies(item)]
        if earlier:
            return self._goto(spec, run, Cursor(top, index, earlier[-1]))
        if index < len(items) and not complete(top, item):
            del items[index]  # an item left before its first answer is not kept
            run.answers = {**run.answers, top.key: items}
        return self._goto(spec, run, Cursor(top))

    def _first_sub(self, top: FieldSpec, index: int, item: dict[str, Any]) -> Cursor:
        return Cursor(top, index, next(f for f in top.item if f.applies(item)))

    def _goto(self, spec: FormSpec, run: FormRun, where: Cursor) -> Step:
        run.step = where.step
        self._save(run)
        return self._ask(spec, run)

    def _next_top(self, spec: FormSpec, run: FormRun, after: str | None) -> str | None:
        start = spec.position(after) + 1 if after else 0
        for spec_field in spec.fields[start:]:
            if not spec_field.applies(run.answers):
                continue
            if run.answers.get(spec_field.key) is None and spec_field.choices_from:
                choices = self._choices(spec_field, run.answers)
                if len(choices) == 1:  # nothing to choose: a conseillère's own household
                    run.answers = {**run.answers, spec_field.key: choices[0].value}
                    continue
            if run.answers.get(spec_field.key) is None and spec_field.propose:
                proposal = targets.propose(spec_field.propose, run.answers, self.clock)
                if proposal is not None:
                    run.answers = {**run.answers, spec_field.key: proposal}
                    self._with_item_uids(spec, run)
            if spec_field.type == "items" and not run.answers.get(spec_field.key):
                return self._first_sub(spec_field, 0, {}).step  # an empty list: its first item
            return spec_field.key
        return None

    def _all_answered(self, spec: FormSpec, run: FormRun) -> bool:
        return self._first_missing(spec, run) is None

    def _first_missing(self, spec: FormSpec, run: FormRun) -> str | None:
        """The first question that applies, is required and has no answer."""
        for spec_field in spec.fields:
            if not spec_field.applies(run.answers) or not spec_field.required:
                continue
            value = run.answers.get(spec_field.key)
            if spec_field.type == "items":
                value = [i for i in value or [] if complete(spec_field, i)]
                if len(value) < max(spec_field.min_items, 1):
                    return spec_field.key
            elif value is None or (spec_field.type == "multi" and value == []):
                return spec_field.key
        return None

    def _ask(self, spec: FormSpec, run: FormRun, outcome: Outcome = Outcome.ASK,
             error: Invalid | None = None) -> Step:
        if run.step is None:
            return self._summary(spec, run, error=error)
        where = cursor(spec, run.step)
        if where.is_list and not all(i.get("_uid") for i in run.answers.get(where.top.key) or []):
            self._with_item_uids(spec, run)
            self._save(run)
        pending = run.answers.get(PENDING)
        if pending and pending.get("step") != run.step:  # left for another question: over
            run.answers = {k: v for k, v in run.answers.items() if k != PENDING}
            self._save(run)
            pending = None
        if error is None and pending and pending.get("step") == run.step:
            outcome, error = Outcome.CONFIRM, Invalid(pending["code"], **pending["params"])
        return Step(outcome, run, spec, field=where.field, cursor=where,
                    choices=self._choices(where.field, run.answers), error=error,
                    household=self._household(run))

    def _summary(self, spec: FormSpec, run: FormRun, error: Invalid | None = None) -> Step:
        outcome = Outcome.INVALID if error else Outcome.SUMMARY
        choices = {f.key: self._choices(f, run.answers) for f in spec.fields if f.choices_from}
        return Step(outcome, run, spec, error=error, household=self._household(run),
                    budget=self._budget(spec, run), extras={"dynamic_choices": choices})

    def _budget(self, spec: FormSpec, run: FormRun) -> budget.Budget | None:
        if not any(f.after == "budget" for f in spec.fields):
            return None
        household = self._household(run)
        return budget.compute(run.answers, household.persons if household else 1)

    def _save(self, run: FormRun) -> None:
        run.updated_at = self.clock.now()
        self.session.add(run)
        self.session.flush()


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _to_json_dict(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _to_json(v) for k, v in params.items()}


def _get_item(run: FormRun, where: Cursor) -> dict[str, Any]:
    items = run.answers.get(where.top.key) or []
    index = where.index or 0
    return dict(items[index]) if index < len(items) else {}
