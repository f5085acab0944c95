"""a substring index on the households' search keys: `/cherche` without a table scan

PostgreSQL: a `pg_trgm` GIN index on `household.search_key`, which the `LIKE '%…%'` of
`storage.households.search` uses as it is. SQLite: an FTS5 table with the `trigram`
tokenizer over `household.search_key` (external content, kept in step by triggers), which
`search` joins for the words of 3 characters or more.

Revision ID: scale_1
Revises: ledger_1
Create Date: 2026-12-01 15:20:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = 'scale_1'
down_revision: Union[str, None] = 'ledger_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Triggers are dropped when a later batch migration recreates `household` on SQLite: such a
# migration must run `SQLITE_TRIGGERS` again (and `rebuild`), see `sqlite_index`.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS household_search_insert AFTER INSERT ON household BEGIN
         INSERT INTO household_search(rowid, search_key) VALUES (new.id, new.search_key);
       END""",
    """CREATE TRIGGER IF NOT EXISTS household_search_delete AFTER DELETE ON household BEGIN
         INSERT INTO household_search(household_search, rowid, search_key)
           VALUES ('delete', old.id, old.search_key);
       END""",
    """CREATE TRIGGER IF NOT EXISTS household_search_update AFTER UPDATE OF search_key ON household
       BEGIN
         INSERT INTO household_search(household_search, rowid, search_key)
           VALUES ('delete', old.id, old.search_key);
         INSERT INTO household_search(rowid, search_key) VALUES (new.id, new.search_key);
       END""",
)


def sqlite_index() -> None:
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS household_search USING fts5("
               "search_key, content='household', content_rowid='id', tokenize='trigram')")
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO household_search(household_search) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_household_search_key_trgm ON household "
                   "USING gin (search_key gin_trgm_ops)")
    else:
        sqlite_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_household_search_key_trgm")
    else:
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS household_search_{name}")
        op.execute("DROP TABLE IF EXISTS household_search")
