"""Refused attempts are kept as security events; every listing of a household is audited,
once, under the name of what was done (issue 9, §1, §5 and §8)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select
from telegram.ext import ApplicationHandlerStop

from handlers.gate import gate
from storage import households, reminder_answers, reminders, security
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import AuditLog, Reminder, Role, SecurityEvent

from factories import make_advisor


def audit_actions(session, household=None) -> list[str]:
    query = select(AuditLog)
    if household is not None:
        query = query.where(AuditLog.household_id == household.id)
    return [row.action for row in session.exec(query.order_by(AuditLog.id))]


def test_a_stranger_is_refused_once_per_window_and_each_attempt_counted(session, clock):
    assert security.refuse_sender(session, clock, 4242, "/start")
    clock.advance(timedelta(minutes=3))
    assert not security.refuse_sender(session, clock, 4242, "texte")
    assert not security.refuse_sender(session, clock, 4242, "bouton")
    clock.advance(timedelta(minutes=8))  # 11 minutes after the refusal: said again
    assert security.refuse_sender(session, clock, 4242, "texte")
    events = list(session.exec(select(SecurityEvent).order_by(SecurityEvent.id)))
    assert [(e.kind, e.telegram_id, e.count, e.detail) for e in events] == [
        ("stranger", 4242, 3, "/start"), ("stranger", 4242, 1, "texte")]
    assert events[0].last_at - events[0].at == timedelta(minutes=3)


def test_a_deactivated_advisor_and_a_group_are_named_as_such(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    lea.active = False
    assert security.refuse_sender(session, clock, 3, "/mes_menages")
    assert security.refuse_sender(session, clock, -100123, "autre", group=True)
    events = list(session.exec(select(SecurityEvent).order_by(SecurityEvent.id)))
    assert [(e.kind, e.advisor_id) for e in events] == [("deactivated", lea.id),
                                                         ("group", None)]


def test_a_press_on_another_advisors_household_is_kept_although_refused(db, clock):
    with db.session() as session:
        lea = make_advisor(session, clock, 3, "Léa")
        zoe = make_advisor(session, clock, 4, "Zoé")
        household = households.create(session, clock, zoe, HouseholdData(
            "Dupont", "Ana", advisor_id=zoe.id))
        ids = lea.id, household.id or 0
    with pytest.raises(Refused):
        db.read(lambda s: households.get(s, clock, s.get(type(lea), ids[0]), ids[1]))
    with pytest.raises(Refused):  # an unknown household is not a security event
        db.read(lambda s: households.get(s, clock, s.get(type(lea), ids[0]), 999))
    with pytest.raises(Refused):  # a conseillère may not reassign
        db.read(lambda s: households.reassign(s, clock, s.get(type(lea), ids[0]), ids[1], ids[0]))
    with db.session() as session:
        events = list(session.exec(select(SecurityEvent).order_by(SecurityEvent.id)))
        assert [(e.kind, e.advisor_id, e.telegram_id, e.household_id, e.detail)
                for e in events] == [
            ("forbidden", ids[0], 3, ids[1], "household.view"),
            ("forbidden", ids[0], 3, ids[1], "household.reassign")]
        assert audit_actions(session) == ["household.create"]  # the refused work undone


def test_a_reassignment_is_audited_once(session, clock):
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    lea = make_advisor(session, clock, 3, "Léa")
    household = households.create(session, clock, coord, HouseholdData("Dupont", "Ana"))
    households.reassign(session, clock, coord, household.id or 0, lea.id or 0)
    assert audit_actions(session, household) == ["household.create", "household.reassign"]


def test_lists_and_reminders_audit_each_household_shown(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    household = households.create(session, clock, lea, HouseholdData(
        "Dupont", "Ana", advisor_id=lea.id, support_start=date(2027, 3, 1)))
    households.create(session, clock, lea, HouseholdData("Martin", "Léo", advisor_id=lea.id))
    reminder = Reminder(household_id=household.id or 0, kind="libre", key="libre:1",
                        due_on=clock.today(), due_at=clock.now(), created_at=clock.now())
    session.add(reminder)
    session.flush()
    listed = reminders.digest(session, clock, lea, clock.today(), listing="aujourdhui")
    assert [h.id for h, _due in listed] == [household.id]
    [claimed] = reminders.claim(session, clock, "test")
    reminders.sent(session, clock, claimed.id or 0, "test", lea.id or 0, late=False)
    reminder_answers.open_reminder(session, clock, lea, reminder.id or 0)
    rows = list(session.exec(select(AuditLog).where(AuditLog.household_id == household.id)
                             .order_by(AuditLog.id)))
    assert [(r.action, r.detail) for r in rows][1:] == [
        ("household.list", "aujourdhui"), ("reminder.sent", "libre:1"), ("reminder.open", "")]
    assert all(r.advisor_id == lea.id for r in rows[1:])


class _Broken:
    def __getattr__(self, name: str) -> object:
        raise IndexError(name)


async def test_the_gate_stops_the_update_when_it_fails():
    """Whatever raises in the gate, the update goes no further (no handler, no error text)."""
    update = SimpleNamespace(update_id=7, effective_chat=_Broken(), effective_user=None)
    with pytest.raises(ApplicationHandlerStop):
        await gate(update, SimpleNamespace())  # type: ignore[arg-type]
