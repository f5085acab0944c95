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

from storage import search_index

revision: str = 'scale_1'
down_revision: Union[str, None] = 'ledger_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_household_search_key_trgm ON household "
                   "USING gin (search_key gin_trgm_ops)")
    else:
        search_index.create(op.execute)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_household_search_key_trgm")
    else:
        for name in search_index.TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS household_search")
