"""The bot's memory at 100 000 households: resident set size (VmRSS, and its peak VmHWM) of
the running `hlm-bot run` against ../shared/harness, after its start's reminder derivation
and a few `/cherche` by a coordinator (who sees every household).

    .venv/bin/python bench/rss_scale.py [--households 100000]

The households are those of `bench/search_scale.py` (names, phones, addresses, no home).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e"),
                str(ROOT / "bench")]

from harness import FakeTelegram  # noqa: E402
from search_scale import QUERIES, populate  # noqa: E402

from storage.clock import FixedClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

from flows import ADMIN_ID, make_bot  # noqa: E402


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {line.split(":")[0]: int(line.split()[1]) // 1024 for line in status.splitlines()
            if line.startswith(("VmRSS", "VmHWM"))}


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        paris = ZoneInfo("Europe/Paris")
        db = Database(f"sqlite:///{folder}/bot.sqlite3",
                      FixedClock(paris, datetime(2027, 3, 15, 10, 0, tzinfo=paris)))
        upgrade(db.engine)
        populate(db, count, 1000)
        db.engine.dispose()
        async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
            bot = make_bot(tg, folder)
            start = time.perf_counter()
            await bot.start(timeout=1800)
            assert bot.pid is not None
            print(f"{count} households: started in {time.perf_counter() - start:.0f} s, "
                  f"{memory(bot.pid)}")
            coordinator = tg.user(ADMIN_ID, first_name="Claire", language_code="fr")
            for query in QUERIES:
                await coordinator.send(f"/cherche {query}")
                await coordinator.expect(r".", timeout=120)
            await tg.wait_idle()
            print(f"after {len(QUERIES)} /cherche: {memory(bot.pid)} (MB)")
            await bot.terminate(grace=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().households))
