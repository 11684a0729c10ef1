"""Saved territory scenarios (a rebalance's constraints and result)

``territory_scenarios`` holds one row per scenario a manager saved: the rebalance input and
proposal as JSON, who made it and when, the data stamp it was computed on, and when it was
published. A new, empty table: populated databases upgrade without touching their rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "territory_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("territory_ids", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("data_stamp", sa.String(length=120), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_to", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory_scenarios")),
    )
    op.create_index("ix_territory_scenarios_created_by", "territory_scenarios", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_territory_scenarios_created_by", table_name="territory_scenarios")
    op.drop_table("territory_scenarios")
