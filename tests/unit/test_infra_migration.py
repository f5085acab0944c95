"""Issue 9: the `infra_1` migration on a database with rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import text

from reminders.tick import Ticker
from storage.db import Database
from storage.migrate import _config, upgrade


def test_existing_rows_survive_and_advisors_count_as_reachable(database_url, clock):
    database = Database(database_url, clock)
    with database.engine.begin() as connection:
        config = _config(database.engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "5fe3f11dbebf")
    now = clock.now()
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO advisor (telegram_id, name, role, active, created_at) "
            "VALUES (1001, 'Claire', 'admin', true, :now)"), {"now": now})
        connection.execute(text(
            "INSERT INTO invitation (code, role, created_by_id, created_at, expires_at) "
            "VALUES ('abc', 'conseillere', 1, :now, :now)"), {"now": now})
        connection.execute(text("INSERT INTO processedupdate (update_id, at) VALUES (5, :now)"),
                           {"now": now})
    upgrade(database.engine)
    with database.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT chat_opened_at IS NOT NULL FROM advisor")).scalar_one()
        assert connection.execute(text(
            "SELECT telegram_id FROM invitation WHERE code = 'abc'")).one() == (None,)
        assert connection.execute(text(
            "SELECT bot_id, update_id FROM processedupdate")).one() == (0, 5)
    database.engine.dispose()


class NoSender:
    async def send_one(self, *_: object) -> bool:
        return True

    send_group = send_digest = send_one


async def test_the_hourly_pass_purges_processed_updates(db, clock):
    db.apply(1, lambda s: None)
    clock.advance(timedelta(days=8))
    await Ticker(db, clock, NoSender(), "a").tick()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM processedupdate")).scalar_one() == 0
