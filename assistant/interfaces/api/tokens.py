"""API bearer tokens: issued once, stored as a SHA-256 hash, revocable, tied to one user.

A token is ``spk_`` followed by 32 random bytes (URL-safe base64), so it cannot be guessed and a
fast hash is enough: the database holds only ``sha256(token)`` and the first characters (the
*prefix*, to tell tokens apart in listings). Every request looks its token up afresh, so
revoking takes effect on the next request, and runs as the token's user with that user's current
role. Tokens of a deleted user go with the user (``ON DELETE CASCADE``), so regenerating the data
set never hands a token to a different person who got the same id. ``last_used_at`` is
bookkeeping: when the database is too busy to record it (an import holding the write lock), the
request goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import OperationalError

from tools.errors import InputError
from tools.store.schema import ApiToken, User
from tools.viewer import VIEWER_COLUMNS, Viewer, viewer_from_row

log = logging.getLogger("salesplan.api")
TOKEN_PREFIX = "spk_"
PREFIX_CHARS = 12
#: ``last_used_at`` is written at most this often per token (reads stay cheap).
TOUCH_INTERVAL = dt.timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is shown once and never stored."""

    id: int
    token: str
    user_id: int
    name: str


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for."""

    token_id: int
    viewer: Viewer


class TokenInfo(BaseModel):
    id: int
    user_id: int
    user: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenStore:
    """Create, list, revoke and check API tokens."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, user_id: int, name: str = "api") -> IssuedToken:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            token_id = connection.execute(
                insert(ApiToken)
                .values(
                    user_id=user_id,
                    name=name.strip()[:120] or "api",
                    token_hash=hash_token(token),
                    prefix=token[:PREFIX_CHARS],
                    created_at=dt.datetime.now(dt.UTC),
                )
                .returning(ApiToken.id)
            ).scalar_one()
        return IssuedToken(id=token_id, token=token, user_id=user_id, name=name)

    def list(self, user_id: int | None = None) -> list[TokenInfo]:
        query = (
            select(
                ApiToken.id,
                ApiToken.user_id,
                User.name.label("user"),
                ApiToken.name,
                ApiToken.prefix,
                ApiToken.created_at,
                ApiToken.last_used_at,
                ApiToken.revoked_at,
            )
            .join(User, User.id == ApiToken.user_id)
            .order_by(ApiToken.id)
        )
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [TokenInfo.model_validate(dict(row)) for row in rows]

    def revoke(self, token_id: int) -> TokenInfo:
        """Revoke a token by id (revoking twice keeps the first time); unknown ids are an error."""
        with self.engine.begin() as connection:
            connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            )
        found = [t for t in self.list() if t.id == token_id]
        if not found:
            raise InputError(f"no API token with id {token_id}")
        return found[0]

    def authenticate(self, token: str) -> Caller | None:
        """The caller a presented token speaks for, or None (unknown, revoked, or user gone)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        now = dt.datetime.now(dt.UTC)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(ApiToken.id.label("token_id"), ApiToken.last_used_at, *VIEWER_COLUMNS)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
            ).first()
        if row is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now)
                    )
            except OperationalError as exc:  # bookkeeping only: a busy database must not refuse reads
                log.warning("could not record the use of token %s: %s", row.token_id, exc.orig)
        return Caller(token_id=row.token_id, viewer=viewer_from_row(row))
