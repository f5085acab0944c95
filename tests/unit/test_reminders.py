"""What falls due, when it may be sent, and that it is claimed and sent once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from reminders import rules
from reminders.calendar import is_working_time, slot, slot_after
from storage import households, ledger, reminders, tenancy
from storage.clock import FixedClock
from storage.households import HouseholdData
from storage.models import Household, Reminder, ReminderStatus, Role, Tenancy

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 3, 15, tzinfo=UTC)


def household(**kw) -> Household:
    return Household(id=1, reference="2027-0001", last_name="D", first_name="A",
                     created_at=NOW, updated_at=NOW, **kw)


def home(**kw) -> Tenancy:
    values = {"rent": 45000, "charges": 5000, "housing_benefit": 20000, "due_day": 5,
              "entry_date": date(2027, 1, 1), "created_at": NOW, "updated_at": NOW}
    return Tenancy(household_id=1, **{**values, **kw})


def keys(facts: rules.Facts, today: date, kind: str) -> list[tuple[str, date]]:
    return [(d.key, d.due_on) for d in rules.due_items(facts, today) if d.kind == kind]


def test_rent_checks_follow_the_month_lengths_and_a_due_day_of_31():
    facts = rules.Facts(household(), home(due_day=31), tenancy_recorded_on=date(2027, 1, 1))
    found = keys(facts, date(2027, 4, 20), "rent")
    assert found == [("rent:2027-01", date(2027, 2, 5)),   # 31 Jan + 5 days
                     ("rent:2027-02", date(2027, 3, 5)),   # 28 Feb + 5
                     ("rent:2027-03", date(2027, 4, 5)),   # 31 Mar + 5
                     ("rent:2027-04", date(2027, 5, 5))]   # 30 Apr + 5 (within the horizon)
    leap = rules.Facts(household(), home(due_day=30, entry_date=date(2028, 2, 1)),
                       tenancy_recorded_on=date(2028, 2, 1))
    assert keys(leap, date(2028, 2, 1), "rent")[0] == ("rent:2028-02", date(2028, 3, 5))


def test_rent_months_recorded_or_before_the_home_was_recorded_are_not_chased():
    facts = rules.Facts(household(), home(), tenancy_recorded_on=date(2027, 3, 15))
    assert [k for k, _ in keys(facts, date(2027, 3, 15), "rent")] == ["rent:2027-04"]
    # April fallen due and the account paid up: nothing to chase.
    facts.rent_dues, facts.balance = {date(2027, 4, 1): 30000}, 0
    assert keys(facts, date(2027, 3, 15), "rent") == []
    assert keys(rules.Facts(household(), home(rent=0, charges=0)), date(2027, 3, 15),
                "rent") == []


def test_insurance_30_days_before_on_expiry_then_weekly_without_piling_up():
    facts = rules.Facts(household(), home(insurance_expiry=date(2027, 4, 10)))
    before = keys(facts, date(2027, 3, 1), "insurance")
    assert before == [("insurance:2027-04-10:avant", date(2027, 3, 11))]
    after = keys(facts, date(2027, 4, 29), "insurance")
    assert after[0] == ("insurance:2027-04-10:relance2", date(2027, 4, 24))  # the latest only
    assert [d for _, d in after[1:]] == [date(2027, 5, 1), date(2027, 5, 8), date(2027, 5, 15),
                                         date(2027, 5, 22), date(2027, 5, 29)]


def test_glissement_reviews_every_6_months_convened_3_weeks_before_until_transfer():
    sublet = home(lease="sous_location", sublease_start=date(2027, 1, 31))
    facts = rules.Facts(household(), sublet)
    found = [(d.kind, d.due_on) for d in rules.due_items(facts, date(2027, 7, 1))
             if d.kind.startswith("glissement")]
    assert found == [("glissement_convene", date(2027, 7, 10)),
                     ("glissement", date(2027, 7, 31))]
    sublet.transferred_on = date(2027, 8, 1)
    assert [d for d in rules.due_items(facts, date(2027, 7, 1))
            if d.kind.startswith("glissement")] == []


def test_bilans_from_the_plan_or_every_3_months_and_yearly_evaluation():
    facts = rules.Facts(household(support_start=date(2026, 11, 30)))
    found = [(d.kind, d.due_on) for d in rules.due_items(facts, date(2027, 11, 1))
             if d.kind in ("bilan", "evaluation")]
    # Of the past ones, only the latest (28/02 and 30/05 do not come back): then what is ahead.
    assert [d for k, d in found if k == "bilan"] == [date(2027, 8, 30), date(2027, 11, 30)]
    assert ("evaluation", date(2027, 11, 30)) in found
    facts.plan_bilans = [date(2027, 6, 15)]
    assert keys(facts, date(2027, 6, 1), "bilan") == [("bilan:2027-06-15", date(2027, 6, 15))]
    closed = rules.Facts(household(status="clos", support_start=date(2026, 1, 1)))
    assert rules.due_items(closed, date(2027, 6, 1)) == []


@pytest.mark.parametrize("day, sent_on", [
    (date(2027, 3, 15), date(2027, 3, 15)),   # a Monday
    (date(2027, 3, 13), date(2027, 3, 15)),   # a Saturday: Monday
    (date(2027, 5, 1), date(2027, 5, 3)),     # 1 May, a Saturday
    (date(2027, 5, 6), date(2027, 5, 7)),     # Ascension Thursday: Friday
    (date(2027, 12, 24), date(2027, 12, 24)),
    (date(2027, 12, 25), date(2027, 12, 27)),
])
def test_slots_skip_weekends_and_public_holidays(day, sent_on):
    sent = slot(day, PARIS).astimezone(PARIS)
    assert sent.date() == sent_on and (sent.hour, sent.minute) == (9, 0)


def test_slots_across_daylight_saving_changes():
    assert slot(date(2027, 3, 26), PARIS) == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # UTC+1
    assert slot(date(2027, 3, 29), PARIS) == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)  # Easter
    assert slot(date(2027, 11, 2), PARIS) == datetime(2027, 11, 2, 8, 0, tzinfo=UTC)
    evening = datetime(2027, 3, 26, 18, 30, tzinfo=PARIS)
    assert not is_working_time(evening, PARIS)
    assert slot_after(evening, PARIS) == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def lea_household(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id,
                                                             support_start=date(2027, 3, 1)))
    return lea, h


def test_stored_reminders_follow_the_records(session, clock, lea_household):
    lea, h = lea_household
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "jour_echeance": 5,
                                           "entree": "2027-03-15", "bail": "sous_location",
                                           "date_sous_location": "2027-03-01",
                                           "fin_assurance": "2027-04-10"})
    stored = {r.key: r for r in session.exec(select(Reminder))}
    assert {"rent:2027-04", "insurance:2027-04-10:avant"} <= set(stored)
    # A new certificate: the old one's reminders not sent yet are cancelled.
    tenancy.renew_insurance(session, clock, lea, h, date(2028, 4, 10))
    session.refresh(stored["insurance:2027-04-10:avant"])
    assert stored["insurance:2027-04-10:avant"].status == ReminderStatus.CANCELLED
    # The rent paid once due: its check goes away.
    clock.advance(timedelta(days=22))
    reminders.sync(session, clock, h)
    ledger.record_payment(session, clock, lea, h, clock.today(), 45000, "menage")
    reminders.sync(session, clock, h)
    session.refresh(stored["rent:2027-04"])
    assert stored["rent:2027-04"].status == ReminderStatus.CANCELLED


def test_a_transfer_stops_the_sublet_reminders(session, clock, lea_household):
    lea, h = lea_household
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "bail": "sous_location",
                                           "date_sous_location": "2027-01-01"})
    open_kinds = lambda: {r.kind for r in session.exec(select(Reminder)).all()  # noqa: E731
                          if r.status == ReminderStatus.DUE}
    clock.advance(timedelta(days=70))
    reminders.sync(session, clock, h)
    assert "glissement_convene" in open_kinds()
    tenancy.record_review(session, clock, lea, h, {"decision": "glisser", "accord_bailleur": True,
                                                    "date_glissement": "2027-04-15"})
    assert not {"glissement", "glissement_convene", "prefet_notice"} & open_kinds()


def test_a_reassignment_moves_the_reminders_to_the_new_advisor(session, clock, lea_household):
    lea, h = lea_household
    zoe = make_advisor(session, clock, 4, "Zoé")
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    assert reminders.recipient(session, h) == lea
    households.reassign(session, clock, coord, h.id or 0, zoe.id or 0)
    assert reminders.recipient(session, h) == zoe


def test_two_processes_claim_each_reminder_once(db, clock):
    """Two claimers at once on one database (SQLite, PostgreSQL): each reminder goes to one."""
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        for n in range(40):
            h = households.create(s, clock, admin, HouseholdData(f"N{n}", "P"))
            tenancy.add_free(s, clock, admin, h, date(2027, 3, 15), f"rappel {n}")
    later = FixedClock(PARIS, datetime(2027, 3, 15, 10, 0, tzinfo=PARIS))
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def run(owner: str) -> None:
        for _ in range(10):
            with db.session() as s:
                claimed[owner] += [r.id or 0 for r in reminders.claim(s, later, owner, limit=7)]

    threads = [threading.Thread(target=run, args=(o,)) for o in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 40


def test_a_household_recorded_late_gets_only_the_latest_past_period():
    """Support since 2022, sub-let since 31/08/2022, recorded in 2025: no flood of the past."""
    sublet = home(lease="sous_location", sublease_start=date(2022, 8, 31),
                  entry_date=date(2022, 8, 31))
    facts = rules.Facts(household(support_start=date(2022, 1, 10)), sublet,
                        tenancy_recorded_on=date(2025, 5, 1))
    found = rules.due_items(facts, date(2025, 5, 1))
    past = [(d.kind, d.due_on) for d in found if d.due_on <= date(2025, 5, 1)]
    # No past preparation, no préfet notice of a period long over.
    assert sorted(k for k, _ in past) == ["bilan", "evaluation", "glissement"]
    # The 6-month dates count from the signature: 28/02 then 31/08, not 28/08.
    reviews = [d.due_on for d in rules._glissement(facts, date(2022, 9, 1), date(2023, 9, 1))
               if d.kind == "glissement"]
    assert reviews == [date(2023, 2, 28), date(2023, 8, 31)]


def test_a_review_held_settles_its_period():
    sublet = home(lease="sous_location", sublease_start=date(2027, 1, 1))
    facts = rules.Facts(household(), sublet, reviews=[date(2027, 6, 20)])
    kinds = [(d.kind, d.due_on) for d in rules.due_items(facts, date(2027, 6, 25))]
    assert ("glissement", date(2027, 7, 1)) not in kinds
    assert ("glissement_convene", date(2027, 12, 11)) not in kinds  # beyond the horizon yet


def test_a_closed_household_gets_no_more_reminders(session, clock, lea_household):
    lea, h = lea_household
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "jour_echeance": 5,
                                           "entree": "2027-03-15", "fin_assurance": "2027-04-10"})
    households.close(session, clock, lea, h.id or 0, clock.today(), "depart")
    assert h.status == "clos"
    assert {r.status for r in session.exec(select(Reminder))} == {ReminderStatus.CANCELLED}
