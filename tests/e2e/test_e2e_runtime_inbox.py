"""Long polling keeps each batch in the database before confirming it (bot.polling, the
`inboxupdate` table): an answer confirmed to Telegram but not yet handled when the bot is
killed is handled by the next start, once."""

from __future__ import annotations

import pytest

from flows import DATABASES, make_bot


@pytest.mark.parametrize("database", DATABASES, indirect=True)
async def test_an_answer_confirmed_then_killed_in_its_handling_is_handled_after_restart(
        database, tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await admin.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    tg.faults.set_latency(3.0, methods="sendMessage")  # its answer is slow to go out
    await admin.send("Dupont")
    record = await tg.wait_confirmed(timeout=5)
    # Confirmed to Telegram while being handled: Telegram will not send it again.
    assert record.confirmed and not [m for m in admin.history if "Prénom" in m.text]
    await bot.kill()
    tg.faults.clear()
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await admin.expect(r"Prénom \?")  # from the database, where the first run kept it
    await admin.send("Hélène")
    await admin.expect(r"Téléphone")
    await tg.wait_idle(quiet=0.5)
    assert len([m for m in admin.history if "Prénom ?" in m.text]) == 1
    assert all(u.confirmed for u in tg.updates)
    assert tg.errors == []
    await bot.terminate(grace=5)
