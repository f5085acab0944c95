"""Opening households, finding them again, notes, privacy, two advisors at once."""

from __future__ import annotations

import asyncio
import sqlite3

from flows import card_action, invite, open_household


async def test_wrong_inputs_while_opening_a_household(tg, bot, admin):
    await admin.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    await admin.send("   ")
    await admin.send("x" * 300)
    await admin.expect(r"Texte trop long \(300 caractères\) : 120 au plus")
    await admin.send("N'Diaye & <Fils> \"Le Grand\" 🏠")
    await admin.expect(r"Prénom")
    sent = await admin.send("Aïssatou")
    await admin.expect(r"Téléphone")
    await admin.edit(sent, "Awa")  # an edit is not an answer to the next question
    await admin.expect(r"messages modifiés")
    for wrong in ("12", "06 12 34", "téléphone", "+33 0 00"):
        await admin.send(wrong)
        error = await admin.expect(r"⚠️")
        assert "06 12 34 56 78" in error.text
    await admin.send("+33 6 11 22 33 44")
    await admin.expect(r"confidentielle")
    await admin.send("peut-être")
    await admin.expect(r"Réponse attendue : oui ou non")
    await admin.send("oui")
    await admin.expect(r"attestation")
    for wrong, expected in (("31/02/2027", r"n'existe pas"), ("2027-03-01", r"jj/mm/aaaa"),
                            ("01/01/2030", r"après le 15/03/2027")):
        await admin.send(wrong)
        await admin.expect(expected)
    await admin.send("1/3/2027")
    question = await admin.expect(r"Adresse")
    assert "jamais affichée" in question.text  # asked after the confidential flag
    await admin.send("3 allée des Pins, 40100 Dax")
    await admin.expect(r"adultes")
    await admin.send("0")
    await admin.expect(r"entre 1 et 12")
    await admin.send("2")
    await admin.expect(r"Âges")
    await admin.send("trois ans")
    await admin.expect(r"3, 7, 12")
    await admin.click(r"^0$")
    await admin.expect(r"Revenus d'activité")
    await admin.click(r"Passer")
    await admin.expect(r"RSA")
    await admin.send("607,75")
    for question in (r"Prestations", r"chômage", r"AAH", r"Autres"):
        await admin.expect(question)
        await admin.click(r"Passer")
    await admin.expect(r"Comment le ménage")
    await admin.click(r"Demande du bailleur")
    await admin.expect(r"Éligibilité")
    await admin.click(r"Valider")
    await admin.expect(r"Début")
    await admin.send("15/03/2027")
    summary = await admin.expect(r"résumé")
    assert "N'Diaye & <Fils> \"Le Grand\" 🏠" in summary.text
    assert "Téléphone : 06 11 22 33 44" in summary.text
    assert "RSA / prime d'activité : 607,75 €" in summary.text
    assert "Parcours : Demande du bailleur" in summary.text
    assert "allée des Pins" not in summary.text
    assert "Adresse : 🔒 adresse enregistrée" in summary.text
    await admin.click(r"Confirmer")
    await admin.expect(r"Ménage 2027-0001 · A. N. ouvert")
    card = await admin.expect(r"📁")
    assert "Aïssatou N'Diaye & <Fils> \"Le Grand\" 🏠" in card.text
    assert "allée des Pins" not in card.text  # confidential
    # The summary's button pressed again: already done, nothing doubled.
    callback = await admin.click(r"Confirmer")
    await tg.wait_answered(callback)
    assert "déjà" in (callback.answer or {}).get("text", "") or \
        "terminé" in (callback.answer or {}).get("text", "")
    await admin.send("/cherche diaye")
    await admin.expect(r"📁 2027-0001")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_lookup_is_accent_and_case_insensitive(tg, bot, admin):
    await open_household(admin, "Dupré", "Hélène", phone="06 12 34 56 78")
    await open_household(admin, "Durand", "Héloïse", phone="07 98 76 54 32",
                         address="5 place Thiers, Dax")
    await open_household(admin, "Martin", "Paul", phone=None, address="5 rue Thiers, Dax",
                         confidential=True)
    await admin.send("/cherche helene")
    card = await admin.expect(r"📁")
    assert "Hélène Dupré" in card.text
    await admin.send("/cherche DUPRE")
    await admin.expect(r"Hélène Dupré")
    await admin.send("/cherche 0798")
    await admin.expect(r"Héloïse Durand")
    await admin.send("/cherche 2027-0001")
    await admin.expect(r"Hélène Dupré")
    # Two results: a list of references and initials, no name.
    await admin.send("/cherche hél")
    listing = await admin.expect(r"ménages pour")
    assert listing.button_texts == ["2027-0001 · H. D. · Dax", "2027-0002 · H. D. · Dax"]
    assert "Dupré" not in listing.text
    await admin.click(r"2027-0002")
    await admin.expect(r"Héloïse Durand")
    # A confidential household is not found by its address.
    await admin.send("/cherche thiers")
    await admin.expect(r"Héloïse Durand")
    await admin.send("/cherche zzz")
    await admin.expect(r"Aucun ménage trouvé")
    await admin.send("/cherche")
    await admin.expect(r"/cherche dupont")
    await admin.send("/mes_menages")
    listing = await admin.expect(r"Vos ménages")
    assert listing.button_texts == ["2027-0001 · H. D. · Dax", "2027-0002 · H. D. · Dax",
                                    "2027-0003 · P. M."]  # confidential: no commune
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_confidential_address_only_on_demand_and_audited(tg, bot, admin, tmp_path):
    reference = await open_household(admin, "Secret", "Inès", address="8 impasse Cachée, Dax",
                                     confidential=True)
    card = admin.last
    assert "impasse" not in card.text and "masquée" in card.text
    await admin.click(r"Afficher l'adresse")
    shown = await admin.expect(r"impasse Cachée")
    assert "tracée" in shown.text
    await admin.send("/mes_menages")
    listing = await admin.expect(r"Vos ménages")
    assert "impasse" not in listing.text and "Inès" not in " ".join(listing.button_texts)
    await tg.wait_idle()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        actions = [a for (a,) in db.execute("select action from auditlog order by id")]
    assert "household.create" in actions and "household.address.view" in actions
    assert actions.count("household.view") >= 1
    assert reference == "2027-0001"


