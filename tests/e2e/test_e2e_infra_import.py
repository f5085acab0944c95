"""Issue 9 §9: an advisor created by an import gets her invitation link; until she opens the
bot her reminders go to the coordinators, marked for her; then she gets her own."""

from __future__ import annotations

import re

from flows import import_csv, make_bot

MORNING = "2027-03-15T09:05:00+01:00"  # a Monday
SOPHIE = 2002
HEADER = "nom;prenom;conseillere_telegram_id;conseillere_nom;prochain_bilan"


async def test_imported_advisor_reminders_go_to_the_coordinator_until_she_opens(
        tg, tmp_path, admin):
    """Seen: her households' reminders were sent to a chat that did not exist yet (400
    "chat not found"), retried every 15 minutes, and reached nobody."""
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    output = await import_csv(tmp_path, f"{HEADER}\nDupont;Ana;{SOPHIE};Sophie Laborde;"
                              "15/03/2027\n", BOT_CLOCK_START=MORNING,
                              TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url)
    link = re.search(rf"{SOPHIE} : (https://t\.me/hlm_test_bot\?start=(\S+))", output)
    assert link, output
    assert tg.token not in output
    reminder = await admin.expect(r"🗓 Bilan intermédiaire · 2027-0001", timeout=20)
    assert "pour S. L." in reminder.text
    await tg.wait_idle(quiet=6)
    assert not [c for c in tg.calls_to("sendMessage") if c.params.get("chat_id") == SOPHIE]
    assert sum("2027-0001" in m.text for m in admin.history) == 1  # once

    sophie = tg.user(SOPHIE, first_name="Sophie", last_name="Laborde", language_code="fr")
    await sophie.send(f"/start {link.group(2)}")
    await sophie.expect(r"Bienvenue")
    await import_csv(tmp_path, f"{HEADER}\nDupont;Ana;{SOPHIE};;15/03/2027\n"
                     f"Martin;Léa;{SOPHIE};;15/03/2027\n", BOT_CLOCK_START=MORNING)
    own = await sophie.expect(r"🗓 Bilan intermédiaire · 2027-0002", timeout=20)
    assert "pour" not in own.text
    await tg.wait_idle(quiet=2)
    assert not any("2027-0002" in m.text for m in admin.history)
    assert tg.errors == []
    await bot.terminate(grace=5)
