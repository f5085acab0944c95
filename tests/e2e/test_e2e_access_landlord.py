"""The landlord at the table: an admin invites a landlord's user, an advisor shares one of two
households with it; the landlord finds only that one, sees none of its social side, answers
the rapport socio-éducatif and co-signs the PPAL; each member's menu holds her commands."""

from __future__ import annotations

import asyncio

from flows import ADMIN_ID, DOCUMENT_WAIT, card_action, import_csv, invite, sign_plan

LANDLORD_ID = 3001
HOUSEHOLDS = ("nom;prenom;telephone;conseillere_telegram_id;bail;loyer;date_entree_logement;"
              "bailleur\n"
              f"Dupont;Hélène;0611111111;{ADMIN_ID};direct;420;01/02/2027;Habitat Landes Océanes\n"
              f"Durand;Paul;0622222222;{ADMIN_ID};direct;380;01/02/2027;Habitat Landes Océanes\n")


async def menu(tg, chat_id: int) -> list[str]:
    """Her chat's menu, once the bot set it (just after its welcome)."""
    for _ in range(50):
        found = [c["command"] for c in tg.commands(scope={"type": "chat", "chat_id": chat_id})]
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


async def rapport(admin) -> None:
    await card_action(admin, r"Rapport socio-éducatif")
    await admin.expect(r"Pourquoi un relogement")
    await admin.send("Ressources stables, suivi régulier.")
    await admin.expect(r"Axes d'accompagnement")
    await admin.click(r"Budget")
    await admin.click(r"Valider")
    await admin.expect(r"Typologie demandée")
    await admin.click(r"^T3")
    await admin.expect(r"Contraintes")
    await admin.click(r"Passer")
    await admin.expect(r"Autres éléments")
    await admin.click(r"Passer")
    await admin.expect(r"À quel bailleur")
    await admin.send("Habitat Landes Océanes")
    await admin.expect(r"À l'attention de qui")
    await admin.click(r"Passer")
    await admin.expect(r"Rapport socio-éducatif .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect_document(r"Rapport-socio-educatif-.*\.pdf", timeout=DOCUMENT_WAIT)


async def signed_ppal(admin) -> None:
    await card_action(admin, r"Construire le PPAL")
    await admin.expect(r"Date de début du plan")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Situation de départ")
    await admin.send("Locataire en difficulté de paiement")
    await admin.expect(r"Objectif final")
    await admin.send("Se maintenir dans le logement")
    await admin.expect(r"Objectif intermédiaire n°1")
    await admin.send("Ouvrir les droits CAF")
    await admin.expect(r"Date visée pour l'objectif n°1")
    await admin.send("30/04/2027")
    await admin.expect(r"Objectifs intermédiaires")
    await admin.click(r"Terminé")
    await admin.expect(r"Démarche n°1")
    await admin.send("Déposer le dossier CAF")
    await admin.expect(r"Qui fait la démarche n°1")
    await admin.click(r"Le ménage")
    await admin.expect(r"Échéance de la démarche n°1")
    await admin.send("15/04/2027")
    await admin.expect(r"Démarches à engager")
    await admin.click(r"Terminé")
    await admin.expect(r"Rythme des rencontres")
    await admin.click(r"Tous les 15 jours")
    await admin.expect(r"Lieu des rencontres")
    await admin.click(r"Au domicile")
    await admin.expect(r"Comment se joindre")
    await admin.send("SMS")
    await admin.expect(r"Bilans intermédiaires prévus")
    await admin.click(r"Terminé")
    await admin.expect(r"Clauses particulières")
    await admin.click(r"Passer")
    await admin.expect(r"PPAL .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"enregistré en brouillon")
    await admin.expect(r"📁")
    await sign_plan(admin)
    await admin.expect(r"Signature enregistrée")
    await admin.expect_document(r"PPAL-.*-v1\.pdf", timeout=DOCUMENT_WAIT)


async def test_a_landlord_sees_only_what_is_shared_and_answers(tg, tmp_path, bot, admin):
    await admin.send("/start")
    await admin.expect(r"Bienvenue")
    await import_csv(tmp_path, HOUSEHOLDS)
    landlord = await invite(tg, admin, LANDLORD_ID, "Marc", role=r"Bailleur · Habitat Landes")
    welcome = landlord.history[-1]
    assert "Bailleur" in welcome.text and "/nouveau" not in welcome.text
    assert await menu(tg, LANDLORD_ID) == ["aujourdhui", "cherche", "mes_menages", "reprendre",
                                     "fermer", "aide"]
    assert "inviter" in await menu(tg, ADMIN_ID)

    # Nothing shared yet: the landlord finds nothing, not even that the households exist.
    await landlord.send("/cherche du")
    await landlord.expect(r"Aucun ménage trouvé")

    # The advisor writes a note on Dupont, its rapport, and shares it; Durand stays hers.
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await admin.send("Violences conjugales évoquées lors de la visite")
    await admin.expect(r"Note")
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await rapport(admin)
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await card_action(admin, r"Partager avec le bailleur")
    await admin.expect(r"partagé avec Habitat Landes Océanes")

    await landlord.send("/cherche du")
    card = await landlord.expect(r"📁")
    assert "Dupont" in card.text and "Durand" not in card.text
    assert "Loyer 420,00 €" in card.text and "Rapport socio-éducatif" in card.text
    for social in ("Violences", "Diagnostic", "Note", "confidentiel", "Phase"):
        assert social not in card.text, social
    assert not any("Diagnostic" in b or "note" in b for b in card.button_texts)
    await landlord.send("/mes_menages")
    listing = await landlord.expect(r"ménage")
    assert "Durand" not in listing.text and "P. D." not in listing.text

    # It answers the rapport; the advisor is told.
    await landlord.click(r"Répondre au rapport", message=card)
    await landlord.expect(r"Votre avis")
    await landlord.click(r"À compléter")
    await landlord.expect(r"commentaire")
    await landlord.send("Merci de joindre les avis d'imposition")
    await landlord.expect(r"📁")
    notice = await admin.expect(r"Le bailleur a répondu au rapport")
    assert "à compléter" in notice.text and "avis d'imposition" in notice.text

    # The PPAL signed with the household: the landlord co-signs it.
    await admin.send("/cherche dupont")
    await admin.expect(r"📁")
    await signed_ppal(admin)
    await landlord.send("/cherche dupont")
    card = await landlord.expect(r"📁")
    await landlord.click(r"Co-signer le PPAL", message=card)
    await landlord.expect(r"signataire")
    await landlord.send("Mme Lafitte, gestion locative")
    card = await landlord.expect(r"📁")
    assert "co-signée par le bailleur" in card.text
    assert not any("Co-signer" in b for b in card.button_texts)
    await admin.expect(r"co-signé le PPAL")

    # The landlord may not open the other household's card, even with an old-style button.
    await landlord.send("/nouveau")
    await landlord.expect(r"rôle|existe pas")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
