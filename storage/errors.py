"""Refusals that storage rules raise; handlers turn their `code` into a French message."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
