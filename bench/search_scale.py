"""`/cherche` at 100 000 households: p50/p95 of `storage.households.search`, one query at a
time, for an advisor (her ~100 households among all) and a coordinator (sees everything).

    .venv/bin/python bench/search_scale.py [--households 100000] [--database URL]

Households get random names, first names, phones and addresses from small lists (so a name
matches hundreds of rows, as in a real caseload), spread over 1 000 advisors. The queries
mix names, name + first name, phone fragments, streets and 2-letter words (no trigram).
SQLite file by default; `--database postgresql+psycopg://…` for PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlmodel import select

from storage import households
from storage.clock import FixedClock
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Advisor, Household, Role

PARIS = ZoneInfo("Europe/Paris")
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier",
        "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Legrand", "Ndiaye", "Diallo",
        "Traore", "Nguyen", "Benali", "Haddad", "Rossi", "Lopez", "Fontaine", "Chevalier"]
FIRST = ["Awa", "Marie", "Nathalie", "Isabelle", "Sylvie", "Fatou", "Karim", "Jean", "Luc",
         "Sophie", "Camille", "Ines", "Yasmine", "Paul", "Hugo", "Lea", "Emma", "Chloe"]
STREETS = ["rue de la Paix", "avenue Jean Jaures", "boulevard Victor Hugo", "rue Pasteur",
           "impasse des Lilas", "chemin du Moulin", "place de la Mairie", "rue d'Aspremont"]
QUERIES = ["martin", "ndiaye awa", "dubois marie", "0612", "45 67", "pasteur", "lilas",
           "fontaine", "traore fatou", "du", "le", "chevalier hugo", "2026-0042", "garcia ines"]


def populate(db: Database, count: int, advisors_count: int) -> list[int]:
    created = datetime(2026, 9, 1, tzinfo=UTC)
    rng = random.Random(7)
    with db.session() as session:
        advisors = [Advisor(telegram_id=10_000 + n, name=f"C{n}", role=Role.CONSEILLERE,
                            created_at=created) for n in range(advisors_count)]
        advisors.append(Advisor(telegram_id=9, name="Coord", role=Role.COORDINATRICE,
                                created_at=created))
        session.add_all(advisors)
        session.flush()
        ids = [a.id or 0 for a in advisors]
        rows = []
        for n in range(count):
            household = Household(
                reference=f"2026-{n + 1:04d}", last_name=rng.choice(LAST),
                first_name=rng.choice(FIRST),
                phone=f"06 {rng.randrange(100):02d} {rng.randrange(100):02d} "
                      f"{rng.randrange(100):02d} {rng.randrange(100):02d}",
                address=f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, Dax",
                advisor_id=ids[n % advisors_count], created_at=created, updated_at=created)
            rows.append({"reference": household.reference, "last_name": household.last_name,
                         "first_name": household.first_name, "phone": household.phone,
                         "address": household.address, "advisor_id": household.advisor_id,
                         "children_ages": [], "resources": {}, "created_at": created,
                         "entry_path": household.entry_path,
                         "updated_at": created, "search_key": households.search_key(household)})
            if len(rows) == 5000:
                session.execute(insert(Household), rows)
                rows = []
        if rows:
            session.execute(insert(Household), rows)
    return ids


def measure(db: Database, clock: FixedClock, actor_id: int, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            with db.session() as session:
                actor = session.exec(select(Advisor).where(Advisor.id == actor_id)).one()
                households.search(session, clock, actor, query)
            times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"  {name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms ({len(times)} searches)")


def main(count: int, url: str | None, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
        db = Database(url or f"sqlite:///{folder}/bench.sqlite3", clock)
        upgrade(db.engine)
        start = time.perf_counter()
        ids = populate(db, count, 1000)
        print(f"{count} households on {db.engine.dialect.name} "
              f"(inserted in {time.perf_counter() - start:.1f} s)")
        report("advisor (her 100 households)", measure(db, clock, ids[0], rounds))
        report("coordinator (all households)", measure(db, clock, ids[-1], rounds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.households, arguments.database, arguments.rounds)
