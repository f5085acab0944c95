"""An advisor's wait for an answer while the bot derives a caseload's reminders at start.

    .venv/bin/python bench/reminders_start.py [--households 10000]

Fills the bot's SQLite file with an imported caseload never derived (bench/reminders_derive),
starts the real `hlm-bot run` against ../shared/harness on a Sunday (nothing is sent: the
derivation alone), and has the admin send /aide every 100 ms until every household is
derived. Prints the longest and the p95 wait between sending /aide and the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e")]

from harness import FakeTelegram  # noqa: E402
from reminders_derive import PARIS, populate  # noqa: E402

from storage.clock import FixedClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

from flows import ADMIN_ID, bot_env, make_bot  # noqa: E402

SUNDAY = "2027-03-14T10:00:00+01:00"


def left(path: Path) -> int:
    """Households not derived yet (read beside the bot, on its WAL file)."""
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT count(*) FROM household "
                                 "WHERE next_derivation_on IS NULL").fetchone()
    return int(row[0])


async def run(count: int, limit: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = bot_env(tmp)["DATABASE_URL"]
        db = Database(url, FixedClock(PARIS, datetime.fromisoformat(SUNDAY)))
        upgrade(db.engine)
        populate(db, count)
        db.engine.dispose()
        path = tmp / "bot.sqlite3"
        async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
            bot = make_bot(tg, tmp, BOT_CLOCK_START=SUNDAY)
            await bot.start()
            admin = tg.user(ADMIN_ID, first_name="Claire", language_code="fr")
            waits: list[float] = []
            started = time.perf_counter()
            remaining = left(path)
            while remaining and time.perf_counter() - started < limit:
                sent = time.perf_counter()
                await admin.send("/aide")
                await admin.expect(r"Ce que je sais faire", timeout=30)
                waits.append(time.perf_counter() - sent)
                await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - sent)))
                remaining = left(path)
            derivation = time.perf_counter() - started
            await bot.terminate(grace=10)
            assert tg.errors == [], tg.errors
    ordered = sorted(waits)
    done = "all derived" if not remaining else f"{remaining} still to derive (stopped)"
    print(f"start on {count} households: {done} in {derivation:.1f} s; {len(waits)} /aide "
          f"answered meanwhile: max wait {ordered[-1] * 1000:.0f} ms, "
          f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms (goal: max < 200 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=1800, help="stop after this many s")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.households, arguments.limit))
