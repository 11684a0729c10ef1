"""The CRM repository: every read goes through a viewer's scope.

What a viewer may see is decided in one place, :mod:`tools.store.scope` (the sharing model
``private`` or ``territory``, managers' teams, RevOps and admins; the rule is written there).
The repository hands tools *scoped selects* (``repo.opportunities(viewer, …)``) rather than raw
tables, so a tool cannot forget the filter; a record outside scope is simply absent, exactly like a
record that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Select, or_, select

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
from tools.store.scope import STAMP_KEYS, Scope, Sharing, build_scope, current_stamp
from tools.store.stages import StageConfig

__all__ = ["STAMP_KEYS", "Repository", "Scope", "Sharing", "ViewerLike", "build_scope"]

T = TypeVar("T")


class ViewerLike(Protocol):
    """What the repository needs of a viewer (``tools.viewer.Viewer`` in practice)."""

    @property
    def user_id(self) -> int: ...

    @property
    def role(self) -> Role: ...


class Repository:
    """Scoped access to the CRM store for the tools.

    ``as_of`` is the date every "today" means; ``stages`` the stage configuration;
    ``fy_start_month`` the first month of the fiscal year (for "Q3", "this year");
    ``record_url`` the template of a link to a record in the source CRM
    (``SALESPLAN_CRM_RECORD_URL``, see :func:`tools.evidence.record_url`), if any.

    ``sharing`` is the sharing model (``SALESPLAN_SHARING``, :class:`~tools.store.scope.Sharing`).

    Scopes are remembered per viewer together with the organisation stamp they were built under
    (:func:`~tools.store.scope.read_stamp`); every :meth:`scope` compares it with the stamp in the
    database, so a re-import, a generated data set or a change of people (``users add|set-role``,
    from any process sharing the database) is in force at the very next query, or inside a
    request (:func:`~tools.store.scope.one_organisation`) at the next request. Memoised facts
    (:meth:`memo`) are remembered until the same stamp changes.
    """

    def __init__(
        self,
        engine: Engine,
        stages: StageConfig,
        as_of: dt.date,
        fy_start_month: int = 1,
        record_url: str | None = None,
        sharing: Sharing = Sharing.PRIVATE,
    ) -> None:
        self.engine = engine
        self.stages = stages
        self.as_of = as_of
        self.fy_start_month = fy_start_month
        self.record_url = record_url
        self.sharing = sharing
        self._scopes: dict[tuple[int, Role], tuple[str, Scope]] = {}
        self._memo: dict[tuple[Any, ...], tuple[str, Any]] = {}

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection to the CRM database."""
        with self.engine.connect() as connection:
            yield connection

    def data_stamp(self) -> str:
        """Changes whenever the data set is regenerated or re-imported and whenever users are added
        or change role (``dataset_meta.org_changed_at``, see :mod:`tools.store.scope`); read once
        per request inside :func:`~tools.store.scope.one_organisation`."""
        return current_stamp(self.engine)

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
        """The viewer's scope, as the organisation is now.

        The stamp is read before the scope is built, so a change committed while it is being built
        leaves an old stamp beside it and the next call builds it again (never a stale scope kept
        under a new stamp, whatever the threads of the process do meanwhile)."""
        key = (viewer.user_id, viewer.role)
        stamp = self.data_stamp()
        hit = self._scopes.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        with self.engine.connect() as connection:
            scope = build_scope(connection, viewer.user_id, viewer.role, self.sharing)
        self._scopes[key] = (stamp, scope)
        return scope

    # Scoped selects: the only way tools read CRM rows.
    def opportunities(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Opportunity,))).where(self.scope(viewer).opportunities())

    def accounts(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Account,))).where(self.scope(viewer).accounts())

    def contacts(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query, scope = select(*(columns or (Contact,))), self.scope(viewer)
        if scope.unrestricted:
            return query
        return query.where(Contact.account_id.in_(select(Account.id).where(scope.accounts())))

    def account_products(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query, scope = select(*(columns or (AccountProduct,))), self.scope(viewer)
        if scope.unrestricted:
            return query
        return query.where(AccountProduct.account_id.in_(select(Account.id).where(scope.accounts())))

    def activities(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (Activity,))).where(self.scope(viewer).activities())

    def history(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query, scope = select(*(columns or (OpportunityHistory,))), self.scope(viewer)
        if scope.unrestricted:
            return query
        own = select(Opportunity.id).where(scope.opportunities())
        return query.where(OpportunityHistory.opportunity_id.in_(own))

    def users(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        return select(*(columns or (User,))).where(self.scope(viewer).users_filter())

    def territories(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        scope = self.scope(viewer)
        if scope.unrestricted:
            return select(*(columns or (Territory,)))
        via_accounts = select(Account.territory_id).where(scope.accounts(), Account.territory_id.is_not(None))
        return select(*(columns or (Territory,))).where(
            or_(scope.territories_filter(), Territory.id.in_(via_accounts))
        )

    def quotas(self, viewer: ViewerLike, *columns: Any) -> Select[Any]:
        query, scope = select(*(columns or (Quota,))), self.scope(viewer)
        if scope.unrestricted:
            return query
        return query.where(Quota.user_id.in_(select(User.id).where(scope.users_filter())))

    def products(self, *columns: Any) -> Select[Any]:
        """The product catalogue is not confidential: every viewer sees it."""
        return select(*(columns or (Product,)))
