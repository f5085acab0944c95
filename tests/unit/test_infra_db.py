"""Issue 9 §3, §4, §6: transactions, processed updates per bot, statements without values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import Database
from storage.models import Advisor, Household, ProcessedUpdate

from factories import make_advisor


def test_two_bots_on_one_database_each_handle_their_update_1(db, clock):
    """Seen: two bot processes (two tokens) on one database: every answer of one advisor was
    taken as a redelivery, because processed updates were keyed on the update id alone."""
    first, second = db, Database(db.url, clock, bot_id=7000000002)
    first.bot_id = 7000000001
    done: list[str] = []
    assert not first.apply(1, lambda s: done.append("first")).duplicate
    assert not second.apply(1, lambda s: done.append("second")).duplicate
    assert first.apply(1, lambda s: done.append("again")).duplicate  # a redelivery
    assert second.apply(1, lambda s: done.append("again")).duplicate
    assert done == ["first", "second"]


def test_processed_updates_are_purged_after_a_week(db, clock):
    db.apply(1, lambda s: None)
    clock.advance(timedelta(days=6))
    db.apply(2, lambda s: None)
    assert db.purge_processed() == 0
    clock.advance(timedelta(days=1, seconds=1))
    assert db.purge_processed() == 1
    kept = db.read(lambda s: [p.update_id for p in s.exec(select(ProcessedUpdate))])
    assert kept == [2]


def test_a_savepoint_released_inside_a_transaction_rolled_back_leaves_nothing(db, clock):
    """Seen (SQLite): pysqlite opened its own transaction on SAVEPOINT, so releasing the
    nested transaction committed it."""
    with pytest.raises(RuntimeError), db.session() as session:
        with session.begin_nested():
            session.add(Household(reference="2027-0001", last_name="Dupré", first_name="H",
                                  created_at=clock.now(), updated_at=clock.now()))
        raise RuntimeError("the import fails later")
    assert db.read(lambda s: s.exec(select(Household)).all()) == []


def test_a_failed_statement_does_not_carry_its_values(db, clock):
    """Seen: a failed statement was logged with a household's name, address and resources."""
    with db.session() as s:
        make_advisor(s, clock, 42, "Hélène Secret")
    with pytest.raises(IntegrityError) as failure, db.session() as s:
        s.add(Advisor(telegram_id=42, name="Hélène Secret", created_at=clock.now()))
    assert "Secret" not in str(failure.value)


def test_a_search_with_a_nul_finds_without_failing(db, clock):
    """Seen (PostgreSQL): a text with U+0000 failed in the database."""
    from storage import households

    with db.session() as s:
        lea = make_advisor(s, clock, 7, "Léa")
        households.create(s, clock, lea, households.HouseholdData("Dupré", "Hélène",
                                                                  advisor_id=lea.id))
    with db.session() as s:
        found = households.search(s, clock, advisors_of(s, 7), "du\x00pré\u202e")
    assert [h.last_name for h in found] == ["Dupré"]


def advisors_of(session, telegram_id: int) -> Advisor:
    return session.exec(select(Advisor).where(Advisor.telegram_id == telegram_id)).one()
