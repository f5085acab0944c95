from datetime import date
from zoneinfo import ZoneInfo

from bot.render import Renderer, long_date, money, split_message
from storage.forms.spec import load
from storage.validators import Invalid

render = Renderer(ZoneInfo("Europe/Paris"))


def test_french_amounts_and_dates():
    assert money(125050) == "1 250,50 €"
    assert money(5) == "0,05 €" and money(-1000) == "-10,00 €"
    assert money(123456789) == "1 234 567,89 €"
    assert long_date(date(2027, 3, 12)) == "12 mars 2027"
    assert long_date("2027-08-01") == "1er août 2027"


def test_messages_escape_what_advisors_type():
    text = render.msg("history.prompt", chosen=None, h=type("H", (), {"label": "<b>&\"x\""})())
    assert "&lt;b&gt;&amp;" in text and "<b>" not in text


def test_labels_are_plain_text():
    assert render.label("deactivate", name="Zoé & <Léa>") == "⛔ Désactiver Zoé & <Léa>"


def test_every_validation_code_has_a_message():
    for code in ("date", "date_impossible", "amount", "phone", "integer", "ages", "empty",
                 "too_long", "yes_no", "required", "first_question", "use_buttons"):
        params = {"minimum": 1, "maximum": 2, "length": 3, "max_length": 2}
        text = render.msg("forms.invalid", error=Invalid(code, **params))
        assert text.startswith("⚠️ ") and len(text) > 10


def test_answers_are_shown_by_type():
    spec = load("menage")
    assert render.answer(None, spec.field("telephone")) == "—"
    assert render.answer(True, spec.field("confidentiel")) == "Oui"
    assert render.answer(60775, spec.field("res_rsa")) == "607,75 €"
    assert render.answer("2027-03-01", spec.field("debut")) == "01/03/2027"
    assert render.answer("bailleur", spec.field("parcours")) == "Demande du bailleur"
    assert render.answer(["dalo", "pdalpd"], spec.field("eligibilite")) == "DALO, Public PDALPD"
    assert render.answer([], spec.field("enfants")) == "aucun enfant"


def test_long_messages_are_cut_between_lines():
    text = "\n".join(f"<b>ligne {i}</b> " + "x" * 90 for i in range(100))
    chunks = split_message(text)
    assert len(chunks) == 3 and all(len(c) <= 4000 for c in chunks)
    assert "\n".join(chunks) == text
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)


def test_list_items_typed_by_the_advisor_are_escaped():
    from storage.forms.engine import Cursor, Outcome, Step
    from storage.models import FormRun

    spec = load("ppal")
    run = FormRun(advisor_id=1, form="ppal", step="objectifs",
                  answers={"objectifs": [{"texte": "Droits CAF & <APL>", "date": "2027-04-30"}]})
    step = Step(Outcome.ASK, run, spec, field=spec.field("objectifs"),
                cursor=Cursor(spec.field("objectifs")))
    text = render.msg("forms.question", step=step, current=None)
    assert "1. Droits CAF &amp; &lt;APL&gt; · 30/04/2027" in text


def test_every_reminder_kind_renders_with_its_buttons():
    from datetime import UTC, datetime

    from handlers import keyboards
    from reminders.tick import Outgoing
    from storage.models import Household, Reminder

    now = datetime(2027, 3, 15, tzinfo=UTC)
    h = Household(id=1, reference="2027-0007", last_name="Secret", first_name="Inès",
                  address="8 impasse", created_at=now, updated_at=now)
    payloads = {
        "rent": {"month": "2027-04-01", "due": 30000},
        "insurance": {"expiry": "2027-04-10", "week": 2},
        "glissement_convene": {"review": "2027-09-01"}, "glissement": {"review": "2027-09-01"},
        "bilan": {}, "step": {"uid": "d1", "text": "Dossier <FSL> & CAF"},
        "evaluation": {"year": 1}, "prevention": {"deadline": "2027-06-01", "text": ""},
        "libre": {"text": "Appeler le CCAS", "deadline": None},
        "prefet_notice": {"to_role": "coordinatrice", "deadline": "2027-10-31",
                          "period_start": "2026-12-31", "period_end": "2027-12-31",
                          "reviews": [{"held_on": "2027-06-28", "decision": "prolonger"}]},
    }
    items = []
    for n, (kind, payload) in enumerate(payloads.items()):
        r = Reminder(id=n + 1, household_id=1, kind=kind, key=f"{kind}:x", due_on=date(2027, 4, 12),
                     due_at=now, payload=payload, created_at=now)
        text = render.msg("reminders.reminder", r=r, h=h, late=True)
        assert "2027-0007 · I. S." in text and "Secret" not in text and "impasse" not in text
        assert "En retard" in text and keyboards.reminder(render, r).inline_keyboard
        items.append(Outgoing(r, h, True))
    assert "Loyer d&#39;avril 2027" in render.msg("reminders.line", r=items[0].reminder, h=h)
    assert "Dossier &lt;FSL&gt; &amp; CAF" in render.msg("reminders.reminder",
                                                         r=items[5].reminder, h=h, late=False)
    group = render.msg("reminders.group", items=items)
    assert group.startswith("⏰ <b>10 rappels") and group.count("•") == 11  # + a review
    assert len(keyboards.reminder_list(render, items).inline_keyboard) == 10
    prefet = render.msg("reminders.line", r=items[9].reminder, h=h)
    assert "Informer le préfet avant le 31/10/2027" in prefet
    assert "28/06/2027 : sous-location prolongée" in prefet
