"""/equipe's figures on a crafted team, expectations computed by hand (today 15/03/2027,
the 6-month window from 15/09/2026, silence before 13/02/2027)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from bot.render import Renderer
from storage import households, team
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import Bilan, Note, Reminder, ReminderStatus, Role, TransferReview
from tests.unit.factories import make_advisor

S = ReminderStatus


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def crafted(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    zoe = make_advisor(session, clock, 4, "Zoé")
    claire = make_advisor(session, clock, 1, "Claire", Role.COORDINATRICE)
    made = {}
    for key, advisor, opened in (("A", lea, date(2026, 10, 1)), ("B", lea, date(2026, 10, 1)),
                                 ("C", lea, date(2026, 10, 1)), ("D", lea, None),
                                 ("E", zoe, date(2026, 11, 1))):
        h = households.create(session, clock, advisor,
                              HouseholdData(f"Nom{key}", "Ana", advisor_id=advisor.id))
        if opened:
            h.created_at = at(opened)
        made[key] = h
    households.close(session, clock, lea, made["C"].id, date(2027, 3, 1), "depart")
    session.exec(delete(Reminder))  # only the reminders written below

    def reminder(key, kind, due, status, answered=None):
        session.add(Reminder(household_id=made[key].id, kind=kind, key=f"{kind}:{due}",
                             due_on=due, due_at=at(due), status=status, created_at=at(due),
                             answered_at=at(answered) if answered else None))

    # A: a bilan held 10 days late (on time), a glissement review never held (late), a bilan
    # still within its margin (not counted yet), one before the window; its last contact
    # (20/01) is older than 30 days.
    reminder("A", "bilan", date(2027, 1, 10), S.ANSWERED, answered=date(2027, 1, 20))
    session.add(Bilan(household_id=made["A"].id, held_on=date(2027, 1, 20), advisor_id=lea.id,
                      created_at=at(date(2027, 1, 20))))
    reminder("A", "glissement", date(2026, 12, 1), S.SENT)
    reminder("A", "bilan", date(2027, 3, 10), S.DUE)
    reminder("A", "bilan", date(2026, 8, 1), S.ANSWERED, answered=date(2026, 8, 1))
    # B: a review held 19 days after its date (late); a note on 01/03.
    reminder("B", "glissement", date(2027, 2, 1), S.ANSWERED, answered=date(2027, 2, 20))
    session.add(TransferReview(household_id=made["B"].id, held_on=date(2027, 2, 20),
                               decision="prolonger", advisor_id=lea.id,
                               created_at=at(date(2027, 2, 20))))
    session.add(Note(household_id=made["B"].id, advisor_id=lea.id, text="Visite",
                     created_at=at(date(2027, 3, 1))))
    # C is closed: its overdue reminder does not count.
    reminder("C", "libre", date(2027, 3, 2), S.DUE)
    # E: only a note struck out (no contact), a free reminder overdue.
    session.add(Note(household_id=made["E"].id, advisor_id=zoe.id, text="Erreur",
                     created_at=at(date(2027, 3, 10)), struck_at=at(date(2027, 3, 10))))
    reminder("E", "libre", date(2027, 3, 14), S.DUE)
    session.flush()
    return {"lea": lea, "zoe": zoe, "claire": claire}


def test_each_advisor_s_figures(session, clock, crafted):
    found = team.figures(session, clock, crafted["claire"])
    assert [(f.advisor.name, f.households, f.overdue, f.reviews_due, f.reviews_on_time,
             f.on_time_percent, f.silent) for f in found] == [
        ("Léa", 3, 2, 3, 1, 33, 1),
        ("Zoé", 1, 1, 0, 0, None, 1),
    ]


def test_figures_are_for_coordinators(session, clock, crafted):
    with pytest.raises(Refused):
        team.figures(session, clock, crafted["lea"])


def test_the_weekly_summary_goes_to_coordinators_on_the_week_s_first_working_day(
        session, clock, crafted):
    claire, lea = crafted["claire"], crafted["lea"]
    monday = team.weekly_summary(session, clock, claire, date(2027, 3, 15))
    assert [f.advisor.name for f in monday] == ["Léa", "Zoé"]
    assert team.weekly_summary(session, clock, claire, date(2027, 3, 16)) is None
    assert team.weekly_summary(session, clock, lea, date(2027, 3, 15)) is None
    lonely = make_advisor(session, clock, 9, "Nadia", Role.ADMIN)
    assert team.weekly_summary(session, clock, lonely, date(2027, 3, 15)) is not None
    # Easter Monday 29/03/2027 is a holiday: the summary comes on the Tuesday.
    assert team.weekly_summary(session, clock, claire, date(2027, 3, 29)) is None
    assert team.weekly_summary(session, clock, claire, date(2027, 3, 30)) is not None
    text = Renderer(ZoneInfo("Europe/Paris")).msg("team.weekly", figures=monday,
                                                  day=date(2027, 3, 15))
    assert "Léa : 3 ménage(s) · 2 en retard · bilans et revues à temps (6 mois) : 33 % (1/3)" \
        " · 1 sans contact depuis 30 jours" in text
