"""Whitespace: the products an account does not own, and how often similar accounts own them.

Peers are the *other* accounts in the viewer's scope with the same industry and segment; when
fewer than :data:`MIN_PEERS` exist, the same segment; when still fewer, every account in scope.
The report says which group was used.

* adoption rate = peers owning the product (status active) / peers;
* estimated value = mean ARR of the product among the peers that own it, or its list price when
  no peer does (or no owning peer has an ARR);
* expected value = adoption rate x estimated value.

Cross-sell candidates are the products not owned, adopted by at least one peer and with no open
opportunity on the account already, ranked by expected value (then adoption rate, then name).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, false, func, literal, select, true

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.metrics import ratio
from tools.resolve import resolve_account
from tools.rollup import measure, money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Opportunity, Product
from tools.viewer import Viewer

MIN_PEERS = 5
ACTIVE = "active"

Basis = Literal["same industry and segment", "same segment", "all accounts in scope"]
HeldBy = Literal["installed products", "won deals"]


class _Words(NamedTuple):
    had: str  # "owned by 14% of peers"
    having: str  # "the peers owning it"
    value: str  # "mean ARR"
    yearly: str  # "$33,384 a year"
    kept: str  # "owning GTK 500 (status active)"
    unvalued: str  # "list price of GTK 500 (no peer owns it with an ARR)"


#: How the figures are said: products owned, with their ARR, or products won, with the amount won.
WORDS: dict[HeldBy, _Words] = {
    "installed products": _Words(
        "owned", "owning", "ARR", " a year", " (status active)", "no peer owns it with an ARR"
    ),
    "won deals": _Words("bought", "buying", "amount won", "", "", "no peer bought it for a known amount"),
}


class WhitespaceInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class PeerGroup(BaseModel):
    basis: Basis
    description: str
    accounts: Figure


class WhitespaceProduct(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    product: str
    family: str | None
    status: str = Field(description="'not owned', or the account's status for it (e.g. 'churned').")
    open_opportunities: list[str] = Field(description="Your open opportunities for it on this account.")
    adoption_rate: Figure
    list_price: Figure
    estimated_value: Figure
    expected_value: Figure


class CrossSell(BaseModel):
    rank: int
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    product: str
    reason: str
    expected_value: Figure


class WhitespaceReport(BaseModel):
    """Products an account does not own, compared with similar accounts, and ranked cross-sell."""

    source_field: ClassVar[str] = "account_id"  # the record (tools.evidence.attach_sources)
    account_id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    account: str
    owned: list[str] = Field(description="Products the account owns (status active).")
    held_by: HeldBy = Field(
        default="installed products",
        description="What owning means here: the installed products, or, in data that records none, "
        "the products won at the account (their value the amount won).",
    )
    peer_group: PeerGroup
    not_owned: list[WhitespaceProduct]
    cross_sell: list[CrossSell] = Field(description="Cross-sell candidates, best first.")


def _peer_group(
    repo: Repository, viewer: Viewer, connection: Connection, account: Any
) -> tuple[ColumnElement[bool], Basis, str]:
    """The peers' condition: same industry and segment, else same segment, else everything in scope."""
    same_segment = Account.segment == account.segment if account.segment else false()
    same_both = and_(same_segment, Account.industry == account.industry) if account.industry else false()
    counts = repo.accounts(
        viewer,
        func.coalesce(func.sum(case((same_both, 1), else_=0)), 0),
        func.coalesce(func.sum(case((same_segment, 1), else_=0)), 0),
    ).where(Account.id != account.id)
    both, segment = (int(n) for n in connection.execute(counts).one())
    similar = f"{account.industry or 'unknown-industry'} {account.segment or 'unknown-segment'}"
    if both >= MIN_PEERS:
        return same_both, "same industry and segment", f"{similar} accounts"
    few = f"only {both} other {similar} account{'s' if both != 1 else ''}"
    if segment >= MIN_PEERS:
        return same_segment, "same segment", f"{account.segment} accounts ({few}, fewer than {MIN_PEERS})"
    few += f" and {segment} other {account.segment or 'unknown-segment'} account{'s' if segment != 1 else ''}"
    return true(), "all accounts in scope", f"all accounts ({few}, fewer than {MIN_PEERS})"


