"""reminders derived incrementally: each household's next derivation day

Existing households get none: the first pass derives them all once (in the background).

Revision ID: remind_1
Revises: scale_1
Create Date: 2026-12-01 15:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "remind_1"
down_revision: Union[str, None] = 'scale_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("next_derivation_on", sa.Date(), nullable=True))
        batch.create_index("ix_household_next_derivation_on", ["next_derivation_on"])


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.drop_index("ix_household_next_derivation_on")
        batch.drop_column("next_derivation_on")
