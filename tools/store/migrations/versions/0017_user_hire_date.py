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
    op.add_column("users", sa.Column("hire_date", sa.Date(), nullable=True))


def downgrade() -> None:
    # a plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): batch mode would copy ``users`` to a new
    # table, which the foreign keys every other table has on it do not allow
    op.drop_column("users", "hire_date")
