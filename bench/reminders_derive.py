"""The incremental derivation of reminders at 100 000 households.

    .venv/bin/python bench/reminders_derive.py [--households 100000] [--database URL]

Fills a SQLite file (by default) with bulk inserts: households with a sub-let home (rent,
insurance, glissement calendar) and a support start, never derived — an imported caseload
on its first start. Measures `storage.reminders.sync_due`, the tick's pass: the first one
(every household, in chunks with their commits), then again the same day (nothing new: only
the indexed lookup of the households whose day came), then the next day (the households
whose day came, and only those).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, update
from sqlmodel import col, func, select

from storage import reminders
from storage.clock import FixedClock
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Advisor, Household, Reminder, Role, Tenancy

PARIS = ZoneInfo("Europe/Paris")
BULK = 5_000


def populate(db: Database, count: int, advisors: int = 50) -> None:
    """`count` households (and their homes) in a few multi-row INSERTs."""
    created = datetime(2026, 9, 1, tzinfo=UTC)
    table, homes = Household.__table__, Tenancy.__table__  # type: ignore[attr-defined]
    with db.session() as session:
        people = [Advisor(telegram_id=10_000 + n, name=f"C{n}", role=Role.CONSEILLERE,
                          created_at=created) for n in range(advisors)]
        session.add_all(people)
        session.flush()
        ids = [a.id for a in people]
        first = int(session.exec(select(func.coalesce(func.max(Household.id), 0))).one()) + 1
    for start in range(first, first + count, BULK):
        numbers = range(start, min(start + BULK, first + count))
        with db.session() as session:
            session.execute(insert(table), [Household(
                id=n, reference=f"2026-{n:06d}", last_name=f"N{n}", first_name="P",
                advisor_id=ids[n % advisors], support_start=date(2026, 9, 1 + n % 28),
                created_at=created, updated_at=created, search_key=f"n{n} p").model_dump()
                for n in numbers])
            session.execute(insert(homes), [Tenancy(
                household_id=n, rent=45000, charges=5000, housing_benefit=20000,
                due_day=1 + n % 28, entry_date=date(2026, 9, 1), lease="sous_location",
                sublease_start=date(2026, 9, 1 + n % 28),
                insurance_expiry=date(2027, 3, 1 + n % 28), created_at=created,
                updated_at=created).model_dump(exclude={"id"}) for n in numbers])


def timed(label: str, db: Database, clock: FixedClock) -> float:
    start = time.perf_counter()
    derived = reminders.sync_due(db, clock)
    elapsed = time.perf_counter() - start
    print(f"  {label}: {derived} households derived in {elapsed:.2f} s", flush=True)
    return elapsed


def mark_derived(db: Database, count: int, sample: int, day: date) -> None:
    """All but the first `sample` households as derived already, next due on `day`."""
    with db.session() as session:
        session.execute(update(Household).where(col(Household.id) > sample)
                        .values(next_derivation_on=day))


def main(count: int, url: str | None, sample: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
        db = Database(url or f"sqlite:///{folder}/bench.sqlite3", clock)
        upgrade(db.engine)
        start = time.perf_counter()
        populate(db, count)
        print(f"{count} households inserted in {time.perf_counter() - start:.1f} s", flush=True)
        if sample < count:  # the first derivation measured on a sample, the rest skipped
            mark_derived(db, count, sample, clock.today() + timedelta(days=1))
        first = timed("first derivation", db, clock)
        if sample < count:
            print(f"  first derivation of {count}: about {first * count / sample:.0f} s "
                  f"(extrapolated from {sample})")
        clock.advance(timedelta(hours=1))
        nothing_new = timed("an hour later, nothing new", db, clock)
        if sample == count:
            clock.advance(timedelta(days=1))
            timed("the next day", db, clock)
        with db.session() as session:
            stored = session.exec(select(func.count()).select_from(Reminder)).one()
        print(f"  {stored} reminders stored; periodic pass with nothing new: "
              f"{nothing_new:.2f} s (goal < 2 s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database")
    parser.add_argument("--sample", type=int, help="derive only this many the first time "
                        "(the others count as derived) and extrapolate")
    arguments = parser.parse_args()
    main(arguments.households, arguments.database, arguments.sample or arguments.households)
