"""Reminders addressed to the landlord (the préfet notice carries `recipients` in its
payload): its users of the home's organisation get a copy, while the household is shared."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from reminders.tick import Outgoing, Ticker
from storage import households, landlords, reminders, tenancy
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import Advisor, Reminder, Role

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")


class Sender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_one(self, advisor: Advisor, item: Outgoing) -> bool:
        self.sent.append((advisor.telegram_id, item.reminder.key))
        return True

    async def send_group(self, advisor: Advisor, items: Sequence[Outgoing]) -> bool:
        self.sent += [(advisor.telegram_id, i.reminder.key) for i in items]
        return True

    async def send_digest(self, advisor: Advisor, day: date) -> bool:
        return True


def _setting(db, clock, shared: bool) -> None:
    with db.session() as s:
        advisor = make_advisor(s, clock, 1, "Claire")
        household = households.create(s, clock, advisor, HouseholdData(
            "Dupont", "Ana", advisor_id=advisor.id))
        tenancy.save(s, clock, advisor, household, {"loyer": 40000, "bailleur": "HLO"})
        landlord = make_advisor(s, clock, 50, "Bailleur", Role.BAILLEUR)
        landlord.organisation_id = tenancy.of(s, household).landlord_id
        make_advisor(s, clock, 60, "Autre bailleur", Role.BAILLEUR)  # no organisation
        if shared:
            landlords.share(s, clock, advisor, household.id or 0)
        tenancy.add_free(s, clock, advisor, household, date(2027, 3, 15), "Informer le préfet")
        s.flush()
        reminder = _notice(s)  # as the préfet notice will carry them
        reminder.payload = {**reminder.payload, "recipients": ["coordinatrice", "bailleur"]}
        s.add(reminder)


def _ticker(db, clock, sender) -> Ticker:
    """A tick that does not derive again (the payload set above stands for the rule's)."""
    ticker = Ticker(db, clock, sender, "a")
    ticker._last_full_sync = clock.now()
    return ticker


def _notice(s) -> Reminder:
    return next(r for r in s.exec(select(Reminder)) if r.key.startswith("libre:"))


async def test_the_landlord_of_a_shared_household_gets_a_copy(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    _setting(db, clock, shared=True)
    with db.session() as s:
        household = s.exec(select(households.Household)).one()
        reminder = _notice(s)
        assert [a.telegram_id for a in reminders.recipients(s, household, reminder)] == [1, 50]
    sender = Sender()
    await _ticker(db, clock, sender).tick()
    copies = [key for t, key in sender.sent if t == 50]
    assert len(copies) == 1 and copies[0].startswith("libre:")  # only the one addressed to it


async def test_no_copy_when_it_is_not_shared(db):
    clock = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    _setting(db, clock, shared=False)
    with db.session() as s:
        household = s.exec(select(households.Household)).one()
        reminder = _notice(s)
        assert [a.telegram_id for a in reminders.recipients(s, household, reminder)] == [1]
    sender = Sender()
    await _ticker(db, clock, sender).tick()
    assert sender.sent and {t for t, _key in sender.sent} == {1}
