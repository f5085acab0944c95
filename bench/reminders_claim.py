"""Time to compute and claim the due reminders of 10 000 households.

    .venv/bin/python bench/reminders_claim.py [--households 10000] [--database URL]

Each household has a sub-let home since September 2026 (rent, insurance, glissement calendar)
and a support start, and nothing was ever sent: on 15 March 2027 six months of rent checks,
insurance notices, bilans and glissement reviews are due at once — the worst backlog. Measures
`sync_due` (derive every household's reminders and store what changed: the first time, all
of them; then again, when nothing changed) and claiming every reminder due now in the tick's
batches. SQLite file by default.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import func, select

from storage import reminders
from storage.clock import FixedClock
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Advisor, Household, Reminder, Role, Tenancy

PARIS = ZoneInfo("Europe/Paris")


def populate(db: Database, count: int) -> None:
    created = datetime(2026, 9, 1, tzinfo=UTC)
    with db.session() as session:
        advisors = [Advisor(telegram_id=10_000 + n, name=f"C{n}", role=Role.CONSEILLERE,
                            created_at=created) for n in range(50)]
        session.add_all(advisors)
        session.flush()
        for n in range(count):
            household = Household(reference=f"2026-{n:05d}", last_name=f"N{n}", first_name="P",
                                  advisor_id=advisors[n % 50].id,
                                  support_start=date(2026, 9, 1 + n % 28),
                                  created_at=created, updated_at=created)
            session.add(household)
            session.flush()
            session.add(Tenancy(household_id=household.id or 0, rent=45000, charges=5000,
                                housing_benefit=20000, due_day=1 + n % 28,
                                entry_date=date(2026, 9, 1), lease="sous_location",
                                sublease_start=date(2026, 9, 1 + n % 28),
                                insurance_expiry=date(2027, 3, 1 + n % 28),
                                created_at=created, updated_at=created))


def main(count: int, url: str | None, batch: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
        db = Database(url or f"sqlite:///{folder}/bench.sqlite3", clock)
        upgrade(db.engine)
        populate(db, count)
        start = time.perf_counter()
        reminders.sync_due(db, clock)
        first_sync = time.perf_counter() - start
        start = time.perf_counter()
        reminders.sync_due(db, clock)
        resync = time.perf_counter() - start
        with db.session() as session:
            stored = session.exec(select(func.count()).select_from(Reminder)).one()
        start = time.perf_counter()
        claimed = 0
        while True:
            with db.session() as session:
                taken = reminders.claim(session, clock, "bench", limit=batch)
            if not taken:
                break
            with db.session() as session:  # as the tick does once Telegram has them
                for reminder in taken:
                    reminders.sent(session, clock, reminder.id or 0, "bench", 1, late=True)
            claimed += len(taken)
        claiming = time.perf_counter() - start
    print(f"{count} households, {stored} reminders stored: first sync {first_sync:.1f} s, "
          f"sync with nothing new {resync:.1f} s; {claimed} due now claimed in "
          f"{claiming:.1f} s, each batch of {batch} claimed then recorded as sent")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database")
    parser.add_argument("--batch", type=int, default=reminders.CLAIM_BATCH)
    arguments = parser.parse_args()
    main(arguments.households, arguments.database, arguments.batch)
