"""Who is asking: the :class:`Viewer` every tool call carries, and the one way a user row becomes one.

Interfaces resolve the viewer (CLI ``--user``, API bearer token, Slack user id, the digest's
recipients, an evaluation case's user); tools never take a user id or role from the model. Every
one of them turns a ``users`` row into a viewer with :func:`viewer_from_row`, and the lookups an
interface needs (by email or name, by Slack id, by role) live here, so no interface reads the
``users`` table itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_, select

from tools.errors import InputError
from tools.store.schema import Opportunity, Role, User


@dataclass(frozen=True)
class Viewer:
    """The signed-in user a question is answered for."""

    user_id: int
    role: Role
    name: str
    territory_id: int | None = None


#: The columns :func:`viewer_from_row` reads, for a ``select``.
VIEWER_COLUMNS = (User.id, User.role, User.name, User.territory_id)


def viewer_from_row(row: Any) -> Viewer:
    """The viewer for a ``users`` row (anything with ``id``, ``role``, ``name`` and ``territory_id``)."""
    territory = row.territory_id
    return Viewer(
        user_id=int(row.id),
        role=Role(row.role),
        name=str(row.name),
        territory_id=None if territory is None else int(territory),
    )


def _viewers(engine: Engine, condition: ColumnElement[bool], *extra: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(*VIEWER_COLUMNS, *extra).where(condition)).all())


def find_viewer(engine: Engine, who: str) -> Viewer:
    """The user whose email or full name is ``who`` (case-insensitive); a one-line error otherwise."""
    key = who.strip().casefold()
    if not key:
        raise InputError("--user is required: give an email or a full name")
    rows = _viewers(engine, or_(func.lower(User.email) == key, func.lower(User.name) == key))
    if not rows:
        raise InputError(f"no user with email or name {who!r}")
    if len(rows) > 1:
        raise InputError(f"{len(rows)} users are called {who!r}; use the email instead")
    return viewer_from_row(rows[0])


def viewer_by_slack_id(engine: Engine, slack_user_id: str) -> Viewer | None:
    """The one user mapped to this Slack user id, if exactly one is."""
    rows = _viewers(engine, User.slack_user_id == slack_user_id)
    return viewer_from_row(rows[0]) if len(rows) == 1 else None


def viewer_by_id(engine: Engine, user_id: int) -> Viewer | None:
    """The user with this id, as they are now (their role may have changed since they were found)."""
    rows = _viewers(engine, User.id == user_id)
    return viewer_from_row(rows[0]) if rows else None


def viewer_by_email(engine: Engine, email: str) -> Viewer | None:
    """The one user with this email (case-insensitive), if exactly one has it."""
    rows = _viewers(engine, func.lower(User.email) == email.casefold())
    return viewer_from_row(rows[0]) if len(rows) == 1 else None


@dataclass(frozen=True)
class Person:
    """A user with the addresses a message can reach them at."""

    viewer: Viewer
    email: str | None
    slack_user_id: str | None


def people_with_roles(engine: Engine, roles: tuple[Role, ...]) -> list[Person]:
    """Every user with one of ``roles``, in id order, with their email and Slack id."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*VIEWER_COLUMNS, User.email, User.slack_user_id)
            .where(User.role.in_([role.value for role in roles]))
            .order_by(User.id)
        ).all()
    return [Person(viewer_from_row(r), r.email, r.slack_user_id) for r in rows]


def direct_reports(engine: Engine, manager_id: int) -> list[Viewer]:
    """The people who report to ``manager_id`` directly, by name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*VIEWER_COLUMNS).where(User.manager_id == manager_id).order_by(User.name)
        ).all()
    return [viewer_from_row(row) for row in rows]


def first_with_role(engine: Engine, role: Role) -> Viewer | None:
    """The user with ``role`` that has the lowest id, if any."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*VIEWER_COLUMNS).where(User.role == role.value).order_by(User.id).limit(1)
        ).first()
    return None if row is None else viewer_from_row(row)


def administrators(engine: Engine, limit: int = 3) -> list[str]:
    """Names of the people who can add a user (RevOps, then admins), with their role."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(User.name, User.role)
            .where(User.role.in_([Role.REVOPS.value, Role.ADMIN.value]))
            .order_by(User.role.desc(), User.name)
            .limit(limit)
        ).all()
    return [f"{name} ({'RevOps' if role == Role.REVOPS.value else 'admin'})" for name, role in rows]


def busiest_rep(engine: Engine) -> tuple[Viewer, Viewer | None] | None:
    """The rep with the most open deals and their manager (if any); ``None`` when no rep has one."""
    open_deals = func.count(Opportunity.id)
    query = (
        select(*VIEWER_COLUMNS, User.manager_id)
        .join(Opportunity, Opportunity.owner_id == User.id)
        .where(User.role == Role.REP.value, ~Opportunity.is_closed)
        .group_by(*VIEWER_COLUMNS, User.manager_id)
        .order_by(open_deals.desc(), User.id)
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
        if row is None:
            return None
        manager = connection.execute(select(*VIEWER_COLUMNS).where(User.id == row.manager_id)).first()
    return viewer_from_row(row), None if manager is None else viewer_from_row(manager)
