"""`hlm-bot import` writes its rows by batches (storage.importer.BATCH): a row that fails while
its batch is written is still named by its line, and a row matching a household that an
earlier row of the same batch created finds it whole."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.importing import run_import
from storage import households, importer
from storage.models import Advisor, AuditLog, FreeReminder, Household, LedgerEntry, Tenancy
from tests.unit.test_import import all_households, deps, write  # noqa: F401 (fixture)

HEADER = ("reference;nom;prenom;telephone;conseillere_telegram_id;conseillere_nom;bail;"
          "date_entree_logement;loyer;jour_echeance;dette_initiale;prochain_bilan")


def test_a_row_failing_in_a_later_batch_is_named_and_nothing_is_kept(
        tmp_path, deps, db, capsys, monkeypatch):  # noqa: F811
    """The failure comes from the database (a reference taken twice), when the second batch
    is written: that batch is written again row by row to find the line."""
    monkeypatch.setattr(importer, "BATCH", 2)
    new = households.new

    def taken_reference(clock, data, reference):
        return new(clock, data, "2026-0001" if data.last_name == "Durand" else reference)

    monkeypatch.setattr(households, "new", taken_reference)
    rows = ["2026-0001;Dupré;Hélène;;;;;;;;;", "2026-0002;Martin;Awa;;2002;Sophie;;;;;;",
            "2026-0003;Petit;Léa;;;;;;;;;", "2026-0004;Durand;Paul;;;;;;;;;",
            "2026-0005;Roux;Anne;;;;;;;;;"]
    assert run_import(deps, write(tmp_path, "\n".join([HEADER, *rows]) + "\n")) == 1
    err = capsys.readouterr().err
    assert "l'écriture de la ligne 5 a échoué (IntegrityError)" in err, err
    assert "Traceback" not in err
    assert all_households(db) == []
    with db.session() as s:
        assert s.exec(select(AuditLog)).all() == [] and s.exec(select(Advisor)).all() == []


def test_a_row_matching_a_household_created_earlier_in_its_batch(
        tmp_path, deps, db, capsys):  # noqa: F811
    """Line 4 is line 2's household again (same name, same phone typed otherwise), after a row
    that creates an advisor: one home, one account corrected, one bilan, as row by row."""
    rows = ["2026-0001;Dupré;Hélène;06 12 34 56 78;;;direct;01/02/2027;450;5;100;12/06/2027",
            ";Martin;Awa;;2002;Sophie Laborde;;;;;;",
            ";DUPRE;Hélène;0612345678;;;direct;01/02/2027;500;5;150;12/06/2027"]
    assert run_import(deps, write(tmp_path, "\n".join([HEADER, *rows]) + "\n")) == 0
    out = capsys.readouterr().out
    assert "2 ménage(s) créé(s) : 2026-0001, 2027-0001" in out, out
    assert "1 ménage(s) mis à jour : 2026-0001" in out, out
    with db.session() as s:
        dupre = s.exec(select(Household).where(Household.reference == "2026-0001")).one()
        assert dupre.last_name == "DUPRE"
        (home,) = s.exec(select(Tenancy)).all()
        assert (home.household_id, home.rent) == (dupre.id, 50000)
        entries = s.exec(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        assert [(e.household_id, e.kind, e.amount) for e in entries] == [
            (dupre.id, "opening", 10000), (dupre.id, "correction", 5000)]
        bilans = s.exec(select(FreeReminder)).all()
        assert [(b.household_id, b.due_on) for b in bilans] == [(dupre.id, date(2027, 6, 12))]
        created = s.exec(select(AuditLog.household_id).where(
            AuditLog.action == "household.create", AuditLog.detail == "import")).all()
        assert sorted(created) == sorted(s.exec(select(Household.id)).all())


def test_opening_balances_read_once_count_every_correction(
        tmp_path, deps, db, capsys):  # noqa: F811
    """The accounts' opening balances are read once per import (`ledger.openings`): after two
    corrections, the same amount again changes nothing, another one corrects it once more."""
    for debt in ("100", "150", "120", "120", "90"):
        path = write(tmp_path, f"{HEADER}\n2026-0001;Dupré;Hélène;;;;;;;;{debt};\n")
        assert run_import(deps, path) == 0
    out = capsys.readouterr().out
    assert out.count("1 ménage(s) déjà à jour") == 1, out
    with db.session() as s:
        entries = s.exec(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        assert [(e.kind, e.amount) for e in entries] == [
            ("opening", 10000), ("correction", 5000), ("correction", -3000),
            ("correction", -3000)]
