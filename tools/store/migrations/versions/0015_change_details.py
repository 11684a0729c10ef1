"""The details of a proposed CRM change (an activity to log, a next step's due date)

``crm_changes.details`` holds, as JSON, what a proposal needs beyond one field's old and new value:
the call, meeting, email or note to log (its kind, subject, day and the account, deal and contact
it is logged on), or the due date of a next step. Empty for a plain field change. A new nullable
column: populated databases upgrade untouched.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_changes") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_changes") as batch:
        batch.drop_column("details")
