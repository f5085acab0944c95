"""`hlm-bot backup DIR` / `hlm-bot restore DIR`: a consistent copy of the database and of
`BOT_DATA_DIR`, taken while the bot runs, brought back while it is stopped.

A backup folder holds `database.sqlite3` (SQLite's online backup API: a consistent snapshot
even while the bot writes) or `database.dump` (`pg_dump -Fc`, one snapshot transaction), then
`files.tar` (the data folder without the SQLite database itself) and `manifest.json`. Files
are created with the process's umask (077, see `bot.cli`): the copy is as private as the
original."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

FORMAT = 1
MANIFEST, FILES = "manifest.json", "files.tar"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Rows that make a database "not empty": restoring over them needs --force.
OWNED_TABLES = ("household", "advisor")


@dataclass
class BackupError(Exception):
    """What went wrong, as a `cli.backup_error` code and its parameters."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Manifest:
    database: str
    revision: str
    created_at: str
    files: int


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database \
        else None


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (`postgresql+psycopg://` -> `postgresql://`)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_tool(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest of `/usr/lib/postgresql/*/bin`."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:  # the newest server's tool reads every older server's dump
        return str(found[-1])
    if on_path := shutil.which(name):
        return on_path
    raise BackupError("tool_missing", {"tool": name})


def _revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return ""
            return str(connection.execute(text("SELECT version_num FROM alembic_version"))
                       .scalar() or "")
    finally:
        engine.dispose()


def _files(data_dir: Path, database: Path | None) -> list[Path]:
    """Every file of the data folder but the SQLite database (and its journal files)."""
    skip = set()
    if database is not None:
        skip = {database.resolve(), *(database.resolve().with_name(database.name + suffix)
                                      for suffix in ("-wal", "-shm", "-journal"))}
    if not data_dir.is_dir():
        return []
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.resolve() not in skip)


def backup(url: str, data_dir: Path, target: Path) -> Manifest:
    if target.exists() and any(target.iterdir()):
        raise BackupError("target_not_empty", {"path": target})
    target.mkdir(parents=True, exist_ok=True)
    dialect = make_url(url).get_backend_name()
    revision = _revision(url)
    database = _sqlite_path(url)
    if database is not None:
        source, copy = sqlite3.connect(database), sqlite3.connect(target / DUMPS["sqlite"])
        try:
            source.backup(copy)  # page by page, consistent even while the bot writes
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        done = subprocess.run([postgres_tool("pg_dump"), "-Fc", "--no-owner", "-f",
                               str(target / DUMPS["postgresql"]), "-d", _libpq(url)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError("tool_failed", {"tool": "pg_dump", "error": done.stderr.strip()})
    else:
        raise BackupError("dialect_unknown", {"dialect": dialect})
    files = _files(data_dir, database)
    with tarfile.open(target / FILES, "w") as archive:
        for path in files:
            archive.add(path, arcname=str(path.relative_to(data_dir)), recursive=False)
    manifest = Manifest(database=dialect, revision=revision,
                        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        files=len(files))
    (target / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=2) + "\n",
                                   encoding="utf-8")
    return manifest


def _has_rows(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return any(connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()
                       for table in OWNED_TABLES if table in tables)
    finally:
        engine.dispose()


def restore(url: str, data_dir: Path, source: Path, force: bool = False) -> Manifest:
    """The backup in `source` replaces the database and the data folder's files. The bot
    must be stopped; its next start migrates the restored database to the current schema."""
    try:
        manifest = Manifest(**json.loads((source / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise BackupError("manifest_unreadable", {"path": source / MANIFEST}) from error
    dialect = make_url(url).get_backend_name()
    if manifest.database != dialect:
        raise BackupError("dialect_mismatch", {"backup": manifest.database, "database": dialect})
    if not force and _has_rows(url):
        raise BackupError("database_not_empty", {})
    database = _sqlite_path(url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        copy, target = sqlite3.connect(source / DUMPS["sqlite"]), sqlite3.connect(database)
        try:
            copy.backup(target)  # replaces every page, whatever the database held
        finally:
            target.close()
            copy.close()
    else:
        done = subprocess.run([postgres_tool("pg_restore"), "--clean", "--if-exists",
                               "--no-owner", "--single-transaction", "-d", _libpq(url),
                               str(source / DUMPS["postgresql"])],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError("tool_failed", {"tool": "pg_restore", "error": done.stderr.strip()})
    for path in _files(data_dir, database):  # files the backup did not know go too
        path.unlink()
    if data_dir.is_dir():  # and their folders, deepest first
        for folder in sorted((p for p in data_dir.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
    data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / FILES) as archive:
        archive.extractall(data_dir, filter="data")
    return manifest
