"""The landlord role: organisations from the homes' landlord, sharing, what the landlord card
holds (and never holds), its three answers, sharing ending with the support."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.render import Renderer
from storage import (
    advisors,
    documents,
    households,
    landlords,
    ledger,
    notes,
    plans,
    policy,
    tenancy,
)
from storage.errors import Refused
from storage.models import LandlordOrganisation, Role
from tests.unit.factories import make_advisor
from tests.unit.test_plans import CONTENT


def _household(session, clock, advisor, name, phone, landlord="Habitat Landes Océanes"):
    household = households.create(session, clock, advisor, households.HouseholdData(
        name, "Anne", phone=phone, advisor_id=advisor.id, confidential=True,
        confidential_attestation=date(2027, 1, 5)))
    tenancy.save(session, clock, advisor, household,
                 {"adresse": "3 rue des Pins", "loyer": 40000, "bailleur": landlord,
                  "entree": "2026-09-01", "bail": "sous_location",
                  "sous_location_debut": "2026-09-01"})
    return household


@pytest.fixture
def team(session, clock):
    advisor = make_advisor(session, clock, 10, "Claire")
    admin = make_advisor(session, clock, 11, "Admin", Role.ADMIN)
    shared = _household(session, clock, advisor, "Dupont", "0611111111")
    kept = _household(session, clock, advisor, "Durand", "0622222222")
    organisation = session.exec(select(LandlordOrganisation)).one()
    invitation = advisors.invite(session, clock, admin, Role.BAILLEUR, organisation.id)
    landlord = advisors.accept(session, clock, invitation.code, 50, "M. Bailleur")
    return advisor, admin, landlord, shared, kept, organisation


def test_homes_of_one_landlord_name_share_one_organisation(session, clock):
    advisor = make_advisor(session, clock, 10, "Claire")
    a = _household(session, clock, advisor, "Dupont", "0611111111", " Habitat  Landes Océanes")
    b = _household(session, clock, advisor, "Durand", "0622222222")
    c = _household(session, clock, advisor, "Petit", "0633333333", "Autre")
    homes = [tenancy.of(session, h) for h in (a, b, c)]
    assert homes[0].landlord_id == homes[1].landlord_id != homes[2].landlord_id
    assert [o.name for o in landlords.organisations(session)] == [
        "Autre", "Habitat Landes Océanes"]


def test_a_landlord_invitation_names_its_organisation(session, clock, team):
    _advisor, admin, landlord, *_rest, organisation = team
    assert landlord.role == Role.BAILLEUR and landlord.organisation_id == organisation.id
    with pytest.raises(Refused, match="organisation_needed"):
        advisors.invite(session, clock, admin, Role.BAILLEUR)
    with pytest.raises(Refused, match="organisation_needed"):
        advisors.invite(session, clock, admin, Role.CONSEILLERE, organisation.id)


def test_the_landlord_sees_only_what_is_shared_and_while_the_support_lasts(session, clock,
                                                                           team):
    advisor, _admin, landlord, shared, kept, organisation = team
    assert households.search(session, clock, landlord, "du") == []
    with pytest.raises(Refused, match="household_unknown"):
        landlords.card(session, clock, landlord, shared.id)
    _household, to = landlords.share(session, clock, advisor, shared.id)
    assert to.id == organisation.id
    with pytest.raises(Refused, match="forbidden"):  # it may not share itself
        landlords.share(session, clock, landlord, shared.id)
    assert [h.id for h in households.search(session, clock, landlord, "du")] == [shared.id]
    with pytest.raises(Refused, match="household_unknown"):  # the other one does not exist
        landlords.card(session, clock, landlord, kept.id)
    other = make_advisor(session, clock, 60, "Autre bailleur", Role.BAILLEUR)
    assert households.search(session, clock, other, "du") == []
    households.close(session, clock, advisor, shared.id, clock.today(), "depart")
    assert households.search(session, clock, landlord, "du") == []
    with pytest.raises(Refused, match="household_unknown"):
        landlords.card(session, clock, landlord, shared.id)


def test_the_landlord_card_holds_its_side_and_never_the_social_side(session, clock, team):
    advisor, _admin, landlord, shared, _kept, _organisation = team
    notes.add(session, clock, advisor, shared, "autre", "Violences: attestation")
    ledger.record_opening(session, clock, advisor, shared, date(2027, 1, 10), 80000)
    landlords.share(session, clock, advisor, shared.id)
    card = landlords.card(session, clock, landlord, shared.id)
    fields = {f.name for f in dataclasses.fields(card)}
    assert fields == {"household", "home", "arrears", "late_months", "reviews", "plan",
                      "to_cosign", "rapport", "answers", "allowed"}
    assert card.home is not None and card.home.rent == 40000
    assert card.arrears >= 80000 and card.late_months == 2  # owed at the end of 01 and 02
    assert card.plan is None and card.rapport is None
    assert card.allowed == {"household.view", "rent.view", "rapport.view", "plan.view",
                            "rapport.answer", "plan.cosign", "review.agree"}
    for social in ("diagnostic.edit", "household.notes", "household.address", "rent.record"):
        assert not policy.allowed(landlord, social, shared)
    with pytest.raises(Refused, match="forbidden"):
        households.card(session, clock, landlord, shared.id)  # the advisors' card


def test_its_answers_rapport_cosigned_plan_review(session, clock, team, tmp_path: Path):
    advisor, _admin, landlord, shared, _kept, _organisation = team
    landlords.share(session, clock, advisor, shared.id)
    with pytest.raises(Refused, match="no_rapport"):
        landlords.answer_rapport(session, clock, landlord, shared.id, "favorable")
    documents.record(session, clock, advisor, shared, "rapport", tmp_path / "rapport.pdf")
    answered = landlords.answer_rapport(session, clock, landlord, shared.id, "a_completer",
                                        "Justificatifs de ressources")
    assert [a.id for a in answered.told] == [advisor.id]
    assert answered.answer.comment == "Justificatifs de ressources"
    with pytest.raises(Refused, match="no_signed_plan"):
        landlords.cosign(session, clock, landlord, shared.id, "Mme Gestion")
    draft = plans.save_draft(session, clock, advisor, shared, CONTENT)
    plans.sign(session, clock, advisor, shared, draft.id or 0, date(2027, 3, 15), None)
    landlords.cosign(session, clock, landlord, shared.id, "Mme Gestion")
    with pytest.raises(Refused, match="already_signed"):
        landlords.cosign(session, clock, landlord, shared.id, "Mme Gestion")
    review = tenancy.record_review(session, clock, advisor, shared,
                                   {"date": "2027-03-01", "decision": "prolonger"})
    landlords.agree_review(session, clock, landlord, shared.id, review.id or 0, False, "Trop tôt")
    card = landlords.any_card(session, clock, landlord, shared.id)
    assert isinstance(card, landlords.LandlordCard)
    assert card.plan is not None and card.plan.id == draft.id and not card.to_cosign
    assert landlords.unanswered_reviews(card) == []
    assert card.rapport is not None and [r.id for r in card.reviews] == [review.id]
    assert [(a.kind, a.answer, a.signatory) for a in card.answers] == [
        ("rapport", "a_completer", ""), ("ppal", "cosigne", "Mme Gestion"),
        ("revue", "refus", "")]
    text = Renderer(ZoneInfo("Europe/Paris")).msg("household.landlord_card", c=card)
    for line in ("🔑 3 rue des Pins · sous-location MDL",
                 "✉️ Rapport socio-éducatif du 15/03/2027 à 10:00 · votre avis : à compléter",
                 "📝 PPAL version 1 signée le 15/03/2027, co-signée par le bailleur",
                 "⚖️ Revue du 01/03/2027 · refus du bailleur"):
        assert line in text.split("\n"), line
    for never in ("Violences", "confidentiel", "🔒", "Diagnostic", "Conseillère", "Phase"):
        assert never not in text
