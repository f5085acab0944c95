"""the end of a support: its day, its reason and what it was ("autre")

Households closed before this revision keep a null day and reason (nothing was asked then).

Revision ID: team_1
Revises: evaluation_1
Create Date: 2026-12-01 15:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "team_1"
down_revision: Union[str, None] = 'evaluation_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closure_reason", sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=True))
        batch.add_column(sa.Column("closure_detail", sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.drop_column("closure_detail")
        batch.drop_column("closure_reason")
        batch.drop_column("closed_on")
