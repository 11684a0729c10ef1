"""The filters of an account search, as SQL conditions and as the words that describe them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_

from tools.errors import InputError
from tools.filters import ACCOUNT_ATTRIBUTES, account_attribute
from tools.resolve import (
    UnknownName,
    best_match,
    resolve_account,
    resolve_product,
    resolve_territory,
    resolve_user,
)
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Contact, Opportunity
from tools.viewer import Viewer

if TYPE_CHECKING:
    from tools.accounts.search import AccountSearch


def _value_condition(
    repo: Repository, viewer: Viewer, connection: Connection, column: Any, kind: str, text: str
) -> tuple[ColumnElement[bool], str]:
    """The condition for an industry or segment as people write it ("mid market", "healthcare").

    The text is matched forgivingly against the values of the accounts in scope; a value none of
    them has is kept as written (case-insensitively), so the search simply finds nothing.
    """
    values = [v for v in connection.execute(repo.accounts(viewer, column).distinct()).scalars() if v]
    try:
        value = best_match(kind, text, dict(enumerate(sorted(values)))).name
    except UnknownName:
        value = text.strip()
        return func.lower(column) == value.casefold(), f"{kind}: {value}"
    return column == value, f"{kind}: {value}"


def conditions_of(
    repo: Repository, viewer: Viewer, params: AccountSearch, connection: Connection
) -> tuple[list[ColumnElement[bool]], list[str]]:
    conditions: list[ColumnElement[bool]] = []
    described = ["accounts in your scope"]
    if params.name:
        conditions.append(Account.name.icontains(params.name.strip(), autoescape=True))
        described.append(f"name contains {params.name.strip()!r}")
    if params.names:
        # the accounts an earlier answer listed: each by its exact name, as the data writes it
        conditions.append(Account.name.in_([name.strip() for name in params.names]))
        shown = (
            params.names if len(params.names) <= 4 else [*params.names[:3], f"{len(params.names) - 3} more"]
        )
        described.append(f"accounts: {', '.join(shown)}")
    if params.industry:
        condition, description = _value_condition(
            repo, viewer, connection, Account.industry, "industry", params.industry
        )
        conditions.append(condition)
        described.append(description)
    if params.segment:
        condition, description = _value_condition(
            repo, viewer, connection, Account.segment, "segment", params.segment
        )
        conditions.append(condition)
        described.append(description)
    if params.territory:
        territory = resolve_territory(repo, viewer, params.territory)
        conditions.append(Account.territory_id == territory.id)
        described.append(f"territory: {territory.name}")
    for field, column in ACCOUNT_ATTRIBUTES.items():
        if field in ("country", "state", "city") and (name := getattr(params, field)):
            value = account_attribute(repo, viewer, field, name)
            conditions.append(column == value)
            described.append(f"{field}: {value}")
    if params.outside_country:
        # "accounts outside the US": a country on file and not that one (no country says nothing)
        value = account_attribute(repo, viewer, "country", params.outside_country)
        column = ACCOUNT_ATTRIBUTES["country"]
        conditions.append(column.is_not(None) & (column != value))
        described.append(f"country: not {value}")
    if params.tier:
        conditions.append(func.upper(Account.tier) == params.tier.strip().upper())
        described.append(f"tier: {params.tier.strip().upper()}")
    if params.owner:
        owner = resolve_user(repo, viewer, params.owner)
        conditions.append(Account.owner_id == owner.id)
        described.append(f"owner: {owner.name}")
    if params.min_potential is not None:
        conditions.append(Account.potential >= params.min_potential)
        described.append(f"potential >= ${params.min_potential:,.0f}")
    if params.parent:
        parent = resolve_account(repo, viewer, params.parent)
        conditions.append(Account.parent_account_id == parent.id)
        described.append(f"subsidiaries of {parent.name}")
    if params.min_employees is not None:
        conditions.append(Account.employees >= params.min_employees)
        described.append(f"employees >= {params.min_employees:,}")
    if params.max_employees is not None:
        conditions.append(Account.employees <= params.max_employees)
        described.append(f"employees <= {params.max_employees:,}")
    for name, wanted in ((params.with_product, True), (params.without_product, False)):
        if name:
            # what the viewer can see was won or is owned there: a deal outside their scope says nothing
            product = resolve_product(repo, name)
            condition = _bought(repo, viewer, product.id)
            conditions.append(condition if wanted else ~condition)
            described.append(f"bought {product.name}" if wanted else f"not yet bought {product.name}")
    if params.has_won is not None:
        # a won deal only: products the account runs from elsewhere do not count
        won_at = repo.opportunities(viewer, Opportunity.account_id).where(
            Opportunity.is_won, Opportunity.account_id.is_not(None)
        )
        conditions.append(Account.id.in_(won_at) if params.has_won else Account.id.not_in(won_at))
        described.append("a deal won there" if params.has_won else "no deal won there")
    if params.without_contact_role:
        # "accounts with no economic buyer on file": the role as the data records it
        roles = _distinct_roles(repo, viewer)
        if not roles:
            raise InputError(
                "the data has no contacts on file, so no account can be checked for a buying role"
            )
        role = best_match("buying role", params.without_contact_role, dict(enumerate(roles))).name
        with_role = repo.contacts(viewer, Contact.account_id).where(Contact.buying_role == role)
        conditions.append(Account.id.not_in(with_role))
        described.append(f"no {role} contact on file")
    if params.has_bought is not None:
        customer = _bought(repo, viewer)
        conditions.append(customer if params.has_bought else ~customer)
        described.append("customers (bought from us)" if params.has_bought else "never bought from us")
    if params.is_subsidiary is not None:
        has_parent = Account.parent_account_id.is_not(None)
        conditions.append(has_parent if params.is_subsidiary else Account.parent_account_id.is_(None))
        described.append("subsidiaries" if params.is_subsidiary else "no parent account")
    if params.established_before is not None:
        conditions.append(Account.year_established < params.established_before)
        described.append(f"established before {params.established_before}")
    if params.established_after is not None:
        conditions.append(Account.year_established > params.established_after)
        described.append(f"established after {params.established_after}")
    if params.min_annual_revenue is not None:
        conditions.append(Account.annual_revenue >= params.min_annual_revenue)
        described.append(f"annual revenue >= ${params.min_annual_revenue:,.0f}")
    if params.max_annual_revenue is not None:
        conditions.append(Account.annual_revenue <= params.max_annual_revenue)
        described.append(f"annual revenue <= ${params.max_annual_revenue:,.0f}")
    return conditions, described


def _bought(repo: Repository, viewer: Viewer, product_id: int | None = None) -> ColumnElement[bool]:
    """Accounts where a deal you can see was won, or that run an active installed product (of one
    product, when given)."""
    won = repo.opportunities(viewer, Opportunity.account_id).where(
        Opportunity.is_won, Opportunity.account_id.is_not(None)
    )
    owned = repo.account_products(viewer, AccountProduct.account_id).where(
        func.lower(AccountProduct.status) == "active"
    )
    if product_id is not None:
        won = won.where(Opportunity.product_id == product_id)
        owned = owned.where(AccountProduct.product_id == product_id)
    return or_(Account.id.in_(won), Account.id.in_(owned))


def _distinct_roles(repo: Repository, viewer: Viewer) -> list[str]:
    with repo.connect() as connection:
        found = connection.execute(repo.contacts(viewer, Contact.buying_role).distinct()).scalars()
        return sorted({str(role) for role in found if role})


def lookup(connection: Connection, query: Select[Any]) -> dict[int, Any]:
    """``{key: value}`` from a two-column select."""
    return {int(key): value for key, value in connection.execute(query).all()}


def parents_of(connection: Connection, repo: Repository, viewer: Viewer, ids: set[Any]) -> dict[Any, str]:
    """The names of the parent accounts ``ids`` that are in the viewer's view."""
    found = {key for key in ids if key is not None}
    query = repo.accounts(viewer, Account.id, Account.name).where(Account.id.in_(found))
    return lookup(connection, query) if found else {}
