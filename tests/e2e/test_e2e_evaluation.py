"""Issue 11 «The yearly evaluation»: after time travel into 2028, a coordinator's
`/evaluation 2027` returns the key figures, the workbook and the PDF report; a conseillère is
refused."""

from __future__ import annotations

import io
import subprocess

from openpyxl import load_workbook

from flows import import_csv, invite, make_bot

START = "2028-01-10T10:00:00+01:00"  # a Monday of the next year
COORDINATOR, ADVISOR = 2001, 2002
CASELOAD = (
    "nom;prenom;telephone;debut_accompagnement;parcours;bail;date_entree_logement;"
    "date_sous_location;loyer;jour_echeance\n"
    "Dupont;Ana;06 11 11 11 11;01/02/2027;mediation;sous-location;01/03/2027;01/03/2027;"
    "400;5\n"
    "Martin;Léa;06 22 22 22 22;15/06/2026;bailleur;direct;01/07/2026;;500;5\n"
    "Garcia;Inès;06 33 33 33 33;01/03/2028;autre;;;;;\n"
)


async def test_a_coordinator_gets_the_evaluation_of_last_year_an_advisor_is_refused(
        tg, tmp_path, admin):
    await import_csv(tmp_path, CASELOAD, BOT_CLOCK_START=START)
    bot = make_bot(tg, tmp_path, BOT_CLOCK_START=START)
    await bot.start()
    coordinator = await invite(tg, admin, COORDINATOR, "Sophie", role="Coordinatrice")
    advisor = await invite(tg, admin, ADVISOR, "Léa")

    await advisor.send("/evaluation 2027")
    await advisor.expect(r"réservée à la coordination")
    await coordinator.send("/evaluation 20x7")
    await coordinator.expect(r"Année non reconnue")

    await coordinator.send("/evaluation 2027")
    summary = await coordinator.expect(r"Évaluation 2027")
    text = summary.text
    # Two supports in 2027 (Garcia starts in 2028): Dupont new, Martin carried over.
    assert "2 ménages accompagnés (objectif 25) : 1 nouveau, 1 depuis l'année précédente" \
        in text, text
    assert "1 entrée dans un logement ; 1 en sous-location, 1 en bail direct" in text
    # 2 household-years less Dupont's January (31 days): 699 / 365 × 1 440 € = 2 757,70 €.
    assert "Coût : 2 757,70 € (1,92 années-ménages × 1 440,00 €)" in text
    assert "Dupont" not in text and "Martin" not in text
    workbook = await coordinator.expect_document(r"^Evaluation-2027\.xlsx$", timeout=30)
    book = load_workbook(io.BytesIO(workbook.data))
    assert book.sheetnames == ["Indicateurs", "Ménages"]
    rows = list(book["Ménages"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["2028-0001", "2028-0002"]  # references given at the import
    pdf = await coordinator.expect_document(r"^Evaluation-2027\.pdf$", timeout=30)
    (tmp_path / "evaluation.pdf").write_bytes(pdf.data)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "evaluation.pdf"), "-"],
                                   check=True, capture_output=True, text=True).stdout.split())
    assert "Évaluation annuelle 2027" in text and "Ménages accompagnés par mois" in text
    kept = sorted(p.suffix for p in (tmp_path / "data" / "documents" / "equipe").iterdir())
    assert kept == [".pdf", ".xlsx"]

    # The year running, to date, a tap away.
    await coordinator.click(r"Année en cours à date")
    await coordinator.expect(r"Évaluation 2028 \(au 10/01/2028\)")
    await coordinator.expect_document(r"^Evaluation-2028-au-2028-01-10\.pdf$", timeout=30)
    await tg.wait_idle(quiet=1)
    assert tg.errors == []
    await tg.assert_all_callbacks_answered()
    await bot.terminate(grace=5)
