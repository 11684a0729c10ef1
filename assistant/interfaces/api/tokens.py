"""API bearer tokens: issued once, stored as a SHA-256 hash, expiring, revocable, rotatable, tied
to one user.

A token is ``spk_`` followed by 32 random bytes (URL-safe base64), so it cannot be guessed and a
fast hash is enough: the database holds only ``sha256(token)`` and the first characters (the
*prefix*, to tell tokens apart in listings). Every request looks its token up afresh, so
revoking takes effect on the next request, and runs as the token's user with that user's current
role. Tokens of a deleted user go with the user (``ON DELETE CASCADE``), so regenerating the data
set never hands a token to a different person who got the same id.

A token expires ``SALESPLAN_TOKEN_DAYS`` days (default 90) after it is created, or after the
``days`` given when it is created or rotated. Rotating issues a new token for the same user and
purpose and revokes the old one in one transaction, recording which token replaced it. A token
that is expired, revoked or replaced is refused with the reason (:class:`TokenRefused`), so the
client knows whether to ask for a new one.

``last_used_at`` is written on each authenticated request (at most once a second per token, so a
burst does not queue on the database's write lock); it is bookkeeping: when the database is too
busy to record it (an import holding the write lock), the request goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import OperationalError

from tools.errors import InputError
from tools.store.schema import ApiToken, User
from tools.viewer import VIEWER_COLUMNS, Viewer, viewer_from_row

log = logging.getLogger("salesplan.api")
TOKEN_PREFIX = "spk_"
PREFIX_CHARS = 12
DEFAULT_DAYS = 90
MAX_DAYS = 3_650
#: ``last_used_at`` is written at most this often per token (a burst does not queue on writes).
TOUCH_INTERVAL = dt.timedelta(seconds=1)


class TokenRefused(Exception):
    """A presented token that is not accepted; the message says why (for the 401 response)."""


def _when(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is shown once and never stored."""

    id: int
    token: str
    user_id: int
    name: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for."""

    token_id: int
    viewer: Viewer


class TokenInfo(BaseModel):
    """What a listing shows of a token (never the token itself)."""

    id: int
    user_id: int
    user: str
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    replaced_by: int | None = None

    @property
    def status(self) -> str:
        """``active``, ``expired``, ``revoked`` or ``rotated`` (revoked and replaced by another)."""
        if self.revoked_at is not None:
            return "rotated" if self.replaced_by is not None else "revoked"
        if self.expires_at is not None and self.expires_at <= dt.datetime.now(dt.UTC):
            return "expired"
        return "active"


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"a token lives from 1 to {MAX_DAYS:,} days, not {days}")
    return days


class TokenStore:
    """Create, list, rotate, revoke and check API tokens; new tokens live ``days`` days."""

    def __init__(self, engine: Engine, days: int = DEFAULT_DAYS) -> None:
        self.engine = engine
        self.days = check_days(days)

    def create(self, user_id: int, name: str = "api", days: int | None = None) -> IssuedToken:
        """A new token for ``user_id``, expiring in ``days`` days (default: the store's)."""
        with self.engine.begin() as connection:
            return self._issue(connection, user_id, name, days)

    def _issue(self, connection: Connection, user_id: int, name: str, days: int | None) -> IssuedToken:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        expires = now + dt.timedelta(days=check_days(days if days is not None else self.days))
        label = name.strip()[:120] or "api"
        token_id = connection.execute(
            insert(ApiToken)
            .values(
                user_id=user_id,
                name=label,
                token_hash=hash_token(token),
                prefix=token[:PREFIX_CHARS],
                created_at=now,
                expires_at=expires,
            )
            .returning(ApiToken.id)
        ).scalar_one()
        return IssuedToken(id=token_id, token=token, user_id=user_id, name=label, expires_at=expires)

    def rotate(self, token_id: int, days: int | None = None) -> tuple[TokenInfo, IssuedToken]:
        """Issue a new token for the user and purpose of token ``token_id`` and revoke that one, in
        one transaction; returns the old token (now revoked) and the new one. A token already
        revoked is not rotated (an error): create a new one instead."""
        old = self.get(token_id)
        if old.revoked_at is not None:
            raise InputError(
                f"token {token_id} was already revoked on {_when(old.revoked_at)}; "
                f"create a new one with: salesplan users token create --user {old.user!r}"
            )
        with self.engine.begin() as connection:
            issued = self._issue(connection, old.user_id, old.name, days)
            revoked = connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC), replaced_by=issued.id)
            ).rowcount
            if revoked != 1:  # revoked by someone else meanwhile: the new token is rolled back
                raise InputError(f"token {token_id} was revoked meanwhile; nothing was rotated")
        return self.get(token_id), issued

    def get(self, token_id: int) -> TokenInfo:
        found = [t for t in self.list() if t.id == token_id]
        if not found:
            raise InputError(f"no API token with id {token_id}")
        return found[0]

    def list(self, user_id: int | None = None) -> list[TokenInfo]:
        query = (
            select(
                ApiToken.id,
                ApiToken.user_id,
                User.name.label("user"),
                ApiToken.name,
                ApiToken.prefix,
                ApiToken.created_at,
                ApiToken.expires_at,
                ApiToken.last_used_at,
                ApiToken.revoked_at,
                ApiToken.replaced_by,
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
        return self.get(token_id)

    def authenticate(self, token: str) -> Caller | None:
        """The caller a presented token speaks for, or None (see :meth:`check` for why not)."""
        try:
            return self.check(token)
        except TokenRefused:
            return None

    def check(self, token: str) -> Caller:
        """The caller a presented token speaks for; :class:`TokenRefused` saying why when it is
        unknown (or its user is gone), revoked, replaced by a rotation, or expired."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise TokenRefused("the token is not valid")
        now = dt.datetime.now(dt.UTC)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    ApiToken.id.label("token_id"),
                    ApiToken.last_used_at,
                    ApiToken.expires_at,
                    ApiToken.revoked_at,
                    ApiToken.replaced_by,
                    *VIEWER_COLUMNS,
                )
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == hash_token(token))
            ).first()
        if row is None:
            raise TokenRefused("the token is not valid")
        if row.revoked_at is not None:
            if row.replaced_by is not None:
                raise TokenRefused(
                    f"the token was replaced by token {row.replaced_by} on {_when(row.revoked_at)}: "
                    "use the new token"
                )
            raise TokenRefused(f"the token was revoked on {_when(row.revoked_at)}")
        if row.expires_at is not None and row.expires_at <= now:
            raise TokenRefused(f"the token expired on {_when(row.expires_at)}: ask for a new one")
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now)
                    )
            except OperationalError as exc:  # bookkeeping only: a busy database must not refuse reads
                log.warning("could not record the use of token %s: %s", row.token_id, exc.orig)
        return Caller(token_id=row.token_id, viewer=viewer_from_row(row))
