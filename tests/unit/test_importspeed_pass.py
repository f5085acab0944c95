"""An import derives nothing row by row: its households are left to the derivation pass
(`reminders.sync_due`), which gives them the reminders an immediate derivation gives."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session, select

from bot.importing import run_import
from reminders.tick import Ticker
from storage import households, ledger, reminders, tenancy
from storage.clock import Clock
from storage.models import FreeReminder, Household, LedgerEntry, Reminder
from tests.unit.test_import import deps, write  # noqa: F401 (fixture)
from tests.unit.test_tick import FakeSender

HEADER = ("reference;nom;prenom;telephone;bail;date_entree_logement;date_sous_location;loyer;"
          "charges;apl;apl_versee_a;jour_echeance;fin_assurance;prochain_bilan;dette_initiale;"
          "date_dette")
ROW = ("2027-0001;Dupont;Ana;06 12 34 56 78;sous-location;01/01/2027;01/01/2027;450;50;200;"
       "bailleur;5;10/04/2027;12/06/2027;1 250,50;01/02/2027")


def _derived_at_once(session: Session, clock: Clock) -> Household:
    """The same household written as an advisor's actions write it: derived at each step."""
    household = households.create(session, clock, None, households.HouseholdData(
        last_name="Dupont", first_name="Ana", phone="06 12 34 56 78", reference="2027-0002"))
    tenancy.save(session, clock, None, household, {
        "bail": "sous_location", "entree": "2027-01-01", "date_sous_location": "2027-01-01",
        "loyer": 45000, "charges": 5000, "apl": 20000, "apl_versee_a": "bailleur",
        "jour_echeance": 5, "fin_assurance": "2027-04-10"})
    ledger.record_opening(session, clock, None, household, date(2027, 2, 1), 125050)
    session.add(FreeReminder(household_id=household.id or 0, kind="bilan",
                             due_on=date(2027, 6, 12), created_at=clock.now()))
    session.flush()
    reminders.sync(session, clock, household)
    return household


def _state(session: Session, reference: str) -> dict[str, Any]:
    household = session.exec(select(Household).where(Household.reference == reference)).one()
    found = session.exec(select(Reminder).where(Reminder.household_id == household.id))
    steps = session.exec(select(FreeReminder).where(FreeReminder.household_id == household.id))
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.household_id == household.id))
    return {
        # a step's reminder is keyed by the step's id: the twins' ids differ
        "reminders": sorted((r.kind, re.sub(r":[0-9]+$", ":id", r.key), r.due_on, r.status,
                             str(r.payload)) for r in found),
        "steps": sorted((s.kind, s.due_on, s.deadline, s.cancelled_on) for s in steps),
        "ledger": sorted((e.kind, e.day, e.month, e.amount) for e in entries),
        "phase": household.phase,
        "next_derivation_on": household.next_derivation_on,
    }


def test_import_leaves_its_households_to_the_pass(tmp_path, deps, db, clock):  # noqa: F811
    assert run_import(deps, write(tmp_path, f"{HEADER}\n{ROW}\n")) == 0
    with db.session() as s:
        imported = _state(s, "2027-0001")
        # Not derived at import: no reminder, no impayé step yet, left to the next pass.
        assert imported["reminders"] == []
        assert [step[0] for step in imported["steps"]] == ["bilan"]
        assert imported["next_derivation_on"] is None
        assert reminders.due_for_derivation(s, clock.today()) == [
            s.exec(select(Household.id).where(Household.reference == "2027-0001")).one()]
        _derived_at_once(s, clock)
    assert reminders.sync_due(db, clock) == 1  # the twin derived at once is not due
    with db.session() as s:
        after_pass, at_once = _state(s, "2027-0001"), _state(s, "2027-0002")
    assert after_pass == at_once
    kinds = {kind for kind, *_ in after_pass["reminders"]}
    assert {"insurance", "rent", "prevention"} <= kinds, kinds
    assert ("prevention", date(2027, 3, 18), date(2027, 4, 1), None) in after_pass["steps"]
    assert after_pass["next_derivation_on"] is not None


def test_an_unchanged_row_is_not_derived_again(tmp_path, deps, db, clock):  # noqa: F811
    path = write(tmp_path, f"{HEADER}\n{ROW}\n")
    assert run_import(deps, path) == 0
    reminders.sync_due(db, clock)
    with db.session() as s:
        derived = _state(s, "2027-0001")
    assert run_import(deps, path) == 0  # the same file: nothing to derive again
    with db.session() as s:
        assert _state(s, "2027-0001") == derived
        assert reminders.due_for_derivation(s, clock.today()) == []


async def test_a_caseload_imported_while_the_bot_runs_is_derived_at_the_next_tick(
        tmp_path, deps, db, clock, monkeypatch):  # noqa: F811
    ticker = Ticker(db, clock, FakeSender(), "a")
    await ticker.tick()  # the bot's first pass: nothing to derive yet
    assert await ticker._start_derivation(clock.now()) is None  # the next one is an hour away
    assert run_import(deps, write(tmp_path, f"{HEADER}\n{ROW}\n")) == 0
    await ticker.tick()  # not an hour later: the imported household waits for its first pass
    with db.session() as s:
        assert _state(s, "2027-0001")["reminders"] != []
        assert reminders.never_derived(s) == 0

    # A household whose derivation fails starts no pass at every tick, only the hourly one.
    def failing(session: Session, clock: Clock, household: Household) -> None:
        raise RuntimeError("a broken record")

    monkeypatch.setattr(reminders, "sync", failing)
    other = ROW.replace("2027-0001;Dupont;Ana;06 12 34 56 78", "2027-0002;Martin;Léo;")
    assert run_import(deps, write(tmp_path, f"{HEADER}\n{other}\n")) == 0
    await ticker.tick()
    with db.session() as s:
        assert reminders.never_derived(s) == 1
    assert await ticker._start_derivation(clock.now()) is None
