"""The PDFs read back: sections, names as typed, French dates and amounts, privacy."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from storage import budget
from storage.documents import ReportDocument
from storage.models import Advisor, Bilan, Household, PlanStatus, PlanVersion
from storage.plans import Item

NOW = datetime(2027, 3, 15, 9, tzinfo=UTC)
NAME = "N'Diaye & <Fils> \"Le Grand\""
maker = DocumentMaker(Renderer(ZoneInfo("Europe/Paris")),
                      Organisation("Maison du Logement", "12 rue Neuve\n40100 Dax"))
advisor = Advisor(id=1, telegram_id=1, name="Claire Martin", created_at=NOW)


def household(confidential: bool = False) -> Household:
    return Household(id=1, reference="2027-0007", last_name=NAME, first_name="Aïssatou",
                     phone="06 12 34 56 78", address="8 impasse des Tilleuls, Dax", adults=1,
                     children_ages=[4, 9], resources={"activite": 125050},
                     confidential=confidential, dalo=True, created_at=NOW, updated_at=NOW)


def version(number: int = 1, signed: bool = True, clauses: str | None = None) -> PlanVersion:
    long_text = "Un objectif très long " + "ininterrompu" * 20 + " qui doit passer à la ligne."
    return PlanVersion(
        id=number, household_id=1, number=number,
        status=PlanStatus.SIGNED if signed else PlanStatus.DRAFT,
        signed_on=date(2027, 3, 12) if signed else None,
        landlord_signatory="Mme Lafitte (HLO)" if signed else None,
        created_by_id=1, created_at=NOW, updated_at=NOW,
        content={"debut": "2027-03-01", "situation": "Hébergée <chez sa sœur> & ses enfants",
                 "objectif_final": "Accéder à un T3", "clauses": clauses,
                 "objectifs": [{"_uid": "o1", "texte": long_text, "date": "2027-08-01"}],
                 "demarches": [{"_uid": "d1", "texte": "Dossier SIAO", "qui": "partenaire",
                                "partenaire": "CCAS de Dax", "echeance": "2027-04-15"}],
                 "rythme": "quinzaine", "lieu": "Au domicile", "contact": "SMS",
                 "bilans": [{"date": "2027-06-12"}]})


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_ppal_reads_back_as_typed_with_french_dates():
    pdf = maker.ppal(household(), version(), [version()], advisor, advisor, date(2027, 3, 15))
    text = text_of(pdf)
    for expected in ("Maison du Logement", "Projet Personnalisé d'Accès au Logement",
                     f"Aïssatou {NAME}", "Hébergée <chez sa sœur> & ses enfants",
                     "signée le 12 mars 2027", "1er août 2027", "15 avril 2027",
                     "Un partenaire : CCAS de Dax", "Tous les 15 jours", "12 juin 2027",
                     "Le ménage", "La conseillère", "Mme Lafitte (HLO)",
                     "8 impasse des Tilleuls", "PPAL 2027-0007 — version 1", "Page 1 /"):
        assert expected in text, expected
    assert "None" not in text and "Clauses particulières" not in text
    assert "Brouillon" not in text


def test_draft_and_avenant():
    draft = maker.ppal(household(), version(2, signed=False, clauses="Loyer payé par la CAF"),
                       [version(1), version(2, signed=False)], advisor, None, date(2027, 3, 15))
    text = text_of(draft)
    assert "Brouillon — à signer" in text and "Avenant n°1 — version 2" in text
    assert "Clauses particulières Loyer payé par la CAF" in text
    assert "Historique du plan" in text and "Le bailleur (facultatif)" in text


def test_confidential_household_address_stays_out():
    ppal = text_of(maker.ppal(household(True), version(), [version()], advisor, advisor,
                              date(2027, 3, 15)))
    assert "impasse des Tilleuls" not in ppal
    answers = {"arguments": "Ressources stables & suivi régulier", "axes": ["budget", "droits"],
               "typologie": "T3", "adresse": False}
    diagnostic = {"situation_logement": "tiers", "ressources": 125050, "loyer": 45000,
                  "aide_logement": 20000, "secteur": "Dax", "loyer_max": 42000}
    found = ReportDocument(household(True), diagnostic, advisor, "",
                           budget.compute(diagnostic, 3), None, 0)
    report = text_of(maker.report(found, answers, date(2027, 3, 15)))
    for expected in ("Rapport socio-éducatif", "Ressources stables & suivi régulier",
                     "Budget", "Accès aux droits", "T3", "420,00 €", "1 250,50 €",
                     "Hébergé chez des tiers", "Taux d'effort 20,0 %", "DALO", "15 mars 2027"):
        assert expected in report, expected
    assert "impasse des Tilleuls" not in report
    confirmed = text_of(maker.report(found, {**answers, "adresse": True}, date(2027, 3, 15)))
    assert "8 impasse des Tilleuls" in confirmed


def test_bilan_record():
    bilan = Bilan(id=1, household_id=1, plan_version_id=1, held_on=date(2027, 6, 1),
                  achieved="Dossier déposé", decisions="", next_on=None, amendment=True,
                  advisor_id=1, created_at=NOW)
    items = [Item("d1", "demarches", "Dossier SIAO", "partenaire", "CCAS", date(2027, 4, 15),
                  "fait", "ok")]
    text = text_of(maker.bilan(household(), bilan, version(), items, advisor))
    assert "Bilan intermédiaire du 1er juin 2027" in text and "Dossier SIAO Fait — ok" in text
    assert "Décisions" not in text and "à fixer" in text and "None" not in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="pdftoppm (Debian's poppler-utils) is not installed: `make test` "
                           "installs it")
def test_ppal_renders_to_png(tmp_path: Path):
    pdf = tmp_path / "ppal.pdf"
    pdf.write_bytes(maker.ppal(household(), version(), [version()], advisor, advisor,
                               date(2027, 3, 15)))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)


def test_organisation_logo_and_address(tmp_path: Path):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
                    '<rect width="120" height="40" fill="#1f4e79"/></svg>')
    with_logo = DocumentMaker(Renderer(ZoneInfo("Europe/Paris")),
                              Organisation("MDL Grand Dax", "1 place X\n40100 Dax", logo.as_uri()))
    pdf = with_logo.ppal(household(), version(), [version()], advisor, advisor, date(2027, 3, 15))
    text = text_of(pdf)
    assert "MDL Grand Dax" in text and "40100 Dax" in text
    plain = maker.ppal(household(), version(), [version()], advisor, advisor, date(2027, 3, 15))
    assert len(pdf) > len(plain)  # the logo is in the file
