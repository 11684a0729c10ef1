"""Deals a person snoozed or marked reviewed in Slack

``deal_snoozes`` holds, per person and deal, a "snooze for 7 days" (``until``) or a "mark reviewed"
with what the deal looked like then (stage, amount, close date, the rules it broke): the stalled-deal
digest leaves the deal out until the snooze ends or the deal changes. A new, empty table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_snoozes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("rules", sa.String(length=200), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "opportunity_id", name=op.f("pk_deal_snoozes")),
    )


def downgrade() -> None:
    op.drop_table("deal_snoozes")
