"""How long sending 1 000 reminders takes against the fake server with Telegram's limits on.

    .venv/bin/python bench/reminders_send.py [--advisors 100] [--per-advisor 10]

The real `hlm-bot run` against ../shared/harness with `enable_flood_limit(per_chat_per_s=1,
global_per_s=30)`: 100 advisors with 10 households each, a bilan due today for each. Prints
the time from the first reminder delivered to the last, next to the floor the limits set
(max(total / 30 per s, per chat / 1 per s)), and how many 429s the server answered.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e")]

from harness import FakeTelegram  # noqa: E402

from flows import import_csv, make_bot  # noqa: E402

MORNING = "2027-03-15T09:05:00+01:00"


async def main(advisors: int, per_advisor: int) -> None:
    total = advisors * per_advisor
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
            phones = [tg.user(20_000 + a, first_name=f"C{a}", language_code="fr")
                      for a in range(advisors)]
            for phone in phones:  # each advisor has opened the bot once
                await phone.send("/start")
            rows = [f"N{n:05d};P;{20_000 + n % advisors};15/03/2027" for n in range(total)]
            await import_csv(tmp, "nom;prenom;conseillere_telegram_id;prochain_bilan\n"
                             + "\n".join(rows) + "\n", BOT_CLOCK_START=MORNING)
            tg.faults.enable_flood_limit(per_chat_per_s=1, per_chat_burst=1, global_per_s=30)
            bot = make_bot(tg, tmp, BOT_CLOCK_START=MORNING)
            await bot.start()
            start = time.monotonic()
            first = last = None
            seen = 0
            while seen < total and time.monotonic() - start < 600:
                await asyncio.sleep(0.5)
                stamps = [m.sent_at for p in phones for m in p.history
                          if re.search(r"🗓 Bilan intermédiaire", m.text)]
                seen = len(stamps)
                if stamps:
                    first, last = min(stamps), max(stamps)
            refused = sum(1 for c in tg.calls if c.status == 429)
            await bot.terminate(grace=5)
    floor = max(total / 30, per_advisor / 1)
    span = (last - first) if first is not None and last is not None else float("nan")
    print(f"{seen}/{total} reminders to {advisors} advisors in {span:.1f} s "
          f"(floor set by the limits: {floor:.1f} s); 429 answered: {refused}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--advisors", type=int, default=100)
    parser.add_argument("--per-advisor", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.advisors, arguments.per_advisor))
