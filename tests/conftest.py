"""Fixtures shared by the unit tests: a migrated database and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from storage.clock import FixedClock
from storage.db import Database
from storage.migrate import upgrade

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Database:
    database = Database(f"sqlite:///{tmp_path}/unit.sqlite3", clock)
    upgrade(database.engine)
    return database


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s
