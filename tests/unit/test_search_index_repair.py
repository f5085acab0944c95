"""A batch migration that copies `household` on SQLite drops the search index's triggers:
every migration run puts them back, so households created later are still found."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage import households
from storage.clock import FixedClock
from storage.db import Database
from storage.households import HouseholdData
from storage.migrate import upgrade
from storage.models import Role

from factories import make_advisor


def test_triggers_dropped_by_a_table_copy_come_back(tmp_path: Path, clock: FixedClock) -> None:
    db = Database(f"sqlite:///{tmp_path}/copy.sqlite3", clock)
    upgrade(db.engine)
    with db.engine.begin() as connection:  # what a batch copy of `household` leaves
        for name in ("insert", "delete", "update"):
            connection.execute(text(f"DROP TRIGGER household_search_{name}"))
    upgrade(db.engine)  # the next start's migration, with nothing new to apply
    with db.session() as session:
        admin = make_advisor(session, clock, 1, "Claire", Role.ADMIN)
        households.create(session, clock, admin, HouseholdData("Lefebvre", "Anaïs"))
        session.flush()
        found = households.search(session, clock, admin, "lefeb")
        assert [h.last_name for h in found] == ["Lefebvre"]
    db.engine.dispose()
