"""The landlord receives the reminders addressed to it, at their date (time travel): the
review convened 3 weeks before its 6-month date and the préfet notice, for a household
shared with it only, as copies without the advisor's buttons."""

from __future__ import annotations

from flows import ADMIN_ID, card_action, import_csv, invite, make_bot

LANDLORD_ID = 3001
# Signed 05/10/2026: a review on 05/04/2027; an 8-month period: the préfet is told before
# 05/04/2027 (the period ends 05/06/2027). The second household is not shared.
CASELOAD = ("nom;prenom;telephone;conseillere_telegram_id;bail;date_sous_location;loyer;"
            "jour_echeance;periode_examen_mois;bailleur\n"
            f"Martin;Lou;0611223344;{ADMIN_ID};sous-location;05/10/2026;450;5;8;"
            "Habitat Landes Océanes\n"
            f"Petit;Noé;0622334455;{ADMIN_ID};sous-location;05/10/2026;430;5;8;"
            "Habitat Landes Océanes\n")


async def test_the_landlord_gets_the_convened_review_and_the_prefet_notice(tg, tmp_path,
                                                                          admin):
    start = "2027-03-01T09:30:00+01:00"  # a Monday
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=start)
    await bot.start()
    await admin.send("/start")
    await admin.expect(r"Bienvenue")
    await import_csv(tmp_path, CASELOAD, BOT_CLOCK_START=start)
    landlord = await invite(tg, admin, LANDLORD_ID, "Marc", role=r"Bailleur · Habitat Landes")
    await admin.send("/cherche 2027-0001")
    await admin.expect(r"📁 2027-0001")
    await card_action(admin, r"Partager avec le bailleur")
    await admin.expect(r"partagé avec Habitat Landes Océanes")
    await tg.wait_idle(quiet=2)
    assert not any("préfet" in m.text or "convoquer" in m.text for m in landlord.history)
    await bot.terminate(grace=5)

    # Two weeks later: three weeks before the review, and before the préfet's deadline.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-03-15T09:30:00+01:00")
    await bot.start()
    notice = await landlord.expect(r"Informer le préfet avant le 05/04/2027", timeout=30)
    assert "2027-0001 · L. M." in notice.text and "Martin" not in notice.text
    assert not notice.button_texts  # a copy: the buttons are the coordinator's
    convene = await landlord.expect(r"Revue de glissement à convoquer", timeout=30)
    assert "2027-0001 · L. M." in convene.text and "revue le 05/04/2027" in convene.text
    assert not convene.button_texts
    await admin.expect(r"Informer le préfet avant le 05/04/2027", timeout=30)
    await tg.wait_idle(quiet=3)
    # Nothing of the household not shared with it.
    assert not any("2027-0002" in m.text for m in landlord.history)

    # The review is held (the landlord was there); the landlord records its agreement.
    await hold_review(admin)
    await landlord.send("/cherche 2027-0001")
    await landlord.expect(r"2027-0001")
    await landlord.click(r"Glissement : revue du 15/03/2027")
    await landlord.expect(r"accepte-t-il le glissement")
    await landlord.click(r"^Accord$")
    await landlord.expect(r"commentaire")
    await landlord.click(r"Passer")
    await tg.wait_idle(quiet=2)
    told = [m.text for m in admin.history if "2027-0001 · L. M." in m.text and "accord" in m.text]
    assert told, "the advisor is told of the landlord's agreement"
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)


async def hold_review(admin) -> None:
    await admin.send("/cherche 2027-0001")
    await admin.expect(r"📁 2027-0001")
    await card_action(admin, r"Revue de glissement")
    await admin.expect(r"Date de la revue")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Qui était présent")
    await admin.click(r"Le ménage")
    await admin.click(r"Le bailleur")
    await admin.click(r"Valider")
    for question in ("Ressources stables", "Droits ouverts", "Loyer payé régulièrement",
                     "Logement entretenu", "Logement assuré"):
        await admin.expect(question)
        await admin.click(r"^Oui$")
    await admin.expect(r"accord au glissement")
    await admin.click(r"^Non$")
    await admin.expect(r"Commentaire")
    await admin.click(r"Passer")
    await admin.expect(r"Décision")
    await admin.click(r"Prolonger")
    await admin.expect(r"convention est-elle renouvelée")
    await admin.click(r"Passer")
    await admin.expect(r"résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Compte rendu de la revue de glissement", timeout=30)
