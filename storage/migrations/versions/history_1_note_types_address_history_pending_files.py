"""typed notes (struck out, moved), address history, pending files, manual phase

Revision ID: history_1
Revises: infra_1
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision: str = 'history_1'
down_revision: Union[str, None] = 'infra_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('note') as batch:
        batch.add_column(sa.Column('note_type', sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=False, server_default='autre'))
        batch.add_column(sa.Column('duration_minutes', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('struck_at', storage.types.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('struck_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('moved_from_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_note_struck_by_id_advisor', 'advisor',
                                 ['struck_by_id'], ['id'])
    with op.batch_alter_table('household') as batch:
        batch.add_column(sa.Column('phase_manual', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('advisor') as batch:
        batch.add_column(sa.Column('next_note_type', sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=True))
        batch.add_column(sa.Column('moving_note_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('moving_note_at', storage.types.UTCDateTime(timezone=True),
                                   nullable=True))
    op.create_table('addresschange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('old_address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['advisor.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_addresschange_household_id'), 'addresschange', ['household_id'],
                    unique=False)
    op.create_table('pendingfile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_unique_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('caption', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['advisor.id'], ),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_pendingfile_advisor_id'), 'pendingfile', ['advisor_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pendingfile_advisor_id'), table_name='pendingfile')
    op.drop_table('pendingfile')
    op.drop_index(op.f('ix_addresschange_household_id'), table_name='addresschange')
    op.drop_table('addresschange')
    with op.batch_alter_table('advisor') as batch:
        batch.drop_column('moving_note_at')
        batch.drop_column('moving_note_id')
        batch.drop_column('next_note_type')
    with op.batch_alter_table('household') as batch:
        batch.drop_column('phase_manual')
    with op.batch_alter_table('note') as batch:
        batch.drop_constraint('fk_note_struck_by_id_advisor', type_='foreignkey')
        batch.drop_column('moved_from_id')
        batch.drop_column('struck_by_id')
        batch.drop_column('struck_at')
        batch.drop_column('duration_minutes')
        batch.drop_column('note_type')
