"""Documents that read right on paper, as the advisor makes them: the diagnostic's budget
says how it is counted and flags what is too low; the rapport socio-éducatif of a household
with debts is addressed to the landlord, dated, signed, with the budget at the target rent
and the debts, and no address of a confidential household."""

from __future__ import annotations

from flows import (
    DOCUMENT_WAIT,
    card_action,
    diagnostic_rest,
    diagnostic_until_budget,
    open_household,
)
from test_e2e_ppal import pdf_text


async def test_rapport_of_a_confidential_household_with_debts(tg, bot, admin):
    reference = await open_household(admin, "Secret", "Inès", address="8 impasse Cachée, Dax",
                                     confidential=True)
    await admin.click(r"Diagnostic")
    await admin.expect(r"Nationalité")
    await diagnostic_until_budget(admin)
    figures = await admin.expect(r"Taux d'effort")
    assert "\n💶 Reste à vivre" in figures.text
    assert "par mois ; " in figures.text and "par personne et par jour sur 30 jours" in figures.text
    assert "Ressources − logement (loyer + charges − aide)" in figures.text
    await diagnostic_rest(admin, debts="1540", debts_nature="EDF 540 €, loyer 1 000 €")
    summary = await admin.expect(r"résumé")
    assert "par personne et par jour sur 30 jours" in summary.text
    await admin.click(r"Confirmer")
    await admin.expect(r"Diagnostic de .* enregistré")
    await admin.expect(r"📁")
    await card_action(admin, r"Rapport socio-éducatif")
    await admin.expect(r"Pourquoi un relogement")
    await admin.send("Ressources stables, suivi régulier.")
    await admin.expect(r"Axes d'accompagnement")
    await admin.click(r"Valider")  # the diagnostic's axes are kept
    await admin.expect(r"Typologie demandée")
    await admin.click(r"Garder")
    await admin.expect(r"Contraintes")
    await admin.click(r"Passer")
    await admin.expect(r"Autres éléments")
    await admin.click(r"Passer")
    await admin.expect(r"À quel bailleur")
    await admin.send("Habitat Landes Océanes")
    await admin.expect(r"À l'attention de qui")
    await admin.send("Mme Lafitte, gestion locative")
    await admin.expect(r"faire figurer l'adresse")
    await admin.click(r"^Non$")
    await admin.expect(r"Rapport socio-éducatif .* résumé")
    await admin.click(r"Confirmer")
    report = await admin.expect_document(
        rf"Rapport-socio-educatif-{reference}-2027-03-15\.pdf", timeout=DOCUMENT_WAIT)
    text = pdf_text(report)
    for expected in (
            "Habitat Landes Océanes À l'attention de Mme Lafitte, gestion locative "
            "Dax, le 15 mars 2027",
            "Situation actuelle Logement visé (420,00 € par mois)",
            "Dettes déclarées au diagnostic 1 540,00 € EDF 540 €, loyer 1 000 €",
            "par mois ; par personne et par jour sur 30 jours",
            "Fait à Dax, le 15 mars 2027"):
        assert expected in text, expected
    assert "impasse Cachée" not in text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
