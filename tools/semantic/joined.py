"""The facts subquery a measure reads, and the tables dimensions and filters join to it.

Every fact source (deals, activities, quota rows) is first read through the repository's scoped
select into one subquery with the same columns; :class:`Joined` holds it with the aliased tables a
dimension or a filter reads (aliased, so a filter's own subqueries never correlate with them), and
:data:`JOINS` how each is joined, in order. :class:`Link` is what a fact row points at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, func, true
from sqlalchemy.orm import QueryableAttribute, aliased

from tools.store.schema import Account, Opportunity, Product, Territory, User

#: A column or an ORM attribute, as selects take them.
Expr = ColumnElement[Any] | QueryableAttribute[Any]


class Link(StrEnum):
    """What a fact row points at."""

    PERSON = "person"  # the deal owner, the activity's author, the quota holder
    ACCOUNT = "account"
    DEAL = "deal"  # product, stage and forecast category (deals, and activities on a deal)
    ACTIVITY = "activity"  # what kind of activity it was (calls, meetings, emails…)


class Joined:
    """The facts subquery and the aliased tables dimensions read from it."""

    def __init__(self, facts: FromClause, visible_accounts: Select[Any] | None) -> None:
        self.facts = facts
        self.visible_accounts = visible_accounts
        self.owner = aliased(User, name="dim_owner")
        self.manager = aliased(User, name="dim_manager")
        self.account = aliased(Account, name="dim_account")
        self.parent = aliased(Account, name="dim_parent")
        self.territory = aliased(Territory, name="dim_territory")
        self.product = aliased(Product, name="dim_product")
        self.deal = aliased(Opportunity, name="dim_deal")

    def column(self, name: str) -> ColumnElement[Any]:
        column: ColumnElement[Any] = self.facts.c[name]
        return column

    def parent_visible(self) -> ColumnElement[bool]:
        """A parent account is named only when the viewer may see it (``None``: sees every account)."""
        return true() if self.visible_accounts is None else self.parent.id.in_(self.visible_accounts)

    def territory_id(self) -> ColumnElement[Any]:
        return func.coalesce(self.account.territory_id, self.owner.territory_id)


@dataclass(frozen=True)
class Join:
    name: str
    target: Callable[[Joined], Any]
    on: Callable[[Joined], ColumnElement[bool]]
    needs: tuple[str, ...] = ()


#: Every join a dimension may need, in the order they are added to a query.
JOINS: tuple[Join, ...] = (
    Join("owner", lambda j: j.owner, lambda j: j.owner.id == j.column("person_id")),
    Join("manager", lambda j: j.manager, lambda j: j.manager.id == j.owner.manager_id, ("owner",)),
    Join("account", lambda j: j.account, lambda j: j.account.id == j.column("account_id")),
    Join(
        "parent",
        lambda j: j.parent,
        lambda j: and_(j.parent.id == j.account.parent_account_id, j.parent_visible()),
        ("account",),
    ),
    Join(
        "territory", lambda j: j.territory, lambda j: j.territory.id == j.territory_id(), ("owner", "account")
    ),
    Join("product", lambda j: j.product, lambda j: j.product.id == j.column("product_id")),
    Join("deal", lambda j: j.deal, lambda j: j.deal.id == j.column("deal_id")),
)


def joins_for(names: set[str]) -> list[Join]:
    """The joins ``names`` need, with what they depend on, in query order."""
    wanted = set(names)
    for join in reversed(JOINS):
        if join.name in wanted:
            wanted |= set(join.needs)
    return [join for join in JOINS if join.name in wanted]
