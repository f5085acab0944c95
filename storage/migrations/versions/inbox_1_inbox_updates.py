"""updates taken by long polling, kept until handled

Revision ID: inbox_1
Revises: access_1
Create Date: 2026-12-01 18:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = 'inbox_1'
down_revision: Union[str, None] = 'access_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'inboxupdate',
        sa.Column('bot_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('update_id', sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column('payload', sa.String(), nullable=True),
        sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('inboxupdate')
