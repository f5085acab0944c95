"""Issue 10 «Several instances»: two updates of one chat arriving at two instances are
serialised by a lock on the chat, taken first in the update's transaction; other chats go on.

Two threads with their own `Database` (their own connections, as two instances would have)."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session

from storage.db import Database, lock_chat
from storage.models import ProcessedUpdate

CHAT = 123456789


def _holder(db: Database, update_id: int, chat: int, inside: threading.Event,
            release: threading.Event, seen: list[tuple[int, bool]]) -> threading.Thread:
    """An update's transaction that takes the chat's lock, then holds until `release`;
    `seen` gets whether the other update's (1 or 2) commit was visible when this one got the
    lock."""

    def work(session: Session) -> None:
        lock_chat(session, chat)
        seen.append((update_id, session.get(ProcessedUpdate, (0, 3 - update_id)) is not None))
        inside.set()
        release.wait(10)

    thread = threading.Thread(target=db.apply, args=(update_id, work))
    thread.start()
    return thread


def test_two_updates_of_one_chat_are_serialised(db, clock):
    """The second waits for the first's commit (PostgreSQL: the advisory lock; SQLite: the
    write transaction begun IMMEDIATE), then sees what it wrote."""
    other = Database(db.url, clock)  # a second instance
    seen: list[tuple[int, bool]] = []
    first_in, first_release = threading.Event(), threading.Event()
    second_in, second_release = threading.Event(), threading.Event()
    second_release.set()
    first = _holder(db, 1, CHAT, first_in, first_release, seen)
    assert first_in.wait(10)
    second = _holder(other, 2, CHAT, second_in, second_release, seen)
    assert not second_in.wait(0.5)  # held at the lock while the first is in flight
    first_release.set()
    first.join(10)
    second.join(10)
    assert seen == [(1, False), (2, True)]  # the second ran after the first's commit
    other.engine.dispose()


def test_updates_of_two_chats_are_not_serialised_on_postgresql(db, clock):
    """On SQLite every write transaction waits for the one in flight (one writer per file,
    see storage.db.lock_chat): only PostgreSQL lets two chats' updates run side by side."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every write transaction")
    other = Database(db.url, clock)
    seen: list[tuple[int, bool]] = []
    first_in, release = threading.Event(), threading.Event()
    second_in = threading.Event()
    first = _holder(db, 1, CHAT, first_in, release, seen)
    assert first_in.wait(10)
    second = _holder(other, 2, CHAT + 1, second_in, release, seen)
    try:
        assert second_in.wait(5)  # not held by the other chat's lock
    finally:
        release.set()
        first.join(10)
        second.join(10)
    assert seen == [(1, False), (2, False)]  # both inside before either committed
    other.engine.dispose()
