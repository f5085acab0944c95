"""/menages: every household for a coordinator, filters combined."""

from datetime import date

import pytest
from sqlmodel import select

from handlers.team import BadFilters, decode, encode
from storage import households, team, tenancy
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import AuditLog, Reminder, ReminderStatus, Role
from tests.unit.factories import make_advisor


@pytest.fixture
def caseload(session, clock):
    """Léa: A (sub-let since 15/01, a reminder overdue), B (direct lease since 01/03), C
    (closed); Zoé: D (no home). The clock says 15/03/2027: A and B are in installation."""
    lea = make_advisor(session, clock, 3, "Léa")
    zoe = make_advisor(session, clock, 4, "Zoé")
    claire = make_advisor(session, clock, 1, "Claire", Role.COORDINATRICE)
    made = {}
    for key, advisor, last in (("A", lea, "Dupont"), ("B", lea, "Martin"), ("C", lea, "Petit"),
                               ("D", zoe, "Roux")):
        made[key] = households.create(session, clock, advisor,
                                      HouseholdData(last, "Ana", advisor_id=advisor.id))
    tenancy.save(session, clock, lea, made["A"], {
        "loyer": 45000, "jour_echeance": 5, "entree": "2027-01-15", "bail": "sous_location",
        "date_sous_location": "2027-01-10"})
    tenancy.save(session, clock, lea, made["B"], {"loyer": 40000, "jour_echeance": 5,
                                                  "entree": "2027-03-01", "bail": "direct"})
    households.close(session, clock, lea, made["C"].id, date(2027, 3, 1), "depart")
    session.add(Reminder(household_id=made["A"].id, kind="libre", key="libre:late",
                         due_on=date(2027, 3, 1), due_at=clock.now(),
                         created_at=clock.now(), status=ReminderStatus.SENT))
    session.flush()
    return {"lea": lea, "zoe": zoe, "claire": claire, **made}


def refs(session, clock, c, **filters):
    found = team.listing(session, clock, c["claire"], team.Filters(**filters), 0)
    return sorted(h.last_name for h in found.rows)


def test_filters_combine(session, clock, caseload):
    c = caseload
    assert refs(session, clock, c) == ["Dupont", "Martin", "Roux"]  # active by default
    assert refs(session, clock, c, status=None) == ["Dupont", "Martin", "Petit", "Roux"]
    assert refs(session, clock, c, status="clos") == ["Petit"]
    assert refs(session, clock, c, advisor_id=c["zoe"].id) == ["Roux"]
    assert refs(session, clock, c, advisor_id=c["lea"].id, status=None) == \
        ["Dupont", "Martin", "Petit"]
    assert refs(session, clock, c, phase="installation") == ["Dupont", "Martin"]
    assert refs(session, clock, c, phase="elaboration") == ["Roux"]
    assert refs(session, clock, c, phase="suivi") == []
    assert refs(session, clock, c, late=True) == ["Dupont"]
    assert refs(session, clock, c, lease="sous_location") == ["Dupont"]
    assert refs(session, clock, c, lease="direct") == ["Martin"]
    assert refs(session, clock, c, lease="direct", late=True) == []
    assert refs(session, clock, c, advisor_id=c["lea"].id, lease="sous_location",
                late=True) == ["Dupont"]


def test_each_line_has_its_advisor_and_next_due_and_is_audited(session, clock, caseload):
    c = caseload
    found = team.listing(session, clock, c["claire"], team.Filters(), 0)
    assert (found.total, found.pages, found.page) == (3, 1, 0)
    first = found.rows[0]
    assert found.advisors[first.advisor_id].name == "Léa"
    assert found.next_due[first.id].key == "libre:late"
    listed = session.exec(select(AuditLog).where(AuditLog.action == "household.list",
                                                 AuditLog.advisor_id == c["claire"].id)).all()
    assert sorted(a.household_id for a in listed) == sorted(h.id for h in found.rows)
    assert [a.name for a in found.team] == ["Claire", "Léa", "Zoé"]


def test_a_conseillere_is_refused(session, clock, caseload):
    with pytest.raises(Refused) as refused:
        team.listing(session, clock, caseload["lea"], team.Filters(), 0)
    assert refused.value.code == "forbidden"


def test_filters_travel_in_the_button_data():
    filters = team.Filters(advisor_id=12, phase="suivi", status=None, late=True,
                           lease="direct")
    data = encode(filters, 3)
    assert len(data.encode()) <= 64
    assert decode(data.split(":")) == ("l", 3, filters)
    assert decode(encode(team.Filters(), 0, "a").split(":")) == ("a", 0, team.Filters())
    for forged in ("g:l:0:x:-:a:0:-", "g:l:0:-:q:a:0:-", "g:z:0:-:-:a:0:-", "g:l:0:-:-:a:0"):
        with pytest.raises(BadFilters):
            decode(forged.split(":"))


def test_the_team_s_due_items_with_who_follows_them(session, clock, caseload):
    c = caseload
    until = date(2027, 4, 14)
    groups, followers = team.team_upcoming(session, clock, c["claire"], until)
    assert [(h.last_name, followers[h.advisor_id].name, [r.key for r in items])
            for h, items in groups] == [("Dupont", "Léa", ["libre:late", "rent:2027-04"]),
                                        ("Martin", "Léa", ["rent:2027-04"])]
    assert all(h.status == "actif" for h, _items in groups)
    with pytest.raises(Refused):
        team.team_upcoming(session, clock, c["lea"], until)
