"""Retention: 2 years after the last contact of a closed support, anonymised; legal hold."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from storage import households, retention
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import (
    AddressChange,
    AuditLog,
    Bilan,
    Diagnostic,
    Document,
    Household,
    Note,
    Purge,
    Role,
    Tenancy,
)
from tests.unit.factories import make_advisor


def _closed_household(session: Session, clock: FixedClock, tmp_path: Path) -> Household:
    coord = make_advisor(session, clock, 1, "Claire", Role.COORDINATRICE)
    household = households.create(session, clock, coord, HouseholdData(
        "Dupont", "Ana", phone="0612345678", address="3 rue des Lilas, Lyon",
        children_ages=[4], resources={"salaire": 120000}))
    assert household.id is not None
    folder = tmp_path / "files" / household.reference
    folder.mkdir(parents=True)
    photo = folder / "abc.jpg"
    photo.write_bytes(b"jpg")
    docs = tmp_path / "documents" / household.reference
    docs.mkdir(parents=True)
    pdf = docs / "ppal.pdf"
    pdf.write_bytes(b"%PDF")
    now = clock.now()
    session.add(Note(household_id=household.id, advisor_id=coord.id or 0, kind="photo",
                     text="Mme Dupont malade", file_id="F1", file_unique_id="U1",
                     file_path=str(photo), created_at=now, note_type="visite",
                     duration_minutes=45))
    session.add(Diagnostic(household_id=household.id, completed_by_id=coord.id or 0,
                           completed_at=now,
                           answers={"nationalite": "ue",
                                    "dettes_nature": "chez sa soeur, 3 rue X",
                                    "loyer": 30000}))
    session.add(Bilan(household_id=household.id, held_on=clock.today(), achieved="a fait X",
                      difficulties="dettes", decisions="voir la CAF",
                      advisor_id=coord.id or 0, created_at=now))
    session.add(Document(household_id=household.id, kind="ppal", path=str(pdf),
                         file_name="PPAL-Dupont.pdf", advisor_id=coord.id or 0,
                         created_at=now, content={}))
    session.add(Tenancy(household_id=household.id, address="8 av. Foch, Lyon", rent=45000,
                        landlord="Lyon Habitat", created_at=now, updated_at=now))
    session.add(AddressChange(household_id=household.id, old_address="3 rue des Lilas",
                              new_address="8 av. Foch", at=now))
    households.close(session, clock, coord, household.id, clock.today(), "depart")
    session.flush()
    return household


def test_anonymised_the_day_after_two_full_years_not_before(session: Session,
                                                             clock: FixedClock,
                                                             tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    closed = clock.today()
    assert household.closed_on == closed
    assert retention.due_on(session, household) == date(2029, 3, 16)
    # exactly 2 years after the last contact: still kept; the 30-day notice is on
    two_years = retention.add_years(closed, 2)
    now, soon = retention.schedule(session, two_years)
    assert now == [] and [d.household.reference for d in soon] == [household.reference]
    due = two_years + timedelta(days=1)
    assert retention.schedule(session, due - timedelta(days=30))[1] != []  # the notice
    assert retention.schedule(session, due - timedelta(days=31)) == ([], [])
    now, _ = retention.schedule(session, two_years + timedelta(days=1))
    assert [d.household.id for d in now] == [household.id]


def test_a_later_contact_moves_the_date_and_the_notice_is_given_once(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    notice_day = date(2029, 3, 1)
    assert [d.household.id for d in retention.to_notify(session, clock, notice_day)] == \
        [household.id]
    assert retention.to_notify(session, clock, notice_day + timedelta(days=1)) == []
    later = datetime(2027, 6, 1, 10, tzinfo=clock.tz)
    session.add(Note(household_id=household.id or 0, advisor_id=1, text="appel",
                     created_at=later))
    session.flush()
    assert retention.due_on(session, household) == date(2029, 6, 2)


def test_a_legal_hold_keeps_it_until_lifted(session: Session, clock: FixedClock,
                                           tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    coord = session.exec(select(households.Advisor)).first()
    assert coord is not None
    late = date(2030, 1, 1)
    retention.place_hold(session, clock, coord, household.id or 0, "contentieux bailleur")
    assert retention.schedule(session, late) == ([], [])
    retention.lift_hold(session, clock, coord, household.id or 0)
    assert [d.household.id for d in retention.schedule(session, late)[0]] == [household.id]
    actions = [a.action for a in session.exec(select(AuditLog))]
    assert "household.hold" in actions and "household.hold.lift" in actions


def test_what_is_kept_and_what_goes(session: Session, clock: FixedClock,
                                    tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    outcome = retention.anonymise(session, clock, household, tmp_path)
    retention.remove_files(outcome.files)
    session.flush()
    assert (household.last_name, household.first_name, household.phone, household.address) \
        == ("", "", "", "")
    assert household.label == household.reference
    assert "dupont" not in household.search_key and household.search_key
    # what the evaluation counts stays
    assert household.children_ages == [4] and household.resources == {"salaire": 120000}
    assert household.closed_on == clock.today() and household.status == "clos"
    note = session.exec(select(Note)).one()
    assert (note.text, note.file_id, note.file_path) == ("", "", "")
    assert (note.note_type, note.duration_minutes) == ("visite", 45)
    diagnostic = session.exec(select(Diagnostic)).one()
    assert diagnostic.answers == {"nationalite": "ue", "loyer": 30000}
    bilan = session.exec(select(Bilan)).one()
    assert (bilan.achieved, bilan.difficulties, bilan.decisions) == ("", "", "")
    assert bilan.held_on == clock.today()
    home = session.exec(select(Tenancy)).one()
    assert (home.address, home.rent) == ("", 45000)
    move = session.exec(select(AddressChange)).one()
    assert (move.old_address, move.new_address) == ("", "")
    document = session.exec(select(Document)).one()
    assert (document.path, document.file_name, document.kind) == ("", "", "ppal")
    assert not (tmp_path / "files" / household.reference).exists()
    assert not (tmp_path / "documents" / household.reference).exists()
    purge = session.exec(select(Purge)).one()
    assert purge.summary["note"] == 1 and purge.summary["files"] >= 2
    assert "Dupont" not in str(purge.summary)
    trail = [a for a in session.exec(select(AuditLog)) if a.action == "household.purge"]
    assert len(trail) == 1 and "Dupont" not in trail[0].detail
    # anonymised once: no longer in the schedule
    assert retention.schedule(session, date(2031, 1, 1)) == ([], [])


def test_the_daily_pass_is_claimed_once(session: Session, clock: FixedClock) -> None:
    assert retention.claim_day(session, clock)
    assert not retention.claim_day(session, clock)


def test_the_last_contact_is_a_day_in_paris(session: Session, clock: FixedClock,
                                             tmp_path: Path) -> None:
    household = _closed_household(session, clock, tmp_path)
    after_midnight = datetime(2027, 3, 16, 0, 30, tzinfo=clock.tz)  # 15/03 23:30 UTC
    session.add(Note(household_id=household.id or 0, advisor_id=1, text="appel",
                     created_at=after_midnight))
    session.flush()
    assert retention.last_contact(session, household, clock.tz) == date(2027, 3, 16)
    assert retention.due_on(session, household, clock.tz) == date(2029, 3, 17)
