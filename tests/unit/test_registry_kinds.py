"""Issue 12 «Reminder kinds defined in one place»: the registry (reminders/kinds.py) walked.

Every kind the rules derive is registered, and every registered kind is derived by its rule;
each one renders (full line, short line, its word, its keyboard) and answers every action on
a crafted household and reminder of that kind. A kind that cannot render is reported: its
reminder is marked failed and never tried again, the others go on (test_registry_tick.py).
"""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.render import Renderer
from handlers import keyboards
from reminders import kinds, rules
from reminders.kinds import Does
from storage import households, plans, reminder_answers, reminders, tenancy
from storage.clock import FixedClock
from storage.errors import Refused
from storage.households import HouseholdData
from storage.models import (
    FreeReminder,
    Household,
    Reminder,
    ReminderStatus,
    RepaymentPlan,
    Role,
    Tenancy,
)

from factories import make_advisor

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2027, 3, 15)
OPENED = datetime(2027, 3, 12, 8, 0, tzinfo=UTC)
FORMS = Path(__file__).parents[2] / "storage" / "forms" / "definitions"
render = Renderer(PARIS)


def rich_facts() -> rules.Facts:
    """A household whose records make every kind due within the horizon."""
    h = Household(id=1, reference="2027-0001", last_name="D", first_name="A",
                  support_start=date(2026, 3, 1), created_at=OPENED, updated_at=OPENED)
    home = Tenancy(household_id=1, rent=45000, charges=5000, housing_benefit=20000, due_day=5,
                   entry_date=date(2027, 1, 1), lease="sous_location",
                   sublease_start=date(2026, 10, 1), insurance_expiry=date(2027, 4, 1),
                   exam_period_months=8,  # the préfet's deadline (1/04/2027) is near
                   created_at=OPENED, updated_at=OPENED)
    plan = RepaymentPlan(id=4, household_id=1, monthly=5000, first_month=date(2027, 3, 1),
                         months=6, advisor_id=1, created_at=OPENED)
    free = [FreeReminder(id=7, household_id=1, due_on=date(2027, 3, 20), text="Appeler la CAF",
                         created_at=OPENED),
            FreeReminder(id=8, household_id=1, kind="prevention", due_on=date(2027, 3, 20),
                         deadline=date(2027, 4, 12), text="", created_at=OPENED),
            FreeReminder(id=9, household_id=1, kind="prevention", due_on=date(2027, 3, 1),
                         deadline=date(2027, 3, 29), text="", created_at=OPENED,
                         cancelled_on=date(2027, 3, 14))]
    return rules.Facts(h, tenancy=home, balance=60000, plan=plan,
                       plan_missed=(date(2027, 3, 1), date(2027, 3, 10)), impaye_to=[1],
                       plan_items=[{"uid": "d1", "due": "2027-03-25", "text": "Demande HLM"}],
                       free=free, tenancy_recorded_on=date(2027, 1, 1))


def samples() -> dict[str, rules.Due]:
    """One derived reminder of each kind (the first the rules give)."""
    found: dict[str, rules.Due] = {}
    for due in rules.due_items(rich_facts(), TODAY):
        found.setdefault(due.kind, due)
    return found


def test_the_rules_derive_exactly_the_registered_kinds():
    assert set(samples()) == set(kinds.BY_NAME)
    assert len(kinds.BY_NAME) == len(kinds.KINDS)  # no name twice


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_each_kind_names_what_exists(kind: kinds.Kind):
    """Its rule is a function of reminders.rules that derives it; its forms exist; its
    buttons fit in the callback data; a notice has no button; what it is replaced by is
    registered."""
    rule = getattr(rules, kind.rule)
    assert inspect.isfunction(rule)
    if kind.rule != "_free":  # which names the kind recorded on the FreeReminder
        assert f'"{kind.name}"' in inspect.getsource(rule)
    assert not (kind.notice and kind.actions)
    assert len({a.code for a in kind.actions}) == len(kind.actions)
    for action in kind.actions:
        assert len(action.code) <= 2 and action.code != "o"  # "o" opens a grouped reminder
        if action.does == Does.FORM:
            assert (FORMS / f"{action.form}.toml").exists()
        if action.does in (Does.ANSWER, Does.STEP):
            assert action.answer
        if action.does == Does.SNOOZE:
            assert action.days > 0
    assert set(kind.replaced_by) <= set(kinds.BY_NAME)
    macros = render.env.get_template("reminder_kinds.html").module
    assert all(hasattr(macros, m) for m in (kind.line, kind.short, kind.word))


