"""Listing territories: each one's reps, accounts and open pipeline in the viewer's scope.

A territory's accounts are those assigned to it that the viewer can see; its pipeline is the
viewer's visible opportunities on those accounts (see :mod:`tools.territory.book`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import func

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.rollup import first_ids, measure, metric, money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Role, Territory, User
from tools.viewer import Viewer


class TerritoryListInput(BaseModel):
    region: str | None = Field(default=None, description="Only territories in this region, e.g. 'West'.")


class TerritoryLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    region: str | None
    segment: str | None
    accounts: Figure
    reps: Figure
    potential: Figure
    open_pipeline: Figure


class TerritoryList(BaseModel):
    """The territories in your scope, with their accounts, reps, potential and open pipeline."""

    territories: list[TerritoryLine]
    accounts: Figure
    potential: Figure
    open_pipeline: Figure


def list_territories(repo: Repository, viewer: Viewer, params: TerritoryListInput) -> TerritoryList:
    """List the territories you can see with their accounts, reps, potential and open pipeline.

    Accounts and potential count the accounts assigned to each territory that you can see; reps are
    the reps in your scope whose home territory it is; open pipeline is your open opportunities on
    the territory's accounts (a rep's own, a manager's team's).

    Args:
        region: Only territories in this region, e.g. 'West'.

    Returns:
        One line per territory, and the totals across them.
    """
    query = repo.territories(viewer, Territory.id, Territory.name, Territory.region, Territory.segment)
    if params.region and params.region.strip():
        query = query.where(func.lower(Territory.region) == params.region.strip().casefold())
    with repo.connect() as connection:
        territories = connection.execute(query.order_by(Territory.name, Territory.id)).all()
        tids = [t.id for t in territories]
        accounts = repo.accounts(viewer, Account.id).where(Account.territory_id.in_(tids))
        deals = (
            repo.opportunities(viewer, Opportunity.id)
            .join(Account, Account.id == Opportunity.account_id)
            .where(Account.territory_id.in_(tids), ~Opportunity.is_closed)
        )
        reps = repo.users(viewer, User.id).where(User.role == Role.REP.value, User.territory_id.in_(tids))
        account_rows = {
            tid: (int(n), money(p))
            for tid, n, p in connection.execute(
                accounts.with_only_columns(
                    Account.territory_id, func.count(Account.id), func.sum(Account.potential)
                ).group_by(Account.territory_id)
            )
        }
        deal_rows = {
            tid: (int(n), money(a))
            for tid, n, a in connection.execute(
                deals.with_only_columns(
                    Account.territory_id, func.count(Opportunity.id), func.sum(Opportunity.amount)
                ).group_by(Account.territory_id)
            )
        }
        rep_counts = {
            tid: int(n)
            for tid, n in connection.execute(
                reps.with_only_columns(User.territory_id, func.count(User.id)).group_by(User.territory_id)
            )
        }
        by_potential = [Account.potential.desc()]
        account_ids = sample_ids(
            connection, accounts, "account", Account.id, by_potential, group=Account.territory_id
        )
        by_amount = [Opportunity.amount.desc()]
        deal_ids = sample_ids(
            connection, deals, "opportunity", Opportunity.id, by_amount, group=Account.territory_id
        )
        rep_ids = sample_ids(connection, reps, "user", User.id, [User.name], group=User.territory_id)
        all_accounts = first_ids(connection, accounts, "account", Account.id, by_potential)
        all_deals = first_ids(connection, deals, "opportunity", Opportunity.id, by_amount)
    lines = []
    for t in territories:
        where = [f"territory: {t.name}", "your scope"]
        n_accounts, potential = account_rows.get(t.id, (0, money(None)))
        n_deals, pipeline = deal_rows.get(t.id, (0, money(None)))
        lines.append(
            TerritoryLine(
                id=record_id("territory", t.id),
                name=t.name,
                region=t.region,
                segment=t.segment,
                accounts=measure(
                    "Accounts",
                    n_accounts,
                    Unit.COUNT,
                    "count of accounts",
                    where,
                    account_ids[t.id],
                    n_accounts,
                ),
                reps=measure(
                    "Reps",
                    rep_counts.get(t.id, 0),
                    Unit.COUNT,
                    "count of reps whose home territory it is",
                    where,
                    rep_ids[t.id],
                    rep_counts.get(t.id, 0),
                ),
                potential=measure(
                    "Potential",
                    potential,
                    Unit.USD,
                    "sum(accounts.potential)",
                    where,
                    account_ids[t.id],
                    n_accounts,
                ),
                open_pipeline=metric("open_pipeline", pipeline, [*where, "open"], deal_ids[t.id], n_deals),
            )
        )
    everywhere = ["territories listed", "your scope"]
    total_accounts = sum(n for n, _ in account_rows.values())
    total_deals = sum(n for n, _ in deal_rows.values())
    return TerritoryList(
        territories=lines,
        accounts=measure(
            "Accounts",
            total_accounts,
            Unit.COUNT,
            "count of accounts",
            everywhere,
            all_accounts,
            total_accounts,
        ),
        potential=measure(
            "Potential",
            money(sum((p for _, p in account_rows.values()), money(None))),
            Unit.USD,
            "sum(accounts.potential)",
            everywhere,
            all_accounts,
            total_accounts,
        ),
        open_pipeline=metric(
            "open_pipeline",
            money(sum((a for _, a in deal_rows.values()), money(None))),
            [*everywhere, "open"],
            all_deals,
            total_deals,
        ),
    )
