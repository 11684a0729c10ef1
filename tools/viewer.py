"""Who is asking: the :class:`Viewer` every tool call carries, and how a CLI ``--user`` finds one.

Interfaces resolve the viewer (CLI ``--user``, API bearer token, Slack user id); tools never take
a user id or role from the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select

from tools.errors import InputError
from tools.store.schema import Role, User


@dataclass(frozen=True)
class Viewer:
    """The signed-in user a question is answered for."""

    user_id: int
    role: Role
    name: str
    territory_id: int | None = None


def find_viewer(engine: Engine, who: str) -> Viewer:
    """The user whose email or full name is ``who`` (case-insensitive); a one-line error otherwise."""
    key = who.strip().casefold()
    if not key:
        raise InputError("--user is required: give an email or a full name")
    with engine.connect() as connection:
        rows = connection.execute(
            select(User.id, User.role, User.name, User.territory_id).where(
                or_(func.lower(User.email) == key, func.lower(User.name) == key)
            )
        ).all()
    if not rows:
        raise InputError(f"no user with email or name {who!r}")
    if len(rows) > 1:
        raise InputError(f"{len(rows)} users are called {who!r}; use the email instead")
    uid, role, name, territory = rows[0]
    return Viewer(user_id=uid, role=Role(role), name=name, territory_id=territory)
