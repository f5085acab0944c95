"""Issue 9 §7: only unreadable button data is answered as a stale button; an error of the
work a button starts reaches the error handler (logged, the advisor told), not disguised."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from handlers import callbacks


class Query:
    def __init__(self, data: str) -> None:
        self.data, self.id = data, "q1"
        self.answers: list[str | None] = []

    async def answer(self, text: str | None = None) -> None:
        self.answers.append(text)


def update(data: str) -> Any:
    return SimpleNamespace(callback_query=Query(data), update_id=7, effective_user=None)


def context() -> Any:
    render = SimpleNamespace(msg=lambda name, **_: f"<{name}>")
    return SimpleNamespace(application=SimpleNamespace(bot_data={"deps": SimpleNamespace(
        render=render)}))


async def test_an_error_of_the_work_is_not_taken_for_an_unreadable_button(monkeypatch):
    """Seen: a support start 31/12/9999 made reminders' date arithmetic raise ValueError, and
    every press on «Confirmer» answered "Cette question a déjà reçu sa réponse"."""
    async def confirm(_update: Any, _context: Any, _parts: list[str]) -> str | None:
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr(callbacks.forms, "on_form_button", confirm)
    pressed = update("f:3:S:ok")
    with pytest.raises(ValueError, match="out of range"):  # to PTB's error handler
        await callbacks.on_button(pressed, context())
    assert pressed.callback_query.answers == [None]  # the spinner stops, no "stale" toast


@pytest.mark.parametrize("data", ["h:o:" + "1" * 20, "h:o:12\x00", "zz:1", "h:zz:1", "h:o",
                                  "m:x:o", "m:1", "e:r", "i:chef", "h:V:1:x"])
async def test_unreadable_data_is_answered_as_stale(data):
    pressed = update(data)
    await callbacks.on_button(pressed, context())
    assert pressed.callback_query.answers == ["<forms.stale>"]
