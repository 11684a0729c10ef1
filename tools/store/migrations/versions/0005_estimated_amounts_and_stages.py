"""Estimated deal amounts; the loaded data's own stages

``opportunities.amount_estimated`` marks an amount an import filled from a looked-up value (the
product's list price of a Maven deal with no close value); the open and closed deal indexes cover
it, so pipeline and bookings scans that report the estimated part stay index-only. ``stages``
holds the stages a mapping declares, under the source's own names.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_BEFORE = [
    "owner_id",
    "close_date",
    "stage",
    "amount",
    "probability",
    "forecast_category",
    "stage_entered_at",
    "last_activity_at",
    "created_at",
    "next_step_date",
    "next_step",
    "account_id",
    "product_id",
    "close_date_pushes",
    "contacts_engaged",
    "id",
]
CLOSED_BEFORE = ["closed_at", "is_won", "owner_id", "amount", "created_at", "account_id", "id"]


def _with_estimate(columns: list[str]) -> list[str]:
    at = columns.index("amount") + 1
    return [*columns[:at], "amount_estimated", *columns[at:]]


def _index(name: str, columns: list[str], closed: bool) -> None:
    op.create_index(
        name,
        "opportunities",
        columns,
        sqlite_where=sa.text(f"is_closed = {int(closed)}"),
        postgresql_where=sa.text("is_closed" if closed else "NOT is_closed"),
    )


def upgrade() -> None:
    # a database bulk-loaded by an earlier version may lack the scan indexes: drop them only if there
    op.execute("DROP INDEX IF EXISTS ix_opportunities_closed")
    op.execute("DROP INDEX IF EXISTS ix_opportunities_open")
    # a plain ADD COLUMN (SQLite allows it with a constant default): rebuilding the table, as a
    # batch operation would, fails on a database whose deals are referenced by activities
    op.add_column(
        "opportunities",
        sa.Column("amount_estimated", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    _index("ix_opportunities_open", _with_estimate(OPEN_BEFORE), closed=False)
    _index("ix_opportunities_closed", _with_estimate(CLOSED_BEFORE), closed=True)
    op.create_table(
        "stages",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("forecast_category", sa.String(length=20), nullable=False),
        sa.Column("stall_days", sa.Integer(), nullable=True),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("is_won", sa.Boolean(), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stages")),
    )


def downgrade() -> None:
    op.drop_table("stages")
    op.drop_index("ix_opportunities_closed", "opportunities")
    op.drop_index("ix_opportunities_open", "opportunities")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_column("amount_estimated")
    _index("ix_opportunities_open", OPEN_BEFORE, closed=False)
    _index("ix_opportunities_closed", CLOSED_BEFORE, closed=True)
