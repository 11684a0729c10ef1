"""What a rep is good at, from their history: the industries, segments and product families they
win in, the deal sizes they win, how long they have been selling, and whether they are ramping.

* Win rates are won / closed deals of the rep, per industry (of the deal's account), segment and
  product family, smoothed toward the rep's overall rate with :data:`PRIOR_DEALS` deals' weight,
  so two wins in two tries do not outrank thirty in fifty.
* Deal size: the median, 25th and 75th percentile of the amounts of the deals they won.
* Tenure: months from the rep's hire date (``users.hire_date``) to the data's as-of date, or from
  their first deal (created) when no hire date is recorded.
* Ramp: a rep hired less than :data:`~tools.rebalance.ramp.RAMP_MONTHS` months before the as-of
  date is ramping, with a suggested capacity of the share of a full book they carry
  (:mod:`tools.rebalance.ramp`, the rule a rebalance uses); no hire date means fully ramped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from statistics import median, quantiles

from pydantic import BaseModel, Field

from tools.rebalance.book import hire_dates
from tools.rebalance.ramp import ramp_on
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Product
from tools.viewer import Viewer

PRIOR_DEALS = 5
SHOWN = 3


class Strength(BaseModel):
    """A rep's record in one industry, segment or product family."""

    name: str
    won: int
    closed: int
    win_rate: float = Field(description="Smoothed toward the rep's overall win rate.")


class RepProfile(BaseModel):
    id: str
    name: str
    won: int
    closed: int
    win_rate: float | None
    industries: list[Strength] = Field(description=f"Best first, at most {SHOWN}.")
    segments: list[Strength]
    products: list[Strength]
    median_won: float | None
    won_range: tuple[float, float] | None = Field(description="25th to 75th percentile of won amounts.")
    tenure_months: int | None = Field(description="From the hire date, else from the first deal.")
    hire_date: dt.date | None = None
    ramping: bool = Field(description="Hired less than the ramp (6 months) before the as-of date.")
    suggested_capacity: float = Field(description="Share of a full book: below 1 while ramping.")
    home_base: str | None = None
    #: Every smoothed win rate, by (kind, name), for matching; not shown.
    rates: dict[str, float] = Field(default_factory=dict, exclude=True)


def _key(kind: str, name: str | None) -> str:
    return f"{kind}:{name or 'unknown'}"


def read_profiles(repo: Repository, viewer: Viewer, reps: dict[int, str]) -> dict[int, RepProfile]:
    """The profile of each rep in ``reps`` (id -> name), from the deals the viewer can see."""
    deals = (
        repo.opportunities(
            viewer,
            Opportunity.owner_id,
            Opportunity.is_closed,
            Opportunity.is_won,
            Opportunity.amount,
            Opportunity.created_at,
            Account.industry,
            Account.segment,
            Product.family,
        )
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(Product, Product.id == Opportunity.product_id)
        .where(Opportunity.owner_id.in_(list(reps)))
    )
    tallies: dict[int, dict[str, list[int]]] = {r: defaultdict(lambda: [0, 0]) for r in reps}
    amounts: dict[int, list[float]] = {r: [] for r in reps}
    first: dict[int, dt.date] = {}
    with repo.connect() as connection:
        hired = hire_dates(connection, repo, viewer, reps)
        for row in connection.execute(deals):
            rep = int(row.owner_id)
            created = row.created_at.date() if isinstance(row.created_at, dt.datetime) else row.created_at
            if created is not None and (rep not in first or created < first[rep]):
                first[rep] = created
            if not row.is_closed:
                continue
            for key in ("all:", _key("industry", row.industry), _key("segment", row.segment)) + (
                (_key("product", row.family),) if row.family else ()
            ):
                tallies[rep][key][1] += 1
                tallies[rep][key][0] += 1 if row.is_won else 0
            if row.is_won and row.amount is not None:
                amounts[rep].append(float(row.amount))
    return {
        rep: _profile(rep, name, tallies[rep], amounts[rep], first.get(rep), hired.get(rep), repo.as_of)
        for rep, name in reps.items()
    }


def _profile(
    rep: int,
    name: str,
    tally: dict[str, list[int]],
    won: list[float],
    first_deal: dt.date | None,
    hire_date: dt.date | None,
    as_of: dt.date,
) -> RepProfile:
    wins, closed = tally.get("all:", [0, 0])
    overall = wins / closed if closed else None
    base = overall if overall is not None else 0.0
    rates = {
        key: (w + PRIOR_DEALS * base) / (c + PRIOR_DEALS) for key, (w, c) in tally.items() if key != "all:"
    }

    def best(kind: str) -> list[Strength]:
        found = [
            Strength(name=key.split(":", 1)[1], won=w, closed=c, win_rate=round(rates[key], 3))
            for key, (w, c) in tally.items()
            if key.startswith(kind + ":")
        ]
        return sorted(found, key=lambda s: (-s.win_rate, -s.won, s.name))[:SHOWN]

    since = hire_date or first_deal
    tenure = None if since is None else (as_of.year - since.year) * 12 + as_of.month - since.month
    ramp = ramp_on(hire_date, as_of)
    quartiles = quantiles(won, n=4) if len(won) >= 2 else None
    return RepProfile(
        id=f"user/{rep}",
        name=name,
        won=wins,
        closed=closed,
        win_rate=None if overall is None else round(overall, 3),
        industries=best("industry"),
        segments=best("segment"),
        products=best("product"),
        median_won=round(median(won), 2) if won else None,
        won_range=(round(quartiles[0], 2), round(quartiles[2], 2)) if quartiles else None,
        tenure_months=tenure,
        hire_date=hire_date,
        ramping=ramp is not None,
        suggested_capacity=1.0 if ramp is None else ramp.share,
        rates=rates,
    )


def rate(profile: RepProfile, kind: str, name: str | None) -> float:
    """The rep's smoothed win rate in one industry / segment / product family (their overall rate
    when they never closed a deal there)."""
    return profile.rates.get(_key(kind, name), profile.win_rate or 0.0)


def shown(profiles: Iterable[RepProfile]) -> list[RepProfile]:
    return sorted(profiles, key=lambda p: p.name)
