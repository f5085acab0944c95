"""Taux d'effort and reste à vivre, from the diagnostic's budget answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

DAYS_PER_MONTH = 30
EFFORT_MAX = 30.0  # percent: above it, housing costs too much of the resources
# Reste à vivre under which the budget is flagged, cents per person and day: the setting
# RESTE_A_VIVRE_MIN (bot.app puts it here, like reminders.settings).
settings = {"remaining_min": 1000}


@dataclass(frozen=True)
class Budget:
    resources: int  # cents per month, housing benefit excluded
    housing_cost: int  # rent + charges - housing benefit, cents per month
    effort_rate: float | None  # percent; None without resources
    remaining: int  # reste à vivre, cents per month
    remaining_per_person_day: int  # cents
    persons: int
    remaining_min: int  # the threshold in force, cents per person and day
    effort_max: ClassVar[float] = EFFORT_MAX
    days: ClassVar[int] = DAYS_PER_MONTH

    @property
    def effort_high(self) -> bool:
        return self.effort_rate is not None and self.effort_rate > EFFORT_MAX

    @property
    def remaining_low(self) -> bool:
        return self.remaining_per_person_day < self.remaining_min


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
        remaining_min=settings["remaining_min"],
    )


def project(answers: dict[str, Any], persons: int, rent: int | None) -> Budget | None:
    """The budget in the home sought: `rent` is its monthly cost charges included, after
    housing benefit (the diagnostic's `loyer_max`), in place of today's rent, charges and
    benefit; the other charges and repayments stay. None without a rent or resources."""
    if rent is None:
        return None
    return compute({**answers, "loyer": rent, "charges_locatives": 0, "aide_logement": 0},
                   persons)
