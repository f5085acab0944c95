"""The «Seen» of the history: five long notes read in full across the pages of 🗒 Historique,
a photo sent again, a note on the wrong card undone, a photo with no card open kept."""

from __future__ import annotations

from flows import open_household

LONG = ("Visite à domicile avec la famille, point sur le budget, les factures EDF et le "
        "dossier CAF ; Mme D. a apporté les quittances, reste à voir l'assurance. ") * 3


async def test_five_long_notes_then_the_history_shows_them_all_in_full(tg, bot, admin):
    await admin.send("/start")
    await open_household(admin)
    for number in range(1, 6):
        await admin.send(f"Note {number}. {LONG}")
        await admin.expect(r"Note ajoutée à 2027-0001")
    await admin.send("/cherche dupont")
    card = await admin.expect(r"📁")
    assert "5 notes" in card.text and "Vi…" not in card.text
    await admin.click(r"Historique", message=card)
    page = await admin.expect(r"Historique de 2027-0001")
    for number in range(1, 6):
        assert f"Note {number}. {LONG.strip()}" in page.text
    assert page.text.index("Note 5.") < page.text.index("Note 1.")  # newest first
    await admin.click(r"Plus anciens")
    older = await admin.expect(r"Ménage ouvert")
    assert "Note 1." not in older.text
    await admin.click(r"Plus récents")
    await admin.expect(r"Note 5\.")
    # The advisor types a note with this card open, but it was meant for no one: ↩️ Annuler.
    await admin.send("Rappeler le bailleur")
    await admin.expect(r"Note ajoutée")
    await admin.click(r"Annuler")
    await admin.expect(r"Note retirée de 2027-0001")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_a_photo_is_sent_again_and_one_with_no_card_open_is_kept(tg, bot, admin,
                                                                        tmp_path):
    await admin.send("/start")
    await open_household(admin)
    photo = tmp_path / "quittance.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 quittance de mars")
    await admin.send_photo(photo, caption="Quittance de mars")
    added = await admin.expect(r"Photo ajoutée à 2027-0001")
    await admin.click(r"Appel", message=added)  # its type, then its duration
    await admin.expect(r"Appel\. Durée")
    await admin.click(r"15 min")
    await admin.expect(r"Appel · ⏱ 15 min")
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await admin.click(r"Historique")
    await admin.expect(r"Quittance de mars")
    await admin.click(r"Renvoyer n°1")
    again = await admin.expect(r"Quittance de mars", kind="photo")
    assert again.file is not None
    # No card open: the photo is not lost, the bot asks which household.
    await admin.send("/fermer")
    await admin.expect(r"Fiche fermée")
    await admin.send_photo(photo, caption="Avis d'échéance")
    await admin.expect(r"pour quel ménage")
    await admin.click(r"2027-0001 · H\. D\.")
    await admin.expect(r"Fichier rangé dans les notes de 2027-0001")
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await admin.click(r"Historique")
    await admin.expect(r"Avis d'échéance")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_a_note_on_the_wrong_card_is_moved_then_struck_out(tg, bot, admin):
    await admin.send("/start")
    await open_household(admin, "Martin", "Lou")
    await open_household(admin, "Durand", "Zoé", phone="06 98 76 54 32")
    await admin.send("Appel de Mme Martin : RDV CAF jeudi")  # typed on Durand's card
    await admin.expect(r"Note ajoutée à 2027-0002")
    await admin.click(r"Déplacer")
    await admin.expect(r"Déplacer la note .* de 2027-0002 · Z\. D\. vers quel ménage")
    await admin.click(r"2027-0001 · L\. M\.")
    await admin.expect(r"Note déplacée de 2027-0002 · Z\. D\. vers 2027-0001 · L\. M\.")
    await admin.send("/cherche martin")
    await admin.expect(r"📁")
    await admin.click(r"Historique")
    await admin.expect(r"RDV CAF jeudi")
    await admin.click(r"Note n°1")
    await admin.expect(r"déplacée d'un autre ménage")
    await admin.click(r"Barrer")
    await admin.expect(r"Barrer la note .*« Appel de Mme Martin")
    await admin.click(r"Oui, barrer")
    await admin.expect(r"barrée sur 2027-0001")
    await admin.click(r"Historique")
    page = await admin.expect(r"Historique de 2027-0001")
    assert "RDV CAF jeudi" in page.text and "Barrée le 15/03/2027" in page.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
