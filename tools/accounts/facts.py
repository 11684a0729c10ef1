"""Account facts and purchases: what a CRM export says about a company, and what it has bought.

* :func:`account_facts` answers "how big is X", "who owns X", "what's X's parent company", "when
  was X founded": the firmographics the data holds (industry, segment, employees, annual revenue,
  location, year established), the parent account and the subsidiaries, owner and territory;
  ``missing`` names the facts the data does not have for it, so an answer can say so instead of
  guessing.
* :func:`account_purchases` answers "what has X bought": the deals won at the account, by product,
  with amounts and dates; when the data also has a product-ownership table (``account_products``),
  what the account owns is listed beside it. Exports such as Maven's have no ownership table,
  so won deals are the purchase history.

Both read through the viewer's scoped selects: a parent or subsidiary outside the viewer's view is
not named, and a rep sees the deals they may see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from tools.accounts import profile_sections as sections
from tools.accounts.profile_sections import Firmographics, OwnedProduct
from tools.evidence import Figure, Unit, record_id
from tools.resolve import resolve_account
from tools.rollup import measure, money
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Opportunity, Product
from tools.viewer import Viewer

#: Most won deals listed (every won deal is counted in the totals).
MAX_DEALS = 25
WON_FORMULA = "sum(amount) of won deals at the account"
#: The firmographic facts an account can have, as ``missing`` names them.
FACTS = (
    "industry",
    "segment",
    "employees",
    "annual_revenue",
    "country",
    "city",
    "year_established",
    "parent_account",
    "owner",
    "territory",
)


class AccountInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class AccountRef(BaseModel):
    id: str
    name: str
    annual_revenue: Decimal | None = Field(default=None, description="The company's own annual revenue.")


class AccountFacts(BaseModel):
    """The firmographics of one account, its parent and subsidiaries, and the facts the data lacks."""

    firmographics: Firmographics
    parent_account_id: str | None = Field(description="Empty when there is no parent (or it is out of view).")
    parent_out_of_view: bool = Field(
        default=False, description="The account has a parent company the viewer cannot see (not named)."
    )
    subsidiaries: list[AccountRef] = Field(description="Accounts whose parent this account is (in view).")
    missing: list[str] = Field(description="Facts the data does not hold for this account.")


def account_facts(repo: Repository, viewer: Viewer, params: AccountInput) -> AccountFacts:
    """Facts about one company: industry, segment, size (employees, annual revenue), location,
    year established, parent company and subsidiaries, owner and territory.

    Args:
        account: The account's name; close spellings are matched.

    Returns:
        The facts, each number a figure with its record; ``missing`` lists what the data lacks.

    Raises:
        UnknownName: No account you can see has that name (the message suggests close ones).
        AmbiguousName: Several accounts match the name about equally well.
    """
    account_id = resolve_account(repo, viewer, params.account).id
    with repo.connect() as connection:
        firmographics = sections.firmographics(repo, viewer, connection, account_id)
        parent_of = select(Account.parent_account_id).where(Account.id == account_id).scalar_subquery()
        parent = connection.execute(repo.accounts(viewer, Account.id).where(Account.id == parent_of)).scalar()
        has_parent = connection.execute(select(parent_of)).scalar() is not None
        children = connection.execute(
            repo.accounts(viewer, Account.id, Account.name, Account.annual_revenue)
            .where(Account.parent_account_id == account_id)
            .order_by(Account.name, Account.id)
        ).all()
    present = firmographics.model_dump()
    missing = [
        fact
        for fact in FACTS
        if (present[fact]["value"] if isinstance(present[fact], dict) else present[fact]) is None
    ]
    return AccountFacts(
        firmographics=firmographics,
        parent_account_id=record_id("account", parent) if parent is not None else None,
        parent_out_of_view=has_parent and parent is None,
        subsidiaries=[
            AccountRef(id=record_id("account", i), name=n, annual_revenue=r) for i, n, r in children
        ],
        missing=missing,
    )


class WonDeal(BaseModel):
    id: str
    name: str
    product: str | None
    amount: Decimal | None = Field(description="Empty when the deal has no amount (amount unknown, not $0).")
    closed_at: dt.date | None


class PurchasedProduct(BaseModel):
    product: str
    family: str | None
    deals_won: int
    amount: Figure = Field(description="Sum of the won amounts of this product at the account.")
    first_won: dt.date | None
    last_won: dt.date | None


class AccountPurchases(BaseModel):
    """What an account has bought: won deals by product, and what it owns when the data says."""

    account: AccountRef
    basis: str = Field(description="Where the purchases come from: won deals, and owned products if any.")
    products: list[PurchasedProduct] = Field(description="Products won at the account, largest amount first.")
    total_won: Figure
    deals: list[WonDeal] = Field(description="The won deals, latest first (at most 25).")
    owned: list[OwnedProduct] = Field(description="What the account owns (the data's ownership table).")


def account_purchases(repo: Repository, viewer: Viewer, params: AccountInput) -> AccountPurchases:
    """What an account has bought: products won at the account with amounts and dates, and the
    products it owns when the data has an ownership table.

    Args:
        account: The account's name; close spellings are matched.

    Returns:
        Won deals by product (count, amount, first and last win), the won deals, what is owned.

    Raises:
        UnknownName: No account you can see has that name (the message suggests close ones).
        AmbiguousName: Several accounts match the name about equally well.
    """
    found = resolve_account(repo, viewer, params.account)
    with repo.connect() as connection:
        won = connection.execute(
            repo.opportunities(
                viewer,
                Opportunity.id,
                Opportunity.name,
                Opportunity.amount,
                Opportunity.closed_at,
                Product.name.label("product"),
                Product.family,
            )
            .outerjoin(Product, Product.id == Opportunity.product_id)
            .where(Opportunity.account_id == found.id, Opportunity.is_won)
            .order_by(Opportunity.closed_at.desc(), Opportunity.id.desc())
        ).all()
        has_ownership = repo.memo(
            ("has_account_products",),
            lambda: connection.execute(select(AccountProduct.account_id).limit(1)).first() is not None,
        )
        owned = sections.products(repo, viewer, connection, found.id) if has_ownership else []
    by_product: dict[str, list[Any]] = defaultdict(list)
    for row in won:
        by_product[row.product or "(no product)"].append(row)
    products = [_product(name, rows) for name, rows in by_product.items()]
    products.sort(key=lambda p: (-(p.amount.value or 0), p.product))
    ids = [record_id("opportunity", row.id) for row in won]
    total = money(sum((row.amount or Decimal(0) for row in won), Decimal(0)))
    owns = " and the products the account owns" if has_ownership else " (the data has no ownership table)"
    basis = "won deals" + owns
    return AccountPurchases(
        account=AccountRef(id=record_id("account", found.id), name=found.name),
        basis=basis,
        products=products,
        total_won=measure(
            "Won at the account",
            total,
            Unit.USD,
            "sum(amount) of won deals at the account",
            [],
            ids,
            len(ids),
        ),
        deals=[
            WonDeal(
                id=record_id("opportunity", row.id),
                name=row.name,
                product=row.product,
                amount=row.amount,
                closed_at=row.closed_at,
            )
            for row in won[:MAX_DEALS]
        ],
        owned=owned,
    )


def _product(name: str, rows: list[Any]) -> PurchasedProduct:
    amounts = [r.amount for r in rows if r.amount is not None]
    dates = sorted(r.closed_at for r in rows if r.closed_at is not None)
    ids = [record_id("opportunity", r.id) for r in rows]
    return PurchasedProduct(
        product=name,
        family=rows[0].family,
        deals_won=len(rows),
        amount=measure(
            f"Won {name}",
            money(sum(amounts, Decimal(0))) if amounts else None,
            Unit.USD,
            "sum(amount) of won deals of the product at the account",
            [],
            ids,
            len(ids),
        ),
        first_won=dates[0] if dates else None,
        last_won=dates[-1] if dates else None,
    )
