"""`/cherche` through a substring index: the FTS5 trigram table on SQLite, kept in step with
`household.search_key`; the `pg_trgm` GIN index on PostgreSQL, used by the search's query."""

from __future__ import annotations

from sqlalchemy import delete, text

from storage import households
from storage.households import HouseholdData
from storage.models import Advisor, AuditLog, Household, Role

from factories import make_advisor


def _create(session, clock, actor: Advisor, last: str, first: str, **kw) -> Household:
    return households.create(session, clock, actor, HouseholdData(last, first, **kw))


def test_search_follows_renames_deletions_short_words_and_visibility(session, clock):
    admin = make_advisor(session, clock, 1, "Admin", Role.ADMIN)
    lea = make_advisor(session, clock, 3, "Léa Martin")
    zoe = make_advisor(session, clock, 4, "Zoé Petit")
    awa = _create(session, clock, lea, "Ndiaye", "Awa", phone="06 12 34 56 78",
                  advisor_id=lea.id, address="5 rue Lo, Dax")
    bea = _create(session, clock, zoe, "Ndiaye", "Béa", phone="06 12 34 56 79",
                  advisor_id=zoe.id)
    assert households.search(session, clock, lea, "ndiaye") == [awa]  # hers only
    assert households.search(session, clock, admin, "ndiaye") == [awa, bea]
    assert households.search(session, clock, lea, "lo") == [awa]  # 2 letters: no trigram
    assert households.search(session, clock, lea, "ndiaye lo") == [awa]
    assert households.search(session, clock, lea, 'ndi"aye dax') == [awa]  # no FTS syntax

    awa.last_name = "Sow"  # the index follows a change of the key
    households.apply_data(awa, HouseholdData("Sow", "Awa", phone=awa.phone,
                                             address=awa.address, advisor_id=lea.id))
    session.flush()
    assert households.search(session, clock, lea, "ndiaye") == []
    assert households.search(session, clock, lea, "sow") == [awa]
    bare = Household(reference="2027-0099", last_name="Ndiaye", first_name="Cé",
                     created_at=clock.now(), updated_at=clock.now(),
                     advisor_id=zoe.id)  # nothing refers to it
    bare.search_key = households.search_key(bare)
    session.add(bare)
    session.flush()
    assert households.search(session, clock, admin, "ndiaye") == [bea, bare]
    session.exec(delete(AuditLog).where(AuditLog.household_id == bare.id))  # the search's
    session.delete(bare)
    session.flush()
    assert households.search(session, clock, admin, "ndiaye") == [bea]


def test_the_search_query_uses_the_index(session, clock):
    """PostgreSQL: the `LIKE '%…%'` on `search_key` is answered by the trigram index (seq
    scans off: on a small table the planner would rightly prefer one). SQLite: the FTS5
    table is searched through its index."""
    lea = make_advisor(session, clock, 3, "Léa Martin")
    _create(session, clock, lea, "Ndiaye", "Awa", advisor_id=lea.id)
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SET LOCAL enable_seqscan = off"))  # type: ignore[call-overload]
        plan = "\n".join(row[0] for row in session.exec(text(  # type: ignore[call-overload]
            "EXPLAIN SELECT id FROM household WHERE search_key LIKE '%ndiaye%'")))
        assert "ix_household_search_key_trgm" in plan, plan
    else:
        plan = "\n".join(str(row[-1]) for row in session.exec(text(  # type: ignore[call-overload]
            "EXPLAIN QUERY PLAN SELECT rowid FROM household_search "
            "WHERE household_search MATCH '\"ndiaye\"'")))
        assert "VIRTUAL TABLE INDEX" in plan, plan
    assert [h.last_name for h in households.search(session, clock, lea, "ndiaye")] == ["Ndiaye"]
