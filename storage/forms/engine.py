"""One conversation engine for every form: ask, validate, save, back, skip, stop, summary.

Each call loads the run from the database, changes it and leaves it saved in the caller's
transaction, so the position and every answer survive a kill -9. The engine knows nothing of
Telegram: it returns a `Step` that the handlers render.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from storage import advisors, audit, budget
from storage.clock import Clock
from storage.errors import Refused
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


@dataclass
class Step:
    outcome: Outcome
    run: FormRun
    spec: FormSpec
    field: FieldSpec | None = None
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
    def position(self) -> tuple[int, int]:
        """(number of the current question, questions that apply), for "3/18"."""
        applicable = [f for f in self.spec.fields if f.applies(self.run.answers)]
        keys = [f.key for f in applicable]
        current = keys.index(self.run.step) + 1 if self.run.step in keys else len(keys)
        return current, len(keys)


ChoiceProvider = Callable[[Session, Advisor], tuple[Choice, ...]]


def _advisor_choices(session: Session, actor: Advisor) -> tuple[Choice, ...]:
    return tuple(Choice(str(a.id), a.name or str(a.telegram_id))
                 for a in advisors.assignable(session, actor))


PROVIDERS: dict[str, ChoiceProvider] = {"advisors": _advisor_choices}


class Engine:
    def __init__(self, session: Session, clock: Clock, actor: Advisor) -> None:
        self.session, self.clock, self.actor = session, clock, actor

    # --- runs --------------------------------------------------------------------------------
    def active(self) -> FormRun | None:
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id, FormRun.status == RunStatus.ACTIVE
        )
        return self.session.exec(query.order_by(col(FormRun.updated_at).desc())).first()

    def start(self, form: str, household: Household | None = None) -> Step:
        """Start a form, or resume this advisor's unfinished one for the same household."""
        spec = load(form)
        if spec.needs_household and household is None:
            raise Refused("household_needed")
        self.pause_active()
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id,
            FormRun.form == form,
            FormRun.household_id == (household.id if household else None),
            FormRun.status == RunStatus.PAUSED,
        )
        run = self.session.exec(query.order_by(col(FormRun.updated_at).desc())).first()
        now = self.clock.now()
        if run is None:
            run = FormRun(advisor_id=self.actor.id or 0, form=form,
                          household_id=household.id if household else None,
                          answers=targets.prefill(self.session, spec, household),
                          created_at=now, updated_at=now)
            run.step = self._next_key(spec, run, None)
            audit.record(self.session, self.clock, self.actor, f"{form}.start", household)
        run.status = RunStatus.ACTIVE
        self._save(run)
        return self.current(run)

    def pause_active(self) -> FormRun | None:
        run = self.active()
        if run is not None:
            self.stop(run, check=False)
        return run

    def latest_paused(self) -> FormRun | None:
        query = select(FormRun).where(
            FormRun.advisor_id == self.actor.id, FormRun.status == RunStatus.PAUSED
        )
        return self.session.exec(query.order_by(col(FormRun.updated_at).desc())).first()

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
        spec_field = spec.field(run.step)
        try:
            value = self._parse(spec_field, self._choices(spec_field), text)
        except Invalid as error:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=error)
        return self._store(spec, run, spec_field, value)

    def choose(self, run: FormRun, key: str, index: int) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        spec_field = spec.field(key)
        choices = self._choices(spec_field)
        if spec_field.type == "yesno":
            return self._store(spec, run, spec_field, index == 1)
        if not 0 <= index < len(choices):
            return self._stale_step(spec, run)
        if spec_field.type == "multi":
            selected = list(run.answers.get(key) or [])
            value = choices[index].value
            selected = [v for v in selected if v != value] if value in selected \
                else [*selected, value]
            run.answers = {**run.answers, key: [c.value for c in choices if c.value in selected]}
            self._save(run)
            return self._ask(spec, run)
        return self._store(spec, run, spec_field, choices[index].value)

    def quick(self, run: FormRun, key: str, text: str) -> Step:
        """A shortcut button: the same as typing its text."""
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        return self.answer_text(run, text)

    def today(self, run: FormRun, key: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        return self._store(spec, run, spec.field(key), self.clock.today())

    def keep(self, run: FormRun, key: str) -> Step:
        """Keep the answer already there (given before going back, or pre-filled)."""
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        if run.answers.get(key) is None:
            return self._ask(spec, run)
        return self._store(spec, run, spec.field(key), run.answers[key])

    def validate(self, run: FormRun, key: str) -> Step:
        """Close a multiple choice (or keep the answer given before)."""
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        spec_field = spec.field(key)
        value = run.answers.get(key)
        if spec_field.required and not value:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("required"))
        return self._store(spec, run, spec_field, value if value is not None else [])

    def skip(self, run: FormRun, key: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
        spec_field = spec.field(key)
        if spec_field.required:
            return self._ask(spec, run, outcome=Outcome.INVALID, error=Invalid("required"))
        return self._store(spec, run, spec_field, None)

    def back(self, run: FormRun, key: str) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, key):
            return stale
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

    def stop(self, run: FormRun, key: str | None = None, *, check: bool = True) -> Step:
        """Pause. `key` is the question whose button was pressed (None: the summary)."""
        if check and (stale := self._stale(load(run.form), run, key)):
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
        return self.current(run)

    def cancel(self, run_id: int) -> Step:
        run = self._own_run(run_id, {RunStatus.PAUSED, RunStatus.ACTIVE})
        run.status = RunStatus.CANCELLED
        self._save(run)
        audit.record(self.session, self.clock, self.actor, f"{run.form}.cancel",
                     self._household(run))
        return Step(Outcome.CANCELLED, run, load(run.form), household=self._household(run))

    # --- the summary -------------------------------------------------------------------------
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

    def confirm(self, run: FormRun) -> Step:
        spec = load(run.form)
        if stale := self._stale(spec, run, None):
            return stale
        answers = {f.key: run.answers.get(f.key) for f in spec.fields if f.applies(run.answers)}
        result = targets.commit(self.session, self.clock, self.actor, spec, answers,
                                self._household(run))
        run.status = RunStatus.DONE
        self._save(run)
        household = result if isinstance(result, Household) else self._household(run)
        return Step(Outcome.DONE, run, spec, household=household, result=result,
                    budget=self._budget(spec, run))

    # --- internals ---------------------------------------------------------------------------
    def _own_run(self, run_id: int, statuses: set[RunStatus]) -> FormRun:
        run = self.session.get(FormRun, run_id)
        if run is None or run.advisor_id != self.actor.id or run.status not in statuses:
            raise Refused("form_closed")
        return run

    def _stale(self, spec: FormSpec, run: FormRun, key: str | None) -> Step | None:
        if run.status != RunStatus.ACTIVE or run.step != key:
            return self._stale_step(spec, run)
        return None

    def _stale_step(self, spec: FormSpec, run: FormRun) -> Step:
        return Step(Outcome.STALE, run, spec, household=self._household(run))

    def _household(self, run: FormRun) -> Household | None:
        return self.session.get(Household, run.household_id) if run.household_id else None

    def _choices(self, spec_field: FieldSpec) -> tuple[Choice, ...]:
        if spec_field.choices_from:
            return PROVIDERS[spec_field.choices_from](self.session, self.actor)
        return spec_field.choices

    def _parse(self, spec_field: FieldSpec, choices: tuple[Choice, ...], text: str) -> Any:
        kind = spec_field.type
        if kind == "text":
            return parse_text(text, max_length=spec_field.max_length)
        if kind == "int":
            return parse_int(text, minimum=spec_field.minimum, maximum=spec_field.maximum)
        if kind == "amount":
            return parse_amount(text)
        if kind == "date":
            latest = self.clock.today() if spec_field.not_after_today else None
            return parse_date(text, latest=latest)
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

    def _store(self, spec: FormSpec, run: FormRun, spec_field: FieldSpec, value: Any) -> Step:
        run.answers = {**run.answers, spec_field.key: _to_json(value)}
        if run.household_id is not None:
            audit.record(self.session, self.clock, self.actor, f"{run.form}.answer",
                         self._household(run), detail=spec_field.key)
        if run.editing:
            run.editing, run.step = False, None
        else:
            run.history = [*run.history, spec_field.key]
            run.step = self._next_key(spec, run, spec_field.key)
        self._save(run)
        step = self._summary(spec, run) if run.step is None else self._ask(spec, run)
        step.answered, step.answered_value = spec_field, run.answers[spec_field.key]
        if spec_field.after == "budget":
            step.budget = self._budget(spec, run)
        return step

    def _next_key(self, spec: FormSpec, run: FormRun, after: str | None) -> str | None:
        start = spec.position(after) + 1 if after else 0
        for spec_field in spec.fields[start:]:
            if not spec_field.applies(run.answers):
                continue
            if run.answers.get(spec_field.key) is None and spec_field.choices_from:
                choices = self._choices(spec_field)
                if len(choices) == 1:  # nothing to choose: a conseillère's own household
                    run.answers = {**run.answers, spec_field.key: choices[0].value}
                    continue
            return spec_field.key
        return None

    def _ask(self, spec: FormSpec, run: FormRun, outcome: Outcome = Outcome.ASK,
             error: Invalid | None = None) -> Step:
        spec_field = spec.field(run.step) if run.step else None
        if spec_field is None:
            return self._summary(spec, run, error=error)
        return Step(outcome, run, spec, field=spec_field, choices=self._choices(spec_field),
                    error=error, household=self._household(run))

    def _summary(self, spec: FormSpec, run: FormRun, error: Invalid | None = None) -> Step:
        outcome = Outcome.INVALID if error else Outcome.SUMMARY
        choices = {f.key: self._choices(f) for f in spec.fields if f.choices_from}
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
