"""Form descriptions, loaded from `definitions/*.toml` and checked when loaded."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEFINITIONS = Path(__file__).with_name("definitions")

FIELD_TYPES = {"text", "int", "amount", "date", "phone", "choice", "multi", "yesno", "ages",
               "items"}
TEXT_LIMIT = 3000
SENSITIVE = {"address"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Ask a field only when another answer is one of `values` (or positive, for amounts)."""

    field: str
    values: tuple[Any, ...] = ()
    positive: bool = False

    def holds(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.field)
        if self.positive:
            return isinstance(value, int) and value > 0
        return value in self.values


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    section: str
    question: str
    short: str
    required: bool = True
    help: str = ""
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    minimum: int = 0
    maximum: int = 1000
    max_length: int = TEXT_LIMIT
    not_after_today: bool = False
    not_before_today: bool = False
    # A date outside a sensible window is asked to be confirmed (Oui / Corriger), not refused:
    # more than `warn_after_days` after today, more than `warn_before_days` before today, or
    # more than `warn_margin_days` before the date answered (or given as context) in
    # `warn_before`, named in the question by `warn_before_label`.
    warn_after_days: int | None = None
    warn_before_days: int | None = None
    warn_before: str | None = None
    warn_before_label: str = ""
    warn_margin_days: int = 0
    # Any other check asking a confirmation: a rule of storage.forms.targets.WARNINGS.
    warn: str | None = None
    positive: bool = False  # an amount: 0 is refused (negative amounts always are)
    today_button: bool = False
    quick: tuple[str, ...] = ()
    when: Condition | None = None
    prefill: str | None = None
    after: str | None = None
    group: str | None = None
    # "items": a list of records, each asked with the sub-questions of `item`.
    item: tuple[FieldSpec, ...] = ()
    item_label: str = ""
    item_name: str = ""  # an item named in a sentence: "l'objectif" (« Supprimer l'objectif … »)
    min_items: int = 0
    max_items: int = 20
    # A rule of storage.forms.targets that proposes an answer when the question comes.
    propose: str | None = None
    # "address": never shown for a confidential household (see Step.hides).
    sensitive: str | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)

    def sub(self, key: str) -> FieldSpec:
        return next(f for f in self.item if f.key == key)


@dataclass(frozen=True)
class Section:
    key: str
    title: str


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    target: str
    sections: tuple[Section, ...]
    fields: tuple[FieldSpec, ...]
    needs_household: bool = False
    # May be started on a household whose support is closed (its reopening); any other
    # form on such a household is refused.
    on_closed: bool = False
    summary: bool = True  # False: stored as soon as the last question is answered
    # The yes/no question of this form that makes the household confidential (its answer
    # counts before the household exists, see Step.hides).
    confidential_flag: str | None = None
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: i for i, f in enumerate(self.fields)})

    def field(self, key: str) -> FieldSpec:
        return self.fields[self._index[key]]

    def position(self, key: str) -> int:
        return self._index[key]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def fields_of(self, section_key: str) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.section == section_key)


class FormDefinitionError(ValueError):
    pass


def _field(raw: dict[str, Any], sections: set[str], keys: set[str],
           section: str | None = None) -> FieldSpec:
    key = raw.get("key", "?")

    def fail(why: str) -> FormDefinitionError:
        return FormDefinitionError(f"field {key}: {why}")

    if raw.get("type") not in FIELD_TYPES:
        raise fail(f"unknown type {raw.get('type')!r}")
    if section is not None:
        raw.setdefault("section", section)
    if raw.get("section") not in sections:
        raise fail(f"unknown section {raw.get('section')!r}")
    item: list[FieldSpec] = []
    for sub in raw.pop("item", []):
        if sub.get("type") == "items":
            raise fail("items inside items")
        item.append(_field(dict(sub), sections, {f.key for f in item} | keys, raw["section"]))
    if raw["type"] == "items" and not item:
        raise fail("a list needs an item description")
    raw["item"] = tuple(item)
    choices = tuple(Choice(str(v), str(label)) for v, label in raw.pop("choices", []))
    if raw["type"] in {"choice", "multi"} and not choices and not raw.get("choices_from"):
        raise fail("a choice needs choices or choices_from")
    when = raw.pop("when", None)
    condition = None
    if when is not None:
        # `_`-keys are the context a form is started with (e.g. `_confidential`).
        known = keys | {f.key for f in item}
        if when.get("field") not in known and not str(when.get("field")).startswith("_"):
            raise fail(f"condition on an earlier unknown field {when.get('field')!r}")
        condition = Condition(when["field"], tuple(when.get("is", ())), bool(when.get("positive")))
    raw["quick"] = tuple(raw.get("quick", ()))
    if raw.get("sensitive") not in (None, *SENSITIVE):
        raise fail(f"unknown sensitivity {raw.get('sensitive')!r}")
    if raw.get("sensitive") and section is not None:
        # A list's lines are drawn without the household (labels.txt item_line): an address
        # there could not be hidden, so it is not allowed.
        raise fail("a sensitive answer cannot be part of a list's item")
    try:
        return FieldSpec(choices=choices, when=condition, **raw)
    except TypeError as error:
        raise fail(str(error)) from None


def parse(data: dict[str, Any]) -> FormSpec:
    sections = tuple(Section(s["key"], s["title"]) for s in data.get("sections", []))
    section_keys = {s.key for s in sections}
    fields: list[FieldSpec] = []
    for raw in data.get("fields", []):
        spec = _field(dict(raw), section_keys, {f.key for f in fields})
        if spec.key in {f.key for f in fields}:
            raise FormDefinitionError(f"field {spec.key}: defined twice")
        fields.append(spec)
    if not fields:
        raise FormDefinitionError(f"form {data.get('name')}: no field")
    return FormSpec(
        name=data["name"],
        title=data["title"],
        target=data["target"],
        sections=sections,
        fields=tuple(fields),
        needs_household=bool(data.get("needs_household", False)),
        on_closed=bool(data.get("on_closed", False)),
        summary=bool(data.get("summary", True)),
        confidential_flag=data.get("confidential_flag"),
    )


@cache
def load(name: str) -> FormSpec:
    path = DEFINITIONS / f"{name}.toml"
    with path.open("rb") as handle:
        return parse(tomllib.load(handle))


def all_forms() -> list[FormSpec]:
    return [load(p.stem) for p in sorted(DEFINITIONS.glob("*.toml"))]
