"""`hlm-bot import`: every error by line and column, all or nothing, idempotent."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.importing import run_import
from bot.render import Renderer
from bot.settings import Settings
from storage import reminders
from storage.models import Advisor, Household, Role

HEADER = "reference;nom;prenom;telephone;adresse;confidentiel;conseillere_telegram_id;" \
         "conseillere_nom;debut_accompagnement;parcours"
ROWS = [
    ";Dupré;Hélène;06 12 34 56 78;3 rue des Écoles, Dax;non;2002;Sophie Laborde;01/02/2026;"
    "mediation",
    "2026-0042;N'Diaye;Awa;;;oui;2002;;15/01/2026;bailleur",
]


@pytest.fixture
def deps(db, clock):
    render = Renderer(ZoneInfo("Europe/Paris"))
    return Deps(Settings.from_values({}), clock, db, render,
                DocumentMaker(render, Organisation("MDL")))


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "menages.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def all_households(db) -> list[Household]:
    with db.session() as s:
        return list(s.exec(select(Household).order_by(Household.reference)))


def test_csv_imported_then_reimported_changes_nothing(tmp_path, deps, db, capsys):
    path = write(tmp_path, "\ufeff" + "\n".join([HEADER, *ROWS]) + "\n")
    assert run_import(deps, path) == 0
    assert "2 ménage(s) créé(s) : 2027-0001, 2026-0042" in capsys.readouterr().out
    first = all_households(db)
    assert [(h.reference, h.last_name, h.phone) for h in first] == [
        ("2026-0042", "N'Diaye", ""), ("2027-0001", "Dupré", "06 12 34 56 78")]
    assert first[0].confidential and first[1].support_start == date(2026, 2, 1)
    with db.session() as s:
        sophie = s.exec(select(Advisor).where(Advisor.telegram_id == 2002)).one()
    assert sophie.name == "Sophie Laborde" and sophie.role == Role.CONSEILLERE
    assert {h.advisor_id for h in first} == {sophie.id}
    assert run_import(deps, path) == 0
    assert "2 ménage(s) déjà à jour" in capsys.readouterr().out
    assert [(h.id, h.updated_at) for h in all_households(db)] == \
        [(h.id, h.updated_at) for h in first]


def test_windows_1252_and_commas(tmp_path, deps, db):
    text = "nom,prenom,telephone\nLefèvre,Gaëlle,0612345678\n"
    assert run_import(deps, write(tmp_path, text, "cp1252")) == 0
    assert [(h.last_name, h.first_name) for h in all_households(db)] == [("Lefèvre", "Gaëlle")]


def test_xlsx_with_dates_and_numbers(tmp_path, deps, db):
    book = Workbook()
    sheet = book.active
    sheet.append(["Nom", "Prénom", "Téléphone", "debut_accompagnement", "confidentiel"])
    sheet.append(["Petit", "Léon", 612345678, datetime(2026, 9, 1), "non"])
    path = tmp_path / "menages.xlsx"
    book.save(path)
    assert run_import(deps, path) == 0
    (household,) = all_households(db)
    assert household.phone == "06 12 34 56 78" and household.support_start == date(2026, 9, 1)


def test_every_error_reported_and_nothing_imported(tmp_path, deps, db, capsys):
    rows = [*ROWS, "2026-1;Martin;;0612;;peut-être;abc;;31/02/2026;ailleurs",
            "2026-0042;Autre;Personne;;;;;;;"]
    assert run_import(deps, write(tmp_path, "\n".join([HEADER, *rows]))) == 1
    err = capsys.readouterr().err
    for expected in ("ligne 4, colonne reference : référence attendue comme 2026-0007",
                     "ligne 4, colonne prenom : cette information est obligatoire",
                     "ligne 4, colonne telephone : numéro attendu comme 06 12 34 56 78",
                     "ligne 4, colonne confidentiel : réponse attendue : oui ou non",
                     "ligne 4, colonne conseillere_telegram_id : identifiant Telegram attendu",
                     "ligne 4, colonne debut_accompagnement : cette date n'existe pas",
                     "ligne 4, colonne parcours : valeur attendue parmi : mediation, bailleur",
                     "ligne 5, colonne reference : référence déjà utilisée ligne 3",
                     "rien n'a été importé"):
        assert expected in err, expected
    assert all_households(db) == []


def test_unknown_column_named(tmp_path, deps, db, capsys):
    assert run_import(deps, write(tmp_path, "nom;prenom;couleur\nA;B;rouge\n")) == 1
    assert "ligne 1, colonne couleur : colonne inconnue" in capsys.readouterr().err


def test_dry_run_writes_nothing(tmp_path, deps, db, capsys):
    path = write(tmp_path, "\n".join([HEADER, *ROWS]))
    assert run_import(deps, path, dry_run=True) == 0
    assert "2 ménage(s) à créer" in capsys.readouterr().out
    assert all_households(db) == []
    with db.session() as s:
        assert s.exec(select(Advisor)).first() is None


def test_matched_by_name_and_phone_and_updated(tmp_path, deps, db, capsys):
    assert run_import(deps, write(tmp_path, "nom;prenom;telephone\nDupont;Ana;0612345678\n")) == 0
    path = write(tmp_path, "nom;prenom;telephone;adresse\nDUPONT;Ana;06 12 34 56 78;2 rue Y\n",
                 name="v2.csv")
    assert run_import(deps, path) == 0
    assert "1 ménage(s) mis à jour : 2027-0001" in capsys.readouterr().out
    (household,) = all_households(db)
    assert household.address == "2 rue Y" and household.last_name == "DUPONT"


def test_tenancy_columns_imported_once_with_their_reminders(tmp_path, deps, db, capsys):
    from storage.models import Reminder, Tenancy

    text = ("nom;prenom;bail;date_entree_logement;date_sous_location;loyer;charges;apl;"
            "apl_versee_a;jour_echeance;fin_assurance;prochain_bilan\n"
            "Dupont;Ana;sous-location;01/02/2027;01/02/2027;450;50,00;1250.50;bailleur;31;"
            "10/04/2027;12/04/2027\n")
    path = write(tmp_path, text)
    assert run_import(deps, path) == 0
    reminders.sync_due(db, deps.clock)  # the import leaves its households to the pass
    with db.session() as s:
        (home,) = s.exec(select(Tenancy)).all()
        assert (home.lease, home.rent, home.charges, home.housing_benefit, home.due_day) == (
            "sous_location", 45000, 5000, 125050, 31)
        first = sorted(r.key for r in s.exec(select(Reminder)))
    assert "insurance:2027-04-10:avant" in first and any(k.startswith("bilan:") for k in first)
    assert run_import(deps, path) == 0
    assert "1 ménage(s) déjà à jour" in capsys.readouterr().out
    reminders.sync_due(db, deps.clock)
    with db.session() as s:
        assert sorted(r.key for r in s.exec(select(Reminder))) == first


def test_tenancy_column_errors(tmp_path, deps, db, capsys):
    text = ("nom;prenom;bail;loyer;jour_echeance;apl_versee_a\n"
            "Dupont;Ana;colocation;4OO;32;caf\n"
            "Durand;Léo;sous-location;450;5;menage\n")
    assert run_import(deps, write(tmp_path, text)) == 1
    err = capsys.readouterr().err
    for expected in ("ligne 2, colonne bail : valeur attendue parmi : direct, sous-location",
                     "ligne 2, colonne loyer : montant attendu",
                     "ligne 2, colonne jour_echeance : nombre entier attendu, entre 1 et 31",
                     "ligne 2, colonne apl_versee_a : valeur attendue parmi : bailleur, menage",
                     "ligne 3, colonne date_sous_location : cette information est obligatoire"):
        assert expected in err, expected
