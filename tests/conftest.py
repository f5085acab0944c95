"""Fixtures shared by the unit tests: a migrated database and a fixed clock."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlmodel import Session

from storage.clock import FixedClock
from storage.db import Database
from storage.migrate import upgrade

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))


def _postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on a Unix socket, for the whole test run."""
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed here (`make test` installs it: "
                    "scripts/system-deps.sh --tests)")
    base = Path(tempfile.mkdtemp(prefix="hlm-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_postgres = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    data, socket_dir = base / "data", base
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "check": True}
    subprocess.run([*as_postgres, str(binaries / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "hlm", "--no-sync"], **quiet)  # type: ignore[call-overload]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"-p {port} -k {socket_dir} -c listen_addresses='' -c fsync=off"
    subprocess.run([*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                    "-l", str(base / "log"), "-w", "start"], **quiet)  # type: ignore[call-overload]
    try:
        yield f"postgresql+psycopg://hlm@/{{name}}?host={socket_dir}&port={port}"
    finally:
        subprocess.run([*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-m",
                        "immediate", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres: str) -> str:
    """The URL of a fresh, empty database on the throwaway server (unit and e2e tests)."""
    name = f"t{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres.format(name="postgres").replace("postgresql+psycopg",
                                                                   "postgresql"),
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres.format(name=name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite (a file) and on PostgreSQL (a fresh database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/unit.sqlite3"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def db(database_url: str, clock: FixedClock) -> Iterator[Database]:
    database = Database(database_url, clock)
    upgrade(database.engine)
    yield database
    database.engine.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s
