"""Reminders on time and once, across a downtime: a sub-let home recorded, the bot stopped,
started again six weeks later."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from flows import DATABASES, card_action, close_support, make_bot, open_household


async def record_sublet_home(admin) -> None:
    await card_action(admin, r"Enregistrer le logement")
    await admin.expect(r"Adresse du logement")
    await admin.send("4 rue des Fleurs, 40100 Dax")
    await admin.expect(r"Typologie")
    await admin.click(r"^T3$")
    await admin.expect(r"Bailleur \?")
    await admin.click(r"Habitat Landes Océanes")
    await admin.expect(r"Date d'entrée")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Loyer mensuel")
    await admin.send("450")
    await admin.expect(r"Charges mensuelles")
    await admin.send("50")
    await admin.expect(r"Jour d'échéance")
    await admin.click(r"^5$")
    await admin.expect(r"Aide au logement")
    await admin.send("200")
    await admin.expect(r"L'APL est versée")
    await admin.click(r"au bailleur")
    await admin.expect(r"Forme du bail")
    await admin.click(r"Sous-location")
    await admin.expect(r"bail principal")
    await admin.send("BP-2027-12")
    await admin.expect(r"Annexe")
    await admin.click(r"Passer")
    await admin.expect(r"signature de la sous-location")
    await admin.send("01/03/2027")
    await admin.expect(r"période d'examen fixée par la convention")
    await admin.click(r"^12$")
    await admin.expect(r"convention a-t-elle été renouvelée")
    await admin.click(r"Passer")
    await admin.expect(r"attestation d'assurance")
    await admin.send("10/04/2027")
    await admin.expect(r"Logement .* résumé")
    await admin.click(r"Confirmer")
    card = await admin.expect(r"📁")
    assert "sous-location MDL" in card.text and "reste dû 300,00 €" in card.text


@pytest.mark.parametrize("database", DATABASES, indirect=True)
async def test_reminders_after_a_downtime_arrive_once_and_are_answered(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await open_household(admin, "Martin", "Lou")
    await record_sublet_home(admin)
    # The certificate expires in 26 days: its 30-day reminder is already due.
    first = await admin.expect(r"Assurance habitation", timeout=15)
    assert "2027-0001 · L. M." in first.text and "Martin" not in first.text
    await bot.terminate(grace=5)
    # Six weeks later, a Thursday: what fell due meanwhile arrives once, marked late.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-04-29T10:00:00+02:00")
    await bot.start()
    await admin.expect(r"Loyer d'avril 2027", timeout=15)
    await tg.wait_idle(quiet=6)
    texts = [m.text for m in admin.history]
    pattern = r"💶 Loyer d'avril 2027|🛡 Assurance habitation"
    kinds = Counter(k for t in texts for k in re.findall(pattern, t))
    assert kinds["💶 Loyer d'avril 2027"] == 1, texts[-5:]
    # The 30-day notice, then one (not three) for the certificate expired meanwhile.
    assert kinds["🛡 Assurance habitation"] == 2
    rent = [m for m in admin.history if "💶 Loyer d'avril 2027" in m.text][-1]
    assert "En retard" in rent.text and "300,00 € attendus" in rent.text
    # Pressed twice in a row: recorded once, the second press says what was recorded.
    first_press = await admin.click(r"Impayé", message=rent)
    second_press = await admin.click(r"Impayé", message=rent)
    alert = await admin.expect(r"Premier mois impayé")
    assert "Dette locative : 300,00 €" in alert.text
    await tg.wait_answered(first_press)
    await tg.wait_answered(second_press)
    assert "Déjà enregistré : impayé" in (second_press.answer or {}).get("text", "")
    await tg.wait_idle()
    assert sum("Premier mois impayé" in m.text for m in admin.history) == 1
    insurance = [m for m in admin.history if "🛡" in m.text][-1]
    await admin.click(r"Attestation reçue", message=insurance)
    await admin.expect(r"Jusqu'à quand")
    await admin.send("10/04/2028")
    await admin.expect(r"Attestation d'assurance .* enregistr|attestation reçue")
    await admin.send("/aujourdhui")
    await admin.expect(r"Aujourd'hui")
    # The rent history from the card, then the support ends (closed after a confirmation).
    await admin.send("/cherche martin")
    card = await admin.expect(r"📁")
    assert "Dette locative : 300,00 €" in card.text
    await admin.click(r"Loyers")
    history = await admin.expect(r"Compte loyer · 2027-0001")
    assert "avril 2027 : 300,00 € · 0,00 € · 300,00 €" in history.text
    await close_support(admin)
    await admin.send("/echeances")
    upcoming = await admin.expect(r"Échéances")
    assert "2027-0001" not in upcoming.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
