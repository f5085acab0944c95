"""documents of the team (no household)

`document.household_id` becomes nullable: the yearly evaluation is a document of the team,
recorded in the same table as the others. (The support's closure columns it reads come
with migration team_1.)

Revision ID: evaluation_1
Revises: calendar_1
Create Date: 2026-12-01 15:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "evaluation_1"
down_revision: Union[str, None] = 'calendar_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.alter_column("household_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM document WHERE household_id IS NULL")
    with op.batch_alter_table("document") as batch:
        batch.alter_column("household_id", existing_type=sa.Integer(), nullable=False)
