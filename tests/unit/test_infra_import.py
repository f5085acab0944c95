"""Issue 9 §3, §7, §9: imports all or nothing, errors reported (never a traceback), limits,
references past 9999, and invitations for the advisors an import creates."""

from __future__ import annotations

import time
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
from storage import advisors, households, importer
from storage.errors import Refused
from storage.models import Advisor, AuditLog, Household, Invitation
from tests.unit.factories import make_advisor

HEADER = "reference;nom;prenom;telephone;conseillere_telegram_id;conseillere_nom"
# The first row names no advisor: its household is the first write of the transaction (where
# pysqlite's own transaction handling committed at the savepoint's release).
ROWS = ["2026-0001;Dupré;Hélène;06 12 34 56 78;;",
        "2026-0002;Martin;Awa;;2002;Sophie Laborde",
        "2026-0003;Durand;Léa;;2003;Zoé Petit"]


@pytest.fixture
def deps(db, clock):
    render = Renderer(ZoneInfo("Europe/Paris"))
    return Deps(Settings.from_values({}), clock, db, render,
                DocumentMaker(render, Organisation("MDL")))


def write(tmp_path: Path, lines: list[str], name: str = "menages.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return (len(s.exec(select(Household)).all()), len(s.exec(select(AuditLog)).all()),
                len(s.exec(select(Advisor)).all()))


def test_a_failure_at_the_last_row_leaves_nothing(tmp_path, deps, db, capsys, monkeypatch):
    """Seen: an import whose 3rd row failed at apply (OverflowError) kept its 1st household
    (pysqlite committed on releasing the savepoint of `households.create`)."""
    new = households.new  # what the import calls for each household it creates

    def failing_at_the_last(clock, data, reference):
        if data.last_name == "Durand":
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return new(clock, data, reference)

    monkeypatch.setattr(households, "new", failing_at_the_last)
    assert run_import(deps, write(tmp_path, [HEADER, *ROWS])) == 1
    err = capsys.readouterr().err
    assert "ligne 4" in err and "OverflowError" in err and "rien n'a été importé" in err
    assert "Traceback" not in err
    assert counts(db) == (0, 0, 0)


def test_dry_run_writes_no_household_no_audit_no_advisor(tmp_path, deps, db, capsys):
    """Seen: `--dry-run` said "rien n'a été importé" and a household was in the database."""
    assert run_import(deps, write(tmp_path, [HEADER, *ROWS]), dry_run=True) == 0
    assert "rien n'a été importé (--dry-run)" in capsys.readouterr().out
    assert counts(db) == (0, 0, 0)
    with db.session() as s:
        assert s.exec(select(Invitation)).all() == []


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize(("cells", "expected"), [
    ({"loyer": "9" * 5000}, "colonne loyer : montant attendu"),
    ({"conseillere_telegram_id": "²"}, "colonne conseillere_telegram_id : identifiant Telegram"),
    ({"reference": "2026-٠٠٠٧"}, "colonne reference : référence attendue"),
    ({"debut_accompagnement": "01/01/0001"}, "une année entre 1900 et 2100"),
    ({"fin_assurance": "31/12/9999"}, "une année entre 1900 et 2100"),
    ({"nom": "Dupré\u202e"}, "caractères invisibles ou de contrôle"),
])
def test_hostile_cells_are_reported_by_line_and_column(tmp_path, deps, db, capsys, cells,
                                                       expected):
    values = {"nom": "Dupré", "prenom": "Hélène", **cells}
    path = write(tmp_path, [";".join(values), ";".join(values.values())])
    assert run_import(deps, path) == 1
    err = capsys.readouterr().err
    assert "ligne 2" in err and expected in err and "Traceback" not in err
    assert counts(db)[0] == 0


@pytest.mark.parametrize(("content", "name", "expected"), [
    (b"PK\x03\x04 not really a workbook", "menages.xlsx", "n'est pas un classeur .xlsx lisible"),
    ("nom;prenom\nDupré;".encode() + b"x" * 200_000 + b"\n", "menages.csv",
     "ligne 2 : une cellule dépasse 5000 caractères"),
    (b"nom;prenom\nDupr\xe9;H\x81l\xe8ne\n", "menages.csv", "ligne 2 : caractère illisible"),
])
def test_unreadable_files_are_reported(tmp_path, deps, db, capsys, content, name, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert run_import(deps, path) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_a_sheet_from_a_to_xfd_is_refused_at_once(tmp_path, deps, capsys):
    """Seen: a 966 KB sheet with cells in columns A and XFD needed 3 GB."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nom", "prenom"])
    for line in range(2, 2000):
        sheet.cell(line, 1, "Dupré")
        sheet.cell(line, 16384, "x")
    workbook.save(tmp_path / "large.xlsx")
    started = time.monotonic()
    assert run_import(deps, tmp_path / "large.xlsx") == 1
    assert time.monotonic() - started < 5
    assert f"trop de colonnes : {importer.MAX_COLUMNS} au plus" in capsys.readouterr().err


def test_formulas_are_stored_as_the_text_typed(tmp_path, deps, db):
    path = _xlsx(tmp_path / "f.xlsx", [["nom", "prenom", "adresse"],
                                       ["=1+2", "@moi", '=HYPERLINK("http://x")']])
    assert run_import(deps, path) == 0
    household = db.read(lambda s: s.exec(select(Household)).one())
    assert (household.last_name, household.first_name, household.address) == \
        ("=1+2", "@moi", '=HYPERLINK("http://x")')


def test_references_go_past_9999_and_sort_as_numbers(tmp_path, deps, db, clock):
    """Seen: after a reference 2027-9999, every new household failed ("could not allocate")."""
    path = write(tmp_path, ["reference;nom;prenom", "2027-9999;Dupré;Hélène",
                            "2027-0002;Martin;Awa"])
    assert run_import(deps, path) == 0
    with db.session() as s:
        lea = make_advisor(s, clock, 3001, "Léa", role=advisors.Role.COORDINATRICE)
        created = households.create(s, clock, lea, households.HouseholdData("Petit", "Zoé"))
        assert created.reference == "2027-10000"
        assert households.next_reference(s, 2027) == "2027-10001"
        rows, _, _ = households.page(s, clock, lea, 0, mine_only=False)
        assert [h.reference for h in rows] == ["2027-0002", "2027-9999", "2027-10000"]


def test_new_advisors_get_an_invitation_bound_to_their_id(tmp_path, deps, db, clock, capsys):
    assert run_import(deps, write(tmp_path, [HEADER, *ROWS])) == 0
    out = capsys.readouterr().out
    with db.session() as s:
        invitations = {i.telegram_id: i for i in s.exec(select(Invitation))}
        sophie = advisors.by_telegram_id(s, 2002)
        assert sophie is not None and sophie.chat_opened_at is None  # never wrote to the bot
    assert set(invitations) == {2002, 2003}
    for telegram_id, invitation in invitations.items():
        assert f"{telegram_id} : /start {invitation.code}" in out  # no token: no bot username
    with db.session() as s, pytest.raises(Refused):
        advisors.accept(s, clock, invitations[2002].code, 9999, "Quelqu'un")
    with db.session() as s:
        accepted = advisors.accept(s, clock, invitations[2002].code, 2002, "Sophie")
        assert accepted.chat_opened_at == clock.now()
