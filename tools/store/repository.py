"""The CRM repository: every read goes through a viewer's scope.

:func:`build_scope` is the one place row-level access is decided (DESIGN §2):

* rep — opportunities they own; accounts they own, have an opportunity on, or that lie in their
  territory; the contacts and products of those accounts; activities they logged;
* manager — everything their direct and indirect reports see, plus their own;
* admin / revops — everything.

The repository hands tools *scoped selects* (``repo.opportunities(viewer, …)``) rather than raw
tables, so a tool cannot forget the filter; a record outside scope is simply absent, exactly like a
record that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Select, or_, select, true

from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    DatasetMeta,
    Opportunity,
    OpportunityHistory,
    Product,
    Quota,
    Role,
    Territory,
    User,
)
from tools.store.stages import StageConfig

T = TypeVar("T")


class ViewerLike(Protocol):
    """What the repository needs of a viewer (``tools.viewer.Viewer`` in practice)."""

    @property
    def user_id(self) -> int: ...

    @property
    def role(self) -> Role: ...


@dataclass(frozen=True)
class Scope:
    """The row filters of one viewer. ``users is None`` means no restriction."""

    users: frozenset[int] | None
    territories: frozenset[int] | None

    @property
    def unrestricted(self) -> bool:
        return self.users is None

    def opportunities(self) -> ColumnElement[bool]:
        return true() if self.users is None else Opportunity.owner_id.in_(self.users)

    def accounts(self) -> ColumnElement[bool]:
        if self.users is None:
            return true()
        assert self.territories is not None
        has_own_deal = select(Opportunity.account_id).where(Opportunity.owner_id.in_(self.users))
        return or_(
            Account.owner_id.in_(self.users),
            Account.territory_id.in_(self.territories),
            Account.id.in_(has_own_deal.where(Opportunity.account_id.is_not(None))),
        )

    def users_filter(self) -> ColumnElement[bool]:
        return true() if self.users is None else User.id.in_(self.users)

    def territories_filter(self) -> ColumnElement[bool]:
        return true() if self.territories is None else Territory.id.in_(self.territories)

    def activities(self) -> ColumnElement[bool]:
        return true() if self.users is None else Activity.owner_id.in_(self.users)


def build_scope(connection: Connection, user_id: int, role: Role) -> Scope:
    """The one function deciding what a viewer may see."""
    if role in (Role.ADMIN, Role.REVOPS):
        return Scope(users=None, territories=None)
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
    return Scope(users=frozenset(users), territories=frozenset(territories))


#: ``dataset_meta`` keys whose values change when the data set or the organisation changes.
STAMP_KEYS = ("imported_at", "org_changed_at")


def _read_stamp(connection: Connection) -> str:
    rows = connection.execute(
        select(DatasetMeta.key, DatasetMeta.value).where(DatasetMeta.key.in_(STAMP_KEYS))
    ).all()
    values = {key: value for key, value in rows}
    return "|".join(str(values.get(key)) for key in STAMP_KEYS)


class Repository:
    """Scoped access to the CRM store for the tools.

    ``as_of`` is the date every "today" means; ``stages`` the stage configuration;
    ``fy_start_month`` the first month of the fiscal year (for "Q3", "this year");
    ``record_url`` the template of a link to a record in the source CRM
    (``SALESPLAN_CRM_RECORD_URL``, see :func:`tools.evidence.record_url`), if any.

    Scopes and memoised facts are remembered until :meth:`data_stamp` changes: a re-import, or a
    change to who reports to whom or who has which role (``users add|set-role``, from any process);
    every :meth:`connect` looks, so a change is seen by the next tool call.
    """

    def __init__(
        self,
        engine: Engine,
        stages: StageConfig,
        as_of: dt.date,
        fy_start_month: int = 1,
        record_url: str | None = None,
    ) -> None:
        self.engine = engine
        self.stages = stages
        self.as_of = as_of
        self.fy_start_month = fy_start_month
        self.record_url = record_url
        self._scopes: dict[tuple[int, Role], Scope] = {}
        self._scope_stamp: str | None = None
        self._memo: dict[tuple[Any, ...], tuple[str, Any]] = {}

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection; scopes are forgotten when the organisation changed since the last one."""
        with self.engine.connect() as connection:
            self._note_stamp(connection)
            yield connection

    def _note_stamp(self, connection: Connection) -> None:
        stamp = _read_stamp(connection)
        if stamp != self._scope_stamp:
            self._scopes.clear()
            self._scope_stamp = stamp

    def data_stamp(self) -> str:
        """Changes whenever the data set is regenerated or re-imported (``dataset_meta.imported_at``)
        and whenever users are added or change role or manager (``org_changed_at``)."""
        with self.engine.connect() as connection:
            return _read_stamp(connection)

    def estimate_basis(self, column: str = "opportunities.amount") -> str | None:
        """What the import took the estimated values of ``column`` from ("the product's list
        price"), or None when none of its values are estimates."""

        def read() -> str | None:
            with self.engine.connect() as connection:
                return connection.execute(
                    select(DatasetMeta.value).where(DatasetMeta.key == f"estimate:{column}")
                ).scalar()

        return self.memo(("estimate_basis", column), read)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the data set changes (for slow-moving facts such as the
        median won cycle of a scope, or which rules the loaded data can support)."""
        stamp = self.data_stamp()
        hit = self._memo.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        self._memo[key] = (stamp, value)
        return value

    def scope(self, viewer: ViewerLike) -> Scope:
        """The viewer's scope (rebuilt after :meth:`connect` saw the organisation change)."""
        key = (viewer.user_id, viewer.role)
        scope = self._scopes.get(key)
        if scope is None:
            with self.engine.connect() as connection:
                self._note_stamp(connection)
                scope = self._scopes[key] = build_scope(connection, viewer.user_id, viewer.role)
        return scope

    # Scoped selects: the only way tools read CRM rows.
    def opportunities(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Opportunity,))).where(self.scope(viewer).opportunities())

    def accounts(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Account,))).where(self.scope(viewer).accounts())

    def contacts(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query = select(*(columns or (Contact,)))
        if self.scope(viewer).unrestricted:
            return query
        return query.where(Contact.account_id.in_(self.accounts(viewer, Account.id)))

    def account_products(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query = select(*(columns or (AccountProduct,)))
        if self.scope(viewer).unrestricted:
            return query
        return query.where(AccountProduct.account_id.in_(self.accounts(viewer, Account.id)))

    def activities(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Activity,))).where(self.scope(viewer).activities())

    def history(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query = select(*(columns or (OpportunityHistory,)))
        if self.scope(viewer).unrestricted:
            return query
        return query.where(OpportunityHistory.opportunity_id.in_(self.opportunities(viewer, Opportunity.id)))

    def users(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (User,))).where(self.scope(viewer).users_filter())

    def territories(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        scope = self.scope(viewer)
        if scope.unrestricted:
            return select(*(columns or (Territory,)))
        via_accounts = self.accounts(viewer, Account.territory_id).where(Account.territory_id.is_not(None))
        return select(*(columns or (Territory,))).where(
            or_(scope.territories_filter(), Territory.id.in_(via_accounts))
        )

    def quotas(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query = select(*(columns or (Quota,)))
        if self.scope(viewer).unrestricted:
            return query
        return query.where(Quota.user_id.in_(self.users(viewer, User.id)))

    def products(self, *columns: Any) -> Select[Any]:
        """The product catalogue is not confidential: every viewer sees it."""
        return select(*(columns or (Product,)))
