"""A rep's hire date, for their ramp

``users.hire_date`` is the day a person started in their seat. A rep hired less than the ramp
(six months by default) before a rebalance takes effect is balanced toward a growing share of a
full book (:mod:`tools.rebalance.ramp`). Imports fill it when the export has the column; empty
means fully ramped. A new nullable column: populated databases upgrade untouched.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("hire_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("hire_date")
