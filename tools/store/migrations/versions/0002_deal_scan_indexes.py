"""Open and closed deal indexes; derived deal columns for the stalled-deal scan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN_COLUMNS = [
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
CLOSED_COLUMNS = ["closed_at", "is_won", "owner_id", "amount", "created_at", "account_id", "id"]
# The same statements as tools.store.rollups.REFRESH_STATEMENTS, frozen here.
REFRESH = (
    """
    UPDATE opportunities SET contacts_engaged = (
        SELECT count(DISTINCT a.contact_id) FROM activities a WHERE a.opportunity_id = opportunities.id
    )
    """,
    """
    UPDATE opportunities SET close_date_pushes = COALESCE((
        SELECT sum(CASE WHEN changes.close_date > changes.previous THEN 1 ELSE 0 END) FROM (
            SELECT h.close_date, LAG(h.close_date) OVER (ORDER BY h.changed_at, h.id) AS previous
            FROM opportunity_history h WHERE h.opportunity_id = opportunities.id
        ) changes
    ), 0)
    """,
)


def upgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("close_date_pushes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("contacts_engaged", sa.Integer(), server_default="0", nullable=False))
    for statement in REFRESH:
        op.execute(sa.text(statement))
    op.create_index(
        "ix_opportunities_open",
        "opportunities",
        OPEN_COLUMNS,
        sqlite_where=sa.text("is_closed = 0"),
        postgresql_where=sa.text("NOT is_closed"),
    )
    op.create_index(
        "ix_opportunities_closed",
        "opportunities",
        CLOSED_COLUMNS,
        sqlite_where=sa.text("is_closed = 1"),
        postgresql_where=sa.text("is_closed"),
    )


def downgrade() -> None:
    op.drop_index("ix_opportunities_closed", "opportunities")
    op.drop_index("ix_opportunities_open", "opportunities")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_column("contacts_engaged")
        batch_op.drop_column("close_date_pushes")
