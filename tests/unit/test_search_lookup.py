"""Search finds what she types; the same person is not opened twice without a word."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage import households
from storage.db import Database
from storage.forms.engine import Engine, Outcome
from storage.households import HouseholdData
from storage.migrate import _config, upgrade
from storage.models import Advisor, Household, Role
from storage.text import compact, fold
from storage.validators import Invalid, parse_phone

from factories import make_advisor


@pytest.mark.parametrize("typed", ["N'Diaye-Lefèvre", "ndiaye", "N’Diaye", "N‘DIAYE", "nʼdiaye",
                                   "n`diaye", "n diaye", "ndiaye lefevre", "NDIAYE-LEFEVRE",
                                   "ndiayelefevre", "Lefèvre"])
def test_names_ignore_case_accents_apostrophes_hyphens_spaces(typed):
    assert compact(typed) in compact("N'Diaye-Lefèvre")
    assert fold("  N’Diaye   Hélène ") == "ndiaye helene"
    assert compact("Cœur-Joie") == "coeurjoie"


@pytest.mark.parametrize("typed", ["+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78",
                                   "06 12 34 56 78", "0612345678", "06.12.34.56.78",
                                   "06-12-34-56-78", "+33 (0)6 12 34 56 78"])
def test_phones_have_one_national_form(typed):
    assert parse_phone(typed) == "06 12 34 56 78"
    assert households.phone_key(typed) == "06 12 34 56 78"


def test_phone_key_keeps_what_is_no_french_number():
    assert households.phone_key(" +44 20 7946 0958 ") == "+44 20 7946 0958"
    with pytest.raises(Invalid):
        parse_phone("+44 20 7946 0958")


@pytest.fixture
def team(session, clock):
    return {
        "admin": make_advisor(session, clock, 1, "Admin", Role.ADMIN),
        "lea": make_advisor(session, clock, 3, "Léa Martin"),
        "zoe": make_advisor(session, clock, 4, "Zoé Petit"),
    }


def create(session, clock, actor, last, first, **kw) -> Household:
    return households.create(session, clock, actor, HouseholdData(last, first, **kw))


def test_search_finds_what_she_types(session, clock, team):
    lea = team["lea"]
    awa = create(session, clock, lea, "N'Diaye-Lefèvre", "Awa", phone="+33 6 12 34 56 78",
                 advisor_id=lea.id, address="5 rue d'Aspremont, Dax")
    create(session, clock, lea, "Diallo", "Awa", phone="07 00 00 00 01", advisor_id=lea.id)
    assert awa.phone == "06 12 34 56 78"
    for query in ("ndiaye", "N’Diaye", "n diaye", "ndiaye lefevre", "NDIAYE-LEFÈVRE",
                  "awa ndiaye", "+33612345678", "+33 6 12 34 56 78", "0033612345678",
                  "06 12 34 56 78", "0612", "5678", "2027-0001", "aspremont", "daspremont"):
        assert households.search(session, clock, lea, query) == [awa], query
    assert len(households.search(session, clock, lea, "awa")) == 2
    assert households.search(session, clock, lea, "’-") == []


def test_duplicates_by_phone_or_name_active_or_closed_whoever_follows(session, clock, team):
    lea, zoe = team["lea"], team["zoe"]
    hers = create(session, clock, lea, "N'Diaye", "Hélène", phone="06 12 34 56 78",
                  advisor_id=lea.id)
    other = create(session, clock, zoe, "Martin", "Paul", phone="07 11 22 33 44",
                   advisor_id=zoe.id)
    households.close(session, clock, zoe, other.id or 0, clock.today(), "depart")
    found = households.find_duplicates(session, clock, lea, "NDIAYE", "helene")
    assert [(d.household, d.visible, d.same_name, d.same_phone) for d in found] == \
        [(hers, True, True, False)]
    found = households.find_duplicates(session, clock, lea, "Autre", "Nom", "+33711223344")
    assert [(d.household, d.visible, d.same_phone, d.advisor) for d in found] == \
        [(other, False, True, zoe)]
    assert other.status == "clos"
    found = households.find_duplicates(session, clock, lea, "Martin", "Paul", "0612345678")
    assert [d.household for d in found] == [hers, other]
    assert households.find_duplicates(session, clock, lea, "Martin", "Paul", "0612345678",
                                      ignore=[hers.id, other.id]) == []
    # Same name, other first name, other phone: another person.
    assert households.find_duplicates(session, clock, lea, "Martin", "Pierre", "0699999999") \
        == []
    assert households.find_duplicates(session, clock, lea, "Martin", "Paul-Henri") == []


def answer(db, clock, advisor_id, fn):
    with db.session() as session:
        return fn(Engine(session, clock, session.get(Advisor, advisor_id)))


def _to_summary(db, clock, lea_id, last, first, phone):
    answer(db, clock, lea_id, lambda e: e.start("menage"))
    answer(db, clock, lea_id, lambda e: e.answer_text(e.active(), last))
    answer(db, clock, lea_id, lambda e: e.answer_text(e.active(), first))
    return answer(db, clock, lea_id, lambda e: e.answer_text(e.active(), phone))


def _finish(db, clock, lea_id):
    answer(db, clock, lea_id, lambda e: e.choose(e.active(), "confidentiel", 0))
    for typed in ("1 rue X", "1", "0"):
        answer(db, clock, lea_id, lambda e, t=typed: e.answer_text(e.active(), t))
    for key in ("res_activite", "res_rsa", "res_famille", "res_chomage", "res_pension",
                "res_autres"):
        answer(db, clock, lea_id, lambda e, k=key: e.skip(e.active(), k))
    answer(db, clock, lea_id, lambda e: e.choose(e.active(), "parcours", 0))
    answer(db, clock, lea_id, lambda e: e.validate(e.active(), "eligibilite"))
    return answer(db, clock, lea_id, lambda e: e.today(e.active(), "debut"))


def test_household_form_asks_after_the_phone_and_before_confirming(db, clock):
    with db.session() as s:
        lea = make_advisor(s, clock, 3, "Léa Martin")
        first = create(s, clock, lea, "Dupont", "Ana", phone="06 12 34 56 78",
                       advisor_id=lea.id)
        second = create(s, clock, lea, "Le Gall", "Marie-Ève", advisor_id=lea.id)
        lea_id, first_id, second_id = lea.id, first.id, second.id
    step = _to_summary(db, clock, lea_id, "Durand", "Zoé", "+33 6 12 34 56 78")
    assert [d.household.id for d in step.extras["duplicates"]] == [first_id]
    assert step.field.key == "confidentiel" and "confirming" not in step.extras
    step = answer(db, clock, lea_id, lambda e: e.set_aside_duplicates(step.run.id, [first_id],
                                                                      False))
    assert step.outcome == Outcome.ASK and step.field.key == "confidentiel"
    assert "duplicates" not in step.extras
    step = _finish(db, clock, lea_id)
    assert step.outcome == Outcome.SUMMARY and "duplicates" not in step.extras
    # She corrects the name into one that exists: asked again at confirmation.
    answer(db, clock, lea_id, lambda e: e.edit(e.active(), "nom"))
    answer(db, clock, lea_id, lambda e: e.answer_text(e.active(), "LEGALL"))
    answer(db, clock, lea_id, lambda e: e.edit(e.active(), "prenom"))
    step = answer(db, clock, lea_id, lambda e: e.answer_text(e.active(), "marie eve"))
    assert "duplicates" not in step.extras  # only the phone's answer looks (then confirm)
    step = answer(db, clock, lea_id, lambda e: e.confirm(e.active()))
    assert step.outcome == Outcome.SUMMARY and step.extras["confirming"]
    assert [(d.household.id, d.same_name) for d in step.extras["duplicates"]] == \
        [(second_id, True)]
    with db.session() as s:
        assert len(s.exec(text("select id from household")).all()) == 2
    step = answer(db, clock, lea_id, lambda e: e.set_aside_duplicates(step.run.id, [second_id],
                                                                      True))
    assert step.outcome == Outcome.DONE and step.result.reference == "2027-0003"


def test_migration_recomputes_keys_and_phones(database_url, clock):
    """A household stored before: found by the new lookup once migrated."""
    db = Database(database_url, clock)
    with db.engine.begin() as connection:
        config = _config(db.engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "5fe3f11dbebf")
    with db.engine.begin() as connection:
        connection.execute(text(
            "insert into household (reference, last_name, first_name, phone, address, adults,"
            " children_ages, resources, entry_path, dalo, pdalpd, accords_collectifs,"
            " confidential, status, phase, created_at, updated_at, search_key) values"
            " ('2026-0007', 'N''Diaye-Lefèvre', 'Awa', '+33 6 12 34 56 78', '', 1, '[]', '{}',"
            " 'autre', false, false, false, false, 'actif', 'elaboration',"
            " '2026-01-01 10:00:00+00', '2026-01-01 10:00:00+00',"
            " '2026-0007 | n''diaye-lefevre | awa')"))
    upgrade(db.engine)
    with db.session() as s:
        admin = make_advisor(s, clock, 1, "Admin", Role.ADMIN)
        found = households.search(s, clock, admin, "N’Diaye +33612345678")
        assert [(h.reference, h.phone) for h in found] == [("2026-0007", "06 12 34 56 78")]
    db.engine.dispose()
