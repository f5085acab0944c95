"""A support ends with its day and reason; a coordinator takes it up again."""

from datetime import date

import pytest
from sqlmodel import select

from storage import households, tenancy
from storage.errors import Refused
from storage.forms.engine import Engine
from storage.households import HouseholdData
from storage.models import AuditLog, Household, Reminder, ReminderStatus, Role
from tests.unit.factories import make_advisor


@pytest.fixture
def team(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    claire = make_advisor(session, clock, 1, "Claire", Role.COORDINATRICE)
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id,
                                                             support_start=date(2027, 1, 4)))
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "jour_echeance": 5,
                                           "entree": "2027-03-15", "fin_assurance": "2027-04-10"})
    return lea, claire, h


def _open(session, h):
    return {r.key for r in session.exec(select(Reminder).where(Reminder.household_id == h.id))
            if r.status in (ReminderStatus.DUE, ReminderStatus.SENT)}


def test_closing_keeps_day_and_reason_and_stops_the_reminders(session, clock, team):
    lea, _claire, h = team
    before = _open(session, h)
    assert before  # rent and insurance are due
    households.close(session, clock, lea, h.id, date(2027, 3, 10), "maintien")
    assert (h.status, h.closed_on, h.closure_reason, h.closure_detail) == \
        ("clos", date(2027, 3, 10), "maintien", None)
    assert _open(session, h) == set()
    actions = [a.action for a in session.exec(select(AuditLog))]
    assert "household.close" in actions
    with pytest.raises(Refused) as refused:  # a second closing changes nothing
        households.close(session, clock, lea, h.id, date(2027, 3, 12), "deces")
    assert refused.value.code == "household_closed" and h.closure_reason == "maintien"


def test_a_reason_from_the_list_and_autre_is_said(session, clock, team):
    lea, _claire, h = team
    for day, reason, detail, code in [(date(2027, 3, 10), "inconnu", None, "closure_reason"),
                                      (date(2027, 3, 10), "autre", "  ", "closure_detail"),
                                      (date(2027, 3, 16), "depart", None, "closure_future")]:
        with pytest.raises(Refused) as refused:
            households.close(session, clock, lea, h.id, day, reason, detail)
        assert refused.value.code == code
    assert h.status == "actif"
    households.close(session, clock, lea, h.id, clock.today(), "autre", " Hospitalisation longue ")
    assert h.closure_detail == "Hospitalisation longue"


def test_only_a_coordinator_reopens_and_the_reminders_come_back(session, clock, team):
    lea, claire, h = team
    before = _open(session, h)
    households.close(session, clock, lea, h.id, clock.today(), "abandon")
    with pytest.raises(Refused):
        households.reopen(session, clock, lea, h.id, "Elle a rappelé")
    assert h.status == "clos"
    households.reopen(session, clock, claire, h.id, "Elle a rappelé")
    assert (h.status, h.closed_on, h.closure_reason) == ("actif", None, None)
    assert _open(session, h) == before
    reopened = session.exec(select(AuditLog).where(AuditLog.action == "household.reopen")).one()
    assert reopened.detail == "Elle a rappelé" and reopened.advisor_id == claire.id
    with pytest.raises(Refused) as refused:
        households.reopen(session, clock, claire, h.id, "encore")
    assert refused.value.code == "household_open"


def test_forms_on_a_closed_household_are_refused_except_its_reopening(session, clock, team):
    lea, claire, h = team
    households.close(session, clock, lea, h.id, clock.today(), "relogement")
    for form in ("rappel", "diagnostic", "ppal", "cloture"):
        with pytest.raises(Refused) as refused:
            Engine(session, clock, lea).start(form, h)
        assert refused.value.code == "household_closed"
        assert refused.value.params["household"].label == "2027-0001 · A. D."  # detached
        h = session.get(Household, h.id)  # the refusal detached it (the update rolls back)
    step = Engine(session, clock, claire).start("reouverture", h)
    step = Engine(session, clock, claire).answer_text(step.run, "Nouvelle demande du bailleur")
    assert h.status == "actif" and step.household is h
