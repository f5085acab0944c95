"""The sub-letting's legal calendar (CCH L442-8-3, decree 2010-1564): a review every 6 months
from the sub-lease's signature, convened 3 weeks before; the préfet told 2 months before the
end of the examination period the convention fixes; a renewal starts a new period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from reminders import rules
from storage import households, reminders, tenancy
from storage.households import HouseholdData
from storage.models import Household, Reminder, ReminderStatus, Role, Tenancy

from factories import make_advisor

NOW = datetime(2027, 3, 15, tzinfo=UTC)


@pytest.fixture
def lea_household(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    h = households.create(session, clock, lea, HouseholdData("Dupont", "Ana", advisor_id=lea.id,
                                                             support_start=date(2027, 3, 1)))
    return lea, h


def household() -> Household:
    return Household(id=1, reference="2027-0001", last_name="D", first_name="A",
                     created_at=NOW, updated_at=NOW)


def sublet(start: date, **kw) -> Tenancy:
    return Tenancy(household_id=1, lease="sous_location", sublease_start=start, rent=45000,
                   entry_date=start, created_at=NOW, updated_at=NOW, **kw)


def calendar(facts: rules.Facts, today: date) -> list[tuple[str, date]]:
    """The glissement reminders due, as (kind, day), in order."""
    kinds = ("glissement", "glissement_convene", "prefet_notice")
    return sorted(((d.kind, d.due_on) for d in rules.due_items(facts, today)
                   if d.kind in kinds), key=lambda k: (k[1], k[0]))


def year_of(facts: rules.Facts, start: date) -> list[tuple[str, date]]:
    """Everything the calendar brings over a year, day after day (as the hourly pass)."""
    seen: set[tuple[str, date]] = set()
    for n in range(366):
        seen |= set(calendar(facts, start + timedelta(days=n)))
    return sorted(seen, key=lambda k: (k[1], k[0]))


def test_a_sublease_signed_on_the_31st():
    facts = rules.Facts(household(), sublet(date(2026, 8, 31)))
    found = year_of(facts, date(2026, 8, 31))
    assert found[:5] == [
        ("glissement_convene", date(2027, 2, 7)),   # 3 weeks before 28/02
        ("glissement", date(2027, 2, 28)),          # 31/08 + 6 months
        ("prefet_notice", date(2027, 6, 9)),        # 3 weeks before 30/06 (the end − 2 months)
        ("glissement_convene", date(2027, 8, 10)),
        ("glissement", date(2027, 8, 31)),          # from the signature: the 31st again
    ]
    notice = [d for d in rules.due_items(facts, date(2027, 6, 9)) if d.kind == "prefet_notice"]
    assert notice[0].payload == {"to_role": "coordinatrice",
                                 "recipients": ["coordinatrice", "bailleur"],
                                 "deadline": "2027-06-30",
                                 "period_start": "2026-08-31", "period_end": "2027-08-31",
                                 "reviews": []}
    # The next 6-month date after a 28 February of a leap year.
    later = [d.due_on for d in rules._glissement(facts, date(2027, 9, 1), date(2028, 3, 31))
             if d.kind == "glissement" and d.due_on > date(2027, 9, 1)]
    assert later == [date(2028, 2, 29)]


def test_an_18_month_period_and_its_renewal():
    home = sublet(date(2027, 1, 31), exam_period_months=18)
    facts = rules.Facts(household(), home)
    assert ("prefet_notice", date(2028, 5, 10)) in calendar(facts, date(2028, 5, 1))  # 31/05
    # The convention renewed from 31/07/2028 for 12 months: a new period, a new notice.
    home.exam_period_start, home.exam_period_months = date(2028, 7, 31), 12
    notices = [d for d in rules.due_items(facts, date(2029, 5, 1)) if d.kind == "prefet_notice"]
    assert [(d.key, d.due_on, d.payload["deadline"]) for d in notices] == [
        ("prefet_notice:2028-07-31", date(2029, 5, 10), "2029-05-31")]
    # The reviews still count from the sub-lease's signature.
    assert ("glissement", date(2029, 1, 31)) in calendar(facts, date(2029, 1, 31))


def test_the_notice_lists_the_reviews_of_its_period():
    facts = rules.Facts(household(), sublet(date(2026, 9, 1)),
                        reviews=[date(2026, 3, 1), date(2027, 3, 1)],
                        review_history=[(date(2026, 3, 1), "autre"),
                                        (date(2027, 3, 1), "prolonger")])
    notice = next(d for d in rules.due_items(facts, date(2027, 6, 20))
                  if d.kind == "prefet_notice")
    assert notice.payload["reviews"] == [{"held_on": "2027-03-01", "decision": "prolonger"}]


def test_an_early_review_settles_its_date_an_extra_one_does_not():
    facts = rules.Facts(household(), sublet(date(2027, 1, 1)), reviews=[date(2027, 4, 20)])
    # Held 10 weeks before the 01/07 date: that review is done, no convening, no reminder.
    assert calendar(facts, date(2027, 6, 1)) == []
    # A review held 4 months before (a supplementary one) leaves the 6-month date due.
    facts.reviews = [date(2027, 2, 20)]
    assert calendar(facts, date(2027, 6, 1)) == [("glissement_convene", date(2027, 6, 10)),
                                                 ("glissement", date(2027, 7, 1))]


def test_an_import_after_the_dates_sends_no_past_preparation():
    """Seen: «Revue de glissement à préparer · revue le 01/12/2026» sent on 20/01/2027."""
    facts = rules.Facts(household(), sublet(date(2026, 6, 1)))
    assert calendar(facts, date(2027, 1, 20)) == [("glissement", date(2026, 12, 1))]
    # The day of the review itself: the review, not its convening.
    assert calendar(facts, date(2026, 12, 1)) == [("glissement", date(2026, 12, 1))]
    # Still ahead: its convening is there.
    assert calendar(facts, date(2026, 11, 30)) == [("glissement_convene", date(2026, 11, 10)),
                                                   ("glissement", date(2026, 12, 1))]
    # A period long over brings no préfet notice.
    assert calendar(rules.Facts(household(), sublet(date(2024, 6, 1))), date(2027, 1, 20)) \
        == [("glissement", date(2026, 12, 1))]


def test_a_downtime_cancels_the_convening_not_sent(session, clock, lea_household):
    lea, h = lea_household
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "bail": "sous_location",
                                           "date_sous_location": "2026-10-01"})
    convene = session.exec(select(Reminder).where(Reminder.kind == "glissement_convene")).one()
    assert convene.due_on == date(2027, 3, 11) and convene.status == ReminderStatus.DUE
    clock.advance(timedelta(days=20))  # 04/04: past the review of 01/04, never sent
    reminders.sync(session, clock, h)
    session.refresh(convene)
    assert convene.status == ReminderStatus.CANCELLED


def test_the_prefet_notice_goes_to_a_coordinator_and_a_renewal_starts_a_period(
        session, clock, lea_household):
    lea, h = lea_household
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    tenancy.save(session, clock, lea, h, {"loyer": 45000, "bail": "sous_location",
                                           "date_sous_location": "2026-06-01",
                                           "periode_examen_mois": 12})
    notice = session.exec(select(Reminder).where(Reminder.kind == "prefet_notice")).one()
    assert notice.due_on == date(2027, 3, 11)  # deadline 01/04/2027
    assert reminders.recipient(session, h, notice) == coord
    assert reminders.recipient(session, h) == lea
    tenancy.record_review(session, clock, lea, h, {"date": "2027-03-15",
                                                    "decision": "prolonger",
                                                    "debut_periode_examen": "2027-06-01"})
    session.refresh(notice)
    assert notice.status == ReminderStatus.CANCELLED
    home = tenancy.of(session, h)
    assert home is not None and home.exam_period_start == date(2027, 6, 1)
    assert tenancy.as_answers(home)["debut_periode_examen"] == "2027-06-01"
