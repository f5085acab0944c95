"""rent as an account: ledger entries, repayment plans, prevention cancelled; rentrecord migrated

Each old `rentrecord` (one month: due, paid) becomes a `due` entry of that month (on its due
day) and, when something was paid, a `payment` entry on the day it was recorded.

Revision ID: ledger_1
Revises: history_1
Create Date: 2026-12-01 14:40:00
"""
from calendar import monthrange
from datetime import UTC, date, datetime
from typing import Sequence, Union
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "ledger_1"
down_revision: Union[str, None] = 'history_1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PARIS = ZoneInfo("Europe/Paris")


def _ledger_table() -> sa.Table:
    return sa.table("ledgerentry", sa.column("household_id", sa.Integer),
                    sa.column("kind", sa.String), sa.column("day", sa.Date),
                    sa.column("month", sa.Date), sa.column("amount", sa.Integer),
                    sa.column("payer", sa.String), sa.column("comment", sa.String),
                    sa.column("advisor_id", sa.Integer),
                    sa.column("created_at", storage.types.UTCDateTime(timezone=True)))


def _rent_table() -> sa.Table:
    return sa.table("rentrecord", sa.column("household_id", sa.Integer),
                    sa.column("month", sa.Date), sa.column("due", sa.Integer),
                    sa.column("paid", sa.Integer), sa.column("status", sa.String),
                    sa.column("advisor_id", sa.Integer),
                    sa.column("recorded_at", storage.types.UTCDateTime(timezone=True)))


def _rent_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["advisor_id"], ["advisor.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_id", "month"),
    ]


def upgrade() -> None:
    op.create_table(
        "ledgerentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("payer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["advisor_id"], ["advisor.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["ledgerentry.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledgerentry", schema=None) as batch_op:
        batch_op.create_index("ix_ledgerentry_household_day", ["household_id", "day"])
        batch_op.create_index("uq_ledgerentry_due_month", ["household_id", "month"], unique=True,
                              sqlite_where=sa.text("kind = 'due'"),
                              postgresql_where=sa.text("kind = 'due'"))
    op.create_table(
        "repaymentplan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("monthly", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["advisor_id"], ["advisor.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repaymentplan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repaymentplan_household_id"), ["household_id"])
    with op.batch_alter_table("freereminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))

    # The old monthly records become entries of the account.
    bind = op.get_bind()
    due_days = dict(bind.execute(sa.text("SELECT household_id, due_day FROM tenancy")).all())
    rent, ledger = _rent_table(), _ledger_table()
    rows = []
    for r in bind.execute(sa.select(rent)).mappings():
        month: date = r["month"]
        last = monthrange(month.year, month.month)[1]
        due_on = month.replace(day=min(due_days.get(r["household_id"], 1), last))
        common = {"household_id": r["household_id"], "month": month, "comment": "",
                  "advisor_id": r["advisor_id"], "created_at": r["recorded_at"]}
        rows.append({**common, "kind": "due", "day": due_on, "amount": r["due"], "payer": ""})
        if r["paid"]:
            recorded: datetime = r["recorded_at"]
            if recorded.tzinfo is None:
                recorded = recorded.replace(tzinfo=UTC)
            rows.append({**common, "kind": "payment", "day": recorded.astimezone(PARIS).date(),
                         "amount": -r["paid"], "payer": "menage"})
    if rows:
        op.bulk_insert(ledger, rows)
    with op.batch_alter_table("rentrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rentrecord_household_id"))
    op.drop_table("rentrecord")


def downgrade() -> None:
    """Back to one record per month: the month's due, and what was paid for it."""
    op.create_table("rentrecord", *_rent_columns())
    with op.batch_alter_table("rentrecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rentrecord_household_id"), ["household_id"])
    bind = op.get_bind()
    ledger = _ledger_table()
    paid: dict[tuple[int, date], int] = {}
    for r in bind.execute(sa.select(ledger).where(ledger.c.kind == "payment",
                                                  ledger.c.month.is_not(None))).mappings():
        key = (r["household_id"], r["month"])
        paid[key] = paid.get(key, 0) - r["amount"]
    rows = []
    for r in bind.execute(sa.select(ledger).where(ledger.c.kind == "due",
                                                  ledger.c.advisor_id.is_not(None))).mappings():
        got = paid.get((r["household_id"], r["month"]), 0)
        status = "paye" if got >= r["amount"] else "partiel" if got else "impaye"
        rows.append({"household_id": r["household_id"], "month": r["month"], "due": r["amount"],
                     "paid": got, "status": status, "advisor_id": r["advisor_id"],
                     "recorded_at": r["created_at"]})
    if rows:
        op.bulk_insert(_rent_table(), rows)
    with op.batch_alter_table("freereminder", schema=None) as batch_op:
        batch_op.drop_column("cancelled_on")
    with op.batch_alter_table("repaymentplan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repaymentplan_household_id"))
    op.drop_table("repaymentplan")
    with op.batch_alter_table("ledgerentry", schema=None) as batch_op:
        batch_op.drop_index("uq_ledgerentry_due_month")
        batch_op.drop_index("ix_ledgerentry_household_day")
    op.drop_table("ledgerentry")
