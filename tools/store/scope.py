"""Who may see which rows: the sharing model, the scope of one viewer, and the stamp that says when
the organisation changed.

**The sharing model** (``SALESPLAN_SHARING``, like a CRM's organisation-wide default) decides what a
rep sees besides their own deals. The rule, written once here and enforced by :class:`Scope`:

``private`` (the default)
    A rep sees the opportunities they own; the accounts they own or own an opportunity on (an
    account reached through the rep's deal shows its firmographics, contacts, products and ARR, but
    never another rep's deal on it); the contacts and products of those accounts; the activities
    they logged; the history of their opportunities; their own quotas and user record. Accounts of
    their territory owned by someone else, and unowned accounts, are not theirs to see.
``territory``
    All of ``private``, plus every account whose territory is the home territory of someone in
    scope (and those accounts' contacts and products) — not the deals or activities of other reps
    on them.

Under either model a manager's scope is the union of the scopes of everyone reporting to them,
directly or indirectly, under the same rule, plus their own; RevOps and admins see everything. The
territories a viewer may name are the home territories of the people in scope and the territories
of the accounts they see (the org chart is not confidential; what is inside it is).

**The organisation stamp.** Scopes are remembered per process (:class:`~tools.store.repository.Repository`),
so every change to who reports to whom, who has which role or territory, or which records exist
writes a new, unique value under :data:`ORG_STAMP` in ``dataset_meta`` (:func:`touch_org`): ``users
add|set-role``, an import's admins, every ``data import`` and every ``data generate``. A process
compares the stamp with the one its scopes were built under before it uses them, so a change is in
force at the next query of every process sharing the database.

**One organisation per request.** Inside :func:`one_organisation` (a question, a plan or a read:
the service opens one per request) the stamp is read once per database, at its first use, and
every scope and memo of the request is checked against that reading: a turn that runs a dozen
scoped queries reads the stamp once instead of a dozen times, and sees one organisation from
start to end. A change committed while a request runs is in force from the next request on;
outside a request every check reads the stamp afresh.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, Engine, insert, or_, select, true, update

from tools.store.schema import Account, Activity, DatasetMeta, Opportunity, Role, Territory, User


class Sharing(StrEnum):
    """The organisation-wide default for accounts (see the module docstring)."""

    PRIVATE = "private"
    TERRITORY = "territory"


@dataclass(frozen=True)
class Scope:
    """The row filters of one viewer. ``users is None`` means no restriction.

    ``territories`` are the home territories of the people in scope: they can always be named, and
    under :attr:`Sharing.TERRITORY` their accounts are visible too.
    """

    users: frozenset[int] | None
    territories: frozenset[int] | None
    sharing: Sharing = Sharing.PRIVATE

    @property
    def unrestricted(self) -> bool:
        return self.users is None

    def opportunities(self) -> ColumnElement[bool]:
        return true() if self.users is None else Opportunity.owner_id.in_(self.users)

    def accounts(self) -> ColumnElement[bool]:
        if self.users is None:
            return true()
        has_own_deal = select(Opportunity.account_id).where(
            Opportunity.owner_id.in_(self.users), Opportunity.account_id.is_not(None)
        )
        visible = [Account.owner_id.in_(self.users), Account.id.in_(has_own_deal)]
        if self.sharing is Sharing.TERRITORY:
            visible.append(Account.territory_id.in_(self.territories or frozenset()))
        return or_(*visible)

    def users_filter(self) -> ColumnElement[bool]:
        return true() if self.users is None else User.id.in_(self.users)

    def territories_filter(self) -> ColumnElement[bool]:
        return true() if self.territories is None else Territory.id.in_(self.territories)

    def activities(self) -> ColumnElement[bool]:
        return true() if self.users is None else Activity.owner_id.in_(self.users)


def build_scope(
    connection: Connection, user_id: int, role: Role, sharing: Sharing = Sharing.PRIVATE
) -> Scope:
    """The one function deciding what a viewer may see."""
    if role in (Role.ADMIN, Role.REVOPS):
        return Scope(users=None, territories=None, sharing=sharing)
    users = {user_id}
    if role is Role.MANAGER:
        frontier = {user_id}
        while frontier:
            reports = set(connection.execute(select(User.id).where(User.manager_id.in_(frontier))).scalars())
            frontier = reports - users
            users |= frontier
    territories = {
        t
        for t in connection.execute(select(User.territory_id).where(User.id.in_(users))).scalars()
        if t is not None
    }
    return Scope(users=frozenset(users), territories=frozenset(territories), sharing=sharing)


#: ``dataset_meta`` key whose value changes whenever the organisation or the data set changes.
ORG_STAMP = "org_changed_at"
#: The keys a process watches: ``imported_at`` too, for databases written before every import and
#: generation stamped :data:`ORG_STAMP`.
STAMP_KEYS = ("imported_at", ORG_STAMP)

_READ_STAMP = select(DatasetMeta.key, DatasetMeta.value).where(DatasetMeta.key.in_(STAMP_KEYS))


def read_stamp(connection: Connection) -> str:
    """The current stamp (compare it with an earlier one; its content means nothing else)."""
    values = {key: value for key, value in connection.execute(_READ_STAMP).all()}
    return "|".join(str(values.get(key)) for key in STAMP_KEYS)


class _Readings:
    """The stamps read in one request, per database (the threads of a request share them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamps: dict[Engine, str] = {}

    def stamp(self, engine: Engine) -> str:
        with self._lock:
            stamp = self._stamps.get(engine)
            if stamp is None:
                stamp = self._stamps[engine] = _read_now(engine)
            return stamp


_REQUEST: ContextVar[_Readings | None] = ContextVar("salesplan_org_readings", default=None)


def _read_now(engine: Engine) -> str:
    with engine.connect() as connection:
        return read_stamp(connection)


@contextmanager
def one_organisation() -> Iterator[None]:
    """Within the block (one request, and the worker threads it starts, which inherit its context),
    :func:`current_stamp` reads each database's stamp once and then gives that reading."""
    token = _REQUEST.set(_Readings())
    try:
        yield
    finally:
        _REQUEST.reset(token)


def current_stamp(engine: Engine) -> str:
    """The organisation stamp of ``engine``'s database: the request's reading inside
    :func:`one_organisation`, else read now."""
    readings = _REQUEST.get()
    return _read_now(engine) if readings is None else readings.stamp(engine)


def touch_org(connection: Connection, clock: dt.datetime | None = None) -> None:
    """Record that people, roles, reporting lines or the data set changed: a new value under
    :data:`ORG_STAMP`, unique even for two changes in the same microsecond or under a fixed clock."""
    when = (clock or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds")
    stamp = f"{when}#{secrets.token_hex(4)}"
    updated = connection.execute(
        update(DatasetMeta).where(DatasetMeta.key == ORG_STAMP).values(value=stamp)
    ).rowcount
    if not updated:
        connection.execute(insert(DatasetMeta).values(key=ORG_STAMP, value=stamp))
