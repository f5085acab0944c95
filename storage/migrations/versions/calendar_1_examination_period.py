"""the sub-let home's examination period (length, start when the convention is renewed);
who attended a glissement review, the facts known that day, which review it was

Revision ID: calendar_1
Revises: remind_1
Create Date: 2026-12-01 15:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "calendar_1"
down_revision: Union[str, None] = 'remind_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # «Préparer la revue» (2 months before, a misreading of the law) becomes «convoquer la
    # revue» (3 weeks before): the next derivation cancels the old keys it no longer wants.
    op.execute("UPDATE reminder SET kind = 'glissement_convene' WHERE kind = 'glissement_prep'")
    with op.batch_alter_table("tenancy") as batch:
        batch.add_column(sa.Column("exam_period_months", sa.Integer(), nullable=False,
                                   server_default="12"))
        batch.add_column(sa.Column("exam_period_start", sa.Date(), nullable=True))
    with op.batch_alter_table("transferreview") as batch:
        batch.add_column(sa.Column("attendees", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("occurrence", sa.Date(), nullable=True))
        batch.add_column(sa.Column("extra", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    op.execute("UPDATE reminder SET kind = 'glissement_prep' WHERE kind = 'glissement_convene'")
    with op.batch_alter_table("transferreview") as batch:
        batch.drop_column("extra")
        batch.drop_column("occurrence")
        batch.drop_column("facts")
        batch.drop_column("attendees")
    with op.batch_alter_table("tenancy") as batch:
        batch.drop_column("exam_period_start")
        batch.drop_column("exam_period_months")
