"""Reminders derived incrementally: each household's next derivation day, right for every kind;
the pass touches only the households whose day has come; a change of the records still
re-derives at once; the tick's derivation runs in a thread while the loop goes on."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from reminders import rules
from reminders.tick import DERIVE_WAIT, Ticker
from storage import households, phases, reminders, tenancy
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import Household, Reminder, Role, Tenancy

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 3, 15, tzinfo=UTC)
TODAY = date(2027, 3, 15)


def household(**kw) -> Household:
    return Household(id=1, reference="2027-0001", last_name="D", first_name="A",
                     created_at=NOW, updated_at=NOW, **kw)


def home(**kw) -> Tenancy:
    values = {"rent": 0, "charges": 0, "housing_benefit": 0, "due_day": 5,
              "entry_date": date(2026, 9, 1), "created_at": NOW, "updated_at": NOW}
    return Tenancy(household_id=1, **{**values, **kw})


def next_day(facts: rules.Facts) -> date | None:
    """The rules' next change, checked: nothing derived changes on any day before it."""
    found = rules.next_change(facts, TODAY)
    if found is not None:
        same = {d.key: d.due_on for d in rules.due_items(facts, TODAY)}
        for offset in range((found - TODAY).days):
            day = TODAY + timedelta(days=offset)
            assert {d.key: d.due_on for d in rules.due_items(facts, day)} == same, day
    return found


def test_rent_the_next_due_day_to_write_in_the_ledger():
    # Due on the 25th, paid up to February: March's due is written on 25 March (its check,
    # on the 30th, is already in the horizon; April's enters it on 26 March).
    dues = {date(2026, m, 1): 30000 for m in range(9, 13)} | {date(2027, m, 1): 30000
                                                               for m in (1, 2)}
    facts = rules.Facts(household(), home(rent=30000, due_day=25), rent_dues=dues,
                        tenancy_recorded_on=date(2026, 9, 1))
    assert next_day(facts) == date(2027, 3, 25)


def test_rent_check_entering_the_horizon():
    # Due on the 1st: April's due is written on 1 April, but its check (6 April) enters the
    # 35-day horizon before, on 2 March... already past; May's check (6 May) on 1 April;
    # the March check passes on 6 March. So: 1 April (due written, May's check enters).
    dues = {date(2026, m, 1): 30000 for m in range(9, 13)} | {date(2027, m, 1): 30000
                                                               for m in (1, 2, 3)}
    facts = rules.Facts(household(), home(rent=30000, due_day=1), rent_dues=dues,
                        tenancy_recorded_on=date(2026, 9, 1))
    assert next_day(facts) == date(2027, 4, 1)


def test_insurance_notice_entering_the_horizon_then_the_weekly_relances():
    facts = rules.Facts(household(), home(insurance_expiry=date(2027, 5, 20)))
    assert next_day(facts) == date(2027, 3, 16)  # the notice of 20 April enters the horizon
    expired = rules.Facts(household(), home(insurance_expiry=date(2027, 3, 1)))
    # Relances every week from 8 March, up to 19 April in the horizon: on 22 March that
    # relance becomes the latest past and the one of 26 April enters the horizon.
    assert next_day(expired) == date(2027, 3, 22)


def test_glissement_review_entering_the_horizon():
    facts = rules.Facts(household(), home(lease="sous_location",
                                          sublease_start=date(2026, 11, 10)))
    # Prepared on 10 March (past), reviewed on 10 May: enters the horizon on 5 April.
    assert next_day(facts) == date(2027, 4, 5)


def test_bilan_passing_becomes_the_latest_past():
    facts = rules.Facts(household(support_start=date(2026, 12, 20)))
    # Bilans on 20 March and 20 June; the first one passes on 20 March.
    assert next_day(facts) == date(2027, 3, 20)


def test_evaluation_entering_the_horizon():
    facts = rules.Facts(household(support_start=date(2026, 5, 1)), plan_bilans=[])
    assert next_day(facts) == date(2027, 3, 27)  # 1 May 2027 − 35 days


def test_plan_step_entering_the_horizon():
    facts = rules.Facts(household(), plan_items=[{"uid": "a1", "due": "2027-05-01",
                                                  "text": "Dossier FSL"}])
    assert next_day(facts) == date(2027, 3, 27)


def test_nothing_ahead_comes_back_after_a_year_and_closed_never():
    assert next_day(rules.Facts(household())) == TODAY + timedelta(days=rules.LOOKAHEAD_DAYS)
    assert rules.next_change(rules.Facts(household(status="clos")), TODAY) is None


