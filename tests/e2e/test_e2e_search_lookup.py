"""Search finds what she types (curly apostrophes, international phone), lists tell two
«H. N.» apart, and the same person is not opened twice without a word."""

from __future__ import annotations

from flows import invite, open_household


async def open_rest(user) -> None:
    """From the confidential question to the confirmation of /nouveau (a conseillère: her
    own household)."""
    await user.click(r"^Non$")
    await user.expect(r"Adresse actuelle")
    await user.click(r"Passer")
    await user.expect(r"Combien d'adultes")
    await user.click(r"^1$")
    await user.expect(r"Âges des enfants")
    await user.click(r"^0$")
    for question in (r"Revenus d'activité", r"RSA", r"Prestations familiales", r"chômage",
                     r"AAH", r"Autres ressources"):
        await user.expect(question)
        await user.click(r"Passer")
    await user.expect(r"Comment le ménage arrive")
    await user.click(r"Médiation locative")
    await user.expect(r"Éligibilité")
    await user.click(r"Valider")
    await user.expect(r"Début de l'accompagnement")
    await user.click(r"Aujourd'hui")
    await user.expect(r"résumé")
    await user.click(r"Confirmer")


async def test_search_finds_what_she_types_and_lists_tell_apart(tg, bot, admin):
    await open_household(admin, "N'Diaye-Lefèvre", "Hélène", phone="+33 6 12 34 56 78",
                         address="3 allée des Pins, 40100 Dax")
    await open_household(admin, "Nguyen", "Hugo", phone="07 98 76 54 32",
                         address="Résidence du Lac, 40400 Tartas")
    for typed in ("ndiaye", "N’Diaye", "n diaye lefevre", "+33612345678", "0033 6 12 34 56 78"):
        await admin.send(f"/cherche {typed}")
        card = await admin.expect(r"📁")
        assert "Hélène N'Diaye-Lefèvre" in card.text, typed
        assert "📞 06 12 34 56 78" in card.text
    await admin.send("/mes_menages")
    listing = await admin.expect(r"Vos ménages")
    first, second = listing.button_texts
    assert first.startswith("2027-0001 · H. N. · Dax")
    assert second.startswith("2027-0002 · H. N. · Tartas")
    assert "Diaye" not in first and "Nguyen" not in second
    await admin.send("/cherche h")
    listing = await admin.expect(r"ménages pour")
    assert listing.button_texts == [first, second]
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_the_same_person_is_not_created_twice_without_a_word(tg, bot, admin):
    lea = await invite(tg, admin, 2003, "Léa")
    await open_household(admin, "N'Diaye", "Hélène", phone="06 12 34 56 78",
                         advisor="Claire Martin")
    # Hers again, the phone typed the international way: asked right after the phone.
    await admin.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    await admin.send("Ndiaye")
    await admin.expect(r"Prénom \?")
    await admin.send("Helene")
    await admin.expect(r"Téléphone \?")
    await admin.send("+33612345678")
    asked = await admin.expect(r"existe peut-être déjà")
    assert "2027-0001 · H. N." in asked.text and "même téléphone et même nom et prénom" \
        in asked.text
    assert "N'Diaye" not in asked.text
    assert asked.button_texts == ["📂 Ouvrir 2027-0001 · H. N.", "➕ Créer un nouveau ménage",
                                  "🗑 Abandonner"]
    await admin.click(r"Ouvrir 2027-0001")
    await admin.expect(r"Nouveau ménage abandonné")
    card = await admin.expect(r"📁 2027-0001")
    assert "Hélène N'Diaye" in card.text
    await admin.send("/reprendre")  # the draft is gone, not waiting for her
    await admin.expect(r"Aucun formulaire en pause")
    # Léa, who may not see it, types the same phone: told who follows it, nothing more.
    await lea.send("/nouveau")
    await lea.expect(r"Nom de la personne")
    await lea.send("Diaye")
    await lea.expect(r"Prénom \?")
    await lea.send("Awa")
    await lea.expect(r"Téléphone \?")
    await lea.send("06 12 34 56 78")
    asked = await lea.expect(r"existe peut-être déjà")
    assert "2027-0001 · H. N." in asked.text and "suivi par Claire Martin" in asked.text
    assert "Hélène" not in asked.text
    assert asked.button_texts == ["➕ Créer un nouveau ménage", "🗑 Abandonner"]
    first_tap = await lea.click(r"Créer un nouveau ménage")
    second_tap = await lea.click(r"Créer un nouveau ménage")  # a double tap: asked once
    await lea.expect(r"confidentielle")
    await tg.wait_answered(second_tap)
    await tg.wait_answered(first_tap)
    assert sum("confidentielle" in m.text for m in lea.history) == 1
    assert "déjà reçu sa réponse" in (second_tap.answer or {}).get("text", "")
    await open_rest(lea)
    done = await lea.expect(r"Ménage .* ouvert")
    assert "2027-0002" in done.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
