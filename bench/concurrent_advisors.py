"""Reply latency of 10 advisors at once against one alone, and a bare PTB echo bot's.

    .venv/bin/python bench/concurrent_advisors.py [--advisors 10] [--messages 20]

The real `hlm-bot run` against ../shared/harness with 50 ms added to every Bot API call
(`tg.faults.set_latency(0.05)`: Telegram is not on loopback). Each advisor sends
`--messages` `/cherche Dupont`, each after the previous answer came; all advisors at once,
then one alone. Then the same with `bench/echo_bot.py` (plain text echoed). Latency is the
advisor's wait: from her message sent to the answer shown (the answer's own Bot API call,
50 ms, included), measured on the client side. The bot's CPU time per answer is read from
/proc while the advisors are at once.

hlm-bot runs three times: with Telegram's ~30 messages a second in all (`BOT_SEND_RATE`'s
default), which 10 advisors answered without a pause exceed (200 answers take at least
200 / 30 s: each waits ≈ advisors / 30 s whatever the bot does); the same with a second
between an answer and the advisor's next message (still faster than anyone types); then with
the rate raised (`BOT_SEND_RATE=1000`, a bot allowed paid broadcasts) and no pause: what the
bot itself costs, the issue's goal.
The echo bot has no rate limiter.
Goal: the p95 of the advisors at once ≤ 1.5 × the p95 of one alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e")]

from harness import BotProcess, FakeTelegram  # noqa: E402

from flows import ADMIN_ID, import_csv, invite, make_bot  # noqa: E402

LATENCY = 0.05
SETTLE = 3.0  # after the start: its first reminder derivation is over (bench/reminders_start.py)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    return (f"n={len(values)} p50={percentile(values, 0.5) * 1000:.0f} ms "
            f"p95={percentile(values, 0.95) * 1000:.0f} ms max={max(values) * 1000:.0f} ms")


async def measured(users: list[Any], text: str, messages: int, pause: float = 0.0
                   ) -> list[float]:
    """Every user sends `messages` times `text`, each after the answer to the previous (and
    `pause` seconds, the first one at a random instant within a pause); returns each wait,
    from the send to the answer's arrival, as the advisor sees it."""
    waits: list[float] = []
    rng = random.Random(5)

    async def one(user: Any) -> None:
        await asyncio.sleep(rng.uniform(0, pause))
        for n in range(messages):
            if n and pause:
                await asyncio.sleep(pause)
            start = time.monotonic()
            await user.send(text)
            await user.expect(None, timeout=60)
            waits.append(time.monotonic() - start)

    await asyncio.gather(*(one(user) for user in users))
    return waits


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def compare(tg: FakeTelegram, users: list[Any], text: str, messages: int,
                  name: str, pid: int | None, pause: float = 0.0
                  ) -> tuple[list[float], list[float]]:
    await measured(users, text, 1)  # warm: each advisor's first answer reads more
    cpu = cpu_seconds(pid)
    together = await measured(users, text, messages, pause)
    cpu = cpu_seconds(pid) - cpu
    await tg.wait_idle(quiet=0.3)
    alone = await measured(users[:1], text, messages, pause)
    print(f"{name}: {len(users)} at once: {figures(together)}, "
          f"bot CPU {cpu / len(together) * 1000:.1f} ms per answer")
    print(f"{name}: one alone:   {figures(alone)}")
    return together, alone


CASELOAD = "reference;nom;prenom;telephone;conseillere_telegram_id\n" + "".join(
    f";Dupont{n};Hélène;06 12 34 {n // 100:02d} {n % 100:02d};{ADMIN_ID}\n" for n in range(50))


async def hlm_bot(folder: Path, advisors: int, messages: int, rate: int, pause: float = 0.0
                  ) -> tuple[float, float]:
    async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
        await import_csv(folder, CASELOAD)
        bot = make_bot(tg, folder, BOT_SEND_RATE=str(rate))
        await bot.start()
        admin = tg.user(ADMIN_ID, first_name="Claire", language_code="fr")
        users = [admin]
        for n in range(1, advisors):
            users.append(await invite(tg, admin, ADMIN_ID + n, f"Conseillère{n}"))
        await asyncio.sleep(SETTLE)
        tg.faults.set_latency(LATENCY)
        together, alone = await compare(tg, users, "/cherche Dupont", messages,
                                        label(rate, pause), bot.pid, pause)
        await bot.terminate(grace=5)
        assert tg.errors == [], tg.errors[:3]
        return percentile(together, 0.95), percentile(alone, 0.95)


def label(rate: int, pause: float) -> str:
    return f"hlm-bot ({rate} messages/s{f', {pause:g} s between messages' if pause else ''})"


async def echo_bot(folder: Path, advisors: int, messages: int) -> None:
    async with FakeTelegram(bot_username="echo_bench_bot") as tg:
        bot = BotProcess(tg, [sys.executable, str(ROOT / "bench" / "echo_bot.py")], cwd=folder,
                         token_env="TELEGRAM_BOT_TOKEN", url_env="TELEGRAM_API_URL",
                         file_url_env="TELEGRAM_FILE_URL", log_path=folder / "echo.log")
        await bot.start()
        users = [tg.user(2000 + n, first_name=f"U{n}", language_code="fr")
                 for n in range(advisors)]
        tg.faults.set_latency(LATENCY)
        await compare(tg, users, "bonjour", messages, "PTB echo bot", bot.pid)
        await bot.terminate(grace=5)


async def main(advisors: int, messages: int) -> None:
    ratios = {}
    # Telegram's rate without a pause (bounded by it), with an advisor's pause (a fast
    # typist's second: 10 advisors stay under it), then the rate raised: the bot's own cost.
    for rate, pause in ((30, 0.0), (30, 1.0), (1000, 0.0)):
        with tempfile.TemporaryDirectory() as folder:
            together, alone = await hlm_bot(Path(folder), advisors, messages, rate, pause)
            ratios[label(rate, pause)] = together / alone
    with tempfile.TemporaryDirectory() as folder:
        await echo_bot(Path(folder), advisors, messages)
    for name, ratio in ratios.items():
        print(f"{name}: p95 at once / p95 alone = {ratio:.2f} (goal ≤ 1.5)")
    print(f"at {advisors / 30 * 1000:.0f} ms, the least wait at once that Telegram's 30 "
          f"messages a second allow {advisors} advisors sending without a pause")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--advisors", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.advisors, arguments.messages))
