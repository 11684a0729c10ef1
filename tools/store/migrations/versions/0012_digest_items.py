"""What each Slack digest listed

``digest_items`` holds the deals a person's digest listed on a day, with the rules they broke and
their close date: the next digest shows only what changed since. A new, empty table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_items",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("rules", sa.String(length=200), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "day", "opportunity_id", name=op.f("pk_digest_items")),
    )


def downgrade() -> None:
    op.drop_table("digest_items")
