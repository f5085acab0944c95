from __future__ import annotations

from conftest import invite


async def test_stranger_then_admin_opens_household(tg, bot, admin):
    stranger = tg.user(5555, first_name="Inconnu")
    await stranger.send("/start")
    await stranger.expect(r"5555")
    await admin.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    await admin.send("Dupont")
    await admin.expect(r"Prénom")
    await admin.send("Hélène")
    await admin.expect(r"Téléphone")
    await admin.send("06 12 34 56 78")
    await admin.expect(r"Adresse")
    await admin.click("Passer")
    await admin.expect(r"adultes")
    print(admin.transcript())
    assert tg.errors == []
