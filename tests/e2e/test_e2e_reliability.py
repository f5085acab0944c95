"""On time, once: a 429 delays a reminder, a kill -9 in a burst loses and doubles none, two
processes on one database send each reminder once."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest
from harness import FakeTelegram

from flows import ADMIN_ID, DATABASES, import_csv, make_bot

MORNING = "2027-03-15T09:05:00+01:00"  # a Monday: what is due today is not late yet


def caseload(count: int) -> str:
    """`count` households of the admin, each with a bilan planned today."""
    rows = [f"Nom{n:03d};Prénom;{ADMIN_ID};15/03/2027" for n in range(count)]
    return "nom;prenom;conseillere_telegram_id;prochain_bilan\n" + "\n".join(rows) + "\n"


def bilans_per_household(*users) -> Counter[str]:
    found: Counter[str] = Counter()
    for user in users:
        for message in user.history:
            found.update(re.findall(r"🗓 Bilan intermédiaire · (\d{4}-\d{4})", message.text))
    return found


async def test_a_429_delays_a_reminder_and_does_not_drop_it(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    tg.faults.fail_next("sendMessage", status=429, retry_after=2, times=2)
    await import_csv(tmp_path, caseload(1), BOT_CLOCK_START=MORNING)
    await admin.expect(r"🗓 Bilan intermédiaire · 2027-0001", timeout=20)
    await tg.wait_idle(quiet=6)
    assert bilans_per_household(admin) == Counter({"2027-0001": 1})
    assert sum(1 for c in tg.calls if c.injected) == 2
    assert tg.errors == []
    await bot.terminate(grace=5)


async def test_kill_during_a_burst_loses_and_doubles_none(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    tg.faults.set_latency(0.15)
    await import_csv(tmp_path, caseload(30), BOT_CLOCK_START=MORNING)
    for _ in range(8):
        await admin.expect(r"🗓 Bilan intermédiaire", timeout=20)
    # Killed while the next message is on its way (each call takes 0.15 s here). Killed in
    # the instant between Telegram's acceptance and the bot's record instead, that one
    # message would come twice: the only duplicate the design allows (storage.reminders).
    await asyncio.sleep(0.07)
    await bot.kill()
    received = sum(bilans_per_household(admin).values())
    assert 8 <= received < 30
    tg.faults.clear()
    # Started again four minutes later: the claims of the killed process have expired.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-03-15T09:10:00+01:00")
    await bot.start()
    for _ in range(40):
        await tg.wait_idle(quiet=1)
        if sum(bilans_per_household(admin).values()) >= 30:
            break
    await tg.wait_idle(quiet=6)
    counts = bilans_per_household(admin)
    assert len(counts) == 30 and set(counts.values()) == {1}, counts
    await bot.terminate(grace=5)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
async def test_two_processes_on_one_database_send_each_reminder_once(tg, tmp_path, admin):
    # Another token: one token is long-polled by one process only (Telegram's Conflict), and
    # its updates are kept in the database under its bot's id until handled (bot.polling).
    async with FakeTelegram(bot_username="hlm_test_bot", bot_id=7000000002) as other:
        first = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
        second = make_bot(other, tmp_path, BOT_CLOCK_START=MORNING)
        await first.start()
        await second.start()
        twin = other.user(ADMIN_ID, first_name="Claire", language_code="fr")
        for phone in (admin, twin):
            await phone.send("/aide")
            await phone.expect(r"Ce que je sais faire")
        await import_csv(tmp_path, caseload(20), BOT_CLOCK_START=MORNING)
        for _ in range(30):
            await tg.wait_idle(quiet=1)
            if sum(bilans_per_household(admin, twin).values()) >= 20:
                break
        await tg.wait_idle(quiet=6)
        counts = bilans_per_household(admin, twin)
        assert len(counts) == 20 and set(counts.values()) == {1}, counts
        assert tg.errors == [] and other.errors == []
        await first.terminate(grace=5)
        await second.terminate(grace=5)