def test_phase_transitions():
    assert phases.next_change(None, TODAY) is None
    assert phases.next_change(home(entry_date=date(2027, 4, 2)), TODAY) == date(2027, 4, 2)
    assert phases.next_change(home(entry_date=date(2027, 2, 1)), TODAY) == date(2027, 5, 1)
    assert phases.next_change(home(entry_date=date(2026, 9, 1)), TODAY) is None


def _two_households(db, clock) -> tuple[int, int]:
    """One whose insurance notice comes on 16 March, one with nothing before April."""
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        soon = households.create(s, clock, admin, HouseholdData("Dupont", "Ana", phone="0601"))
        later = households.create(s, clock, admin, HouseholdData("Martin", "Léa", phone="0602"))
        tenancy.save(s, clock, admin, soon, {"entree": "2026-09-01", "fin_assurance":
                                             "2027-05-20"})
        tenancy.save(s, clock, admin, later, {"entree": "2026-09-01", "fin_assurance":
                                              "2027-06-30"})
        return soon.id or 0, later.id or 0


def test_the_pass_touches_only_the_households_whose_day_came(db, clock, monkeypatch):
    soon, later = _two_households(db, clock)
    with db.session() as s:
        assert s.get(Household, soon).next_derivation_on == date(2027, 3, 16)
        assert s.get(Household, later).next_derivation_on == date(2027, 4, 26)
    touched: list[int] = []
    sync = reminders.sync

    def spy(session, clock, household):
        touched.append(household.id)
        sync(session, clock, household)

    monkeypatch.setattr(reminders, "sync", spy)
    assert reminders.sync_due(db, clock) == 0 and touched == []  # nothing new today
    clock.advance(timedelta(days=1))
    assert reminders.sync_due(db, clock) == 1 and touched == [soon]
    with db.session() as s:
        keys = set(s.exec(select(Reminder.key).where(Reminder.household_id == soon)))
        assert "insurance:2027-05-20:avant" in keys
        # The expiry's reminder (20 May) enters the horizon on 15 April.
        assert s.get(Household, soon).next_derivation_on == date(2027, 4, 15)
        assert not list(s.exec(select(Reminder).where(Reminder.household_id == later)))


def test_never_derived_households_are_derived_by_the_first_pass(db, clock):
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        new = households.create(s, clock, admin, HouseholdData("Dupont", "Ana",
                                                               support_start=date(2026, 12, 20)))
        assert new.next_derivation_on is None  # created, not derived yet
    assert reminders.sync_due(db, clock, chunk=1) == 1
    with db.session() as s:
        fresh = s.get(Household, new.id)
        assert fresh.next_derivation_on == date(2027, 3, 20)
        assert "bilan:2027-03-20" in set(s.exec(select(Reminder.key).where(
            Reminder.household_id == new.id)))
    assert reminders.sync_due(db, clock) == 0


def test_a_change_of_the_records_derives_at_once(db, clock):
    soon, _later = _two_households(db, clock)
    with db.session() as s:
        admin = make_advisor(s, clock, 2, "Other", Role.ADMIN)
        household = s.get(Household, soon)
        tenancy.renew_insurance(s, clock, admin, household, date(2027, 4, 1))
        # Relances up to 15 April in the horizon; the one of 22 April enters it on 18 March.
        assert household.next_derivation_on == date(2027, 3, 18)
        keys = set(s.exec(select(Reminder.key).where(Reminder.household_id == soon)))
        assert "insurance:2027-04-01:avant" in keys  # due already: derived at once


class IdleSender:
    async def send_one(self, advisor, item) -> bool:
        return True

    async def send_group(self, advisor, items) -> bool:
        return True

    async def send_digest(self, advisor, day) -> bool:
        return True

    async def delete(self, chat_id, message_id) -> bool:
        return True


async def test_the_tick_derives_in_a_thread_while_the_loop_answers(db, clock, monkeypatch):
    clock = FixedClock(PARIS, datetime(2027, 3, 14, 11, 0, tzinfo=PARIS))  # a Sunday
    calls: list[str] = []

    def slow(db_, clock_, stop=None, chunk=reminders.SYNC_CHUNK):
        calls.append("derive")
        time.sleep(3 * DERIVE_WAIT.total_seconds())  # a large caseload's first derivation
        return 0

    monkeypatch.setattr(reminders, "sync_due", slow)
    ticker = Ticker(db, clock, IdleSender(), "a")
    gaps: list[float] = []

    async def answering() -> None:  # what the bot does meanwhile: never held up
        last = time.perf_counter()
        for _ in range(100):
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    started = time.perf_counter()
    ticked = asyncio.create_task(ticker.tick())
    await answering()
    await ticked
    assert time.perf_counter() - started < 2.5 * DERIVE_WAIT.total_seconds()
    assert max(gaps) < 0.2, max(gaps)
    assert await ticker.tick() == 0 and calls == ["derive"]  # still going: not started twice
    await ticker.close()
