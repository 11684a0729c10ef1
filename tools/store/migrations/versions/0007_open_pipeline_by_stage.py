"""Open pipeline by stage: a partial covering index for the pipeline summary

``ix_opportunities_open_stage`` (stage, amount, probability, amount_estimated, id) over the open
deals: the pipeline summary's ``GROUP BY stage`` reads it in stage order without a sort, and the
largest deals of each stage (the records behind its figures) are one seek each.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_opportunities_open_stage",
        "opportunities",
        ["stage", "amount", "probability", "amount_estimated", "id"],
        sqlite_where=sa.text("is_closed = 0"),
        postgresql_where=sa.text("NOT is_closed"),
    )


def downgrade() -> None:
    op.drop_index("ix_opportunities_open_stage", table_name="opportunities")
