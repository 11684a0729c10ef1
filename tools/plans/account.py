"""The facts of an account plan: the account's profile, whitespace, deal risks, engagement trend and
the grounded candidates for its objectives, actions and risks (see :mod:`tools.plans.basis`).

Built from the account tools (profile, whitespace, stalled-deal flags) plus two measures of its own:

* engagement trend = activities on the account in the last 90 days vs the 90 days before, with the
  monthly counts of the last six months; rising when the recent count is at least 20% above the
  earlier one, falling when at least 20% below, else steady;
* upsell = products the account owns (active) whose ARR is below the median ARR of the same
  product among the peer accounts that own it (same segment, in your scope); the gap to that
  median is the upsell estimate.

Objective, action and risk candidates are computed in :mod:`tools.plans.account_candidates`.
Objective candidates (each SMART: a measure, a baseline, a target and a date in the next two
quarters) cover the open pipeline due by the end of next quarter, the best cross-sell and upsell
candidates, the buying committee when it has gaps, and engagement when it is falling or stale.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tools.accounts.profile import AccountProfile, AccountProfileInput, account_profile
from tools.accounts.profile_sections import ActivityLine, Contacts, DealLine, Firmographics, OwnedProduct
from tools.accounts.whitespace import CrossSell, PeerGroup, WhitespaceInput, account_whitespace
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.errors import SalesplanError
from tools.evidence import Figure, Unit, record_id
from tools.plans import account_candidates as candidates
from tools.plans.account_candidates import TREND_DAYS, EngagementTrend, MonthCount, OpenDeal, Upsell
from tools.plans.basis import (
    ActionBasis,
    ObjectiveBasis,
    PlanHorizon,
    PlaybookRef,
    RiskBasis,
    horizon,
    keyed,
    playbook_refs,
)
from tools.playbook import PlaybookSearcher
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Activity, Product
from tools.viewer import Viewer

TREND_MONTHS = 6
TREND_CHANGE = 0.20
MAX_CROSS_SELL = 5
MAX_UPSELL = 3
#: An owned product is an upsell candidate when its ARR is below this share of the peer median.
UPSELL_BELOW = Decimal("0.8")
MIN_UPSELL_PEERS = 3


class AccountPlanInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class AccountPlanFacts(BaseModel):
    """Everything an account plan shows, computed from the data; no prose."""

    as_of: dt.date
    horizon: PlanHorizon
    account: Firmographics
    contacts: Contacts
    products: list[OwnedProduct]
    active_arr: Figure
    open_pipeline: Figure
    weighted_pipeline: Figure
    won_last_180_days: Figure
    win_rate_last_180_days: Figure
    health_score: Figure
    health_band: str
    days_since_last_touch: Figure
    peer_group: PeerGroup
    cross_sell: list[CrossSell]
    upsell: list[Upsell]
    open_deals: list[OpenDeal]
    recent_closed: list[DealLine]
    recent_activities: list[ActivityLine]
    engagement: EngagementTrend
    objectives: list[ObjectiveBasis]
    actions: list[ActionBasis]
    risks: list[RiskBasis]
    playbook: list[PlaybookRef]
    playbook_note: str | None = None


def account_plan_facts(
    repo: Repository, viewer: Viewer, params: AccountPlanInput, playbook: PlaybookSearcher | None = None
) -> AccountPlanFacts:
    """The facts of an account plan for one account in the viewer's scope."""
    profile = account_profile(repo, viewer, AccountProfileInput(account=params.account))
    name = profile.firmographics.name
    whitespace = account_whitespace(repo, viewer, WhitespaceInput(account=name))
    account_id = int(profile.firmographics.id.rsplit("/", 1)[1])
    open_deals = _open_deals(repo, viewer, profile)
    engagement = _engagement(repo, viewer, account_id)
    upsell = _upsell(repo, viewer, account_id, profile)
    topics = [("account planning", "strategic account plan objectives")]
    if profile.contacts.gaps:
        topics.append(("relationships", "multi-threading buying committee economic buyer"))
    if any(d.flags for d in open_deals):
        topics.append(("stalled deals", "stalled deal recovery next step"))
    if whitespace.cross_sell or upsell:
        topics.append(("expansion", "cross-sell upsell whitespace expansion"))
    if profile.health.band != "healthy":
        topics.append(("account health", "account health churn risk re-engage"))
    refs, note = playbook_refs(playbook, topics)
    span = horizon(repo.as_of, repo.fy_start_month)
    objectives = candidates.objectives(profile, whitespace.cross_sell, upsell, engagement, span, refs)
    actions = candidates.actions(profile, open_deals, whitespace.cross_sell, upsell, refs)
    risks = candidates.risks(profile, open_deals, whitespace.cross_sell, engagement, refs)
    for prefix, items in (("O", objectives), ("A", actions), ("R", risks)):
        keyed(prefix, items)
    return AccountPlanFacts(
        as_of=repo.as_of,
        horizon=span,
        account=profile.firmographics,
        contacts=profile.contacts,
        products=profile.products,
        active_arr=profile.active_arr,
        open_pipeline=profile.open_pipeline,
        weighted_pipeline=profile.weighted_pipeline,
        won_last_180_days=profile.won_last_180_days,
        win_rate_last_180_days=profile.win_rate_last_180_days,
        health_score=profile.health.score,
        health_band=profile.health.band,
        days_since_last_touch=profile.health.days_since_last_touch,
        peer_group=whitespace.peer_group,
        cross_sell=whitespace.cross_sell[:MAX_CROSS_SELL],
        upsell=upsell,
        open_deals=open_deals,
        recent_closed=profile.recent_closed[:10],
        recent_activities=profile.recent_activities[:10],
        engagement=engagement,
        objectives=objectives,
        actions=actions,
        risks=risks,
        playbook=refs,
        playbook_note=note,
    )


def _open_deals(repo: Repository, viewer: Viewer, profile: AccountProfile) -> list[OpenDeal]:
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


def _engagement(repo: Repository, viewer: Viewer, account_id: int) -> EngagementTrend:
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


def _upsell(repo: Repository, viewer: Viewer, account_id: int, profile: AccountProfile) -> list[Upsell]:
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
