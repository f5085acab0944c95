"""Reminders already due when a caseload was imported are told apart from those that fell
due while the bot was stopped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.render import Renderer
from reminders.tick import Outgoing, Ticker
from storage import households, tenancy
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import Advisor, Household, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")


class Sender:
    def __init__(self) -> None:
        self.groups: list[list[Outgoing]] = []
        self.singles: list[Outgoing] = []

    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool:
        self.singles.append(item)
        return True

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool:
        self.groups.append(list(items))
        return True

    async def send_digest(self, advisor: Advisor, day: date) -> bool:
        return True


def _caseload(db, clock, imported: bool, due: date, count: int = 4) -> None:
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        household = households.create(s, clock, None if imported else admin,
                                      HouseholdData("Dupont", "Ana", advisor_id=admin.id))
        for n in range(count):
            tenancy.add_free(s, clock, admin, household, due, f"rappel {n}")


async def test_due_before_the_import_come_grouped_and_say_so(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    _caseload(db, clock, imported=True, due=date(2027, 2, 1))
    clock.advance(timedelta(minutes=5))  # the bot starts right after the import
    sender = Sender()
    await Ticker(db, clock, sender, "a").tick()
    assert sender.singles == [] and [len(g) for g in sender.groups] == [4]
    assert {i.reason for i in sender.groups[0]} == {"import"}
    text = Renderer(PARIS).msg("reminders.group", items=sender.groups[0])
    assert "4 rappels déjà échus à l'import du portefeuille" in text
    assert "interruption" not in text


async def test_due_during_a_downtime_say_so(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 1, 10, 0, tzinfo=PARIS))
    _caseload(db, clock, imported=True, due=date(2027, 3, 2))  # imported before they fell due
    clock.advance(timedelta(days=7))
    sender = Sender()
    await Ticker(db, clock, sender, "a").tick()
    assert [{i.reason for i in g} for g in sender.groups] == [{"downtime"}]
    text = Renderer(PARIS).msg("reminders.group", items=sender.groups[0])
    assert "pendant l'interruption du service" in text


async def test_one_recorded_late_is_marked_so(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    _caseload(db, clock, imported=False, due=date(2027, 3, 1), count=1)
    sender = Sender()
    await Ticker(db, clock, sender, "a").tick()
    (item,) = sender.singles
    assert (item.late, item.reason) == (True, "record")
    text = Renderer(PARIS).msg("reminders.reminder", r=item.reminder, h=item.household,
                          late=item.late, reason=item.reason)
    assert "Déjà échu à son enregistrement : prévu le 01/03/2027" in text


async def test_entered_later_on_an_imported_household_is_no_import(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    _caseload(db, clock, imported=True, due=date(2027, 3, 1), count=0)
    clock.advance(timedelta(days=2))
    with db.session() as s:
        household = s.get(Household, 1)
        tenancy.add_free(s, clock, s.get(Advisor, 1), household, date(2027, 3, 10), "oubli")
    sender = Sender()
    await Ticker(db, clock, sender, "a").tick()
    assert [(i.late, i.reason) for i in sender.singles] == [(True, "record")]
