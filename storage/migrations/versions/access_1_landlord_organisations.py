"""landlord organisations, the bailleur role's organisation, sharing a household with one

The free-text landlord of each home becomes an organisation (one per distinct name, spaces
trimmed), linked from the home.

Revision ID: access_1
Revises: rgpd_1
Create Date: 2026-12-01 16:00:00
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = 'access_1'
down_revision: Union[str, None] = 'rgpd_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'landlordorganisation',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(), nullable=False, unique=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'landlordanswer',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('household_id', sa.Integer(), sa.ForeignKey('household.id'), nullable=False),
        sa.Column('organisation_id', sa.Integer(), sa.ForeignKey('landlordorganisation.id'),
                  nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('answer', sa.String(), nullable=False),
        sa.Column('comment', sa.String(), nullable=False),
        sa.Column('signatory', sa.String(), nullable=False),
        sa.Column('advisor_id', sa.Integer(), sa.ForeignKey('advisor.id'), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_landlordanswer_household_id', 'landlordanswer', ['household_id'])
    for table, name in (('advisor', 'organisation_id'), ('invitation', 'organisation_id'),
                        ('tenancy', 'landlord_id'), ('household', 'shared_with_id')):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_{table}_{name}', 'landlordorganisation', [name],
                                     ['id'])
    op.create_index('ix_household_shared_with_id', 'household', ['shared_with_id'])
    bind = op.get_bind()
    names = sorted({row[0].strip() for row in bind.execute(
        sa.text("SELECT landlord FROM tenancy")) if row[0] and row[0].strip()})
    now = datetime.now(timezone.utc)
    organisations = sa.table('landlordorganisation', sa.column('name', sa.String()),
                             sa.column('created_at', storage.types.UTCDateTime()))
    for name in names:
        bind.execute(organisations.insert().values(name=name, created_at=now))
        bind.execute(sa.text("UPDATE tenancy SET landlord_id = (SELECT id FROM "
                             "landlordorganisation WHERE name = :name) "
                             "WHERE TRIM(landlord) = :name"), {"name": name})


def downgrade() -> None:
    op.drop_index('ix_household_shared_with_id', 'household')
    for table, name in (('advisor', 'organisation_id'), ('invitation', 'organisation_id'),
                        ('tenancy', 'landlord_id'), ('household', 'shared_with_id')):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_{name}', type_='foreignkey')
            batch.drop_column(name)
    op.drop_table('landlordanswer')
    op.drop_table('landlordorganisation')
