"""Right of access (every table about the household in the export), the journal, the audit
CSV, and the daily retention pass of the tick (once, notice to coordinators)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.access_export import build_zip
from bot.deps import Deps
from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from bot.rgpd_cli import audit_csv
from bot.settings import Settings
from handlers.notify import TelegramSender
from reminders.tick import Ticker
from storage import access, households, retention, security
from storage.clock import FixedClock
from storage.db import Database
from storage.errors import Refused
from storage.models import AuditLog, Household, Purge, Role
from tests.unit.factories import make_advisor
from tests.unit.test_rgpd_retention import _closed_household

PARIS = ZoneInfo("Europe/Paris")


def _deps(db: Database, clock: FixedClock, data_dir: Path) -> Deps:
    render = Renderer(PARIS)
    return Deps(Settings.from_values({"BOT_DATA_DIR": str(data_dir)}), clock, db, render,
                DocumentMaker(render, Organisation("MDL")))


def test_the_export_holds_every_table_about_the_household(session: Session, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    found = access.export(session, clock, None, household.reference, tmp_path)
    tables = {t.name for t in access.household_tables()}
    assert {"note", "diagnostic", "tenancy", "ledgerentry", "auditlog", "reminder",
            "securityevent"} <= tables
    assert set(found.data) == tables | {"household"}
    assert found.data["household"][0]["last_name"] == "Dupont"
    assert found.data["note"][0]["text"] == "Mme Dupont malade"
    assert sorted(name for name, _ in found.files) == ["documents/1-ppal.pdf", "notes/1-abc.jpg"]
    exported = [a for a in session.exec(select(AuditLog)) if a.action == "household.export"]
    assert len(exported) == 1
    render = Renderer(PARIS)
    content = build_zip(DocumentMaker(render, Organisation("MDL")), found, clock.today())
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert set(archive.namelist()) == {"donnees.json", "donnees.pdf", "documents/1-ppal.pdf",
                                       "notes/1-abc.jpg"}
    data = json.loads(archive.read("donnees.json"))
    assert data["household"][0]["phone"] == household.phone != ""
    assert data["note"][0]["created_at"].startswith("2027-03-15")
    assert archive.read("donnees.pdf").startswith(b"%PDF")


def test_a_conseillere_may_not_export_nor_read_the_journal(session: Session, clock: FixedClock,
                                                           tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    advisor = make_advisor(session, clock, 7, "Sophie")
    with pytest.raises(Refused) as refused:
        access.export(session, clock, advisor, household.reference, tmp_path)
    # Her role has no export at all: refused as such, kept as a security event.
    assert refused.value.code == "forbidden" and refused.value.event is not None
    with pytest.raises(Refused):
        access.journal(session, clock, advisor, household.reference)


def test_the_journal_is_newest_first_paged_and_audited(session: Session, clock: FixedClock,
                                                       tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    coord = session.exec(select(households.Advisor)).first()
    assert coord is not None
    for _ in range(20):
        clock.advance(timedelta(minutes=1))
        households.get(session, clock, coord, household.id or 0)
    first = access.journal(session, clock, coord, household.reference)
    assert first.pages == 2 and len(first.entries) == access.JOURNAL_PAGE
    assert first.entries[0].at >= first.entries[-1].at
    assert first.advisors[coord.id or 0] == "Claire"
    second = access.journal(session, clock, coord, household.id or 0, 1)
    assert second.page == 1 and second.entries[-1].action == "household.create"
    render = Renderer(PARIS)
    text = render.msg("rgpd.journal", j=first, when=render.when)
    assert "Claire a consulté la fiche" in text


def test_the_audit_csv_has_security_events_and_escaped_cells(db: Database, clock: FixedClock,
                                                             tmp_path: Path) -> None:
    with db.session() as session:
        coord = make_advisor(session, clock, 1, "=Claire", Role.COORDINATRICE)
        household = households.create(session, clock, coord, households.HouseholdData(
            "Dupont", "Ana"))
        session.add(security.event(clock, "stranger", telegram_id=999, detail="/start"))
        reference = household.reference
    text = audit_csv(_deps(db, clock, tmp_path), clock.today() - timedelta(days=1))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "date" and len(rows) == 3
    created = next(r for r in rows if r[4] == "household.create")
    assert created[2] == "'=Claire" and created[5] == reference
    stranger = next(r for r in rows if r[1] == "securite")
    assert stranger[3] == "999" and stranger[4] == "stranger"
    later = audit_csv(_deps(db, clock, tmp_path), clock.today() + timedelta(days=1))
    assert len(list(csv.reader(io.StringIO(later)))) == 1


class FakeBot:
    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: object = None) -> None:
        self.calls.append((chat_id, text))


async def test_the_daily_pass_tells_coordinators_once_then_anonymises(
        db: Database, clock: FixedClock, tmp_path: Path) -> None:
    with db.session() as session:
        household = _closed_household(session, clock, tmp_path)
        make_advisor(session, clock, 5, "Sophie")  # a conseillère: not told
        hid = household.id
    bot = FakeBot()
    ticker = Ticker(db, clock, TelegramSender(bot, _deps(db, clock, tmp_path)),  # type: ignore[arg-type]
                    "a", data_dir=tmp_path)
    clock.advance(retention.add_years(date(2027, 3, 15), 2) - date(2027, 3, 15)
                  - timedelta(days=29))
    await ticker.tick()
    await ticker.tick()
    await Ticker(db, clock, TelegramSender(bot, _deps(db, clock, tmp_path)),  # type: ignore[arg-type]
                 "b", data_dir=tmp_path).tick()  # another process, the same day
    notices = [text for chat, text in bot.calls if "anonymiser" in text]
    assert len(notices) == 1 and bot.calls[0][0] == 1
    assert f"{household.reference} · A. D. — à anonymiser le 16/03/2029" in notices[0]
    assert "Dupont" not in notices[0]
    clock.advance(timedelta(days=30))
    await ticker.tick()
    with db.session() as session:
        anonymised = session.get(Household, hid)
        assert anonymised is not None and anonymised.last_name == ""
        assert session.exec(select(Purge)).one().household_id == hid
    assert not (tmp_path / "files" / anonymised.reference).exists()


def test_purge_dry_run_prints_then_purge_does(db: Database, clock: FixedClock, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from bot.rgpd_cli import run_export, run_purge

    with db.session() as session:
        reference = _closed_household(session, clock, tmp_path).reference
    clock.advance(timedelta(days=732 - 10))  # 10 days before: in the notice window
    assert run_purge(_deps(db, clock, tmp_path), dry_run=True) == 0
    assert f"{reference} : à anonymiser le 16/03/2029" in capsys.readouterr().out
    clock.advance(timedelta(days=10))
    assert run_purge(_deps(db, clock, tmp_path), dry_run=True) == 0
    assert f"1 ménage(s) à anonymiser maintenant : {reference}" in capsys.readouterr().out
    with db.session() as session:
        assert session.exec(select(Purge)).all() == []  # a dry run changes nothing
    assert (tmp_path / "files" / reference).exists()
    assert run_purge(_deps(db, clock, tmp_path), dry_run=False) == 0
    assert f"1 ménage(s) anonymisé(s) : {reference}" in capsys.readouterr().out
    assert not (tmp_path / "files" / reference).exists()
    output = tmp_path / "acces.zip"
    assert run_export(_deps(db, clock, tmp_path), reference, output) == 0
    data = json.loads(zipfile.ZipFile(output).read("donnees.json"))
    assert data["household"][0]["last_name"] == "" and len(data["purge"]) == 1
    assert run_export(_deps(db, clock, tmp_path), "2099-0001", None) == 1
