"""Access on a need-to-know basis, lookups, the open card, the audit trail, redelivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from storage import advisors, households, notes
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import AuditLog, Household, Note, Role

from factories import make_advisor


@pytest.fixture
def team(session, clock):
    return {
        "admin": make_advisor(session, clock, 1, "Admin", Role.ADMIN),
        "coord": make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE),
        "lea": make_advisor(session, clock, 3, "Léa"),
        "zoe": make_advisor(session, clock, 4, "Zoé"),
    }


def create(session, clock, actor, last, first, **kw) -> Household:
    return households.create(session, clock, actor, HouseholdData(last, first, **kw))


def test_references_follow_each_other_per_year(session, clock, team):
    first = create(session, clock, team["admin"], "A", "B")
    second = create(session, clock, team["admin"], "C", "D")
    assert (first.reference, second.reference) == ("2027-0001", "2027-0002")
    clock.advance(timedelta(days=365))
    assert create(session, clock, team["admin"], "E", "F").reference == "2028-0001"


def test_conseillere_sees_only_hers(session, clock, team):
    hers = create(session, clock, team["lea"], "Dupont", "Ana", advisor_id=team["lea"].id)
    other = create(session, clock, team["admin"], "Durand", "Zia", advisor_id=team["zoe"].id)
    assert households.search(session, clock, team["lea"], "du") == [hers]
    assert {h.id for h in households.search(session, clock, team["coord"], "du")} == \
        {hers.id, other.id}
    with pytest.raises(Refused):
        households.get(session, clock, team["lea"], other.id or 0)
    with pytest.raises(Refused):  # nor may she give one to someone else
        create(session, clock, team["lea"], "X", "Y", advisor_id=team["zoe"].id)
    rows, number, pages = households.page(session, clock, team["lea"], 0)
    assert rows == [hers] and (number, pages) == (0, 1)


def test_lookup_by_name_phone_reference_address_but_not_confidential_address(
        session, clock, team):
    admin = team["admin"]
    helene = create(session, clock, admin, "Dupré", "Hélène", phone="06 12 34 56 78",
                    address="3 rue des Écoles")
    hidden = create(session, clock, admin, "Martin", "Paul", address="3 rue des Écoles",
                    confidential=True)
    for query in ("helene", "HÉLÈNE dupre", "0612", "06 12 34", "2027-0001", "ecoles"):
        assert households.search(session, clock, admin, query) == [helene], query
    assert households.search(session, clock, admin, "martin") == [hidden]
    assert households.search(session, clock, admin, "%") == []  # LIKE wildcards are text
    assert households.search(session, clock, admin, "   ") == []


def test_every_access_is_audited(session, clock, team):
    lea = team["lea"]
    household = create(session, clock, lea, "Dupont", "Ana", advisor_id=lea.id,
                       address="1 rue X", confidential=True)
    households.card(session, clock, lea, household.id or 0)
    households.reveal_address(session, clock, lea, household.id or 0)
    households.search(session, clock, lea, "dupont")
    notes.add(session, clock, lea, household, "texte", "Visite faite")
    trail = [(a.action, a.advisor_id) for a in session.exec(select(AuditLog))]
    assert trail == [("household.create", lea.id), ("household.view", lea.id),
                     ("household.address.view", lea.id), ("household.search", lea.id),
                     ("note.add", lea.id)]
    assert all(a.household_id == household.id for a in session.exec(select(AuditLog)))


def test_open_card_expires_and_follows_access(session, clock, team):
    lea = team["lea"]
    household = create(session, clock, lea, "Dupont", "Ana", advisor_id=lea.id)
    households.card(session, clock, lea, household.id or 0)
    assert households.open_household(session, clock, lea) == household
    clock.advance(households.OPEN_CARD_TTL + timedelta(minutes=1))
    assert households.open_household(session, clock, lea) is None
    households.open_card(session, clock, lea, household)
    household.advisor_id = team["zoe"].id  # reassigned: her card no longer takes notes
    assert households.open_household(session, clock, lea) is None


def test_card_shows_last_three_notes(session, clock, team):
    admin = team["admin"]
    household = create(session, clock, admin, "Dupont", "Ana")
    for number in range(5):
        clock.advance(timedelta(minutes=1))
        notes.add(session, clock, admin, household, "texte", f"note {number}")
    card = households.card(session, clock, admin, household.id or 0)
    assert [n.text for n in card.notes] == ["note 4", "note 3", "note 2"]
    assert card.note_count == 5


def test_invitations_are_single_use_and_expire(session, clock, team):
    invitation = advisors.invite(session, clock, team["admin"], Role.COORDINATRICE)
    with pytest.raises(Refused):
        advisors.invite(session, clock, team["lea"], Role.ADMIN)
    new = advisors.accept(session, clock, invitation.code, 99, "Nina")
    assert new.role == Role.COORDINATRICE and new.name == "Nina"
    with pytest.raises(Refused):
        advisors.accept(session, clock, invitation.code, 98, "Eve")
    late = advisors.invite(session, clock, team["admin"], Role.CONSEILLERE)
    clock.advance(timedelta(hours=48, seconds=1))
    with pytest.raises(Refused):
        advisors.accept(session, clock, late.code, 97, "Max")


def test_deactivated_advisor_is_not_identified(session, clock, team):
    advisors.set_active(session, clock, team["admin"], team["lea"].id or 0, False)
    assert advisors.identify(session, 3) is None
    with pytest.raises(Refused):
        advisors.set_active(session, clock, team["admin"], team["admin"].id or 0, False)


def test_redelivered_update_is_applied_once(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        household = create(s, clock, admin, "Dupont", "Ana")

    def add_note(session):
        return notes.add(session, clock, session.get(type(admin), admin.id),
                         session.get(Household, household.id), "texte", "une fois")

    assert not db.apply(500, add_note).duplicate
    assert db.apply(500, add_note).duplicate
    with db.session() as s:
        assert len(list(s.exec(select(Note)))) == 1


def test_only_coordinators_reassign(session, clock, team):
    household = create(session, clock, team["lea"], "Dupont", "Ana", advisor_id=team["lea"].id)
    with pytest.raises(Refused):
        households.reassign(session, clock, team["lea"], household.id or 0, team["zoe"].id or 0)
    households.reassign(session, clock, team["coord"], household.id or 0, team["zoe"].id or 0)
    assert household.advisor_id == team["zoe"].id
    with pytest.raises(Refused):
        households.get(session, clock, team["lea"], household.id or 0)
