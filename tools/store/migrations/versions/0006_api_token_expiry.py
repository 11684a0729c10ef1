"""API tokens expire and can be rotated

``api_tokens.expires_at``: a token is refused from then on; ``api_tokens.replaced_by``: the id of
the token a rotation issued in its place. Tokens issued before this revision get the default
lifetime counted from the upgrade (90 days from now), so an upgrade locks no client out at once
and no token lives for ever.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GRACE = dt.timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))
    expires = dt.datetime.now(dt.UTC) + GRACE
    if op.get_bind().dialect.name == "sqlite":  # stored naive UTC there, as the model's type does
        expires = expires.replace(tzinfo=None)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=expires))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("replaced_by")
        batch_op.drop_column("expires_at")
