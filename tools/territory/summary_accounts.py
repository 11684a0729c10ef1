"""The accounts of a territory summary: breakdowns, the largest accounts of a set, account briefs.

* a breakdown counts accounts and sums their potential per segment or industry;
* a ranked set is the largest accounts by potential (up to ``MAX_RECORD_IDS``), with the count
  and potential of the whole set, in one query;
* an account brief is one account with your open pipeline on it and your latest activity.

Used by :mod:`tools.territory.summary` for the breakdowns, the top accounts and the coverage gaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func

from tools.evidence import MAX_RECORD_IDS, ExternalId, Figure, RecordUrl, Unit, record_id
from tools.rollup import measure, metric, money, sample_ids
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Opportunity
from tools.viewer import Viewer

UNKNOWN = "(not set)"


class Breakdown(BaseModel):
    label: str
    accounts: Figure
    potential: Figure


class AccountBrief(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    segment: str | None
    industry: str | None
    potential: Figure
    open_pipeline: Figure
    last_activity_at: dt.datetime | None = Field(description="Your latest activity on the account.")


def breakdown(connection: Connection, accounts: Any, column: Any, filters: list[str]) -> list[Breakdown]:
    """Accounts and potential per value of ``column`` (segment, industry), largest potential first."""
    rows = connection.execute(
        accounts.with_only_columns(column, func.count(Account.id), func.sum(Account.potential))
        .group_by(column)
        .order_by(func.sum(Account.potential).desc(), column)
    ).all()
    ids = sample_ids(connection, accounts, "account", Account.id, [Account.potential.desc()], group=column)
    lines = []
    for key, count, potential in rows:
        label = key or UNKNOWN
        where = [*filters, f"{column.key}: {label}"]
        lines.append(
            Breakdown(
                label=label,
                accounts=measure(
                    "Accounts", int(count), Unit.COUNT, "count of accounts", where, ids[key], int(count)
                ),
                potential=measure(
                    "Potential",
                    money(potential),
                    Unit.USD,
                    "sum(accounts.potential)",
                    where,
                    ids[key],
                    int(count),
                ),
            )
        )
    return lines


@dataclass(frozen=True)
class Ranked:
    """The largest accounts of a set (up to ``MAX_RECORD_IDS``), with the count and potential of all."""

    rows: list[Any]
    count: int
    potential: Decimal

    @property
    def ids(self) -> list[str]:
        return [record_id("account", r.id) for r in self.rows]


def ranked(connection: Connection, accounts: Any) -> Ranked:
    """One query: the largest accounts by potential, and (window totals) how many and how much in all."""
    rows = connection.execute(
        accounts.with_only_columns(
            Account.id,
            Account.name,
            Account.segment,
            Account.industry,
            Account.potential,
            func.count(Account.id).over().label("total"),
            func.sum(Account.potential).over().label("total_potential"),
        )
        .order_by(func.coalesce(Account.potential, 0).desc(), Account.id)
        .limit(MAX_RECORD_IDS)
    ).all()
    if not rows:
        return Ranked([], 0, money(None))
    return Ranked(list(rows), int(rows[0].total), money(rows[0].total_potential))


def briefs(
    repo: Repository, viewer: Viewer, connection: Connection, groups: list[list[Any]]
) -> list[list[AccountBrief]]:
    """Account lines with the viewer's open pipeline and latest activity, for several lists at once."""
    ids = sorted({r.id for rows in groups for r in rows})
    open_deals = repo.opportunities(viewer, Opportunity.id).where(
        ~Opportunity.is_closed, Opportunity.account_id.in_(ids)
    )
    pipe = {
        a: (money(amount), int(n))
        for a, amount, n in connection.execute(
            open_deals.with_only_columns(
                Opportunity.account_id, func.sum(Opportunity.amount), func.count(Opportunity.id)
            ).group_by(Opportunity.account_id)
        )
    }
    deal_ids = sample_ids(
        connection,
        open_deals,
        "opportunity",
        Opportunity.id,
        [Opportunity.amount.desc()],
        group=Opportunity.account_id,
    )
    touched: dict[int, dt.datetime] = dict(
        connection.execute(
            repo.activities(viewer, Activity.account_id, func.max(Activity.occurred_at))
            .where(Activity.account_id.in_(ids))
            .group_by(Activity.account_id)
        ).all()
    )

    def brief(r: Any) -> AccountBrief:
        rid = record_id("account", r.id)
        amount, count = pipe.get(r.id, (money(None), 0))
        return AccountBrief(
            id=rid,
            name=r.name,
            segment=r.segment,
            industry=r.industry,
            potential=measure("Potential", r.potential, Unit.USD, "accounts.potential", [], [rid], 1),
            open_pipeline=metric(
                "open_pipeline", amount, ["open", "your opportunities"], deal_ids[r.id], count
            ),
            last_activity_at=touched.get(r.id),
        )

    return [[brief(r) for r in rows] for rows in groups]
