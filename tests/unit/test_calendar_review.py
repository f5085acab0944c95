"""A glissement review held: who attended, the facts the bot knew beside each condition, the
one-page record for the landlord, and a renewal that starts a new examination period."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlmodel import select

from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from storage import households, ledger, tenancy
from storage.forms.engine import Engine
from storage.forms.spec import load
from storage.forms.targets import prefill
from storage.households import HouseholdData
from storage.models import Advisor, Household, Role, Tenancy

from factories import make_advisor

maker = DocumentMaker(Renderer(ZoneInfo("Europe/Paris")),
                      Organisation("Maison du Logement", "12 rue Neuve\n40100 Dax"))


def test_a_review_records_who_attended_the_facts_and_makes_its_record(session, clock):
    lea = make_advisor(session, clock, 3, "Léa Dubois")
    h = households.create(session, clock, lea, HouseholdData("Martin", "Lou", advisor_id=lea.id))
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "jour_echeance": 5,
                                           "entree": "2026-09-01", "bail": "sous_location",
                                           "bailleur": "Habitat Landes Océanes",
                                           "date_sous_location": "2026-09-15",
                                           "periode_examen_mois": 18,
                                           "fin_assurance": "2027-09-30"})
    ledger.record_opening(session, clock, lea, h, clock.today(), 25000)
    answers = prefill(session, clock, load("glissement"), h)
    owed = ledger.arrears(session, clock, h)
    assert owed == 25000
    assert answers["_facts"] == {"balance": owed, "insurance": "2027-09-30", "bilan": None}
    assert answers["_due"] == "2027-03-15"
    review = tenancy.record_review(session, clock, lea, h, {
        **answers, "date": "2027-03-15", "presents": ["menage", "bailleur", "association"],
        "ressources": True, "droits": True, "loyer_regulier": False, "logement_entretenu": True,
        "assure": True, "accord_bailleur": False, "decision": "prolonger",
        "commentaire": "Reprise des paiements à suivre."})
    assert review.attendees == ["menage", "bailleur", "association"]
    assert review.facts["balance"] == owed and review.facts["insurance"] == "2027-09-30"
    found = tenancy.review_document(session, h, review.id or 0)
    assert (found.period_end, found.deadline) == (date(2028, 3, 15), date(2028, 1, 15))
    pdf = maker.review(found)
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert len(pages) == 1
    for expected in ("Compte rendu de la revue de glissement", "du 15 mars 2027",
                     "le ménage, le bailleur, l'association (Maison du Logement)",
                     "250,00 € dus au 15/03/2027",
                     "attestation valable jusqu'au 30/09/2027",
                     "Prolongation de la sous-location", "Reprise des paiements à suivre.",
                     "informe le préfet avant le 15 janvier 2028", "Fait à Dax, le 15 mars 2027",
                     "Le bailleur Habitat Landes Océanes", "Léa Dubois, Maison du Logement"):
        assert expected in text, expected


def test_the_facts_are_shown_beside_their_condition():
    render = Renderer(ZoneInfo("Europe/Paris"))
    facts = {"balance": 25000, "insurance": "2027-09-30", "bilan": "2027-01-10"}
    rent = render.msg("forms.review_facts", key="loyer_regulier", f=facts)
    assert rent.strip() == "📎 Solde du loyer aujourd'hui : 250,00 € dus"
    assert "30/09/2027" in render.msg("forms.review_facts", key="assure", f=facts)
    start = render.msg("forms.review_facts", key="date", f=facts)
    assert "250,00 €" in start and "30/09/2027" in start and "10/01/2027" in start
    assert render.msg("forms.review_facts", key="decision", f=facts).strip() == ""


def act(db, clock, advisor_id, fn):
    with db.session() as s:
        engine = Engine(s, clock, s.get(Advisor, advisor_id))
        return fn(engine, engine.active(), s)


def test_a_review_long_before_its_date_asks_which_review_it_is(db, clock):
    with db.session() as s:
        claire = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        h = households.create(s, clock, claire, HouseholdData("Dupont", "Ana"))
        # Sub-let since 15/11/2026: 6-month dates 15/05/2027, 15/11/2027; today 15/03/2027.
        tenancy.save(s, clock, claire, h, {"loyer": 45000, "jour_echeance": 5,
                                           "bail": "sous_location", "entree": "2026-11-15",
                                           "date_sous_location": "2026-11-15"})
        hid, cid = h.id, claire.id
    step = act(db, clock, cid, lambda e, r, s: e.start("glissement", s.get(Household, hid)))
    assert step.answers["_due"] == "2027-05-15"
    assert step.answers["_reviews"] == ["2027-05-15", "2027-11-15"]
    act(db, clock, cid, lambda e, r, s: e.today(r, "date"))
    step = act(db, clock, cid, lambda e, r, s: e.confirm_answer(r, r.step, True))
    assert step.field.key == "revue"  # not silently the next one
    assert [(c.value, c.label) for c in step.choices] == [
        ("2027-05-15", "15/05/2027"), ("2027-11-15", "15/11/2027"),
        ("supplementaire", "Une revue supplémentaire")]
    step = act(db, clock, cid, lambda e, r, s: e.choose_value(r, r.step, "supplementaire"))
    assert step.field.key == "presents"
    with db.session() as s:
        h = s.get(Household, hid)
        review = tenancy.record_review(s, clock, s.get(Advisor, cid), h,
                                       {**step.answers, "decision": "autre"})
        assert review.extra and review.occurrence is None
        # A supplementary review settles nothing: the 15/05 review is still ahead.
        assert tenancy.review_dates(s, h, clock.today())[0] == date(2027, 5, 15)
        tenancy.record_review(s, clock, s.get(Advisor, cid), h,
                              {"date": "2027-03-15", "revue": "2027-05-15", "decision": "autre"})
        assert tenancy.review_dates(s, h, clock.today())[0] == date(2027, 11, 15)
        s.commit()


def test_a_review_near_its_date_is_that_review_without_asking(db, clock):
    with db.session() as s:
        claire = make_advisor(s, clock, 1, "Claire", Role.ADMIN)
        h = households.create(s, clock, claire, HouseholdData("Dupont", "Ana"))
        tenancy.save(s, clock, claire, h, {"loyer": 45000, "jour_echeance": 5,
                                           "bail": "sous_location", "entree": "2026-10-01",
                                           "date_sous_location": "2026-10-01"})
        hid, cid = h.id, claire.id
    act(db, clock, cid, lambda e, r, s: e.start("glissement", s.get(Household, hid)))
    step = act(db, clock, cid, lambda e, r, s: e.today(r, "date"))
    assert step.field.key == "presents" and step.answers["revue"] == "2027-04-01"


def test_the_import_reads_the_examination_period(tmp_path, db, clock):
    from bot.deps import Deps
    from bot.importing import run_import
    from bot.settings import Settings

    render = Renderer(ZoneInfo("Europe/Paris"))
    deps = Deps(Settings.from_values({}), clock, db, render, maker)
    path = tmp_path / "menages.csv"
    path.write_text("nom;prenom;bail;date_sous_location;loyer;periode_examen_mois;"
                    "debut_periode_examen\nMartin;Lou;sous-location;01/10/2025;450;18;"
                    "01/10/2026\n", encoding="utf-8")
    assert run_import(deps, path) == 0
    with db.session() as s:
        home = s.exec(select(Tenancy)).one()
        assert (home.exam_period_months, home.exam_period_start) == (18, date(2026, 10, 1))
