"""hardening: processed updates keyed by bot, advisors' chat opened, invitations bound to an id

Revision ID: infra_1
Revises: search_1
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import storage.types


revision: str = 'infra_1'
down_revision: Union[str, None] = 'search_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # processedupdate gets the bot's id in its key: a new table, the rows copied with bot 0
    # (the rows of the bot running before the upgrade; they only serve redeliveries, and are
    # purged after a week).
    op.create_table('processedupdate_new',
    sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bot_id', 'update_id')
    )
    op.execute("INSERT INTO processedupdate_new (bot_id, update_id, at) "
               "SELECT 0, update_id, at FROM processedupdate")
    op.drop_table('processedupdate')
    op.rename_table('processedupdate_new', 'processedupdate')
    op.create_index('ix_processedupdate_at', 'processedupdate', ['at'])

    with op.batch_alter_table('advisor') as batch:
        batch.add_column(sa.Column('chat_opened_at', storage.types.UTCDateTime(timezone=True),
                                   nullable=True))
    # Advisors already there came in through the bot (invitation, or wrote to it); one who
    # did not is found out at the first 403/400, which clears the mark.
    op.execute("UPDATE advisor SET chat_opened_at = created_at")

    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('telegram_id', sa.BigInteger(), nullable=True))
        batch.alter_column('created_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.alter_column('created_by_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('telegram_id')
    with op.batch_alter_table('advisor') as batch:
        batch.drop_column('chat_opened_at')
    op.drop_index('ix_processedupdate_at', table_name='processedupdate')
    op.create_table('processedupdate_old',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.execute("INSERT INTO processedupdate_old (update_id, at) "
               "SELECT update_id, max(at) FROM processedupdate GROUP BY update_id")
    op.drop_table('processedupdate')
    op.rename_table('processedupdate_old', 'processedupdate')
