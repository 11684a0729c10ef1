"""The measures of an account plan that the account tools do not already give.

Computed for the plan's viewer on one account (see :mod:`tools.plans.account`):

* open deals = the account's open opportunities with their stalled-deal flags and risk score;
* engagement trend = activities on the account in the last 90 days vs the 90 days before, with the
  monthly counts of the last six months; rising when the recent count is at least 20% above the
  earlier one, falling when at least 20% below, else steady;
* upsell = products the account owns (active) whose ARR is below the median ARR of the same
  product among the peer accounts that own it (same segment, in your scope); the gap to that
  median is the upsell estimate;
* a product's typical deal = the mean amount of its deals won in the last 12 months in your scope
  (else the given fallback: the peers' mean ARR of the product, or its list price), the size of a
  cross-sell opportunity to aim for.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tools import metrics
from tools.accounts.profile import AccountProfile
from tools.accounts.profile_sections import DealLine
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_evidence import Flag
from tools.errors import SalesplanError
from tools.evidence import Figure, Unit, record_id
from tools.plans.history import TRAILING_DAYS
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Activity, Opportunity, Product
from tools.viewer import Viewer

TREND_DAYS = 90
TREND_MONTHS = 6
TREND_CHANGE = 0.20
MAX_UPSELL = 3
#: An owned product is an upsell candidate when its ARR is below this share of the peer median.
UPSELL_BELOW = Decimal("0.8")
MIN_UPSELL_PEERS = 3


class MonthCount(BaseModel):
    month: str
    activities: int


class EngagementTrend(BaseModel):
    recent: Figure
    previous: Figure
    direction: Literal["rising", "steady", "falling", "none"]
    by_month: list[MonthCount]


class Upsell(BaseModel):
    id: str = Field(description="The account_product record.")
    product: str
    arr: Figure
    peer_median_arr: Figure
    uplift: Figure
    reason: str


class OpenDeal(BaseModel):
    deal: DealLine
    owner: str | None
    risk_score: int
    flags: list[Flag]


def open_deals(repo: Repository, viewer: Viewer, profile: AccountProfile) -> list[OpenDeal]:
    """The account's open deals with their stalled-deal flags (the account filter is the record's name)."""
    try:
        stalled = stalled_deals(
            repo, viewer, StalledQuery(account=profile.firmographics.name, limit=500)
        ).deals
    except SalesplanError:
        stalled = []
    by_id = {d.id: d for d in stalled}
    deals = []
    for line in profile.open_opportunities:
        found = by_id.get(line.id)
        deals.append(
            OpenDeal(
                deal=line,
                owner=found.owner if found else profile.firmographics.owner,
                risk_score=found.risk_score if found else 0,
                flags=found.flags if found else [],
            )
        )
    return deals


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def engagement(repo: Repository, viewer: Viewer, account_id: int) -> EngagementTrend:
    """Your activities on the account: the last 90 days vs the 90 days before, and by month."""
    as_of = repo.as_of
    since = dt.datetime.combine(as_of - dt.timedelta(days=2 * TREND_DAYS), dt.time(), dt.UTC)
    split = as_of - dt.timedelta(days=TREND_DAYS)
    with repo.connect() as connection:
        rows = connection.execute(
            repo.activities(viewer, Activity.id, Activity.occurred_at)
            .where(Activity.account_id == account_id, Activity.occurred_at >= since)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        ).all()
    recent = [r for r in rows if r.occurred_at.date() >= split]
    earlier = [r for r in rows if r.occurred_at.date() < split]
    months = Counter(_month(r.occurred_at.date()) for r in rows)
    first = dt.date(as_of.year, as_of.month, 1)
    labels = []
    for back in range(TREND_MONTHS - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        labels.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    if not recent and not earlier:
        direction: Literal["rising", "steady", "falling", "none"] = "none"
    elif len(recent) >= len(earlier) * (1 + TREND_CHANGE) and len(recent) > len(earlier):
        direction = "rising"
    elif len(recent) <= len(earlier) * (1 - TREND_CHANGE):
        direction = "falling"
    else:
        direction = "steady"

    def count(name: str, ids: list[int], window: str) -> Figure:
        return Figure.of(
            name,
            len(ids),
            Unit.COUNT,
            f"count of your activities on the account {window}",
            [f"account: {record_id('account', account_id)}"],
            [record_id("activity", i) for i in ids],
        )

    return EngagementTrend(
        recent=count("Activities, last 90 days", [r.id for r in recent], f"since {split.isoformat()}"),
        previous=count(
            "Activities, the 90 days before",
            [r.id for r in earlier],
            f"from {since.date().isoformat()} to {split.isoformat()}",
        ),
        direction=direction,
        by_month=[MonthCount(month=m, activities=months.get(m, 0)) for m in labels],
    )


def upsell(repo: Repository, viewer: Viewer, account_id: int, profile: AccountProfile) -> list[Upsell]:
    """Owned products whose ARR is below the peer median, the largest uplift first (at most three)."""
    owned = {
        p.product: p for p in profile.products if p.status == "active" and isinstance(p.arr.value, Decimal)
    }
    if not owned:
        return []
    segment = profile.firmographics.segment
    peers = repo.account_products(viewer, Product.name, AccountProduct.arr).join(
        Product, Product.id == AccountProduct.product_id
    )
    peers = peers.join(Account, Account.id == AccountProduct.account_id).where(
        AccountProduct.account_id != account_id,
        AccountProduct.status == "active",
        AccountProduct.arr.is_not(None),
        Product.name.in_(list(owned)),
    )
    peers = peers.where(Account.segment == segment) if segment else peers.where(Account.segment.is_(None))
    with repo.connect() as connection:
        rows = connection.execute(peers).all()
    arrs: dict[str, list[Decimal]] = {}
    for product, arr in rows:
        arrs.setdefault(product, []).append(money(arr))
    found = []
    basis = f"same segment ({segment})" if segment else "no segment"
    for product, line in owned.items():
        values = arrs.get(product, [])
        if len(values) < MIN_UPSELL_PEERS:
            continue
        median = money(statistics.median(values))
        arr = money(line.arr.value)
        if arr >= median * UPSELL_BELOW:
            continue
        peer_filters = [f"peers: {basis}, product: {product}, status active"]
        found.append(
            Upsell(
                id=line.id,
                product=product,
                arr=line.arr,
                peer_median_arr=Figure.of(
                    f"Peer median ARR, {product}",
                    median,
                    Unit.USD,
                    "median ARR of the product among peer accounts that own it",
                    peer_filters,
                    count=len(values),
                ),
                uplift=Figure.of(
                    f"Upsell estimate, {product}",
                    median - arr,
                    Unit.USD,
                    "peer median ARR - the account's ARR",
                    peer_filters,
                    [line.id],
                ),
                reason=(
                    f"ARR ${arr:,.0f} is below the ${median:,.0f} median of {len(values)} peer accounts "
                    f"({basis}) that own {product}"
                ),
            )
        )
    found.sort(key=lambda u: (-Decimal(str(u.uplift.value)), u.product))
    return found[:MAX_UPSELL]


def product_deal_size(repo: Repository, viewer: Viewer, product: str, name: str, fallback: Figure) -> Figure:
    """The mean won deal of ``product`` (a ``product/N`` id) over the last 12 months, else ``fallback``."""
    since = repo.as_of - dt.timedelta(days=TRAILING_DAYS - 1)
    query = repo.opportunities(viewer, Opportunity.id, Opportunity.amount).where(
        Opportunity.product_id == int(product.rsplit("/", 1)[1]),
        Opportunity.is_won.is_(True),
        Opportunity.closed_at >= since,
        Opportunity.amount.is_not(None),
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        return fallback
    return Figure.of(
        f"A typical {name} deal",
        metrics.average([money(r.amount) for r in rows]),
        Unit.USD,
        f"mean amount of the {len(rows)} {name} deals won in the last 12 months ({since} to {repo.as_of})",
        [f"product: {name}", f"won since {since}", "your scope"],
        [record_id("opportunity", r.id) for r in rows],
        len(rows),
    )
