"""support closure fields on the household; documents of the team (no household)

`closed_on`, `closure_reason`, `closure_detail`: the same three columns as the closure work
(the integrator keeps one definition). `document.household_id` becomes nullable: the yearly
evaluation is a document of the team, recorded in the same table as the others.

Revision ID: evaluation_1
Revises: calendar_1
Create Date: 2026-12-01 15:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "evaluation_1"
down_revision: Union[str, None] = 'calendar_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closure_reason", sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=True))
        batch.add_column(sa.Column("closure_detail", sqlmodel.sql.sqltypes.AutoString(),
                                   nullable=False, server_default=""))
    with op.batch_alter_table("document") as batch:
        batch.alter_column("household_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM document WHERE household_id IS NULL")
    with op.batch_alter_table("document") as batch:
        batch.alter_column("household_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("household") as batch:
        batch.drop_column("closure_detail")
        batch.drop_column("closure_reason")
        batch.drop_column("closed_on")
