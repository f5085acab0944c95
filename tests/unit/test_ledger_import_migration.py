"""The rent account's opening balance from `hlm-bot import`, and the old monthly records
migrated into entries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.importing import run_import
from bot.render import Renderer
from bot.settings import Settings
from storage import ledger, reminders
from storage.db import Database
from storage.migrate import downgrade, upgrade
from storage.models import FreeReminder, Household, LedgerEntry


@pytest.fixture
def deps(db, clock):
    render = Renderer(ZoneInfo("Europe/Paris"))
    return Deps(Settings.from_values({}), clock, db, render,
                DocumentMaker(render, Organisation("MDL")))


def test_opening_arrears_imported_once_then_corrected(tmp_path: Path, deps, db, clock, capsys):
    path = tmp_path / "menages.csv"
    header = "reference;nom;prenom;loyer;charges;apl;apl_versee_a;jour_echeance;" \
             "date_entree_logement;dette_initiale;date_dette\n"
    path.write_text(header + "2027-0001;Dupont;Ana;450;50;200;bailleur;5;01/01/2026;"
                             "1 250,50;01/02/2027\n", encoding="utf-8")
    assert run_import(deps, path) == 0
    reminders.sync_due(db, clock)  # the import leaves the impayé to the derivation pass
    with db.session() as s:
        (household,) = s.exec(select(Household)).all()
        (opening,) = s.exec(select(LedgerEntry)).all()
        assert (opening.kind, opening.day, opening.amount) == ("opening", date(2027, 2, 1),
                                                               125050)
        assert ledger.balance(s, household, date(2027, 1, 31)) == 0
        assert ledger.arrears(s, clock, household) == 125050
        # Above twice the rent (600 €): an impayé from the import, CAF within 2 months.
        (step,) = s.exec(select(FreeReminder).where(FreeReminder.kind == "prevention")).all()
        assert step.deadline == date(2027, 4, 1)
    assert run_import(deps, path) == 0
    assert "déjà à jour" in capsys.readouterr().out
    path.write_text(header + "2027-0001;Dupont;Ana;450;50;200;bailleur;5;01/01/2026;"
                             "250;01/02/2027\n", encoding="utf-8")
    assert run_import(deps, path) == 0
    reminders.sync_due(db, clock)
    with db.session() as s:
        (household,) = s.exec(select(Household)).all()
        kinds = sorted(e.kind for e in s.exec(select(LedgerEntry)))
        assert kinds == ["correction", "opening"]
        assert ledger.arrears(s, clock, household) == 25000
        (step,) = s.exec(select(FreeReminder).where(FreeReminder.kind == "prevention")).all()
        assert step.cancelled_on == date(2027, 3, 15)
    bad = tmp_path / "bad.csv"
    bad.write_text("nom;prenom;dette_initiale;date_dette\nDurand;Léo;beaucoup;32/01/2027\n",
                   encoding="utf-8")
    assert run_import(deps, bad) == 1
    err = capsys.readouterr().err
    assert "ligne 2, colonne dette_initiale : montant attendu" in err
    assert "ligne 2, colonne date_dette" in err


def test_old_rent_records_become_entries(database_url, clock):
    """A database at the previous head with monthly records, migrated to the ledger."""
    database = Database(database_url, clock)
    upgrade(database.engine, "5fe3f11dbebf")
    at = datetime(2027, 4, 12, 22, 30, tzinfo=UTC)  # 13/04 in Paris
    with database.engine.begin() as c:
        c.execute(sa.text("INSERT INTO advisor (id, telegram_id, name, role, active, created_at)"
                          " VALUES (1, 11, 'Léa', 'conseillere', true, :at)"), {"at": at})
        c.execute(sa.text(
            "INSERT INTO household (id, reference, last_name, first_name, phone, address, "
            "adults, children_ages, resources, entry_path, dalo, pdalpd, accords_collectifs, "
            "confidential, status, phase, created_at, updated_at, search_key) VALUES (1, "
            "'2027-0001', 'D', 'A', '', '', 1, '[]', '{}', 'autre', false, false, false, false,"
            " 'actif', 'elaboration', :at, :at, '')"), {"at": at})
        c.execute(sa.text(
            "INSERT INTO tenancy (household_id, address, typology, landlord, rent, charges, "
            "due_day, housing_benefit, benefit_paid_to, lease, main_lease_ref, annex, "
            "created_at, updated_at) VALUES (1, '', '', '', 30000, 0, 31, 0, 'bailleur', "
            "'direct', '', '', :at, :at)"), {"at": at})
        for month, paid, status in ((date(2027, 2, 1), 30000, "paye"),
                                    (date(2027, 3, 1), 10000, "partiel"),
                                    (date(2027, 4, 1), 0, "impaye")):
            c.execute(sa.text(
                "INSERT INTO rentrecord (household_id, month, due, paid, status, advisor_id, "
                "recorded_at) VALUES (1, :m, 30000, :p, :s, 1, :at)"),
                {"m": month, "p": paid, "s": status, "at": at})
    upgrade(database.engine)  # as `hlm-bot run` does, on a database with rows
    with Session(database.engine) as s:
        rows = s.exec(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        assert [(r.kind, r.month, r.day, r.amount) for r in rows] == [
            ("due", date(2027, 2, 1), date(2027, 2, 28), 30000),
            ("payment", date(2027, 2, 1), date(2027, 4, 13), -30000),
            ("due", date(2027, 3, 1), date(2027, 3, 31), 30000),
            ("payment", date(2027, 3, 1), date(2027, 4, 13), -10000),
            ("due", date(2027, 4, 1), date(2027, 4, 30), 30000)]
        household = s.get(Household, 1)
        assert household is not None
        assert ledger.balance(s, household, date(2027, 4, 30)) == 50000
        assert "rentrecord" not in sa.inspect(s.connection()).get_table_names()
    downgrade(database.engine, "5fe3f11dbebf")  # and back, month by month
    with database.engine.begin() as c:
        back = c.execute(sa.text("SELECT month, due, paid, status FROM rentrecord "
                                 "ORDER BY month")).all()
    assert [(str(m), d, p, st) for m, d, p, st in back] == [
        ("2027-02-01", 30000, 30000, "paye"), ("2027-03-01", 30000, 10000, "partiel"),
        ("2027-04-01", 30000, 0, "impaye")]
    database.engine.dispose()
