"""Taux d'effort and reste à vivre, from the diagnostic's budget answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Budget:
    resources: int  # cents per month, housing benefit excluded
    housing_cost: int  # rent + charges - housing benefit, cents per month
    effort_rate: float | None  # percent; None without resources
    remaining: int  # reste à vivre, cents per month
    remaining_per_person_day: int  # cents
    persons: int


def compute(answers: dict[str, Any], persons: int) -> Budget | None:
    """None until the resources and the rent are known."""
    resources = answers.get("ressources")
    rent = answers.get("loyer")
    if resources is None or rent is None:
        return None

    def amount(key: str) -> int:
        value = answers.get(key)
        return value if isinstance(value, int) else 0

    housing = rent + amount("charges_locatives") - amount("aide_logement")
    remaining = resources - housing - amount("charges_fixes") - amount("remboursements")
    persons = max(persons, 1)
    return Budget(
        resources=resources,
        housing_cost=housing,
        effort_rate=round(100 * max(housing, 0) / resources, 1) if resources > 0 else None,
        remaining=remaining,
        remaining_per_person_day=round(remaining / persons / DAYS_PER_MONTH),
        persons=persons,
    )
