"""A glissement review held on a sub-let home: who attended, the facts beside the conditions,
the outcome, and its one-page record (PDF) sent and kept."""

from __future__ import annotations

import io

from pypdf import PdfReader

from flows import ADMIN_ID, card_action, import_csv, make_bot

MORNING = "2027-03-15T09:30:00+01:00"  # a Monday


async def test_a_review_held_sends_its_record(tg, tmp_path, admin):
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=MORNING)
    await bot.start()
    await admin.send("/aide")
    await admin.expect(r"Ce que je sais faire")
    await import_csv(tmp_path, "nom;prenom;telephone;conseillere_telegram_id;bail;"
                     "date_sous_location;loyer;jour_echeance;fin_assurance\n"
                     f"Martin;Lou;06 11 22 33 44;{ADMIN_ID};sous-location;01/10/2026;450;5;"
                     "30/09/2027\n", BOT_CLOCK_START=MORNING)
    await admin.send("/cherche Martin")
    await admin.expect(r"📁 2027-0001")  # the only one found: its card
    await card_action(admin, r"Revue de glissement")
    first = await admin.expect(r"Date de la revue")
    assert "Attestation d'assurance : valable jusqu'au 30/09/2027" in first.text
    await admin.click(r"Aujourd'hui")
    # 15/03, a fortnight before the 01/04 review: that one, not asked.
    await admin.expect(r"Qui était présent")
    await admin.click(r"Le ménage")
    await admin.click(r"Le bailleur")
    await admin.click(r"L'association")
    await admin.click(r"Valider")
    for question in ("Ressources stables", "Droits ouverts"):
        await admin.expect(question)
        await admin.click(r"^Oui$")
    rent = await admin.expect(r"Loyer payé régulièrement")
    assert "Solde du loyer aujourd'hui" in rent.text
    await admin.click(r"^Oui$")
    await admin.expect(r"Logement entretenu")
    await admin.click(r"^Oui$")
    insured = await admin.expect(r"Logement assuré")
    assert "30/09/2027" in insured.text
    await admin.click(r"^Oui$")
    await admin.expect(r"accord au glissement")
    await admin.click(r"^Non$")
    await admin.expect(r"Commentaire")
    await admin.click(r"Passer")
    await admin.expect(r"Décision")
    await admin.click(r"Prolonger")
    await admin.expect(r"convention est-elle renouvelée")
    await admin.click(r"Passer")
    summary = await admin.expect(r"résumé")
    assert "Le ménage, Le bailleur, L'association (MDL)" in summary.text
    await admin.click(r"Confirmer")
    record = await admin.expect(r"Compte rendu de la revue de glissement", timeout=30)
    assert "2027-0001 · L. M. du 15/03/2027" in record.text
    files = admin.files
    assert files and files[-1].filename == "Revue-glissement-2027-0001-2027-03-15.pdf"
    pages = PdfReader(io.BytesIO(files[-1].data)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert len(pages) == 1 and "le ménage, le bailleur, l'association" in text
    assert list((tmp_path / "data" / "documents" / "2027-0001").glob("Revue-glissement-*.pdf"))
    await tg.wait_idle(quiet=1)
    await tg.assert_all_callbacks_answered()
    assert tg.errors == []
    await bot.terminate(grace=5)
