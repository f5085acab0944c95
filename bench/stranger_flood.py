"""How long an advisor waits for `/aide` while a stranger floods the bot.

    .venv/bin/python bench/stranger_flood.py [--messages 60]

The real `hlm-bot run` against ../shared/harness with Telegram's limits on
(`enable_flood_limit(per_chat_per_s=1, per_chat_burst=1, global_per_s=30)`): an unknown user
sends `--messages` messages as fast as the server takes them, and the administrator sends
`/aide` right after. Prints the advisor's reply delay, how many refusals the stranger got and
how many 429s the server answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT.parent / "shared"), str(ROOT / "tests" / "e2e")]

from harness import FakeTelegram  # noqa: E402

from flows import ADMIN_ID, make_bot  # noqa: E402


async def main(messages: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram(bot_username="hlm_bench_bot") as tg:
            bot = make_bot(tg, Path(folder))
            await bot.start()
            admin = tg.user(ADMIN_ID, first_name="Claire", language_code="fr")
            await admin.send("/aide")  # the bot is warm
            await admin.expect(r"/nouveau", timeout=10)
            tg.faults.enable_flood_limit(per_chat_per_s=1, per_chat_burst=1, global_per_s=30)
            stranger = tg.user(4242, first_name="Eve", language_code="fr")
            for n in range(messages):
                await stranger.send(f"message {n}")
            start = time.monotonic()
            await admin.send("/aide")
            await admin.expect(r"/nouveau", timeout=120)
            delay = time.monotonic() - start
            await tg.wait_idle(quiet=1.0)
            refusals = sum(1 for m in stranger.history if "4242" in m.text)
            refused = sum(1 for c in tg.calls if c.status == 429)
            await bot.terminate(grace=5)
    print(f"advisor's /aide answered after {delay:.2f} s during a {messages}-message stranger "
          f"flood; refusals sent to the stranger: {refusals}; 429 answered: {refused}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=60)
    asyncio.run(main(parser.parse_args().messages))