@pytest.fixture
def walk(session: Session, clock: FixedClock) -> dict[str, Any]:
    """A crafted household with what every kind's answers act on: a home (rent, insurance,
    reviews) and a signed PPAL with a step."""
    admin = make_advisor(session, clock, 1, "Claire Martin", Role.ADMIN)
    h = households.create(session, clock, admin, HouseholdData(
        "Dupont", "Ana", advisor_id=admin.id, support_start=date(2026, 3, 1)))
    tenancy.save(session, clock, admin, h, {
        "loyer": 45000, "jour_echeance": 5, "entree": "2027-01-01", "bail": "sous_location",
        "date_sous_location": "2026-10-01", "fin_assurance": "2027-04-01"})
    draft = plans.save_draft(session, clock, admin, h, {"objectifs": [], "demarches": [
        {"texte": "Demande HLM", "qui": "menage", "echeance": "2027-03-25"}]})
    plans.sign(session, clock, admin, h, draft.id or 0, date(2027, 3, 1), None)
    (step,) = plans.items(session, h, plans.in_force(session, h))
    return {"admin": admin, "household": h, "step": step.uid}


def stored(session: Session, clock: FixedClock, walk: dict[str, Any], due: rules.Due,
           tag: str) -> Reminder:
    payload = dict(due.payload)
    if due.kind == "step":
        payload["uid"] = walk["step"]
    if "to" in payload:
        payload["to"] = walk["admin"].id
    reminder = Reminder(household_id=walk["household"].id, kind=due.kind,
                        key=f"walk:{due.kind}:{tag}", due_on=due.due_on,
                        due_at=clock.now(), payload=payload, created_at=clock.now(),
                        status=ReminderStatus.SENT, sent_at=clock.now())
    session.add(reminder)
    session.flush()
    return reminder


@pytest.mark.parametrize("name", list(kinds.BY_NAME))
def test_every_kind_renders_and_answers_every_action(session, clock, walk, name):
    kind, due = kinds.get(name), samples()[name]
    h = walk["household"]
    reminder = stored(session, clock, walk, due, "render")
    full = render.msg("reminders.reminder", r=reminder, h=h, late=False)
    assert h.label in full and "<b>" in full
    assert render.msg("reminders.short", r=reminder)
    word = render.label("due_kind", r=reminder)
    assert word and "&" not in word  # plain text: «plan d'apurement», not «d&#39;»
    assert h.label in render.label("reminder_open", r=reminder, h=h)
    assert render.msg("reminders.digest", groups=[(h, [reminder])], day=TODAY, title="T")
    markup = keyboards.reminder(render, reminder)
    buttons = [b for row in markup.inline_keyboard for b in row] if markup else []
    assert [b.callback_data for b in buttons] == \
        [f"m:{reminder.id}:{a.code}" for a in kind.actions]
    assert all(b.text for b in buttons)
    if kind.notice:  # nothing to answer: answered once sent
        reminder.status, reminder.claimed_by = ReminderStatus.SENDING, "walk"
        reminders.sent(session, clock, reminder.id or 0, "walk", walk["admin"].id, False)
        assert reminder.status == ReminderStatus.ANSWERED
        # an old button of it (there is none): nothing done, it says it was recorded
        assert reminder_answers.answer(session, clock, walk["admin"], reminder.id or 0,
                                       "f").already
        return
    for action in kind.actions:
        answered = stored(session, clock, walk, due, action.code)
        result = reminder_answers.answer(session, clock, walk["admin"], answered.id or 0,
                                         action.code)
        assert result.reminder.id == answered.id
        if action.does == Does.FORM:
            assert result.form == action.form
            continue
        if action.does == Does.SNOOZE:
            assert result.snoozed_to is not None and answered.status == ReminderStatus.DUE
            assert answered.due_on == date.fromordinal(TODAY.toordinal() + action.days)
        else:
            assert answered.status == ReminderStatus.ANSWERED
            assert answered.answer == (action.answer or ("paye" if action.paid else "impaye"))
        if action.does == Does.RENT:
            assert result.rent is not None
        if action.does == Does.STEP:
            assert plans.overview(session, clock, h).steps_done == 1
        said = render.text("reminders.answered", result=result, advisor_name="")
        assert said and "{" not in said
        # Again (a double tap): nothing more is done, and it says what was recorded.
        again = reminder_answers.answer(session, clock, walk["admin"], answered.id or 0,
                                        action.code)
        assert again.already or again.snoozed_to is not None


def test_an_unknown_action_or_kind_is_refused(session, clock, walk):
    reminder = stored(session, clock, walk, samples()["libre"], "x")
    with pytest.raises(Refused, match="reminder_action"):
        reminder_answers.answer(session, clock, walk["admin"], reminder.id or 0, "p")
    reminder.kind = "gone"
    with pytest.raises(Refused, match="reminder_action"):
        reminder_answers.answer(session, clock, walk["admin"], reminder.id or 0, "f")
