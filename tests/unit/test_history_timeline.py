"""The household's history: timeline order, paging and sources; notes moved, struck out,
undone; the phase and the address following the home (storage, SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from bot.documents import DocumentMaker, Organisation
from bot.render import Renderer
from storage import households, ledger, notes, phases, reminders, tenancy, timeline
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import (
    AddressChange,
    AuditLog,
    Document,
    Household,
    Note,
    PlanVersion,
    Role,
)

from factories import make_advisor


@pytest.fixture
def team(session, clock):
    return {"lea": make_advisor(session, clock, 3, "Léa"),
            "zoe": make_advisor(session, clock, 4, "Zoé"),
            "coord": make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)}


def create(session, clock, actor, last="Dupont", **kw) -> Household:
    return households.create(session, clock, actor, HouseholdData(
        last, "Hélène", advisor_id=actor.id, address="12 rue des Arènes, Dax", **kw))


def actions(session, household) -> list[str]:
    return [a.action for a in session.exec(select(AuditLog).where(
        AuditLog.household_id == household.id).order_by(AuditLog.id))]


def test_five_long_notes_read_in_full_newest_first_across_stable_pages(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    long_text = "Visite au domicile. " * 40
    for number in range(1, 6):
        clock.advance(timedelta(minutes=1))
        notes.add(session, clock, lea, h, "texte", f"{number} {long_text}")
    first = timeline.page(session, clock, lea, h.id, size=3)
    assert [e.row.text[:1] for e in first.entries] == ["5", "4", "3"]
    assert all(e.row.text.endswith("domicile.") for e in first.entries)  # in full
    assert first.newer is None and first.older is not None
    clock.advance(timedelta(minutes=1))  # a note added meanwhile does not shift older pages
    notes.add(session, clock, lea, h, "texte", "6 nouvelle")
    second = timeline.page(session, clock, lea, h.id, first.older, size=3)
    notes_shown = [e.row.text[:1] for e in second.entries if e.kind == "note"]
    assert notes_shown == ["2", "1"]
    assert second.newer is not None
    back = timeline.page(session, clock, lea, h.id, second.newer, size=3)
    assert [e.row.text[:1] for e in back.entries] == ["5", "4", "3"]
    assert actions(session, h).count("timeline.view") == 3  # each page is an audited read


def test_every_source_appears_on_the_timeline(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    notes.add(session, clock, lea, h, "photo", "", notes.Attachment("F1", "U1", "/x.jpg"))
    tenancy.save(session, clock, lea, h, {"adresse": "5 allée des Pins, Dax", "loyer": 45000,
                                          "entree": "2027-03-01"})
    session.add(Document(household_id=h.id, kind="ppal", path="/d.pdf", file_name="d.pdf",
                         advisor_id=lea.id, created_at=clock.now()))
    ledger.record_opening(session, clock, lea, h, date(2027, 3, 1), 45000)
    ledger.record_payment(session, clock, lea, h, date(2027, 3, 10), 20000, "fsl")
    session.flush()
    kinds = {e.kind for e in timeline.history(session, h)}
    assert kinds == {"note", "document", "rent", "address", "event"}
    events = {e.row.action for e in timeline.history(session, h) if e.kind == "event"}
    assert {"household.create", "tenancy.save", "household.phase"} <= events


def test_a_note_is_moved_or_struck_out_never_deleted_and_audited(session, clock, team):
    lea = team["lea"]
    wrong, right = create(session, clock, lea, "Durand"), create(session, clock, lea, "Martin")
    households.get(session, clock, lea, right.id)  # she opened the right one lately
    note = notes.add(session, clock, lea, wrong, "texte", "RDV CAF mardi")
    assert [h.id for h in notes.recent_households(session, lea, exclude=wrong.id)] == [right.id]
    notes.move(session, clock, lea, note.id, right.id)
    assert (note.household_id, note.moved_from_id) == (right.id, wrong.id)
    assert "note.move.out" in actions(session, wrong) and "note.move.in" in actions(session, right)
    with pytest.raises(Refused):  # a colleague's household is not a target
        notes.move(session, clock, lea, note.id, create(session, clock, team["zoe"]).id)
    notes.strike(session, clock, lea, note.id)
    notes.strike(session, clock, lea, note.id)  # twice changes nothing
    assert session.get(Note, note.id).struck_by_id == lea.id
    assert "note.strike" in actions(session, right)
    with pytest.raises(Refused):
        notes.set_type(session, clock, lea, note.id, "appel")


def test_undo_removes_a_fresh_text_note_strikes_a_file_and_expires(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    text = notes.add(session, clock, lea, h, "texte", "mauvaise fiche")
    photo = notes.add(session, clock, lea, h, "photo", "", notes.Attachment("F", "U", "/p"))
    late = notes.add(session, clock, lea, h, "texte", "trop tard")
    assert notes.undo(session, clock, lea, text.id) == (h, True)
    assert session.get(Note, text.id) is None
    assert notes.undo(session, clock, lea, photo.id) == (h, False)
    assert photo.struck_at is not None
    clock.advance(notes.UNDO_WINDOW + timedelta(seconds=1))
    with pytest.raises(Refused, match="undo_too_late"):
        notes.undo(session, clock, lea, late.id)
    assert actions(session, h).count("note.undo") == 3


def test_note_type_from_the_prompt_then_autre_by_default(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    notes.choose_type(session, clock, lea, h.id, "appel")
    called = notes.add(session, clock, lea, h, "texte", "appel au bailleur")
    other = notes.add(session, clock, lea, h, "texte", "suite")
    assert (called.note_type, other.note_type) == ("appel", "autre")
    notes.set_type(session, clock, lea, other.id, "visite")
    notes.set_type(session, clock, lea, other.id, None, 45)
    assert (other.note_type, other.duration_minutes) == ("visite", 45)


def test_a_file_with_no_card_open_waits_then_becomes_a_note(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    households.get(session, clock, lea, h.id)
    pending, targets = notes.keep_pending(session, clock, lea, "photo", "F", "U", None, "bail")
    assert targets == [h] and notes.waiting(session, clock, lea) == pending
    note, placed, new = notes.attach_pending(session, clock, lea, pending.id, h.id, "/p.jpg")
    assert (placed, new, note.file_id, note.text) == (h, True, "F", "bail")
    assert notes.attach_pending(session, clock, lea, pending.id, h.id, "/p.jpg")[2] is False
    assert notes.waiting(session, clock, lea) is None
    with pytest.raises(Refused):  # not hers
        notes.attach_pending(session, clock, team["zoe"], pending.id, h.id, "/p.jpg")


def test_the_home_becomes_the_current_address_the_old_one_kept(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    tenancy.save(session, clock, lea, h, {"adresse": "5 allée des Pins, Dax", "loyer": 45000})
    tenancy.save(session, clock, lea, h, {"adresse": "5 allée des Pins, Dax", "loyer": 46000})
    changes = list(session.exec(select(AddressChange)))
    assert h.address == "5 allée des Pins, Dax" and "pins" in h.search_key
    assert [(c.old_address, c.new_address) for c in changes] == [
        ("12 rue des Arènes, Dax", "5 allée des Pins, Dax")]
    # The avenant printed after the move carries the new address.
    plan = PlanVersion(household_id=h.id, number=2, created_by_id=lea.id, created_at=clock.now(),
                       updated_at=clock.now(), content={
                           "debut": "2027-03-01", "situation": "", "objectif_final": "",
                           "objectifs": [], "demarches": [], "bilans": [], "rythme": "mensuel",
                           "lieu": "Au domicile", "contact": "SMS", "clauses": None})
    pdf = DocumentMaker(Renderer(clock.tz), Organisation("MDL", "")).ppal(
        h, plan, [plan], lea, None, clock.today())
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "5 allée des Pins" in text and "Arènes" not in text


def test_the_phase_follows_the_home_unless_set_by_hand(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    entry = clock.today() + timedelta(days=10)
    tenancy.save(session, clock, lea, h, {"adresse": "T3", "entree": entry.isoformat()})
    assert h.phase == "elaboration"
    clock.advance(timedelta(days=10))
    phases.refresh(session, clock, h)
    assert h.phase == "installation"
    clock.advance(timedelta(days=92))
    phases.refresh(session, clock, h)
    assert h.phase == "suivi"
    phases.set_by_hand(session, clock, lea, h, "installation")
    phases.refresh(session, clock, h)
    assert (h.phase, h.phase_manual) == ("installation", True)
    phases.set_by_hand(session, clock, lea, h, None)  # cleared: the facts again
    assert (h.phase, h.phase_manual) == ("suivi", False)
    assert actions(session, h).count("household.phase.manual") == 2
    with pytest.raises(Refused):
        phases.set_by_hand(session, clock, lea, h, "n'importe")


def test_the_card_lists_what_is_still_to_do_prevention_first(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea)
    tenancy.save(session, clock, lea, h, {"adresse": "T3", "loyer": 45000, "jour_echeance": 5,
                                          "entree": "2027-01-01"})
    ledger.record_opening(session, clock, lea, h, date(2027, 2, 5), 90000)  # two months owed
    reminders.sync(session, clock, h)  # as the import does after the opening balance
    card = households.card(session, clock, lea, h.id)
    assert card.upcoming and card.upcoming[0].reminder.kind == "prevention"
    assert len(card.upcoming) <= 3
    assert all(u.reminder is None or u.reminder.status != "answered" for u in card.upcoming)


def test_a_note_is_moved_by_the_reference_typed_after_deplacer(session, clock, team):
    lea = team["lea"]
    wrong, right = create(session, clock, lea, "Durand"), create(session, clock, lea, "Martin")
    note = notes.add(session, clock, lea, wrong, "texte", "pour Martin")
    assert notes.move_typed(session, clock, lea, right.reference) is None  # not moving
    notes.start_move(session, clock, lea, note.id)
    assert notes.move_typed(session, clock, lea, "une note") is None
    with pytest.raises(Refused):
        notes.move_typed(session, clock, lea, "2027-0999")
    _note, source, target = notes.move_typed(session, clock, lea, f" {right.reference} ")
    assert (source, target, note.household_id) == (wrong, right, right.id)
    assert lea.moving_note_id is None
    notes.start_move(session, clock, lea, note.id)
    clock.advance(notes.MOVE_BY_REFERENCE + timedelta(seconds=1))  # later: a note again
    assert notes.move_typed(session, clock, lea, wrong.reference) is None


def test_a_confidential_households_addresses_stay_off_its_history(session, clock, team):
    lea = team["lea"]
    h = create(session, clock, lea, confidential=True)
    tenancy.save(session, clock, lea, h, {"adresse": "5 allée des Pins, Dax", "loyer": 45000})
    text = Renderer(clock.tz).msg("history.page", p=timeline.page(session, clock, lea, h.id))
    assert "Nouvelle adresse" in text and "Pins" not in text and "Arènes" not in text
