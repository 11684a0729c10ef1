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
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, insert, or_, select, true, update

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
