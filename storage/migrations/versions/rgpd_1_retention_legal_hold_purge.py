"""retention: support end date, legal holds, notices, purges, daily runs

Revision ID: rgpd_1
Revises: team_1
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision: str = 'rgpd_1'
down_revision: Union[str, None] = 'team_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('legalhold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['placed_by_id'], ['advisor.id'], ),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['advisor.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legalhold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legalhold_household_id'), ['household_id'],
                              unique=False)
    op.create_table('retentionnotice',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('notified_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint('household_id', 'due_on')
    )
    op.create_table('purge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_contact', sa.Date(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id')
    )
    op.create_table('dailyrun',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', 'day')
    )


def downgrade() -> None:
    op.drop_table('dailyrun')
    op.drop_table('purge')
    op.drop_table('retentionnotice')
    with op.batch_alter_table('legalhold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legalhold_household_id'))
    op.drop_table('legalhold')
