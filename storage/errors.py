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
