"""Rent is an account: each «Seen» of the issue replayed through the fake Telegram server.

A home whose rent is 199,40 € a month (224,40 € − 25,00 € of APL paid to the landlord). In
April: «➗ Partiel» refuses 0 and questions 250 € before anything is recorded; a catch-up
payment from the FSL, typed from the card's 💶, lowers the card's debt; a mistaken amount is
corrected, not erased. In May: «✅ Payé» pressed twice records one payment."""

from __future__ import annotations

import re

from flows import ADMIN_ID, card_action, import_csv, invite, make_bot, open_household


async def record_home(user) -> None:
    await card_action(user, r"Enregistrer le logement")
    await user.expect(r"Adresse du logement")
    await user.send("4 rue des Fleurs, 40100 Dax")
    await user.expect(r"Typologie")
    await user.click(r"^T2$")
    await user.expect(r"Bailleur \?")
    await user.click(r"Habitat Landes Océanes")
    await user.expect(r"Date d'entrée")
    await user.click(r"Aujourd'hui")
    await user.expect(r"Loyer mensuel")
    await user.send("224,40")
    await user.expect(r"Charges mensuelles")
    await user.click(r"Passer")
    await user.expect(r"Jour d'échéance")
    await user.click(r"^5$")
    await user.expect(r"Aide au logement")
    await user.send("25")
    await user.expect(r"L'APL est versée")
    await user.click(r"au bailleur")
    await user.expect(r"Forme du bail")
    await user.click(r"Bail direct")
    await user.expect(r"attestation d'assurance")
    await user.click(r"Passer")
    await user.expect(r"Logement .* résumé")
    await user.click(r"Confirmer")
    card = await user.expect(r"📁")
    assert "reste dû 199,40 €" in card.text


async def test_rent_account_partial_catch_up_fsl_correction_and_double_tap(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path)
    await bot.start()
    await open_household(admin, "Martin", "Lou")
    await record_home(admin)
    await bot.terminate(grace=5)

    # 12 April: April's rent (199,40 €) fell due on the 5th, its check came on the 10th.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-04-12T10:00:00+02:00")
    await bot.start()
    rent = await admin.expect(r"Loyer d'avril 2027", timeout=15)
    assert "199,40 € attendus" in rent.text
    await admin.click(r"Partiel", message=rent)
    await admin.expect(r"Montant payé ce mois-ci")
    await admin.send("0")
    refused = await admin.expect(r"Montant de 0 € refusé")
    assert "Montant payé ce mois-ci" in refused.text  # asked again
    await admin.send("250")
    asked = await admin.expect(r"dépasse")
    assert "250,00 € dépasse les 199,40 € dus : enregistrer quand même ?" in asked.text
    await admin.click(r"Corriger", message=asked)
    await admin.expect(r"Montant payé ce mois-ci")
    await admin.send("150")
    await admin.expect(r"Paiement partiel de 150,00 € enregistré")
    alert = await admin.expect(r"Premier mois payé en partie")
    assert "49,40 € manquent ce mois-ci. Dette locative : 49,40 €" in alert.text

    # The catch-up comes from the FSL: typed from the card's 💶.
    await admin.send("/cherche martin")
    card = await admin.expect(r"📁")
    assert "Dette locative : 49,40 €" in card.text
    await admin.click(r"Loyers", message=card)
    account = await admin.expect(r"Compte loyer · 2027-0001")
    assert "Dette locative aujourd'hui : 49,40 €" in account.text
    assert "avril 2027 : 199,40 € · 150,00 € · 49,40 €" in account.text
    await admin.click(r"➕ Paiement", message=account)
    await admin.expect(r"Date du paiement")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Montant payé \?")
    await admin.send("49,40")
    await admin.expect(r"Qui a payé")
    await admin.click(r"Le FSL")
    await admin.expect(r"Un commentaire")
    await admin.send("Aide FSL accordée")
    await admin.expect(r"Paiement .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Paiement de 49,40 € du 12/04/2027 enregistré")
    account = await admin.expect(r"Compte loyer")
    assert "Aucune dette locative aujourd'hui" in account.text
    assert "(FSL)" in account.text and "Aide FSL accordée" in account.text
    await admin.send("/cherche martin")
    card = await admin.expect(r"📁")
    assert "Dette locative" not in card.text

    # The FSL paid 40 €, not 49,40 €: a correcting entry, the first one kept.
    fsl = re.search(r"n°(\d+) · Paiement du 12/04/2027 : 49,40 € \(FSL\)", account.text)
    assert fsl, account.text
    await admin.click(rf"Corriger n°{fsl.group(1)} · Paiement", message=account)
    question = await admin.expect(r"bon montant")
    assert f"n°{fsl.group(1)} · Paiement du 12/04/2027 : 49,40 € (FSL)" in question.text
    await admin.send("40")
    await admin.expect(r"Pourquoi")
    await admin.send("Montant de l'aide : 40 €")
    await admin.expect(r"Correction .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Correction de l'écriture n°" + fsl.group(1))
    account = await admin.expect(r"Compte loyer")
    assert "Dette locative aujourd'hui : 9,40 €" in account.text
    assert "40,00 € (FSL) (saisi : 49,40 €)" in account.text
    assert "corrigé le 12/04/2027" in account.text and "Montant de l'aide" in account.text
    await tg.wait_idle()
    await bot.terminate(grace=5)

    # 11 May: «✅ Payé» pressed twice on May's check records one payment.
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START="2027-05-11T10:00:00+02:00")
    await bot.start()
    may = await admin.expect(r"Loyer de mai 2027", timeout=15)
    first = await admin.click(r"Payé", message=may)
    second = await admin.click(r"Payé", message=may)
    await admin.expect(r"✅ Payé · 2027-0001")
    await tg.wait_answered(first)
    await tg.wait_answered(second)
    assert re.search(r"Déjà enregistré : payé, le 11/05/2027 à \d\d:\d\d par Claire",
                     (second.answer or {}).get("text", ""))
    await admin.send("/cherche martin")
    card = await admin.expect(r"📁")
    assert "Dette locative : 9,40 €" in card.text  # May paid once: April's 9,40 € remain
    await admin.click(r"Loyers", message=card)
    account = await admin.expect(r"Compte loyer")
    assert "mai 2027 : 199,40 € · 199,40 € · 9,40 €" in account.text
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)


