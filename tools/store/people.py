"""The people who use Salesplan: adding a user, changing a role, naming the admins of imported data.

``salesplan users add|set-role`` and ``salesplan data import --admin`` (and a mapping's ``admins:``)
come here. A person is named by email or full name (case-insensitive, exactly); the roles are the
access layer's (:class:`~tools.store.schema.Role`: ``rep``, ``manager``, ``revops``, ``admin``;
what each sees is decided in :func:`tools.store.repository.build_scope`). A mistake is a one-line
:class:`~tools.errors.InputError` (an unknown person, role, manager or territory, an email in use).

Every change stamps ``dataset_meta.org_changed_at`` (:func:`tools.store.scope.touch_org`): repositories of
running processes (the API server, the Slack app) rebuild their cached scopes at their next query,
so a new admin sees the whole company at once and a manager their new report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rapidfuzz import process
from sqlalchemy import Connection, func, insert, or_, select, update

from tools.errors import InputError
from tools.store.schema import Role, Territory, User
from tools.store.scope import touch_org

ROLES = "rep, manager, revops or admin"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class PersonChange:
    """What a change did to one user."""

    user_id: int
    name: str
    email: str | None
    role: Role
    previous_role: Role | None = None
    created: bool = False

    @property
    def changed(self) -> bool:
        return self.created or self.previous_role != self.role

    def describe(self) -> str:
        """``added Ann Lee <ann@acme.example> as admin`` / ``Ann Lee: rep → admin``."""
        who = f"{self.name} <{self.email}>" if self.email else self.name
        if self.created:
            return f"added {who} as {self.role.value}"
        if self.previous_role == self.role:
            return f"{who} is already {self.role.value}"
        previous = self.previous_role.value if self.previous_role else "?"
        return f"{who}: {previous} → {self.role.value}"


def parse_role(value: str) -> Role:
    """A role by its name, any case; a one-line error naming the roles otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(f"unknown role {value!r}: use {ROLES}") from None


def _suggestion(word: str, names: list[str]) -> str:
    best = process.extractOne(word, names, score_cutoff=70) if names else None
    return f" (did you mean {best[0]!r}?)" if best else ""


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None
    role: Role


def find_user(connection: Connection, who: str) -> Person | None:
    """The user whose email or full name is ``who`` (case-insensitive); None when there is none."""
    key = who.strip().casefold()
    rows = connection.execute(
        select(User.id, User.name, User.email, User.role).where(
            or_(func.lower(User.email) == key, func.lower(User.name) == key)
        )
    ).all()
    if len(rows) > 1:
        raise InputError(f"{len(rows)} users are called {who!r}; use the email instead")
    return Person(int(rows[0].id), rows[0].name, rows[0].email, Role(rows[0].role)) if rows else None


def _user(connection: Connection, who: str, what: str = "user") -> Person:
    found = find_user(connection, who)
    if found is None:
        known = [text for row in connection.execute(select(User.name, User.email)) for text in row if text]
        raise InputError(f"no {what} with email or name {who!r}{_suggestion(who, known)}")
    return found


def _territory(connection: Connection, name: str) -> int:
    rows = connection.execute(select(Territory.id, Territory.name)).all()
    found = [tid for tid, tname in rows if tname.casefold() == name.strip().casefold()]
    if not found:
        raise InputError(f"no territory named {name!r}{_suggestion(name, [n for _, n in rows])}")
    return int(found[0])


def _email(value: str) -> str:
    email = value.strip()
    if not EMAIL.match(email):
        raise InputError(f"{value!r} is not an email address")
    return email


def _name_from(email: str) -> str:
    """``ann.lee@acme.example`` -> ``Ann Lee``."""
    local = re.split(r"[._+-]+", email.split("@", 1)[0])
    return " ".join(part.capitalize() for part in local if part) or email


def add_user(
    connection: Connection,
    email: str,
    *,
    role: Role,
    name: str | None = None,
    manager: str | None = None,
    territory: str | None = None,
    hire_date: dt.date | None = None,
) -> PersonChange:
    """Add a user (``name`` defaults to one made from the email: ``ann.lee@…`` is Ann Lee); a rep's
    ``hire_date`` sets their ramp (:mod:`tools.rebalance.ramp`)."""
    address = _email(email)
    existing = find_user(connection, address)
    if existing is not None:
        raise InputError(
            f"{address} is already a user ({existing.name}, {existing.role.value}); "
            "change the role with `salesplan users set-role`"
        )
    full_name = (name or "").strip() or _name_from(address)
    manager_id = _user(connection, manager, "manager").id if manager else None
    territory_id = _territory(connection, territory) if territory else None
    connection.execute(
        insert(User).values(
            name=full_name,
            email=address,
            role=role.value,
            manager_id=manager_id,
            territory_id=territory_id,
            hire_date=hire_date,
        )
    )
    touch_org(connection)
    added = _user(connection, address)
    return PersonChange(added.id, added.name, added.email, role, created=True)


def set_role(connection: Connection, who: str, role: Role) -> PersonChange:
    """Give the user ``who`` (email or full name) ``role``."""
    user = _user(connection, who)
    if user.role != role:
        connection.execute(update(User).where(User.id == user.id).values(role=role.value))
        touch_org(connection)
    return PersonChange(user.id, user.name, user.email, role, user.role)


def name_admin(
    connection: Connection, who: str, role: Role = Role.ADMIN, name: str | None = None
) -> PersonChange:
    """Make ``who`` an admin (or RevOps): an existing user by email or name gets the role; an email
    nobody has becomes a new user with it."""
    if role not in (Role.ADMIN, Role.REVOPS):
        raise InputError(f"an admin of imported data is revops or admin, not {role.value}")
    if find_user(connection, who) is not None:
        return set_role(connection, who, role)
    if not EMAIL.match(who.strip()):
        raise InputError(f"no user with email or name {who!r}: give an email to add one")
    return add_user(connection, who, role=role, name=name)
