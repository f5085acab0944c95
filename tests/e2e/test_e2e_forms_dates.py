"""Dates a person means, replayed: `31/12/9999` refused at the question, a start far ahead
confirmed, a baby's age in months, a colleague deactivated only after a confirmation."""

from __future__ import annotations

from flows import invite


async def test_dates_and_ages_a_person_means(tg, bot, admin):
    await admin.send("/nouveau")
    await admin.expect(r"Nom de la personne")
    await admin.send("Dupont")
    await admin.expect(r"Prénom \?")
    await admin.send("Hélène")
    await admin.expect(r"Téléphone \?")
    await admin.click(r"Passer")
    await admin.expect(r"confidentielle")
    await admin.click(r"^Non$")
    await admin.expect(r"Adresse actuelle")
    await admin.click(r"Passer")
    await admin.expect(r"Combien d'adultes")
    await admin.click(r"^1$")
    await admin.expect(r"Âges des enfants")
    await admin.send("8 mois, 4")
    for question in (r"Revenus d'activité", r"RSA", r"Prestations familiales", r"chômage",
                     r"AAH", r"Autres ressources"):
        await admin.expect(question)
        await admin.click(r"Passer")
    await admin.expect(r"Comment le ménage arrive")
    await admin.click(r"Médiation locative")
    await admin.expect(r"Éligibilité")
    await admin.click(r"Valider")
    await admin.expect(r"Début de l'accompagnement")
    # Seen: `31/12/9999` accepted, then «Confirmer» failed on every press. Now refused here.
    await admin.send("31/12/9999")
    await admin.expect(r"pas plausible : une année entre 1900 et 2100")
    # Two years ahead: asked, not refused.
    await admin.send("15/3/29")
    question = await admin.expect(
        r"Le 15/03/2029, plus d'un an après aujourd'hui : c'est bien ça \?")
    await admin.click(r"Corriger", message=question)
    await admin.expect(r"Début de l'accompagnement")
    await admin.send("15/03/2029")
    question = await admin.expect(r"c'est bien ça \?")
    await admin.click(r"^Oui$", message=question)
    summary = await admin.expect(r"résumé")
    assert "Enfants : 8 mois, 4 ans" in summary.text
    assert "Début de l'accompagnement : 15/03/2029" in summary.text
    await admin.click(r"Confirmer")
    await admin.expect(r"Ménage .* ouvert")
    await admin.expect(r"📁")
    # A colleague is deactivated only after a confirmation naming her.
    await invite(tg, admin, 2002, "Sophie")
    await admin.send("/equipe")
    await admin.click(r"Désactiver Sophie")
    await admin.expect(r"Désactiver Sophie \?")
    await admin.click(r"^Non$")
    await admin.expect(r"Rien n'a changé")
    await admin.send("/equipe")
    await admin.click(r"Désactiver Sophie")
    await admin.expect(r"Désactiver Sophie \?")
    await admin.click(r"Oui, désactiver")
    await admin.expect(r"Sophie est désactivée")
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
