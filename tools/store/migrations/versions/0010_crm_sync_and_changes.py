"""Live CRM: sync watermarks and proposed changes

``crm_sync_state`` holds the last committed modification stamp per CRM source and object;
``crm_changes`` the changes the assistant proposed, applied only on the proposer's confirmation
(tools/store/crm_tables.py). Two new, empty tables: populated databases upgrade untouched.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_sync_state",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("object", sa.String(length=60), nullable=False),
        sa.Column("watermark", sa.String(length=40), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "object", name=op.f("pk_crm_sync_state")),
    )
    op.create_table(
        "crm_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_name", sa.String(length=300), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_changes")),
    )
    op.create_index("ix_crm_changes_user_state", "crm_changes", ["user_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_crm_changes_user_state", table_name="crm_changes")
    op.drop_table("crm_changes")
    op.drop_table("crm_sync_state")