async def test_notes_text_photo_voice_document(tg, bot, admin, tmp_path):
    await open_household(admin, "Lopez", "Ana")
    await admin.send("Visite à domicile : logement propre, compteur relevé <15 432> & ok")
    await admin.expect(r"Note ajoutée à 2027-0001 · A. L.")
    await admin.send_photo(b"\xff\xd8\xff fake jpeg", filename="bail.jpg",
                           caption="Attestation CAF")
    await admin.expect(r"Photo ajoutée à 2027-0001")
    await admin.send_voice(b"OggS fake voice", duration=3)
    await admin.expect(r"Vocal ajouté à 2027-0001")
    await admin.send_document(b"%PDF-1.4 fake", filename="quittance mars.pdf")
    await admin.expect(r"Document ajouté à 2027-0001")
    await admin.send("/cherche lopez")
    card = await admin.expect(r"📁")
    assert "4 notes" in card.text  # read in full in 🗒 Historique
    await admin.click(r"Historique", message=card)
    history = await admin.expect(r"Historique de 2027-0001")
    assert "📄 quittance mars.pdf" in history.text and "🎙 vocal" in history.text
    assert "📷 photo · 🗒 Autre :\nAttestation CAF" in history.text
    files = sorted(p.name for p in (tmp_path / "data" / "files" / "2027-0001").iterdir())
    assert len(files) == 3 and any(f.endswith(".pdf") for f in files)
    # Closed card: text goes nowhere and says so.
    await admin.send("/fermer")
    await admin.expect(r"Fiche fermée")
    await admin.send("une note perdue ?")
    await admin.expect(r"Aucune fiche n'est ouverte")
    await admin.click(r"Ajouter une note", message=card)
    await admin.expect(r"Envoyez votre note pour 2027-0001")
    await admin.send("Appel CAF fait")
    await admin.expect(r"Note ajoutée")
    assert tg.errors == []


