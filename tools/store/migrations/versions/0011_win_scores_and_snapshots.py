"""Win scores and pipeline snapshots

``win_models`` holds the trained win-score model of the data set (keyed by the fingerprint of the
data it learnt from) and its backtest; ``deal_scores`` the latest score of each open deal with
its top factors; ``pipeline_snapshots`` the open pipeline as it stood on each snapshot day. New,
empty tables: populated databases upgrade without touching their rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "win_models",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("used", sa.String(length=20), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_win_models")),
    )
    op.create_table(
        "deal_scores",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("stage_probability", sa.Float(), nullable=False),
        sa.Column("factors", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_deal_scores")),
    )
    op.create_table(
        "pipeline_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("forecast_category", sa.String(length=20), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("day", "opportunity_id", name=op.f("pk_pipeline_snapshots")),
    )
    op.create_index("ix_pipeline_snapshots_opportunity_id", "pipeline_snapshots", ["opportunity_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_snapshots_opportunity_id", table_name="pipeline_snapshots")
    op.drop_table("pipeline_snapshots")
    op.drop_table("deal_scores")
    op.drop_table("win_models")
