"""Account tools: search accounts, the account profile and whitespace (what else they could buy).

All three read through the viewer's scoped selects, so an account outside the viewer's scope is
never listed, never counted among peers and, asked for by name, is reported exactly like an
account that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, Select, func

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.resolve import UnknownName, best_match, resolve_territory, resolve_user
from tools.rollup import first_ids, measure, metric, money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity, Territory, User
from tools.viewer import Viewer

POTENTIAL_FORMULA = "accounts.potential (estimated annual spend available)"


class AccountSearch(BaseModel):
    name: str | None = Field(default=None, description="Part of the account name (case-insensitive).")
    industry: str | None = Field(default=None, description="Industry, e.g. 'Healthcare'.")
    segment: str | None = Field(default=None, description="Segment: 'SMB', 'Mid-Market' or 'Enterprise'.")
    territory: str | None = Field(default=None, description="Territory name, e.g. 'West Enterprise'.")
    tier: str | None = Field(default=None, description="Account tier, e.g. 'A'.")
    owner: str | None = Field(default=None, description="The account owner's name.")
    min_potential: Decimal | None = Field(
        default=None, ge=0, description="Only accounts with at least this potential."
    )
    has_open_pipeline: bool | None = Field(
        default=None, description="True: only accounts with open opportunities; false: only those without."
    )
    inactive_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Only accounts with no activity you can see in the last N days (or none ever).",
    )
    sort_by: Literal["potential", "name", "open_pipeline"] = Field(
        default="potential",
        description="Order: potential (largest first), name, or open_pipeline (largest first).",
    )
    limit: int = Field(default=20, ge=1, le=100, description="How many accounts to list (1-100).")


class AccountLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    industry: str | None
    segment: str | None
    tier: str | None
    territory: str | None = Field(description="Empty when the territory is outside your view.")
    owner: str | None = Field(description="Empty when the owner is outside your view.")
    potential: Figure
    open_pipeline: Figure = Field(
        description="Your open opportunities on the account (record_count = deals)."
    )
    last_activity_at: dt.datetime | None = Field(description="Your latest activity on the account.")


class AccountSearchResult(BaseModel):
    filters: list[str]
    matched: Figure = Field(description="How many accounts match (the list shows the first `limit`).")
    total_potential: Figure
    total_open_pipeline: Figure
    accounts: list[AccountLine]


def _lookup(connection: Connection, query: Select[Any]) -> dict[int, Any]:
    """``{key: value}`` from a two-column select."""
    return {int(key): value for key, value in connection.execute(query).all()}


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


def _conditions(
    repo: Repository, viewer: Viewer, params: AccountSearch, connection: Connection
) -> tuple[list[ColumnElement[bool]], list[str]]:
    conditions: list[ColumnElement[bool]] = []
    described = ["accounts in your scope"]
    if params.name:
        conditions.append(Account.name.icontains(params.name.strip(), autoescape=True))
        described.append(f"name contains {params.name.strip()!r}")
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
    return conditions, described


def search_accounts(repo: Repository, viewer: Viewer, params: AccountSearch) -> AccountSearchResult:
    """Find accounts in your scope by name, industry, segment, territory, tier, owner or potential.

    Each account comes with its potential, your open pipeline on it and your latest activity.
    Industry, segment, territory and owner names are matched forgivingly.

    Args:
        name: Part of the account name (case-insensitive).
        industry: Industry, e.g. 'Healthcare'.
        segment: Segment: 'SMB', 'Mid-Market' or 'Enterprise'.
        territory: Territory name, e.g. 'West Enterprise'.
        tier: Account tier, e.g. 'A'.
        owner: The account owner's name.
        min_potential: Only accounts with at least this potential.
        has_open_pipeline: True: only accounts with open opportunities; false: only those without.
        inactive_days: Only accounts with no activity you can see in the last N days (or none ever).
        sort_by: Order: potential (largest first), name, or open_pipeline (largest first).
        limit: How many accounts to list (1-100).

    Returns:
        The matching accounts, how many matched in all, and their total potential and open pipeline.

    Raises:
        UnknownName: A territory or owner you named is not in your scope.
        AmbiguousName: A name matches several territories, people, industries or segments equally well.
    """
    with repo.connect() as connection:
        conditions, described = _conditions(repo, viewer, params, connection)
        pipe = (
            repo.opportunities(
                viewer,
                Opportunity.account_id.label("account_id"),
                func.sum(Opportunity.amount).label("amount"),
                func.count(Opportunity.id).label("deals"),
            )
            .where(~Opportunity.is_closed, Opportunity.account_id.is_not(None))
            .group_by(Opportunity.account_id)
            .subquery()
        )
        open_amount = func.coalesce(pipe.c.amount, 0)
        matching = repo.accounts(viewer, Account.id).outerjoin(pipe, pipe.c.account_id == Account.id)
        matching = matching.where(*conditions)
        if params.has_open_pipeline is not None:
            matching = matching.where(
                pipe.c.deals.is_not(None) if params.has_open_pipeline else pipe.c.deals.is_(None)
            )
            described.append("with open pipeline" if params.has_open_pipeline else "without open pipeline")
        if params.inactive_days is not None:
            since = dt.datetime.combine(
                repo.as_of - dt.timedelta(days=params.inactive_days), dt.time(), dt.UTC
            )
            recent = repo.activities(viewer, Activity.account_id).where(
                Activity.occurred_at >= since, Activity.account_id.is_not(None)
            )
            matching = matching.where(Account.id.not_in(recent))
            described.append(f"no activity in the {params.inactive_days} days before {repo.as_of}")
        count, potential, pipeline, deals = connection.execute(
            matching.with_only_columns(
                func.count(Account.id),
                func.sum(Account.potential),
                func.sum(pipe.c.amount),
                func.coalesce(func.sum(pipe.c.deals), 0),
            )
        ).one()
        by_potential = func.coalesce(Account.potential, 0).desc()
        order: list[ColumnElement[Any]] = (
            [by_potential]
            if params.sort_by == "potential"
            else [Account.name.asc()]
            if params.sort_by == "name"
            else [open_amount.desc(), by_potential]
        )
        rows = connection.execute(
            matching.with_only_columns(
                Account.id,
                Account.name,
                Account.industry,
                Account.segment,
                Account.tier,
                Account.territory_id,
                Account.owner_id,
                Account.potential,
                pipe.c.amount,
                func.coalesce(pipe.c.deals, 0).label("deals"),
            )
            .order_by(*order, Account.id)
            .limit(params.limit)
        ).all()
        ids = [r.id for r in rows]
        territories = _lookup(
            connection,
            repo.territories(viewer, Territory.id, Territory.name).where(
                Territory.id.in_({r.territory_id for r in rows})
            ),
        )
        owners = _lookup(
            connection, repo.users(viewer, User.id, User.name).where(User.id.in_({r.owner_id for r in rows}))
        )
        last_activity = _lookup(
            connection,
            repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at))
            .where(Activity.account_id.in_(ids))
            .group_by(Activity.account_id),
        )
        open_of_listed = repo.opportunities(viewer, Opportunity.id).where(
            ~Opportunity.is_closed, Opportunity.account_id.in_(ids)
        )
        deal_ids = sample_ids(
            connection,
            open_of_listed,
            "opportunity",
            Opportunity.id,
            [Opportunity.amount.desc()],
            group=Opportunity.account_id,
        )
        all_deal_ids = first_ids(
            connection,
            repo.opportunities(viewer, Opportunity.id).where(
                ~Opportunity.is_closed, Opportunity.account_id.in_(matching.with_only_columns(Account.id))
            ),
            "opportunity",
            Opportunity.id,
            [Opportunity.amount.desc()],
        )
    lines = [
        AccountLine(
            id=record_id("account", r.id),
            name=r.name,
            industry=r.industry,
            segment=r.segment,
            tier=r.tier,
            territory=territories.get(r.territory_id),
            owner=owners.get(r.owner_id),
            potential=measure(
                "Potential", r.potential, Unit.USD, POTENTIAL_FORMULA, [], [record_id("account", r.id)], 1
            ),
            open_pipeline=metric(
                "open_pipeline",
                money(r.amount),
                ["open", "your opportunities"],
                deal_ids.get(r.id, []),
                int(r.deals),
            ),
            last_activity_at=last_activity.get(r.id),
        )
        for r in rows
    ]
    account_ids = [line.id for line in lines]
    return AccountSearchResult(
        filters=described,
        matched=measure(
            "Matching accounts",
            int(count),
            Unit.COUNT,
            "count of accounts matching the filters",
            described,
            account_ids,
            int(count),
        ),
        total_potential=measure(
            "Total potential",
            money(potential),
            Unit.USD,
            f"sum of {POTENTIAL_FORMULA} over the matching accounts",
            described,
            account_ids,
            int(count),
        ),
        total_open_pipeline=metric(
            "open_pipeline", money(pipeline), [*described, "open"], all_deal_ids, int(deals)
        ),
        accounts=lines,
    )


def largest_open_account(repo: Repository, viewer: Viewer) -> str | None:
    """The name of the viewer's account with the most open pipeline, if they have open deals."""
    query = (
        repo.opportunities(viewer, Account.name)
        .select_from(Opportunity)
        .join(Account, Account.id == Opportunity.account_id)
        .where(~Opportunity.is_closed)
        .group_by(Account.id, Account.name)
        .order_by(func.sum(Opportunity.amount).desc(), Account.id)
        .limit(1)
    )
    with repo.connect() as connection:
        name = connection.execute(query).scalar()
    return None if name is None else str(name)
