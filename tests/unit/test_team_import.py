"""`hlm-bot import`: the support's end (`date_fin`, `motif_fin`) and the transfer's date."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.importing import run_import
from storage import reminders
from storage.models import Reminder, ReminderStatus, Tenancy
from tests.unit.test_import import all_households, deps, write  # noqa: F401 (fixture)

HEADER = "reference;nom;prenom;telephone;debut_accompagnement;bail;date_entree_logement;" \
         "date_sous_location;loyer;jour_echeance;date_fin;motif_fin;date_glissement"


def test_end_of_support_and_transfer_imported_once(tmp_path, deps, db, capsys):  # noqa: F811
    rows = [
        "2026-0001;Dupré;Hélène;06 12 34 56 78;01/02/2026;sous-location;01/03/2026;01/03/2026;"
        "450;5;31/01/2027;glissement;15/01/2027",
        "2026-0002;Martin;Paul;07 11 22 33 44;01/02/2026;direct;01/03/2026;;450;5;"
        "10/02/2027;autre;",
        "2026-0003;Petit;Léa;07 22 33 44 55;01/02/2026;sous-location;01/03/2026;01/03/2026;"
        "450;5;;;",
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert run_import(deps, path) == 0
    reminders.sync_due(db, deps.clock)  # the active ones are left to the pass
    found = {h.reference: h for h in all_households(db)}
    assert [(r, h.status, h.closed_on, h.closure_reason) for r, h in sorted(found.items())] == [
        ("2026-0001", "clos", date(2027, 1, 31), "glissement"),
        ("2026-0002", "clos", date(2027, 2, 10), "autre"),
        ("2026-0003", "actif", None, None)]
    with db.session() as s:
        home = s.exec(select(Tenancy).where(Tenancy.household_id == found["2026-0001"].id)).one()
        assert home.transferred_on == date(2027, 1, 15) and not home.sublet
        closed = [found["2026-0001"].id, found["2026-0002"].id]
        open_reminders = s.exec(select(Reminder).where(
            Reminder.status.in_([ReminderStatus.DUE, ReminderStatus.SENT]))).all()
        assert open_reminders and {r.household_id for r in open_reminders}.isdisjoint(closed)
    capsys.readouterr()
    assert run_import(deps, path) == 0  # the same file again changes nothing
    assert "3 ménage(s) déjà à jour" in capsys.readouterr().out


def test_end_columns_checked(tmp_path, deps, db, capsys):  # noqa: F811
    rows = [
        "2026-0001;Dupré;Hélène;;;;;;;;31/01/2027;;",
        "2026-0002;Martin;Paul;;;;;;;;31/01/2027;fini;",
        "2026-0003;Petit;Léa;;;direct;01/03/2026;;450;5;;;15/01/2027",
    ]
    assert run_import(deps, write(tmp_path, "\n".join([HEADER, *rows]) + "\n")) == 1
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "ligne 2, colonne motif_fin" in out
    assert "ligne 3, colonne motif_fin" in out
    assert "ligne 4, colonne bail" in out
    assert all_households(db) == []
