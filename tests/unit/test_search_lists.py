"""Lists tell households apart without names (commune, next due item); a reassignment says
who is told."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.render import Renderer
from storage import households, tenancy
from storage.addresses import commune
from storage.households import HouseholdData
from storage.models import Household, Role

from factories import make_advisor


@pytest.mark.parametrize(("address", "expected"), [
    ("12 rue des Arènes, Dax", "Dax"),
    ("3 allée des Pins, 40100 Dax", "Dax"),
    ("5 rue Thiers 40100 DAX", "DAX"),
    ("Résidence Les Pins, appt 12, 40990 Saint-Paul-lès-Dax", "Saint-Paul-lès-Dax"),
    ("BP 12, 40100 Dax Cedex 02", "Dax"),
    ("12 rue X, 40100", ""),
    ("hébergée chez sa sœur", ""),
    ("", ""),
])
def test_commune_from_the_address(address, expected):
    assert commune(address) == expected


def test_a_confidential_household_has_no_commune():
    household = Household(reference="2027-0001", last_name="N", first_name="H",
                          address="3 allée des Pins, 40100 Dax")
    assert household.commune == "Dax"
    household.confidential = True
    assert household.commune == ""


def test_two_h_n_told_apart(session, clock):
    admin = make_advisor(session, clock, 1, "Admin", Role.ADMIN)
    households.create(session, clock, admin, HouseholdData(
        "N'Diaye", "Hélène", address="3 allée des Pins, 40100 Dax", advisor_id=admin.id))
    second = households.create(session, clock, admin, HouseholdData(
        "Nguyen", "Hoa", address="8 rue Neuve, Tartas", confidential=True,
        advisor_id=admin.id))
    tenancy.add_free(session, clock, admin, second, date(2027, 4, 2), "Appeler Mme Nguyen")
    rows, _, _ = households.page(session, clock, admin, 0)
    due = households.next_due(session, clock, rows)
    render = Renderer(ZoneInfo("Europe/Paris"))
    labels = [render.label("household", h=h, next=due.get(h.id or 0)) for h in rows]
    assert labels[0] == "2027-0001 · H. N. · Dax", labels
    assert labels[1] == "2027-0002 · H. N. · rappel 02/04/2027"  # no address, no free text


def test_reassignment_tells_who_receives_and_who_loses(session, clock):
    coord = make_advisor(session, clock, 2, "Coord", Role.COORDINATRICE)
    lea = make_advisor(session, clock, 3, "Léa")
    zoe = make_advisor(session, clock, 4, "Zoé")
    household = households.create(session, clock, coord, HouseholdData(
        "Dupont", "Ana", advisor_id=lea.id))
    done = households.reassign(session, clock, coord, household.id or 0, zoe.id or 0)
    assert (done.advisor, done.previous, done.told) == (zoe, lea, [zoe, lea])
    # Given to herself: she is not told; a deactivated one is not told either.
    lea.active = False
    done = households.reassign(session, clock, coord, household.id or 0, coord.id or 0)
    assert (done.previous, done.told) == (zoe, [zoe])
    done = households.reassign(session, clock, coord, household.id or 0, coord.id or 0)
    assert done.told == []  # nothing changed: nobody told
    unassigned = households.create(session, clock, coord, HouseholdData("Martin", "Paul"))
    done = households.reassign(session, clock, coord, unassigned.id or 0, zoe.id or 0)
    assert (done.previous, done.told) == (None, [zoe])
