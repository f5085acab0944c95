"""The yearly evaluation's files: the workbook (Indicateurs, Ménages) and the PDF report with
its inline SVG charts, made from the crafted caseload of test_evaluation_figures."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from test_evaluation_figures import caseload  # noqa: F401  (the fixture)

from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from storage import evaluation

maker = DocumentMaker(Renderer(ZoneInfo("Europe/Paris")),
                      Organisation("Maison du Logement", "12 rue Neuve\n40100 Dax"))


def figures(session, clock) -> evaluation.Evaluation:
    return evaluation.compute(session, clock, evaluation.period(2026, clock), target=25,
                              cost_per_household_year=144000)


def test_the_workbook_has_one_row_per_figure_and_households_by_reference_only(
        session, clock, caseload):  # noqa: F811
    ev = figures(session, clock)
    book = load_workbook(io.BytesIO(maker.evaluation_workbook(ev)))
    assert book.sheetnames == ["Indicateurs", "Ménages"]
    rows = {r[1]: r[2] for r in book["Indicateurs"].iter_rows(values_only=True)}
    assert len(rows) == len(evaluation.indicators(ev))
    assert rows["Ménages accompagnés dans l'année"] == 4
    assert rows["Expulsions évitées"] == 2
    assert rows["Femmes victimes de violences (attestation)"] == 1
    assert rows["Délai sous-location → glissement, médiane (mois)"] == 18.0
    assert rows["Coût de l'accompagnement (€)"] == 2765.59
    sheet = list(book["Ménages"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("Référence", "Début", "Fin")
    assert [r[0] for r in sheet[1:]] == ["2026-0001", "2026-0002", "2026-0003", "2026-0004"]
    b = sheet[2]
    assert (b[1].date(), b[2].date(), b[3], b[7], b[11], b[13], b[15]) == (
        date(2026, 3, 1), date(2026, 8, 31), "bailleur", "bail direct", "expulsion", 6.0,
        "expulsion")
    text = " ".join(str(v) for r in sheet for v in r)
    assert "Nom" not in text and "Pré" not in text  # no names


def test_the_pdf_has_the_sections_and_two_svg_charts(session, clock, caseload,  # noqa: F811
                                                      tmp_path: Path):
    ev = figures(session, clock)
    html = maker.render.env.get_template("documents/evaluation.html").render(
        org=maker.org, css=maker.css, ev=ev, today=date(2027, 3, 15),
        sections=[], reasons=evaluation.CLOSURE_REASONS)
    assert html.count("<svg") == 1  # households by month (no section: no exits chart)
    pdf = maker.evaluation(ev, date(2027, 3, 15))
    path = tmp_path / "evaluation.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for expected in ("12 rue Neuve", "Évaluation annuelle 2026", "Ménages accompagnés",
                     "Sorties par motif", "Expulsion", "Glissement", "Expulsions évitées",
                     "2 765,59 €", "janv.", "déc."):
        assert expected in text, expected
    assert "Nom2026" not in text


def test_the_chat_message_gives_the_key_figures_in_french(session, clock, caseload):  # noqa: F811
    text = maker.render.msg("evaluation.summary", e=figures(session, clock))
    for expected in ("<b>Évaluation 2026</b>",
                     "<b>4 ménages accompagnés</b> (objectif 25) : 2 nouveaux, 2 depuis",
                     "3 ménages au seuil d'impayé : 1 résorbé, 1 toujours en dette, 1 expulsé ;"
                     " <b>2 expulsions évitées</b>",
                     "Sorties : expulsion 1, glissement 1 ; durée médiane 16,0 mois.",
                     "1 bilan ; 6 contacts dont 2 visites (1,5 par ménage)",
                     "Coût : 2 765,59 € (1,92 années-ménages × 1 440,00 €)"):
        assert expected in text, expected
    assert "Nom" not in text


def test_the_target_and_the_cost_are_settings():
    import pytest

    from bot.settings import Settings, SettingsError

    assert (Settings.from_values({}).programme_target,
            Settings.from_values({}).cost_per_household_year) == (25, 144000)
    custom = Settings.from_values({"PROGRAMME_TARGET": "30", "COST_PER_HOUSEHOLD_YEAR": "1500,50"})
    assert (custom.programme_target, custom.cost_per_household_year) == (30, 150050)
    with pytest.raises(SettingsError, match="PROGRAMME_TARGET"):
        Settings.from_values({"PROGRAMME_TARGET": "vingt"})
