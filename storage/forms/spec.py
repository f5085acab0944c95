"""Form descriptions, loaded from `definitions/*.toml` and checked when loaded."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEFINITIONS = Path(__file__).with_name("definitions")

FIELD_TYPES = {"text", "int", "amount", "date", "phone", "choice", "multi", "yesno", "ages"}
TEXT_LIMIT = 3000


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
    today_button: bool = False
    quick: tuple[str, ...] = ()
    when: Condition | None = None
    prefill: str | None = None
    after: str | None = None
    group: str | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)


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


def _field(raw: dict[str, Any], sections: set[str], keys: set[str]) -> FieldSpec:
    key = raw.get("key", "?")

    def fail(why: str) -> FormDefinitionError:
        return FormDefinitionError(f"field {key}: {why}")

    if raw.get("type") not in FIELD_TYPES:
        raise fail(f"unknown type {raw.get('type')!r}")
    if raw.get("section") not in sections:
        raise fail(f"unknown section {raw.get('section')!r}")
    choices = tuple(Choice(str(v), str(label)) for v, label in raw.pop("choices", []))
    if raw["type"] in {"choice", "multi"} and not choices and not raw.get("choices_from"):
        raise fail("a choice needs choices or choices_from")
    when = raw.pop("when", None)
    condition = None
    if when is not None:
        if when.get("field") not in keys:
            raise fail(f"condition on an earlier unknown field {when.get('field')!r}")
        condition = Condition(when["field"], tuple(when.get("is", ())), bool(when.get("positive")))
    raw["quick"] = tuple(raw.get("quick", ()))
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
    )


@cache
def load(name: str) -> FormSpec:
    path = DEFINITIONS / f"{name}.toml"
    with path.open("rb") as handle:
        return parse(tomllib.load(handle))


def all_forms() -> list[FormSpec]:
    return [load(p.stem) for p in sorted(DEFINITIONS.glob("*.toml"))]
