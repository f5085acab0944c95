"""The «Seen» of the move into the T3: recording the home makes its address the current one
(the old one kept in the history) and the phase follows the entry date, then the first three
months; the advisor may set it by hand."""

from __future__ import annotations

from flows import card_action, make_bot, open_household


async def record_direct_home(admin, entry: str) -> None:
    await card_action(admin, r"Enregistrer le logement")
    await admin.expect(r"Adresse du logement")
    await admin.send("7 allée des Tulipes, T3, 40100 Dax")
    await admin.expect(r"Typologie")
    await admin.click(r"^T3$")
    await admin.expect(r"Bailleur \?")
    await admin.click(r"Habitat Landes Océanes")
    await admin.expect(r"Date d'entrée")
    await admin.send(entry)
    await admin.expect(r"Loyer mensuel")
    await admin.send("420")
    await admin.expect(r"Charges mensuelles")
    await admin.send("40")
    await admin.expect(r"Jour d'échéance")
    await admin.click(r"^5$")
    await admin.expect(r"Aide au logement")
    await admin.click(r"Passer")
    await admin.expect(r"Forme du bail")
    await admin.click(r"Bail direct")
    await admin.expect(r"attestation d'assurance")
    await admin.click(r"Passer")
    await admin.expect(r"Logement .* résumé")
    await admin.click(r"Confirmer")


async def test_moving_into_the_t3_updates_the_address_and_the_phase(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await admin.send("/start")
    await open_household(admin)
    await record_direct_home(admin, "01/04/2027")  # she moves in in two weeks
    card = await admin.expect(r"📁")
    assert "🏠 7 allée des Tulipes, T3" in card.text and "12 rue des Arènes" not in card.text
    assert "Phase : élaboration" in card.text
    await admin.click(r"Historique", message=card)
    history = await admin.expect(r"Historique de 2027-0001")
    assert "Nouvelle adresse : 7 allée des Tulipes" in history.text
    assert "avant : 12 rue des Arènes, Dax" in history.text
    await bot.terminate(grace=5)
    # The entry date has passed: installation.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-04-02T10:00:00+02:00")
    await bot.start()
    await admin.send("/cherche dupont")
    card = await admin.expect(r"📁")
    assert "Phase : installation ou maintien" in card.text
    await bot.terminate(grace=5)
    # Three months in the home: suivi. The advisor can still set it by hand.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-07-05T10:00:00+02:00")
    await bot.start()
    await admin.send("/cherche dupont")
    card = await admin.expect(r"📁")
    assert "Phase : suivi dans le logement" in card.text
    await card_action(admin, r"Phase")
    await admin.expect(r"Phase de 2027-0001 · H. D. : suivi dans le logement \(selon les faits\)")
    await admin.click(r"^Installation$")
    await admin.expect(r"installation ou maintien \(fixée à la main\)")
    await admin.send("/cherche dupont")
    card = await admin.expect(r"📁")
    assert "Phase : installation ou maintien (fixée à la main)" in card.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
