"""Reply latency over the whole diagnostic, measured by the fake Telegram server.

    .venv/bin/python bench/diagnostic_latency.py [--runs 3]

Runs the real `hlm-bot run` against ../shared/harness, plays the opening of a household and
its whole diagnostic (with wrong inputs on the way) as an advisor would, and prints the
harness's latency figures: delay between the delivery of each update and the bot's first
API call in answer to it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e")]

from harness import FakeTelegram  # noqa: E402

from flows import (  # noqa: E402
    ADMIN_ID,
    diagnostic_rest,
    diagnostic_until_budget,
    make_bot,
    open_household,
)


async def one_run() -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
            bot = make_bot(tg, Path(folder))
            await bot.start()
            advisor = tg.user(ADMIN_ID, first_name="Claire", language_code="fr")
            await open_household(advisor)
            start = len(tg.latency_samples)
            await advisor.click(r"Diagnostic")
            await advisor.expect(r"Nationalité")
            await advisor.send("je ne sais pas")
            await advisor.expect(r"Choisissez")
            await diagnostic_until_budget(advisor)
            await advisor.expect(r"Taux d'effort")
            await diagnostic_rest(advisor)
            await advisor.expect(r"résumé")
            await advisor.click(r"Confirmer")
            await advisor.expect(r"enregistré")
            await tg.wait_idle()
            stats = tg.latency_stats()
            print(f"  run: {stats}")
            samples = tg.latency_samples[start:]
            await bot.terminate(grace=5)
            assert tg.errors == []
            first: dict[int, float] = {}
            for sample in samples:
                first.setdefault(sample.update_id, sample.latency_s)
            return list(first.values())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def main(runs: int) -> None:
    latencies: list[float] = []
    for _ in range(runs):
        latencies += await one_run()
    print(f"diagnostic flow, {runs} run(s), {len(latencies)} updates: "
          f"p50={percentile(latencies, 0.5) * 1000:.1f} ms "
          f"p95={percentile(latencies, 0.95) * 1000:.1f} ms "
          f"max={max(latencies) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