async def test_impaye_from_the_ledger_both_ways_and_a_repayment_plan(tg, tmp_path, admin):
    """Imported with 700 € of arrears on a 300 € rent: an impayé at once (the advisor and the
    coordinator are told); an FSL aid brings it under twice the rent (the advisor is told);
    then a plan d'apurement of the rest, followed on 💶."""
    bot = make_bot(tg, tmp_path)
    await bot.start()
    nadia = await invite(tg, admin, 2002, "Nadia", role="Coordinatrice")
    await import_csv(tmp_path, "reference;nom;prenom;conseillere_telegram_id;loyer;"
                               "jour_echeance;date_entree_logement;dette_initiale;date_dette\n"
                               f"2027-0001;Dupont;Ana;{ADMIN_ID};300;5;01/01/2026;700;"
                               "01/03/2027\n")
    for phone in (admin, nadia):
        alert = await phone.expect(r"🚨 Impayé · 2027-0001", timeout=20)
        assert "700,00 €" in alert.text and "CAF à informer avant le 01/05/2027" in alert.text
    await admin.send("/cherche dupont")
    card = await admin.expect(r"📁")
    assert "Dette locative : 700,00 €" in card.text
    await admin.click(r"Loyers", message=card)
    account = await admin.expect(r"Compte loyer")
    assert "CAF à informer avant le 01/05/2027" in account.text
    await admin.click(r"➕ Paiement", message=account)
    await admin.expect(r"Date du paiement")
    await admin.click(r"Aujourd'hui")
    await admin.expect(r"Montant payé \?")
    await admin.send("300")
    await admin.expect(r"Qui a payé")
    await admin.click(r"Le FSL")
    await admin.expect(r"Un commentaire")
    await admin.click(r"Passer")
    await admin.expect(r"Paiement .* résumé")
    await admin.click(r"Confirmer")
    account = await admin.expect(r"Compte loyer")
    assert "Dette locative aujourd'hui : 400,00 €" in account.text and "🚨" not in account.text
    back = await admin.expect(r"Impayé résorbé · 2027-0001", timeout=20)
    assert "400,00 €" in back.text
    await admin.click(r"Plan d'apurement", message=account)
    await admin.expect(r"Montant de la mensualité")
    await admin.send("50")
    await admin.expect(r"À partir de quel mois")
    await admin.send("01/04/2027")
    await admin.expect(r"Sur combien de mois")
    await admin.send("8")
    await admin.expect(r"Plan d'apurement .* résumé")
    await admin.click(r"Confirmer")
    await admin.expect(r"Plan d'apurement de 2027-0001 · A. D. enregistré : 50,00 € par mois "
                       r"en plus du loyer, 8 mois à partir d'avril 2027")
    account = await admin.expect(r"Compte loyer")
    assert "Mensualités payées : 0/8 · remboursé 0,00 € sur 400,00 €, reste 400,00 €" \
        in account.text
    await tg.wait_idle(quiet=6)
    assert sum("🚨 Impayé" in m.text for m in nadia.history) == 1
    assert not any("résorbé" in m.text for m in nadia.history)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