def account_whitespace(repo: Repository, viewer: Viewer, params: WhitespaceInput) -> WhitespaceReport:
    """Show the products an account does not own, how often similar accounts own them, and what to cross-sell.

    Peers are the other accounts you can see with the same industry and segment; with fewer than 5
    of them, the same segment; with fewer still, all your accounts (the peer group says which).
    Adoption rate = peers owning the product / peers. Estimated value = the mean ARR peers pay for
    it (the list price when no peer owns it). Expected value = adoption rate x estimated value.
    Cross-sell candidates: products not owned, owned by at least one peer and without an open
    opportunity on the account, ranked by expected value.

    Args:
        account: The account's name; close spellings are matched.

    Returns:
        The whitespace products with their adoption, list price and value, and the ranked cross-sell list.

    Raises:
        UnknownName: No account you can see has that name (the message suggests close ones).
        AmbiguousName: Several accounts match the name about equally well.
    """
    account_id = resolve_account(repo, viewer, params.account).id
    with repo.connect() as connection:
        account = connection.execute(
            repo.accounts(viewer, Account.id, Account.name, Account.industry, Account.segment).where(
                Account.id == account_id
            )
        ).one()
        condition, basis, group_name = _peer_group(repo, viewer, connection, account)
        peers = repo.accounts(viewer, Account.id).where(Account.id != account_id, condition)
        peer_count = int(connection.execute(peers.with_only_columns(func.count(Account.id))).scalar_one())
        peer_ids = sample_ids(connection, peers, "account", Account.id, [Account.potential.desc()]).get(
            None, []
        )
        held, held_by = _holdings(repo, viewer, connection)
        owned_by_peers = select(held.c.product_id).where(
            held.c.account_id.in_(peers), func.lower(held.c.status) == ACTIVE
        )
        adoption = {
            row.product_id: row
            for row in connection.execute(
                owned_by_peers.with_only_columns(
                    held.c.product_id,
                    func.count(held.c.account_id).label("owners"),
                    func.sum(held.c.arr).label("arr"),
                    func.count(held.c.arr).label("with_arr"),
                ).group_by(held.c.product_id)
            )
        }
        owner_ids = sample_ids(
            connection,
            owned_by_peers,
            "account",
            held.c.account_id,
            [held.c.arr.desc()],
            group=held.c.product_id,
        )
        statuses: dict[int, str] = dict(
            connection.execute(
                select(held.c.product_id, held.c.status).where(held.c.account_id == account_id)
            ).all()
        )
        open_deals = connection.execute(
            repo.opportunities(viewer, Opportunity.product_id, Opportunity.id)
            .where(Opportunity.account_id == account_id, ~Opportunity.is_closed)
            .order_by(Opportunity.id)
        ).all()
        catalogue = connection.execute(
            repo.products(Product.id, Product.name, Product.family, Product.list_price).order_by(Product.name)
        ).all()
    peer_filters = [group_name, "in your scope", f"excluding {account.name}"]
    in_pipeline: dict[int, list[str]] = {}
    for product_id, deal_id in open_deals:
        in_pipeline.setdefault(product_id, []).append(record_id("opportunity", deal_id))
    owned = [p.name for p in catalogue if (statuses.get(p.id) or "").casefold() == ACTIVE]
    not_owned = [
        _product_line(
            p,
            statuses.get(p.id),
            adoption.get(p.id),
            peer_count,
            owner_ids,
            in_pipeline,
            peer_filters,
            held_by,
        )
        for p in catalogue
        if p.name not in owned
    ]
    ranked = sorted(
        (p for p in not_owned if (p.adoption_rate.value or 0) > 0 and not p.open_opportunities),
        key=lambda p: (
            -Decimal(str(p.expected_value.value or 0)),
            -float(p.adoption_rate.value or 0),
            p.product,
        ),
    )
    return WhitespaceReport(
        account_id=record_id("account", account_id),
        account=account.name,
        owned=owned,
        held_by=held_by,
        peer_group=PeerGroup(
            basis=basis,
            description=f"{peer_count} peer accounts: {group_name}",
            accounts=measure(
                "Peer accounts",
                peer_count,
                Unit.COUNT,
                "count of peer accounts",
                peer_filters,
                peer_ids,
                peer_count,
            ),
        ),
        not_owned=not_owned,
        cross_sell=[_candidate(rank, line, held_by) for rank, line in enumerate(ranked, start=1)],
    )


