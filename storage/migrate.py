"""Bring a database to the latest schema (and write new revisions while developing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from storage import search_index

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, target: str = "head") -> None:
    _run(engine, lambda config: command.upgrade(config, target))


def downgrade(engine: Engine, target: str) -> None:
    _run(engine, lambda config: command.downgrade(config, target))


def _run(engine: Engine, migrate: Callable[[Config], None]) -> None:
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw: Any = connection.connection.driver_connection if sqlite else None
        if sqlite:
            # A batch migration copies a table, drops it and renames the copy: with foreign
            # keys on, dropping a table that other rows reference fails. Off outside the
            # transaction (SQLite ignores the pragma inside one), checked after.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config = _config(engine)
                config.attributes["connection"] = connection
                migrate(config)
            if sqlite:
                if raw.execute("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError("the migration left rows pointing to nothing")
                search_index.repair(raw)
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a revision against `engine` (a database at head): for developers."""
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
