"""A reassignment is told to both advisors; reminders already due when the caseload was
imported come grouped and say so (not «pendant l'interruption du service»)."""

from __future__ import annotations

from flows import ADMIN_ID, card_action, import_csv, invite, make_bot, open_household

MORNING = "2027-03-15T10:00:00+01:00"  # a Monday, in working hours


async def test_a_reassignment_is_seen_by_both_advisors(tg, bot, admin):
    lea = await invite(tg, admin, 2003, "Léa")
    zoe = await invite(tg, admin, 2004, "Zoé")
    await open_household(admin, "Garcia", "Inès", advisor="Léa",
                         address="3 allée des Pins, 40100 Dax")
    await card_action(admin, r"Réattribuer")
    await admin.expect(r"À qui confier 2027-0001 · I. G.")
    await admin.click(r"^Zoé$")
    await admin.expect(r"2027-0001 · I. G. est confié à Zoé")
    told = await zoe.expect(r"vous est confié")
    assert "2027-0001 · I. G." in told.text and "par Claire Martin" in told.text
    assert "suivi jusqu'ici par Léa" in told.text and "Garcia" not in told.text
    lost = await lea.expect(r"est désormais suivi par Zoé")
    assert "2027-0001 · I. G." in lost.text and "Garcia" not in lost.text
    await zoe.click(r"2027-0001 · I. G.")
    card = await zoe.expect(r"📁 2027-0001")
    assert "Conseillère : Zoé" in card.text
    # Back to Léa while Zoé cannot be reached: Léa is told all the same.
    tg.faults.fail_next("sendMessage", status=403, chat_id=2004,
                        description="Forbidden: bot was blocked by the user")
    await card_action(admin, r"Réattribuer")
    await admin.expect(r"À qui confier 2027-0001")
    await admin.click(r"^Léa$")
    await admin.expect(r"2027-0001 · I. G. est confié à Léa")
    told = await lea.expect(r"vous est confié")
    assert "suivi jusqu'ici par Zoé" in told.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_reminders_due_before_the_import_say_so(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    rows = [f"Nom{n};Prénom;{ADMIN_ID};01/03/2027" for n in range(4)]
    await import_csv(tmp_path, "nom;prenom;conseillere_telegram_id;prochain_bilan\n"
                     + "\n".join(rows) + "\n", BOT_CLOCK_START=MORNING)
    grouped = await admin.expect(r"rappels déjà échus", timeout=20)
    assert "4 rappels déjà échus à l'import du portefeuille" in grouped.text
    assert "interruption" not in grouped.text
    assert len(grouped.button_texts) == 4
    await admin.click(r"2027-0001")
    await tg.wait_idle(quiet=1)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
