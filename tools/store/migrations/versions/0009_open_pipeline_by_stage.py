"""Open pipeline by stage; the open-deal indexes hold is_closed

``ix_opportunities_open_stage`` (stage, amount, probability, amount_estimated, is_closed, id)
over the open deals: the pipeline summary's ``GROUP BY stage`` reads it in stage order without a
sort, and the largest deals of each stage (the records behind its figures) are one seek each.

``ix_opportunities_open`` is rebuilt with ``is_closed`` among its columns: SQLite counts an index
as covering only when it holds every column a query names, its own predicate's included, so the
stalled-deal scan read every open row from the table (and, with a narrower open-deal index beside
it, picked that one).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_BEFORE = [
    "owner_id",
    "close_date",
    "stage",
    "amount",
    "amount_estimated",
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
OPEN_AFTER = [*OPEN_BEFORE[:-1], "is_closed", "id"]
STAGE = ["stage", "amount", "probability", "amount_estimated", "is_closed", "id"]
OPEN = {"sqlite_where": sa.text("is_closed = 0"), "postgresql_where": sa.text("NOT is_closed")}


def upgrade() -> None:
    op.drop_index("ix_opportunities_open", table_name="opportunities")
    op.create_index("ix_opportunities_open", "opportunities", OPEN_AFTER, **OPEN)
    op.create_index("ix_opportunities_open_stage", "opportunities", STAGE, **OPEN)
    # the planner's statistics for the new indexes (a loaded database has them for the old ones)
    op.execute(sa.text("ANALYZE opportunities"))


def downgrade() -> None:
    op.drop_index("ix_opportunities_open_stage", table_name="opportunities")
    op.drop_index("ix_opportunities_open", table_name="opportunities")
    op.create_index("ix_opportunities_open", "opportunities", OPEN_BEFORE, **OPEN)