async def test_two_advisors_at_once_never_mix(tg, bot, admin):
    sophie = await invite(tg, admin, 2002, "Sophie")
    await admin.send("/nouveau")
    await sophie.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    await sophie.expect(r"Nom de la personne")
    await asyncio.gather(admin.send("Alpha"), sophie.send("Bravo"))
    await asyncio.gather(admin.expect(r"Prénom"), sophie.expect(r"Prénom"))
    await asyncio.gather(admin.send("Anne"), sophie.send("Berthe"))
    await asyncio.gather(admin.expect(r"Téléphone"), sophie.expect(r"Téléphone"))
    await admin.click(r"Pause")
    await admin.expect(r"en pause")
    await sophie.click(r"Passer")
    await sophie.expect(r"confidentielle")
    await admin.send("/reprendre")
    await admin.expect(r"Téléphone")
    assert not any("Alpha" in m.text or "Anne" in m.text for m in sophie.history)
    await sophie.click(r"^Non$")
    await sophie.expect(r"Adresse")
    # Sophie (conseillère) is not asked whom to assign: her own household.
    await sophie.click(r"Passer")
    await sophie.expect(r"adultes")
    await sophie.click(r"^2$")
    await sophie.expect(r"Âges")
    await sophie.send("0")
    for _ in range(6):
        await sophie.expect(r"par mois")
        await sophie.click(r"Passer")
    await sophie.expect(r"Comment le ménage")
    await sophie.click(r"Autre")
    await sophie.expect(r"Éligibilité")
    await sophie.click(r"Valider")
    await sophie.expect(r"Début")
    await sophie.click(r"Aujourd'hui")
    summary = await sophie.expect(r"résumé")
    assert "Conseillère : Sophie" in summary.text
    await sophie.click(r"Confirmer")
    await sophie.expect(r"Ménage 2027-0001 · B. B. ouvert")
    # The admin's household gets the next number; Sophie does not see it.
    await admin.send("06 10 00 00 01")
    await admin.expect(r"confidentielle")
    await sophie.send("/cherche alpha")
    await sophie.expect(r"Aucun ménage trouvé")
    await admin.send("/cherche berthe")
    await admin.expect(r"Berthe Bravo")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []


async def test_coordinator_reassigns_and_the_new_advisor_sees_it(tg, bot, admin):
    lea = await invite(tg, admin, 2003, "Léa")
    await open_household(admin, "Garcia", "Inès", advisor="Claire Martin")
    card = admin.last
    assert "👤 Réattribuer" not in card.button_texts  # behind «Plus…»
    await lea.send("/cherche garcia")
    await lea.expect(r"Aucun ménage trouvé")
    await card_action(admin, r"Réattribuer")
    choice = await admin.expect(r"À qui confier 2027-0001 · I. G.")
    assert choice.button_texts == ["Léa"]
    await admin.click(r"^Léa$")
    await admin.expect(r"2027-0001 · I. G. est confié à Léa")
    await lea.send("/mes_menages")
    listing = await lea.expect(r"Vos ménages")
    assert listing.button_texts == ["2027-0001 · I. G. · Dax"]
    await lea.click(r"2027-0001")
    lea_card = await lea.expect(r"📁")
    assert "Conseillère : Léa" in lea_card.text
    await lea.click(r"Plus…", message=lea_card)
    more = await lea.expect(r"📁")  # the same card, its other buttons
    assert "⬅️ Moins" in more.button_texts and "👤 Réattribuer" not in more.button_texts
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
