"""Refusals that storage rules raise; handlers turn their `code` into a French message."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        # A security event (storage.security) to keep although the transaction is undone.
        self.event: Any = None


class Stranger(Exception):
    """No active advisor behind the update (a stranger, or deactivated): found by the use
    case's own identification; the gate's check then refuses (handlers.gate.refuse_stranger).
    Not a `Refused`: nothing of a household is involved, no handler answers it."""


class NeedsConfirmation(Exception):
    """A rule asks the advisor before recording (an amount above what is owed…). `key` names
    what was asked: once she said yes to that key, the same answer goes through."""

    def __init__(self, code: str, key: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.key, self.params = code, key, params
        self.field: str | None = None  # the answer to correct instead (set by the committer)
