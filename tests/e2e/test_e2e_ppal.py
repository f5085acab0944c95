"""The PPAL on the phone: built from the diagnostic, crash-proof, signed, printed, amended."""

from __future__ import annotations

import io

from pypdf import PdfReader

from flows import (
    DOCUMENT_WAIT,
    card_action,
    diagnostic_rest,
    diagnostic_until_budget,
    make_bot,
    open_household,
    sign_plan,
)


def pdf_text(document) -> str:
    """The PDF's text, lines joined: a table cell may wrap anywhere."""
    pages = PdfReader(io.BytesIO(document.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


async def household_with_diagnostic(admin) -> str:
    reference = await open_household(admin, "N'Diaye & <Fils>", "Awa")
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await diagnostic_until_budget(admin)
    await admin.expect(r"Taux d'effort")
    await diagnostic_rest(admin)
    await admin.expect(r"résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Diagnostic de .* enregistré")
    await admin.expect(r"📁")
    return reference


async def test_ppal_built_signed_printed_and_amended(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    reference = await household_with_diagnostic(admin)
    await admin.click(r"Construire le PPAL")
    await admin.expect(r"Date de début du plan")
    await admin.click(r"Aujourd'hui")
    situation = await admin.expect(r"Situation de départ")
    assert "Hébergé chez des tiers" in situation.text  # proposed from the diagnostic
    await admin.click(r"Garder")
    goal = await admin.expect(r"Objectif final")
    assert "T3" in goal.text and "420,00 €" in goal.text
    await admin.send("Accéder à un T3 à Dax et s'y maintenir <durablement> & sereinement")
    await admin.expect(r"Objectif intermédiaire n°1")
    await admin.send("Ouvrir les droits CAF & APL")
    await admin.expect(r"Date visée pour l'objectif n°1")
    await admin.send("31/04/2027")
    await admin.expect(r"n'existe pas")
    await admin.send("30/04/2027")
    listing = await admin.expect(r"Objectifs intermédiaires")
    assert "1. Ouvrir les droits CAF & APL · 30/04/2027" in listing.text
    # Kill -9 in the middle, while choosing steps; nothing retyped after restart.
    await admin.click(r"Terminé")
    await admin.expect(r"Démarche n°1")
    await admin.send("Déposer la demande de logement social")
    await admin.expect(r"Qui fait la démarche n°1")
    await bot.kill()
    await admin.click(r"Un partenaire")
    await bot.start()
    await admin.expect(r"Quel partenaire")
    await admin.send("CCAS de Dax")
    await admin.expect(r"Échéance de la démarche n°1")
    await admin.send("15/04/2027")
    await admin.expect(r"Démarches à engager")
    await admin.click(r"Ajouter une démarche")
    await admin.expect(r"Démarche n°2")
    await admin.send("Souscrire l'assurance habitation")
    await admin.expect(r"Qui fait la démarche n°2")
    await admin.click(r"Le ménage")
    await admin.expect(r"Échéance de la démarche n°2")
    await admin.send("30/05/2027")
    steps = await admin.expect(r"Démarches à engager")
    assert "1. Déposer la demande de logement social · Un partenaire · CCAS de Dax" in steps.text
    await admin.click(r"Terminé")
    await admin.expect(r"Rythme des rencontres")
    await admin.click(r"Tous les 15 jours")
    await admin.expect(r"Lieu des rencontres")
    await admin.click(r"Au domicile")
    await admin.expect(r"Comment se joindre")
    await admin.send("SMS au 06 12 34 56 78, permanence le mardi")
    bilans = await admin.expect(r"Bilans intermédiaires prévus")
    # Every 3 months from the start (15/03/2027), over a year.
    assert "1. 15/06/2027" in bilans.text and "4. 15/03/2028" in bilans.text
    await admin.click(r"Terminé")
    await admin.expect(r"Clauses particulières")
    await admin.click(r"Passer")
    summary = await admin.expect(r"PPAL .* résumé")
    assert "s'y maintenir <durablement> & sereinement" in summary.text
    await admin.click(r"Confirmer")
    await admin.expect(r"Le PPAL \(version 1\) de .* enregistré en brouillon")
    card = await admin.expect(r"📁")
    assert "PPAL version 1 en brouillon" in card.text
    # The draft as PDF, to print for the signature.
    await card_action(admin, r"PPAL en PDF")
    draft = await admin.expect_document(
        rf"PPAL-{reference}-v1-brouillon\.pdf", timeout=DOCUMENT_WAIT)
    assert "Brouillon" in pdf_text(draft)
    # Signature.
    await sign_plan(admin, "Mme Lafitte, responsable gestion locative HLO")
    await admin.expect(r"Signature enregistrée")
    signed = await admin.expect_document(rf"PPAL-{reference}-v1\.pdf", timeout=DOCUMENT_WAIT)
    text = pdf_text(signed)
    for expected in ("Projet Personnalisé d'Accès au Logement", "N'Diaye & <Fils>",
                     "signée le 15 mars 2027", "Ouvrir les droits CAF", "30 avril 2027",
                     "CCAS de Dax", "Mme Lafitte", "Page 1 / "):
        assert expected in text, expected
    assert "None" not in text and "Clauses particulières" not in text
    assert "upload_document" in admin.chat_actions
    card = await admin.expect(r"📁")
    assert "démarches faites : 0/2" in card.text
    # Follow-up of a step.
    await card_action(admin, r"Démarches 0/2")
    await admin.expect(r"Touchez un objectif")
    await admin.click(r"3\. Souscrire")
    await admin.expect(r"Où en est-on")
    await admin.click(r"Reportée")
    await admin.expect(r"Nouvelle échéance")
    await admin.send("15/06/2027")
    await admin.expect(r"Un commentaire")
    await admin.send("Attend le devis de l'assureur")
    await admin.expect(r"Suivi enregistré")
    follow = await admin.expect(r"Touchez un objectif")
    assert "⏳ 3. Souscrire l'assurance habitation — 15/06/2027" in follow.text
    await admin.click(r"2\. Déposer")
    await admin.expect(r"Où en est-on")
    await admin.click(r"Fait")
    await admin.expect(r"Un commentaire")
    await admin.click(r"Passer")
    follow = await admin.expect(r"Touchez un objectif")
    assert "✅ 2. Déposer la demande" in follow.text
    # A bilan that decides an avenant: version 2.
    await admin.send(f"/cherche {reference}")
    await admin.expect(r"démarches faites : 1/2")
    await card_action(admin, r"Bilan intermédiaire")
    await admin.expect(r"Date du bilan")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"réalisé")
    await admin.send("Demande de logement déposée le 20/03.")
    await admin.expect(r"Difficultés")
    await admin.click(r"Passer")
    await admin.expect(r"Décisions")
    await admin.send("Ajouter une démarche FSL.")
    proposal = await admin.expect(r"prochain bilan")
    assert "Réponse actuelle : 15/06/2027" in proposal.text
    await admin.click(r"Garder")
    await admin.expect(r"avenant")
    await admin.click(r"^Oui$")
    await admin.expect(r"Bilan intermédiaire .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Bilan du 15/03/2027 enregistré")
    bilan = await admin.expect_document(
        rf"Bilan-{reference}-2027-03-15\.pdf", timeout=DOCUMENT_WAIT)
    assert "Ajouter une démarche FSL" in pdf_text(bilan)
    assert "Avenant au PPAL Oui" in pdf_text(bilan)
    assert "Fait à Dax, le 15 mars 2027" in pdf_text(bilan)
    amendment = await admin.expect(r"PPAL .* résumé")  # the plan in force, to amend
    assert "Déposer la demande de logement social" in amendment.text
    await admin.click(r"Corriger")
    await admin.expect(r"quelle partie corriger")
    await admin.click(r"^Démarches$")
    await admin.expect(r"Démarches : quelle réponse corriger")
    await admin.click(r"^Démarches$")
    await admin.expect(r"Démarches à engager")
    await admin.click(r"Ajouter une démarche")
    await admin.expect(r"Démarche n°3")
    await admin.send("Demande d'aide FSL accès")
    await admin.expect(r"Qui fait la démarche n°3")
    await admin.click(r"La conseillère")
    await admin.expect(r"Échéance de la démarche n°3")
    await admin.send("30/04/2027")
    await admin.expect(r"Démarches à engager")
    await admin.click(r"Terminé")
    await admin.expect(r"résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"L'avenant n°1 au PPAL \(version 2\)")
    await admin.expect(r"📁")
    await sign_plan(admin)
    second = await admin.expect_document(rf"PPAL-{reference}-v2\.pdf", timeout=DOCUMENT_WAIT)
    text = pdf_text(second)
    assert "Avenant n°1" in text and "Demande d'aide FSL accès" in text
    # The avenant says what it changes: the step done since version 1, the step added.
    assert "Ce qui change par rapport à la version 1" in text
    assert "Réalisé — démarche « Déposer la demande de logement social », le 15 mars 2027." \
        in text
    assert ("Ajouté — démarche « Demande d'aide FSL accès » : qui : La conseillère · "
            "échéance : 30 avril 2027.") in text
    assert "Fait à Dax, le 15 mars 2027" in text
    assert "Historique du plan" in text and "Plan initial" in text
    card = await admin.expect(r"📁")
    assert "PPAL version 2 signée" in card.text and "démarches faites : 1/3" in card.text
    # The history stays readable: version 1 as it was signed.
    await card_action(admin, r"Versions")
    listing = await admin.expect(r"Versions du PPAL")
    assert "Version 1 : signée le 15/03/2027, co-signée par le bailleur" in listing.text
    assert "Version 2 (avenant n°1) : signée le 15/03/2027" in listing.text
    await admin.click(r"Version 1")
    first = await admin.expect_document(rf"PPAL-{reference}-v1\.pdf", timeout=DOCUMENT_WAIT)
    assert "Demande d'aide FSL" not in pdf_text(first)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == [] and tg.unknown_methods == []
    await bot.terminate(grace=5)


async def test_report_for_a_confidential_household_leaves_the_address_out(tg, bot, admin):
    reference = await open_household(admin, "Secret", "Inès", address="8 impasse Cachée, Dax",
                                     confidential=True)
    await card_action(admin, r"Rapport socio-éducatif")
    await admin.expect(r"Pourquoi un relogement")
    await admin.send("Ressources stables, loyer actuel payé sans incident <depuis 2025> & suivi.")
    await admin.expect(r"Axes d'accompagnement")
    await admin.click(r"Valider")
    await admin.expect(r"obligatoire")
    await admin.click(r"Budget")
    await admin.click(r"Valider")
    await admin.expect(r"Typologie demandée")
    await admin.click(r"^T2$")
    await admin.expect(r"Contraintes")
    await admin.click(r"Passer")
    await admin.expect(r"Autres éléments")
    await admin.click(r"Passer")
    await admin.expect(r"À quel bailleur")
    await admin.send("Habitat Landes Océanes")
    await admin.expect(r"À l'attention de qui")
    await admin.click(r"Passer")
    await admin.expect(r"faire figurer l'adresse")
    await admin.click(r"^Non$")
    await admin.expect(r"Rapport socio-éducatif .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Rapport socio-éducatif de .* le voici")
    report = await admin.expect_document(
        rf"Rapport-socio-educatif-{reference}-2027-03-15\.pdf", timeout=DOCUMENT_WAIT)
    text = pdf_text(report)
    assert "loyer actuel payé sans incident <depuis 2025> & suivi" in text
    assert "Inès Secret" in text and "impasse Cachée" not in text
    assert "Habitat Landes Océanes" in text and "Fait à Dax, le 15 mars 2027" in text
    assert tg.errors == []
