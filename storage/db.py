"""The engine, sessions, and the one-transaction-per-update rule that makes redelivery harmless."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, create_engine, delete

from storage.clock import Clock
from storage.errors import Refused
from storage.models import ProcessedUpdate

T = TypeVar("T")


@dataclass
class Applied(Generic[T]):
    """The result of applying an update: `duplicate` when it had been applied before a crash."""

    duplicate: bool
    value: T | None = None


PROCESSED = ProcessedUpdate.__table__  # type: ignore[attr-defined]
# A redelivery comes within a day at most; Telegram may restart update ids after a week.
PROCESSED_KEPT = timedelta(days=7)


def make_engine(url: str) -> Engine:
    # hide_parameters: a failed statement is logged without its values (a household's name,
    # address, resources...), see storage.errors and issue 9 §6.
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)

    # SQLAlchemy's recipe for pysqlite ("Serializable isolation / Savepoints / Transactional
    # DDL"): the driver's own transaction handling is switched off (it begins lazily, and a
    # SAVEPOINT outside its transaction opened one of its own, so releasing a nested
    # transaction committed it); every transaction is begun explicitly instead.
    # IMMEDIATE: the write lock is taken at the start, so a transaction that reads then writes
    # waits (busy_timeout) for another writer instead of failing on its stale snapshot ("database
    # is locked"), which pysqlite's lazy BEGIN hid by reading outside the transaction.
    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    def __init__(self, url: str, clock: Clock, bot_id: int = 0) -> None:
        """`bot_id`: the numeric prefix of the token; two bots may share one database and
        their update ids are independent (0 for the command line, which has no updates)."""
        self.url = url
        self.engine = make_engine(url)
        self.clock = clock
        self.bot_id = bot_id
        # SQLite lets one writer at a time, and every transaction here is one (BEGIN
        # IMMEDIATE): the worker threads take turns on this lock, handed over at once, where
        # SQLite's busy handler would poll with sleeps growing to 100 ms (an advisor's answer
        # waiting long after the lock was free). Reentrant: a refusal's trace is kept in a
        # session of its own while the refused one closes (_keep_security_event).
        self._writer: AbstractContextManager[object] = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._writer, Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException as error:
                session.rollback()
                self._keep_security_event(error)
                raise

    def _keep_security_event(self, error: BaseException) -> None:
        """A refused access undoes the update's work, not the trace of the attempt."""
        if not isinstance(error, Refused) or error.event is None:
            return
        found, error.event = error.event, None  # kept once, however far the refusal goes
        with self.session() as session:
            session.add(found)

    def write(self, fn: Callable[[Connection], T]) -> T:
        """A transaction on a plain connection, for rows no one loads as objects (statements
        prebuilt once): without the Session's machinery, a third of the cost."""
        with self._writer, self.engine.begin() as connection:
            return fn(connection)

    def read(self, fn: Callable[[Session], T]) -> T:
        with self.session() as session:
            return fn(session)

    def apply(self, update_id: int | None, fn: Callable[[Session], T]) -> Applied[T]:
        """Run `fn` and record `update_id` in the same transaction.

        Telegram redelivers an update whose offset was not confirmed before a kill -9: the
        record makes the second delivery a no-op instead of a doubled answer.
        """
        try:
            with self.session() as session:
                if update_id is not None:  # a plain insert: no object to track
                    session.connection().execute(insert(PROCESSED), {
                        "bot_id": self.bot_id, "update_id": update_id, "at": self.clock.now()})
                return Applied(False, fn(session))
        except IntegrityError:
            if update_id is not None and self._seen(update_id):
                return Applied(True)
            raise

    def _seen(self, update_id: int) -> bool:
        with self.session() as session:
            return session.get(ProcessedUpdate, (self.bot_id, update_id)) is not None

    def purge_processed(self) -> int:
        """Forget updates handled more than a week ago (a row per update would grow forever,
        and Telegram may start again from low update ids after a week without updates)."""
        with self.session() as session:
            result = session.exec(delete(ProcessedUpdate).where(
                col(ProcessedUpdate.at) < self.clock.now() - PROCESSED_KEPT))
            return int(result.rowcount or 0)


def lock_chat(session: Session, chat_id: int) -> None:
    """Serialise the updates of one chat across instances: taken first in the update's
    transaction, released by its commit or rollback, so that two instances behind a load
    balancer never interleave one chat's answers (a form's two answers, a double tap).

    PostgreSQL: a transaction-scoped advisory lock keyed by the chat id (other chats go on).
    SQLite: nothing to take, every transaction begins with `BEGIN IMMEDIATE` (see
    make_engine), which already lets one writer at a time in the whole database.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:chat)").bindparams(chat=chat_id))  # type: ignore[call-overload]


class Offloaded:
    """The database as the handlers see it: the same transactions as `Database`, run in a
    bounded pool of worker threads, so that the event loop goes on with the other chats while
    one update waits for SQL (or for a PDF, see `run`).

    `apply`/`read` are awaited; the command line, the tests and the reminders' tick use the
    synchronous `Database` (`sync`) directly.
    """

    def __init__(self, db: Database, workers: int = 8) -> None:
        self.sync = db
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hlm-worker")

    @property
    def engine(self) -> Engine:
        return self.sync.engine

    def session(self) -> AbstractContextManager[Session]:
        """A synchronous unit of work, for what runs outside an update (start, command line)."""
        return self.sync.session()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Any blocking work (SQL, a PDF) in the pool; the loop waits without blocking."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def read(self, fn: Callable[[Session], T]) -> T:
        return await self.run(self.sync.read, fn)

    async def apply(self, update_id: int | None, fn: Callable[[Session], T]) -> Applied[T]:
        return await self.run(self.sync.apply, update_id, fn)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        return await self.run(self.sync.write, fn)

    def close(self) -> None:
        """Wait for the work in flight (its transactions commit), then stop the threads."""
        self.pool.shutdown(wait=True)
