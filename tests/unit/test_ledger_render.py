"""The rent account's messages: notices without buttons, the 💶 screen, the question asked
before an amount above what is owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.render import Renderer
from handlers import keyboards
from storage.forms.engine import Outcome, Step
from storage.forms.spec import load
from storage.ledger import EntryLine, MonthLine, PlanProgress, Statement
from storage.models import FormRun, Household, LedgerEntry, Reminder, RepaymentPlan, Tenancy
from storage.validators import Invalid

render = Renderer(ZoneInfo("Europe/Paris"))
NOW = datetime(2027, 6, 11, 8, 0, tzinfo=UTC)
H = Household(id=1, reference="2027-0007", last_name="Secret", first_name="Inès",
              created_at=NOW, updated_at=NOW)


def test_impaye_notices_inform_without_buttons():
    payloads = {
        "impaye": {"to": 2, "deadline": "2027-07-05", "arrears": 60000},
        "impaye_fin": {"deadline": "2027-07-05", "arrears": 30000},
        "plan_missed": {"month": "2027-06-01", "instalment": 10000},
    }
    texts = {}
    for kind, payload in payloads.items():
        r = Reminder(id=1, household_id=1, kind=kind, key=f"{kind}:1", due_on=date(2027, 6, 11),
                     due_at=NOW, payload=payload, created_at=NOW)
        texts[kind] = render.msg("reminders.reminder", r=r, h=H, late=False)
        assert "2027-0007 · I. S." in texts[kind] and "Secret" not in texts[kind]
        assert keyboards.reminder(render, r) is None
        assert render.label("reminder_open", r=r, h=H)
    assert "600,00 €" in texts["impaye"] and "avant le 05/07/2027" in texts["impaye"]
    assert "annulée" in texts["impaye_fin"]
    assert "mensualité de juin 2027 (100,00 €) n'est pas arrivée" in texts["plan_missed"]
    rent = Reminder(id=2, household_id=1, kind="rent", key="rent:2027-06", due_on=date(2027, 6, 10),
                    due_at=NOW, payload={"month": "2027-06-01", "due": 40000,
                                         "instalment": 10000}, created_at=NOW)
    assert "400,00 € attendus, dont 100,00 € du plan d'apurement" in render.msg(
        "reminders.line", r=rent, h=H)


def test_the_account_screen_and_its_buttons():
    home = Tenancy(household_id=1, rent=45000, charges=5000, housing_benefit=20000, due_day=5,
                   created_at=NOW, updated_at=NOW)
    payment = LedgerEntry(id=12, household_id=1, kind="payment", day=date(2027, 6, 2),
                          amount=-25000, payer="fsl", comment="Aide <FSL>", advisor_id=3,
                          created_at=NOW)
    fix = LedgerEntry(id=13, household_id=1, kind="correction", day=date(2027, 6, 2),
                      amount=5000, corrects_id=12, comment="erreur", advisor_id=4,
                      created_at=NOW)
    plan = RepaymentPlan(id=1, household_id=1, monthly=10000, first_month=date(2027, 6, 1),
                         months=6, advisor_id=3, created_at=NOW)
    s = Statement(H, home, 40000, 60000,
                  [MonthLine(date(2027, 6, 1), 30000, 20000, 40000)],
                  [EntryLine(payment, 20000, [fix])],
                  PlanProgress(plan, 60000, 20000, date(2027, 6, 1), date(2027, 6, 10)),
                  None, {3: "Léa", 4: "Zoé"})
    text = render.msg("ledger.statement", s=s)
    for expected in ("Dû chaque mois : 300,00 €, le 5 (APL de 200,00 € versée au bailleur",
                     "juin 2027 : 300,00 € · 200,00 € · 400,00 €",
                     "Dette locative aujourd'hui : <b>400,00 €</b>",
                     "n°12 · Paiement du 02/06/2027 : 200,00 € (FSL) (saisi : 250,00 €) · Léa",
                     "« Aide &lt;FSL&gt; »", "par Zoé · « erreur »",
                     "Mensualités payées : 2/6 · remboursé 200,00 € sur 600,00 €, reste 400,00 €",
                     "La mensualité de juin 2027 n'est pas arrivée"):
        assert expected in text, expected
    markup = keyboards.ledger(render, s)
    assert markup is not None
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert [b.callback_data for b in buttons] == ["h:P:1", "h:A:1", "h:K:1:12"]
    assert buttons[2].text == "✏️ Corriger n°12 · Paiement du 02/06/2027 : 200,00 € (FSL)"


def test_the_question_before_an_excess_names_both_amounts():
    spec = load("loyer")
    run = FormRun(id=5, advisor_id=1, form="loyer", answers={}, created_at=NOW,
                  updated_at=NOW)
    step = Step(Outcome.CONFIRM, run, spec, household=H,
                error=Invalid("excess", amount=25000, owed=19940))
    assert "250,00 € dépasse les 199,40 € dus : enregistrer quand même ?" in render.msg(
        "forms.confirm_question", step=step)
    buttons = [b.callback_data for row in keyboards.confirm_question(render, step).inline_keyboard
               for b in row]
    assert buttons == ["f:5:S:y", "f:5:S:re"]
