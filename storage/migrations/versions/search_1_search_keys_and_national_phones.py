"""search keys that ignore apostrophes, hyphens and spaces; phones in one national form

Revision ID: search_1
Revises: privacy_1
Create Date: 2026-12-01 14:50:00
"""
from types import SimpleNamespace
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from storage.households import phone_key, search_key


revision: str = 'search_1'
down_revision: Union[str, None] = 'privacy_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

household = sa.table(
    'household',
    sa.column('id', sa.Integer), sa.column('reference', sa.String),
    sa.column('last_name', sa.String), sa.column('first_name', sa.String),
    sa.column('phone', sa.String), sa.column('address', sa.String),
    sa.column('confidential', sa.Boolean), sa.column('search_key', sa.String),
)


def upgrade() -> None:
    """Existing households are found by the new lookup: each row's phone is stored in the
    national form and its search key computed again (the same functions as the bot's)."""
    connection = op.get_bind()
    for row in connection.execute(sa.select(household)).mappings().all():
        values = dict(row)
        values['phone'] = phone_key(values['phone'] or '')
        key = search_key(SimpleNamespace(**values))  # type: ignore[arg-type]
        if (values['phone'], key) != (row['phone'], row['search_key']):
            connection.execute(household.update().where(household.c.id == row['id'])
                               .values(phone=values['phone'], search_key=key))


def downgrade() -> None:
    """Nothing to undo: the old lookup reads the same columns."""
