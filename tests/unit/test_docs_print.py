"""The documents on paper: headings with what follows them, table headers on each page, rows
whole, «Fait à …, le …» and the signatures with the last section, «Page n / N»; the avenant's
changes; the rapport addressed, signed, with the budget at the target rent and the debts."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from storage import budget
from storage.documents import ReportDocument
from storage.models import Bilan, PlanVersion
from storage.plans import Change, Item

from test_documents import NOW, advisor, household, maker, version

LONG = ("Constituer le dossier de demande de logement social avec toutes les pièces "
        "justificatives, relancer le bailleur et le SIAO chaque mois ")
STEPS = [{"_uid": f"d{i}", "texte": f"Démarche {i} : " + LONG * (1 + i % 2),
          "qui": ["menage", "conseillere", "partenaire"][i % 3],
          "partenaire": "CCAS de Dax" if i % 3 == 2 else None,
          "echeance": f"2027-{i % 9 + 4:02d}-15"} for i in range(1, 13)]
OBJECTIVES = [{"_uid": f"o{i}", "texte": f"Objectif {i} : " + LONG, "date": "2027-08-01"}
              for i in range(1, 5)]


def long_plan(number: int = 1, signed: bool = True) -> PlanVersion:
    plan = version(number, signed, clauses="Le loyer résiduel est réglé par virement. " * 8)
    plan.content = {**plan.content, "objectifs": OBJECTIVES, "demarches": STEPS,
                    "situation": "Hébergée chez sa sœur avec ses deux enfants. " * 8}
    return plan


def pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def page_of(found: list[str], text: str) -> int:
    hits = [n for n, page in enumerate(found) if text in page]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def test_long_ppal_keeps_headings_headers_rows_and_signatures_together():
    found = pages(maker.ppal(household(), long_plan(), [long_plan()], advisor, advisor,
                             date(2027, 3, 15)))
    total = len(found)
    assert total >= 3
    for n, page in enumerate(found, 1):
        assert page.endswith(f"Page {n} / {total}")
    # «4. Démarches», its header and its first row on one page.
    assert "4. Démarches n° Démarche Qui Échéance 1 Démarche 1 :" in found[
        page_of(found, "4. Démarches")]
    # Every page with a step starts its table with the header; no step is cut in two.
    for step in STEPS:
        text = " ".join(step["texte"].split())
        at = page_of(found, text)
        assert "n° Démarche Qui Échéance" in found[at]
    # The last section, the commitment, «Fait à» and the signatures share the last page.
    last = found[-1]
    for expected in ("7. Clauses particulières", "s'engagent à mettre en œuvre",
                     "Fait à Dax, le 12 mars 2027", "Le ménage", "La conseillère",
                     "Le bailleur Mme Lafitte (HLO)"):
        assert expected in last, expected


def test_a_draft_leaves_the_date_to_write_and_the_city_follows_the_setting():
    elsewhere = DocumentMaker(Renderer(ZoneInfo("Europe/Paris")),
                              Organisation("MDL", "3 rue Y\n40990 Saint-Paul-lès-Dax",
                                           city="Saint-Paul-lès-Dax"))
    found = pages(elsewhere.ppal(household(), version(signed=False), [version(signed=False)],
                                 advisor, None, date(2027, 3, 15)))
    assert re.search(r"Fait à Saint-Paul-lès-Dax, le …+ Le ménage", found[-1])


def test_the_avenant_says_what_changes():
    changes = [Change("demarches", "fait", "Dossier SIAO",
                      done_at=datetime(2027, 4, 2, 22, 30, tzinfo=UTC), comment="déposé"),
               Change("objectifs", "modifie", "Accéder à un T3 à Dax",
                      fields=(("texte", "Accéder à un T3", "Accéder à un T3 à Dax"),
                              ("date", "2027-08-01", "2027-10-01"))),
               Change("demarches", "modifie", "Assurance",
                      fields=(("qui", "menage", "conseillere"),)),
               Change("demarches", "ajoute", "Demande FSL",
                      fields=(("qui", None, "partenaire"), ("partenaire", None, "CCAS"),
                              ("echeance", None, "2027-05-20"))),
               Change("demarches", "retire", "Ouvrir un compte")]
    avenant = version(2, signed=False)
    text = " ".join(pages(maker.ppal(household(), avenant, [version(), avenant], advisor, None,
                                     date(2027, 3, 15), version(), changes)))
    for expected in (
            "Ce qui change par rapport à la version 1",
            "Réalisé — démarche « Dossier SIAO », le 3 avril 2027 (déposé).",  # Paris time
            "Modifié — objectif « Accéder à un T3 à Dax » : objectif : « Accéder à un T3 » → "
            "« Accéder à un T3 à Dax » ; date visée : 1er août 2027 → 1er octobre 2027.",
            "Modifié — démarche « Assurance » : qui : Le ménage → La conseillère.",
            "Ajouté — démarche « Demande FSL » : qui : Un partenaire · partenaire : CCAS · "
            "échéance : 20 mai 2027.",
            "Retiré — démarche « Ouvrir un compte »."):
        assert expected in text, expected
    unchanged = " ".join(pages(maker.ppal(household(), avenant, [version(), avenant], advisor,
                                          None, date(2027, 3, 15), version(), [])))
    assert "Aucun objectif ni aucune démarche ne change" in unchanged
    assert "Ce qui change" not in " ".join(pages(maker.ppal(
        household(), version(), [version()], advisor, advisor, date(2027, 3, 15))))


def test_bilan_two_tables_capitalised_answer_and_signatures_with_the_decisions():
    bilan = Bilan(id=1, household_id=1, plan_version_id=1, held_on=date(2027, 6, 1),
                  achieved="Dossier déposé. " * 40, difficulties="Retards. " * 40,
                  decisions="Demander l'aide du FSL.", next_on=None, amendment=False,
                  advisor_id=1, created_at=NOW)
    items = [Item(s["_uid"], "demarches", s["texte"], s["qui"], None, date(2027, 4, 15),
                  "fait", "ok") for s in STEPS] + \
            [Item(o["_uid"], "objectifs", o["texte"], None, None, date(2027, 8, 1), "a_faire",
                  "") for o in OBJECTIVES]
    found = pages(maker.bilan(household(), bilan, long_plan(), items, advisor))
    text = " ".join(found)
    assert "Avancement des objectifs n° Objectif État Échéance 1 Objectif 1" in text
    assert "Avancement des démarches n° Démarche État Échéance 1 Démarche 1" in text
    assert "Avenant au PPAL Non" in text and "Avenant au PPAL non" not in text
    last = found[-1]
    for expected in ("Décisions Demander l'aide du FSL.", "Prochain bilan à fixer",
                     "Fait à Dax, le 1er juin 2027", "Le ménage", "La conseillère"):
        assert expected in last, expected


DIAGNOSTIC = {"situation_logement": "tiers", "ressources": 125050, "loyer": 45000,
              "aide_logement": 20000, "charges_fixes": 30000, "remboursements": 5000,
              "dettes": 154000, "dettes_nature": "EDF 540 €, loyer 1 000 €",
              "secteur": "Dax", "loyer_max": 42000}
ANSWERS = {"arguments": "Ressources stables & suivi régulier.", "axes": ["budget"],
           "typologie": "T3", "adresse": False}


def report(confidential: bool, answers: dict, landlord: str = "", arrears: int = 74700,
           diagnostic: dict | None = DIAGNOSTIC) -> list[str]:
    figures = budget.compute(diagnostic, 3) if diagnostic else None
    target = budget.project(diagnostic, 3, diagnostic["loyer_max"]) if diagnostic else None
    found = ReportDocument(household(confidential), diagnostic, advisor, landlord, figures,
                           target, arrears)
    return pages(maker.report(found, answers, date(2027, 3, 15)))


def test_rapport_addressed_dated_signed_with_target_budget_and_debts():
    found = report(True, {**ANSWERS, "bailleur": "Habitat Landes Océanes",
                          "attention": "Mme Lafitte, gestion locative"},
                   landlord="Autre bailleur")
    text = " ".join(found)
    for expected in (
            "Habitat Landes Océanes À l'attention de Mme Lafitte, gestion locative "
            "Dax, le 15 mars 2027",
            "Situation actuelle Logement visé (420,00 € par mois)",
            "Coût du logement par mois 250,00 € 420,00 €",
            "Taux d'effort 20,0 % 33,6 % ⚠ au-dessus de 30 %",
            "Reste à vivre par mois 650,50 € 480,50 €",
            "(3 pers., 30 jours) 7,23 € ⚠ sous 10,00 € 5,34 € ⚠ sous 10,00 €",
            "par mois ; par personne et par jour sur 30 jours",
            "Dettes déclarées au diagnostic 1 540,00 € EDF 540 €, loyer 1 000 €",
            "Remboursements en cours 50,00 € par mois", "Dette locative à ce jour 747,00 €"):
        assert expected in text, expected
    assert "Autre bailleur" not in text  # the form's answer wins over the home's landlord
    assert "impasse des Tilleuls" not in text
    last = found[-1]
    assert "Logement recherché Typologie T3" in last
    assert "Fait à Dax, le 15 mars 2027 La conseillère Claire Martin Maison du Logement" in last


def test_rapport_without_addressee_debts_or_diagnostic():
    home_landlord = " ".join(report(False, ANSWERS, landlord="Habitat Landes Océanes",
                                    arrears=0))
    assert "Habitat Landes Océanes Dax, le 15 mars 2027" in home_landlord
    assert "À l'attention" not in home_landlord and "Dette locative" not in home_landlord
    assert "8 impasse des Tilleuls" in home_landlord  # not confidential
    no_debt = {k: v for k, v in DIAGNOSTIC.items() if k not in ("dettes", "remboursements")}
    plain = " ".join(report(False, ANSWERS, arrears=0, diagnostic=no_debt))
    assert "Au bailleur social Dax, le 15 mars 2027" in plain
    assert "Aucune dette déclarée au diagnostic, pas de dette locative enregistrée." in plain
    none = " ".join(report(False, ANSWERS, arrears=0, diagnostic=None))
    assert "Non renseigné : le diagnostic n'a pas été fait." in none
    assert "Fait à Dax, le 15 mars 2027" in none
