"""SQLite's substring index of the households' search keys (an FTS5 table with the trigram
tokenizer over `household.search_key`, kept in step by triggers; see migration scale_1).

A batch migration that copies `household` (SQLite cannot alter most columns in place) drops
its triggers: `repair` puts them back after every migration (storage.migrate), so no later
migration has to remember it.
"""

from __future__ import annotations

from typing import Any

CREATE_TABLE = ("CREATE VIRTUAL TABLE IF NOT EXISTS household_search USING fts5("
                "search_key, content='household', content_rowid='id', tokenize='trigram')")
TRIGGERS = {
    "household_search_insert":
        """CREATE TRIGGER IF NOT EXISTS household_search_insert AFTER INSERT ON household BEGIN
             INSERT INTO household_search(rowid, search_key) VALUES (new.id, new.search_key);
           END""",
    "household_search_delete":
        """CREATE TRIGGER IF NOT EXISTS household_search_delete AFTER DELETE ON household BEGIN
             INSERT INTO household_search(household_search, rowid, search_key)
               VALUES ('delete', old.id, old.search_key);
           END""",
    "household_search_update":
        """CREATE TRIGGER IF NOT EXISTS household_search_update
           AFTER UPDATE OF search_key ON household BEGIN
             INSERT INTO household_search(household_search, rowid, search_key)
               VALUES ('delete', old.id, old.search_key);
             INSERT INTO household_search(rowid, search_key) VALUES (new.id, new.search_key);
           END""",
}
REBUILD = "INSERT INTO household_search(household_search) VALUES ('rebuild')"


def create(execute: Any) -> None:
    """The table, its triggers, and its content from the rows already there."""
    execute(CREATE_TABLE)
    for trigger in TRIGGERS.values():
        execute(trigger)
    execute(REBUILD)


def repair(raw: Any) -> None:
    """On a raw sqlite3 connection: triggers dropped by a table copy are made again (and the
    index rebuilt, since rows may have changed meanwhile). Nothing before migration scale_1."""
    names = {row[0] for row in raw.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    if "household_search" in names and not set(TRIGGERS) <= names:
        create(raw.execute)
