"""Whether the sender of the update being handled may be answered, decided once per update.

The gate (handlers.gate) lets an update from a private chat through with its admission
*pending*; the update's use case settles it in its own transaction (`common.with_actor`
identifies the advisor there, and raises `Stranger` for anyone else), so an advisor's update
costs one transaction, not a gate's and then a use case's. Fail closed all the same: a call to
Telegram made for an update still pending (a handler that answers without the database) waits
for the gate's own check first (`bot.ratelimit.RateLimiter.guard`, every Bot API call passes
there), and a refused update's handlers stop there; an update that reached neither is checked
at the end (its attempt recorded, the stranger refused).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from storage.clock import Clock


class State(StrEnum):
    PENDING = "pending"  # no one has identified the sender yet
    CHECKING = "checking"  # the gate's own check runs: its refusal may be sent
    ADMITTED = "admitted"
    REFUSED = "refused"


@dataclass
class Admission:
    update: Update
    context: CallbackContext[Any, Any, Any, Any]  # the gate's check answers through it
    clock: Clock  # identifying her marks her chat open (storage.advisors.identify)
    state: State = State.PENDING


class NotAdmitted(Exception):
    """A call to Telegram for an update whose sender was refused: the handler stops there."""


# Per update: the updates of one chat are handled one after the other in one task (bot.polling.
# ChatOrder), each from the gate on, which sets it first.
_current: ContextVar[Admission | None] = ContextVar("admission", default=None)


def current() -> Admission | None:
    return _current.get()


def begin(admission: Admission | None) -> None:
    _current.set(admission)
