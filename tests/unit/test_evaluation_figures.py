"""The yearly evaluation (storage.evaluation) on a crafted caseload: every expected figure is
worked out by hand below, from the records written here.

Year 2026 (365 days). Supports:
- A 2026-0001: 01/06/2025 →, isolée, 500 €/mois, médiation, DALO. Sub-let from 01/07/2025,
  glissement 01/07/2026 (365 j / 30,4375 = 12,0 mois). Reviews due 01/01/2026 (held 20/01:
  19 days late) and 01/07/2026 (held 25/06: on time). Impayé reached 05/09/2026 (700 € owed,
  threshold 2 × 300 € = 600 €): still in debt at year end, still housed. PPAL: objectives o1
  (fait) and o2 (non fait). Bilans 01/03/2026 (counted) and 01/12/2025 (not). Notes 2026:
  visite, visite, appel (+ a visite of 2025 and a struck one, not counted). 365 days.
- B 2026-0002: 01/03/2026 → 31/08/2026 expulsion (183 j = 6,0 mois), 2 adults 2 children,
  1 200 €, bailleur, PDALPD, accords collectifs. Direct lease, entry 15/03/2026. Impayé
  05/04/2026 with a plan d'apurement: evicted. Note: rendez_vous. 184 days.
- C 2026-0003: 01/10/2026 →, isolée, 2 000 €, autre, confidential with an attestation (the
  violence count). Sub-let, entry 15/10/2026 (first review 15/04/2027: none due). Note:
  courrier. 92 days.
- D 2026-0004: 01/01/2024 → 01/03/2026 glissement (790 j = 26,0 mois), couple, 800 €,
  médiation, confidential without attestation (not counted). Sub-let 01/02/2024, glissement
  01/02/2026 (731 j = 24,0 mois); review due 01/02/2026, none held. Impayé 10/01/2026, paid
  back under the threshold 01/02/2026: resolved, and an eviction avoided. Note: autre.
  60 days.
- E (starts 2027) and F (ended 31/12/2025) are not in 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage import evaluation
from storage.models import (
    Advisor,
    Bilan,
    EntryPath,
    FreeReminder,
    Household,
    LedgerEntry,
    Note,
    PlanStatus,
    PlanVersion,
    RepaymentPlan,
    StepProgress,
    Tenancy,
    TransferReview,
)

from factories import make_advisor


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.fixture
def caseload(session, clock):
    lea = make_advisor(session, clock, 3, "Léa")
    now = clock.now()

    def household(ref: str, start: date, **kw) -> Household:
        h = Household(reference=ref, last_name="Nom" + ref, first_name="Pré", created_at=now,
                      updated_at=now, support_start=start, advisor_id=lea.id, **kw)
        session.add(h)
        session.flush()
        return h

    def note(h: Household, day: date, kind: str, struck: bool = False) -> None:
        session.add(Note(household_id=h.id, advisor_id=lea.id, text="x", note_type=kind,
                         created_at=at(day), struck_at=at(day) if struck else None))

    def impaye(h: Household, day: date, owed: int) -> None:
        session.add(LedgerEntry(household_id=h.id, kind="opening", day=day, amount=owed,
                                created_at=at(day)))
        session.add(FreeReminder(household_id=h.id, kind="prevention", due_on=day,
                                 created_at=at(day)))

    a = household("2026-0001", date(2025, 6, 1), resources={"salaire": 50000},
                  entry_path=EntryPath.MEDIATION, dalo=True)
    session.add(Tenancy(household_id=a.id, lease="sous_location", rent=30000,
                        entry_date=date(2025, 7, 1), sublease_start=date(2025, 7, 1),
                        transferred_on=date(2026, 7, 1), created_at=now, updated_at=now))
    for held in (date(2026, 1, 20), date(2026, 6, 25)):
        session.add(TransferReview(household_id=a.id, held_on=held, decision="prolonger",
                                   advisor_id=lea.id, created_at=now))
    impaye(a, date(2026, 9, 5), 70000)
    plan = PlanVersion(household_id=a.id, status=PlanStatus.SIGNED, signed_on=date(2026, 2, 1),
                       created_by_id=lea.id, created_at=now, updated_at=now,
                       content={"objectifs": [{"_uid": "o1"}, {"_uid": "o2"}],
                                "demarches": [{"_uid": "d1"}]})
    session.add(plan)
    for uid, status in (("o1", "fait"), ("o2", "non_fait"), ("d1", "fait")):
        session.add(StepProgress(household_id=a.id, item_uid=uid, status=status,
                                 advisor_id=lea.id, at=at(date(2026, 5, 1))))
    for held in (date(2026, 3, 1), date(2025, 12, 1)):
        session.add(Bilan(household_id=a.id, held_on=held, advisor_id=lea.id, created_at=now))
    for day, kind, struck in ((date(2026, 2, 1), "visite", False),
                              (date(2026, 4, 1), "visite", False),
                              (date(2026, 5, 1), "appel", False),
                              (date(2025, 12, 1), "visite", False),
                              (date(2026, 6, 1), "visite", True)):
        note(a, day, kind, struck)

    b = household("2026-0002", date(2026, 3, 1), adults=2, children_ages=[5, "8m"],
                  resources={"salaire": 120000}, entry_path=EntryPath.BAILLEUR, pdalpd=True,
                  accords_collectifs=True, closed_on=date(2026, 8, 31),
                  closure_reason="expulsion", status="clos")
    session.add(Tenancy(household_id=b.id, lease="direct", rent=50000,
                        entry_date=date(2026, 3, 15), created_at=now, updated_at=now))
    impaye(b, date(2026, 4, 5), 150000)
    session.add(RepaymentPlan(household_id=b.id, monthly=10000, first_month=date(2026, 5, 1),
                              months=10, advisor_id=lea.id, created_at=now))
    note(b, date(2026, 4, 10), "rendez_vous")

    c = household("2026-0003", date(2026, 10, 1), resources={"salaire": 200000},
                  confidential=True, confidential_attestation=date(2026, 10, 1))
    session.add(Tenancy(household_id=c.id, lease="sous_location", rent=40000,
                        entry_date=date(2026, 10, 15), sublease_start=date(2026, 10, 15),
                        created_at=now, updated_at=now))
    note(c, date(2026, 11, 2), "courrier")

    d = household("2026-0004", date(2024, 1, 1), adults=2, resources={"salaire": 80000},
                  entry_path=EntryPath.MEDIATION, confidential=True,
                  closed_on=date(2026, 3, 1), closure_reason="glissement", status="clos")
    session.add(Tenancy(household_id=d.id, lease="sous_location", rent=40000,
                        entry_date=date(2024, 2, 1), sublease_start=date(2024, 2, 1),
                        transferred_on=date(2026, 2, 1), created_at=now, updated_at=now))
    impaye(d, date(2026, 1, 10), 200000)
    session.add(LedgerEntry(household_id=d.id, kind="payment", day=date(2026, 2, 1),
                            amount=-190000, payer="fsl", created_at=now))
    note(d, date(2026, 1, 15), "autre")

    household("2027-0001", date(2027, 1, 10))
    household("2025-0009", date(2025, 1, 1), closed_on=date(2025, 12, 31),
              closure_reason="depart", status="clos")
    session.flush()


def test_the_last_complete_year_and_the_year_to_date(clock):
    assert evaluation.period(None, clock) == evaluation.Period(
        2026, date(2026, 1, 1), date(2026, 12, 31))
    assert evaluation.period(None, clock, to_date=True) == evaluation.Period(
        2027, date(2027, 1, 1), date(2027, 3, 15))
    assert evaluation.period(2027, clock).end == date(2027, 3, 15)  # not past today


def test_every_figure_of_2026(session, clock, caseload):
    ev = evaluation.compute(session, clock, evaluation.period(2026, clock), target=25,
                            cost_per_household_year=144000)
    assert [r.reference for r in ev.rows] == ["2026-0001", "2026-0002", "2026-0003",
                                              "2026-0004"]
    assert (ev.households, ev.new, ev.carried_over, ev.ended, ev.active_at_end) == (4, 2, 2, 2, 2)
    assert ev.target == 25
    assert ev.compositions == {"isole": 2, "couple": 1, "avec_enfants": 1}
    assert ev.persons == 8
    assert ev.resource_bands == {"moins_600": 1, "600_1000": 1, "1000_1500": 1, "plus_1500": 1}
    assert ev.entry_paths == {"mediation": 2, "bailleur": 1, "autre": 1}
    assert (ev.dalo, ev.pdalpd, ev.accords_collectifs, ev.violence) == (1, 1, 1, 1)
    # Homes: A and D transferred (direct at the year's end), B direct, C sub-let.
    assert (ev.sublets, ev.direct_leases, ev.home_entries) == (1, 3, 2)
    assert (ev.glissements, ev.glissement_delay_mean, ev.glissement_delay_median) == \
        (2, 18.0, 18.0)
    assert (ev.reviews_due, ev.reviews_on_time) == (3, 1)
    assert (ev.impaye, ev.impaye_resolved, ev.impaye_plan, ev.impaye_in_debt,
            ev.impaye_evicted, ev.evictions_avoided) == (3, 1, 1, 1, 1, 2)
    assert ev.exits == {"expulsion": 1, "glissement": 1}
    assert (ev.duration_mean, ev.duration_median) == (16.0, 16.0)
    assert (ev.objectives_planned, ev.objectives_reached, ev.bilans) == (2, 1, 1)
    assert ev.contacts == {"visite": 2, "appel": 1, "rendez_vous": 1, "courrier": 1,
                           "autre": 1}
    assert (ev.contacts_total, ev.visits, ev.contacts_per_household) == (6, 2, 1.5)
    # (365 + 184 + 92 + 60) days / 365 = 701 / 365 household-years; × 1 440 €.
    assert ev.household_years == pytest.approx(701 / 365)
    assert ev.cost == 276559  # 1 440 × 701 / 365 = 2 765,59 €
    assert [n for _m, n in ev.by_month] == [2, 2, 3, 2, 2, 2, 2, 2, 1, 2, 2, 2]
    b = ev.rows[1]
    assert (b.end, b.closure_reason, b.duration_months, b.impaye_outcome, b.repayment_plan,
            b.lease, b.contacts) == (date(2026, 8, 31), "expulsion", 6.0, "expulse", True,
                                     "direct", 1)
    a = ev.rows[0]
    assert (a.end, a.transferred_on, a.impaye_outcome, a.months_in_period) == \
        (None, date(2026, 7, 1), "en_dette", 12.0)


def test_a_year_without_supports_gives_zeros_and_no_means(session, clock, caseload):
    ev = evaluation.compute(session, clock, evaluation.period(2020, clock), target=25,
                            cost_per_household_year=144000)
    assert (ev.households, ev.cost, ev.duration_mean, ev.contacts_per_household) == \
        (0, 0, None, None)


def test_only_the_coordination_runs_it_audited_and_its_files_are_team_documents(
        session, clock, caseload, tmp_path):
    from sqlmodel import select

    from storage import documents
    from storage.errors import Refused
    from storage.models import AuditLog, Document, Role

    lea = session.exec(select(Advisor).where(Advisor.telegram_id == 3)).one()
    with pytest.raises(Refused):
        evaluation.run(session, clock, lea, 2026, to_date=False, target=25,
                       cost_per_household_year=144000)
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    ev = evaluation.run(session, clock, coord, None, to_date=False, target=30,
                        cost_per_household_year=100000)
    assert (ev.period.year, ev.households, ev.target) == (2026, 4, 30)
    log = session.exec(select(AuditLog).where(AuditLog.action == "evaluation.view")).one()
    assert (log.advisor_id, log.household_id, log.detail) == (coord.id, None,
                                                              "2026-01-01..2026-12-31")
    path = documents.team_folder(tmp_path) / "Evaluation-2026.pdf"
    path.write_bytes(b"%PDF")
    documents.record_team(session, clock, coord, "evaluation", path, {"year": 2026})
    session.flush()
    row = session.exec(select(Document).where(Document.kind == "evaluation")).one()
    assert (row.household_id, row.file_name, row.content) == (None, "Evaluation-2026.pdf",
                                                              {"year": 2026})
    assert path.parent == tmp_path / "documents" / "equipe"
