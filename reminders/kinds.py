"""Every reminder kind, each defined once: what derives it, who receives it, its buttons and
what each does, whether it only informs, and the template macros that show it.

Adding a kind is one `Kind` in `KINDS` plus its macros in `bot/templates/reminder_kinds.html`
(the full line, the short line, its one word for lists' buttons), and the function of
reminders.rules that derives it. Everything else (rules' notices, the keyboards, the answers,
the sending, the replaced reminders) reads this registry; `tests/unit/test_registry_kinds.py`
renders and answers every kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Recipient(StrEnum):
    ADVISOR = "advisor"  # the advisor in charge (a coordinator if she cannot be reached)
    COORDINATORS = "coordinators"  # each coordinator too, one reminder each (payload "to")


class Does(StrEnum):
    """What a button of a reminder does (storage.reminder_answers)."""

    FORM = "form"  # opens a form with the reminder as its context; the form answers it
    RENT = "rent"  # records the month's rent check (paid in full, or not at all)
    ANSWER = "answer"  # answers the reminder with `answer`
    STEP = "step"  # the plan's step done (recorded on the PPAL), then answered with `answer`
    SNOOZE = "snooze"  # the same reminder `days` later


@dataclass(frozen=True)
class Action:
    code: str  # in the callback data `m:<reminder>:<code>` (short: 64 bytes)
    label: str  # its macro in bot/templates/labels.txt
    does: Does
    form: str = ""  # Does.FORM: the form's name
    answer: str = ""  # Does.ANSWER / STEP: the answer recorded (reminders.answer_word says it)
    paid: bool = False  # Does.RENT: paid in full (else unpaid)
    days: int = 0  # Does.SNOOZE


@dataclass(frozen=True)
class Kind:
    name: str
    rule: str  # the function of reminders.rules that derives it
    line: str  # macro of reminder_kinds.html: the full line (r, h)
    short: str  # macro of reminder_kinds.html: the short line of lists (r)
    word: str  # macro of reminder_kinds.html: one word (lists' buttons; plain text)
    actions: tuple[Action, ...] = ()
    recipients: tuple[Recipient, ...] = (Recipient.ADVISOR,)
    # Only informs: no buttons, answered once sent (it leaves the open items).
    notice: bool = False
    # The kinds whose newer reminder takes over from a cancelled one of this kind.
    replaced_by: tuple[str, ...] = ()
    # Cancelled (its reason went away) while the household is active: the refusal said.
    cancelled_refusal: str = ""

    def action(self, code: str) -> Action | None:
        return next((a for a in self.actions if a.code == code), None)


class UnknownKind(KeyError):
    """A reminder of a kind not in the registry (a kind removed, a typo in a rule)."""


# The answers «later» of a reminder to do: done, a day, a week, a date.
DONE = Action("f", "reminder_done", Does.ANSWER, answer="fait")
LATER = (Action("d1", "reminder_day", Does.SNOOZE, days=1),
         Action("d7", "reminder_week", Does.SNOOZE, days=7),
         Action("dd", "reminder_date", Does.FORM, form="reporter"))

KINDS: list[Kind] = [
    Kind("rent", "_rent", "rent", "rent_short", "rent_word",
         actions=(Action("p", "reminder_paid", Does.RENT, paid=True),
                  Action("t", "reminder_partial", Does.FORM, form="loyer"),
                  Action("i", "reminder_unpaid", Does.RENT)),
         cancelled_refusal="rent_settled"),
    Kind("insurance", "_insurance", "insurance", "insurance_short", "insurance_word",
         actions=(Action("r", "reminder_certificate", Does.FORM, form="assurance"),
                  Action("l", "reminder_chase", Does.ANSWER, answer="relance")),
         replaced_by=("insurance",)),
    Kind("glissement_convene", "_glissement", "glissement_convene", "glissement_convene_short",
         "glissement_word", actions=(DONE, *LATER),
         replaced_by=("glissement", "glissement_convene")),
    # To the coordinators (payload `to_role`, routed by storage.reminders.recipient).
    Kind("prefet_notice", "_prefet_notice", "prefet_notice", "prefet_notice_short", "prefet_word",
         actions=(DONE, *LATER)),
    Kind("glissement", "_glissement", "glissement", "glissement_short", "glissement_word",
         actions=(Action("g", "reminder_review", Does.FORM, form="glissement"),),
         replaced_by=("glissement",)),
    Kind("bilan", "_bilans", "bilan", "bilan_short", "bilan_word",
         actions=(Action("f", "reminder_done", Does.FORM, form="bilan"), *LATER),
         replaced_by=("bilan",)),
    Kind("step", "_plan_steps", "step", "step_short", "step_word",
         actions=(Action("f", "reminder_done", Does.STEP, answer="fait"), *LATER)),
    Kind("evaluation", "_evaluation", "evaluation", "evaluation_short", "evaluation_word",
         actions=(DONE, *LATER), replaced_by=("evaluation",)),
    Kind("libre", "_free", "libre", "libre_short", "libre_word", actions=(DONE, *LATER)),
    Kind("prevention", "_free", "prevention", "prevention_short", "impaye_word",
         actions=(DONE, *LATER)),
    Kind("impaye", "_impaye", "impaye", "impaye_short", "impaye_word", notice=True,
         recipients=(Recipient.ADVISOR, Recipient.COORDINATORS)),
    Kind("impaye_fin", "_impaye", "impaye_fin", "impaye_fin_short", "impaye_fin_word", notice=True),
    Kind("plan_missed", "_rent", "plan_missed", "plan_missed_short", "plan_missed_word",
         notice=True),
]

BY_NAME = {k.name: k for k in KINDS}
NOTICES = frozenset(k.name for k in KINDS if k.notice)


def get(name: str) -> Kind:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownKind(name) from None


def find(name: str) -> Kind | None:
    return BY_NAME.get(name)