def _holdings(repo: Repository, viewer: Viewer, connection: Connection) -> tuple[Subquery, HeldBy]:
    """What each account holds, (account_id, product_id, status, arr): its installed products, or,
    in data that records none (an export of deals and accounts only), the products won there, with
    the amount won as their value."""
    installed = repo.account_products(viewer, AccountProduct.account_id).limit(1)
    if connection.execute(installed).first() is not None:
        columns = (
            AccountProduct.account_id,
            AccountProduct.product_id,
            AccountProduct.status,
            AccountProduct.arr,
        )
        return repo.account_products(viewer, *columns).subquery(), "installed products"
    won = repo.opportunities(
        viewer,
        Opportunity.account_id.label("account_id"),
        Opportunity.product_id.label("product_id"),
        literal(ACTIVE).label("status"),
        func.sum(Opportunity.amount).label("arr"),
    ).where(Opportunity.is_won, Opportunity.account_id.is_not(None), Opportunity.product_id.is_not(None))
    return won.group_by(Opportunity.account_id, Opportunity.product_id).subquery(), "won deals"


def _candidate(rank: int, line: WhitespaceProduct, held_by: HeldBy) -> CrossSell:
    said = WORDS[held_by]
    reason = (
        f"{said.had} by {line.adoption_rate.display()} of peers; "
        f"estimated {line.estimated_value.display()}{said.yearly} ({line.estimated_value.formula})"
    )
    return CrossSell(
        rank=rank, id=line.id, product=line.product, reason=reason, expected_value=line.expected_value
    )


def _product_line(
    product: Any,
    status: str | None,
    adopted: Any,
    peer_count: int,
    owner_ids: dict[Any, list[str]],
    in_pipeline: dict[int, list[str]],
    peer_filters: list[str],
    held_by: HeldBy,
) -> WhitespaceProduct:
    said = WORDS[held_by]
    pid = record_id("product", product.id)
    owners = int(adopted.owners) if adopted is not None else 0
    owning = owner_ids.get(product.id, [])
    rate = ratio(owners, peer_count) if peer_count else None
    list_price = None if product.list_price is None else money(product.list_price)
    if adopted is not None and adopted.with_arr:
        estimate: Decimal | None = money(money(adopted.arr) / int(adopted.with_arr))
        estimate_formula = (
            f"mean {said.value} of {product.name} among the peers {said.having} it ({int(adopted.with_arr)})"
        )
        estimate_records, estimate_count = owning, int(adopted.with_arr)
    else:
        estimate = list_price
        estimate_formula = f"list price of {product.name} ({said.unvalued})"
        estimate_records, estimate_count = [pid], 1
    expected = None if rate is None or estimate is None else money(estimate * Decimal(str(rate)))
    owners_filters = [*peer_filters, f"{said.having} {product.name}{said.kept}"]
    return WhitespaceProduct(
        id=pid,
        product=product.name,
        family=product.family,
        status=status or "not owned",
        open_opportunities=in_pipeline.get(product.id, []),
        adoption_rate=measure(
            "Peer adoption rate",
            rate,
            Unit.RATIO,
            f"peers {said.having} {product.name} / peers ({owners} / {peer_count})",
            owners_filters,
            owning,
            owners,
        ),
        list_price=measure("List price", list_price, Unit.USD, "products.list_price", [], [pid], 1),
        estimated_value=measure(
            "Estimated annual value" if said.yearly else "Estimated value",
            estimate,
            Unit.USD,
            estimate_formula,
            owners_filters,
            estimate_records,
            estimate_count,
        ),
        expected_value=measure(
            "Expected value",
            expected,
            Unit.USD,
            "adoption rate x estimated annual value",
            owners_filters,
            [*owning, *([] if owning else [pid])],
            owners if owning else 1,
        ),
    )
