"""Confidential addresses hidden by the form engine, resumptions audited, and the message
that shows an address deleted by the tick 10 minutes later, across a restart (issue 9, §2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from reminders.tick import Outgoing, Ticker
from storage import deletions, households, tenancy
from storage.clock import FixedClock
from storage.forms.engine import Engine
from storage.forms.spec import FormDefinitionError, all_forms, load, parse
from storage.households import HouseholdData
from storage.models import Advisor, AuditLog, PendingDeletion, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")


def test_every_address_question_is_marked_sensitive_and_asked_after_the_flag():
    addresses = {(f.key, spec.name) for spec in all_forms() for f in spec.fields
                 if f.sensitive == "address"}
    assert addresses == {("adresse", "menage"), ("adresse", "logement")}
    menage = load("menage")
    keys = [f.key for f in menage.fields]
    assert menage.confidential_flag == "confidentiel"
    assert keys.index("confidentiel") < keys.index("adresse")
    with pytest.raises(FormDefinitionError, match="sensitivity"):
        parse({"name": "x", "title": "X", "target": "household",
               "sections": [{"key": "s", "title": "S"}],
               "fields": [{"key": "a", "section": "s", "type": "text", "question": "?",
                           "short": "A", "sensitive": "phone"}]})
    with pytest.raises(FormDefinitionError, match="list"):
        parse({"name": "x", "title": "X", "target": "household",
               "sections": [{"key": "s", "title": "S"}],
               "fields": [{"key": "l", "section": "s", "type": "items", "question": "?",
                           "short": "L", "item": [{"key": "a", "type": "text", "question": "?",
                                                   "short": "A", "sensitive": "address"}]}]})


def test_the_home_form_hides_the_address_of_a_confidential_household(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    household = households.create(session, clock, lea, HouseholdData(
        "Dupont", "Ana", advisor_id=lea.id, address="Résidence Les Pins", confidential=True))
    tenancy.save(session, clock, lea, household, {"adresse": "4 rue des Fleurs"})
    engine = Engine(session, clock, lea)
    step = engine.start("logement", household)
    address = load("logement").field("adresse")
    assert step.answers["adresse"] == "4 rue des Fleurs" and step.hides(address)
    household.confidential = False
    assert not step.hides(address)


def test_every_resumption_is_audited_like_a_start(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    household = households.create(session, clock, lea, HouseholdData(
        "Dupont", "Ana", advisor_id=lea.id))
    engine = Engine(session, clock, lea)
    run = engine.start("logement", household).run
    engine.stop(run, run.step)
    engine.start("logement", household)  # 🏠 again: the paused run is taken up
    engine.stop(run, run.step)
    engine.resume(run.id or 0)  # /reprendre or ▶️ Reprendre
    actions = [a.action for a in session.exec(select(AuditLog).where(
        AuditLog.household_id == household.id).order_by(AuditLog.id))]
    assert actions[-3:] == ["logement.start", "logement.resume", "logement.resume"]


class DeletingSender:
    def __init__(self) -> None:
        self.deleted: list[tuple[int, int]] = []

    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool:
        return True

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool:
        return True

    async def send_digest(self, advisor: Advisor, day: date) -> bool:
        return True

    async def delete(self, chat_id: int, message_id: int) -> bool:
        self.deleted.append((chat_id, message_id))
        return True


async def test_an_address_shown_is_deleted_after_ten_minutes_even_after_a_restart(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 13, 22, 0, tzinfo=PARIS))  # a Saturday night
    with db.session() as session:
        make_advisor(session, clock, 1, "Admin", Role.ADMIN)
        households.show_address_later(session, clock, 1, 77)
    sender = DeletingSender()
    await Ticker(db, clock, sender, "a").tick()
    assert sender.deleted == []
    clock.advance(timedelta(minutes=10))
    await Ticker(db, clock, sender, "b").tick()  # another process, after a restart
    await Ticker(db, clock, sender, "b").tick()
    assert sender.deleted == [(1, 77)]  # out of working hours too, and once
    with db.session() as session:
        assert deletions.due(session, clock) == []
        assert session.exec(select(PendingDeletion)).one().deleted_at == clock.now()
