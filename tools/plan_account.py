"""The facts of an account plan: the account's profile, whitespace, deal risks, engagement trend and
the grounded candidates for its objectives, actions and risks (see :mod:`tools.plans`).

Built from the account tools (profile, whitespace, stalled-deal flags) plus two measures of its own:

* engagement trend = activities on the account in the last 90 days vs the 90 days before, with the
  monthly counts of the last six months; rising when the recent count is at least 20% above the
  earlier one, falling when at least 20% below, else steady;
* upsell = products the account owns (active) whose ARR is below the median ARR of the same
  product among the peer accounts that own it (same segment, in your scope); the gap to that
  median is the upsell estimate.

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

from tools.account_profile import (
    AccountProfile,
    AccountProfileInput,
    ActivityLine,
    ContactLine,
    Contacts,
    DealLine,
    Firmographics,
    OwnedProduct,
    account_profile,
)
from tools.account_whitespace import CrossSell, PeerGroup, WhitespaceInput, account_whitespace
from tools.evidence import Figure, Unit, record_id
from tools.plans import (
    ActionBasis,
    ObjectiveBasis,
    PlanHorizon,
    PlaybookRef,
    RiskBasis,
    cite_for,
    horizon,
    keyed,
    playbook_refs,
)
from tools.playbook import PlaybookSearcher
from tools.rollup import money
from tools.stalled import Flag, StalledQuery, stalled_deals
from tools.store.errors import SalesplanError
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Activity, Product
from tools.viewer import Viewer

TREND_DAYS = 90
TREND_MONTHS = 6
TREND_CHANGE = 0.20
STALE_TOUCH_DAYS = 30
MAX_CROSS_SELL = 5
MAX_UPSELL = 3
MAX_DEAL_ACTIONS = 5
#: An owned product is an upsell candidate when its ARR is below this share of the peer median.
UPSELL_BELOW = Decimal("0.8")
MIN_UPSELL_PEERS = 3
ENGAGED_CONTACTS_TARGET = 3
HIGH_SEVERITY_DAYS = 7
ACTION_DAYS = 14
EXPANSION_DAYS = 30


class AccountPlanInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


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
    objectives = _objectives(profile, whitespace.cross_sell, upsell, engagement, span, refs)
    actions = _actions(profile, open_deals, whitespace.cross_sell, upsell, refs)
    risks = _risks(profile, open_deals, whitespace.cross_sell, engagement, refs)
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


def _sum_figure(name: str, deals: list[DealLine], formula: str, filters: list[str]) -> Figure:
    total = sum((money(d.amount.value) for d in deals), money(0))
    return Figure.of(name, total, Unit.USD, formula, filters, [d.id for d in deals])


def _engaged(contacts: Contacts, as_of: dt.date) -> list[ContactLine]:
    since = as_of - dt.timedelta(days=TREND_DAYS)
    return [
        c
        for group in contacts.by_role
        for c in group.contacts
        if c.last_engaged_at is not None and c.last_engaged_at >= since
    ]


def _objectives(
    profile: AccountProfile,
    cross_sell: list[CrossSell],
    upsell: list[Upsell],
    engagement: EngagementTrend,
    span: PlanHorizon,
    refs: list[PlaybookRef],
) -> list[ObjectiveBasis]:
    found: list[ObjectiveBasis] = []
    account = profile.firmographics.id
    due_soon = [
        d
        for d in profile.open_opportunities
        if d.close_date is not None and d.close_date <= span.next_quarter_end
    ]
    if due_soon:
        filters = [f"open deals on the account closing by {span.next_quarter_end.isoformat()}"]
        target = _sum_figure("Open pipeline due by next quarter end", due_soon, "sum(amount)", filters)
        won = profile.won_last_180_days
        found.append(
            ObjectiveBasis(
                theme="close open pipeline",
                measure="bookings from the account's open deals due by the end of next quarter",
                baseline=won,
                target=target,
                due=span.next_quarter_end,
                links=[d.id for d in due_soon],
            )
        )
    if cross_sell:
        best = cross_sell[0]
        found.append(
            ObjectiveBasis(
                theme=f"open a {best.product} opportunity",
                measure=f"a qualified {best.product} opportunity on the account",
                baseline=Figure.of(
                    f"Open {best.product} pipeline", 0, Unit.USD, "sum(amount) of open deals for it"
                ),
                target=best.expected_value,
                due=span.this_quarter_end,
                links=[best.id, *(x for x in [cite_for(refs, "expansion")] if x)],
            )
        )
    if upsell:
        best_up = upsell[0]
        found.append(
            ObjectiveBasis(
                theme=f"grow {best_up.product}",
                measure=f"{best_up.product} ARR on the account",
                baseline=best_up.arr,
                target=best_up.peer_median_arr,
                due=span.next_quarter_end,
                links=[best_up.id],
            )
        )
    engaged = _engaged(profile.contacts, profile.as_of)
    if profile.contacts.gaps:
        found.append(
            ObjectiveBasis(
                theme="multi-thread the account",
                measure="contacts engaged in the last 90 days, including an economic buyer",
                baseline=Figure.of(
                    "Contacts engaged, last 90 days",
                    len(engaged),
                    Unit.COUNT,
                    "contacts with last_engaged_at in the last 90 days",
                    [f"account: {account}"],
                    [c.id for c in engaged],
                ),
                target=Figure.of(
                    "Contacts engaged, target",
                    max(ENGAGED_CONTACTS_TARGET, len(engaged) + 1),
                    Unit.COUNT,
                    f"max({ENGAGED_CONTACTS_TARGET}, engaged contacts + 1)",
                ),
                due=span.this_quarter_end,
                links=[account, *(x for x in [cite_for(refs, "relationships")] if x)],
            )
        )
    days = profile.health.days_since_last_touch.value
    stale = days is None or float(days) > STALE_TOUCH_DAYS
    if engagement.direction in ("falling", "none") or stale:
        baseline = engagement.recent
        target_count = max(int(engagement.previous.value or 0), int(baseline.value or 0) + 1, 3)
        found.append(
            ObjectiveBasis(
                theme="restore engagement",
                measure="activities on the account per 90 days",
                baseline=baseline,
                target=Figure.of(
                    "Activities per 90 days, target",
                    target_count,
                    Unit.COUNT,
                    "max(activities in the previous 90 days, recent + 1, 3)",
                ),
                due=span.this_quarter_end,
                links=[account],
            )
        )
    return found


def _actions(
    profile: AccountProfile,
    open_deals: list[OpenDeal],
    cross_sell: list[CrossSell],
    upsell: list[Upsell],
    refs: list[PlaybookRef],
) -> list[ActionBasis]:
    as_of = profile.as_of
    owner = profile.firmographics.owner or "the account owner"
    found: list[ActionBasis] = []
    risky = sorted((d for d in open_deals if d.flags), key=lambda d: -d.risk_score)[:MAX_DEAL_ACTIONS]
    for item in risky:
        flag = max(item.flags, key=lambda f: f.severity == "high")
        days = HIGH_SEVERITY_DAYS if flag.severity == "high" else ACTION_DAYS
        found.append(
            ActionBasis(
                action=flag.next_action,
                owner=item.owner or owner,
                due=as_of + dt.timedelta(days=days),
                link=item.deal.id,
                link_label=item.deal.name,
                reason=f"{flag.title}: {flag.evidence}",
                playbook=flag.playbook,
            )
        )
    healthy = [d for d in open_deals if not d.flags and d.deal.next_step]
    for item in sorted(healthy, key=lambda d: -money(d.deal.amount.value))[:2]:
        due = item.deal.next_step_date or as_of + dt.timedelta(days=ACTION_DAYS)
        found.append(
            ActionBasis(
                action=f"Complete the next step: {item.deal.next_step}",
                owner=item.owner or owner,
                due=max(due, as_of),
                link=item.deal.id,
                link_label=item.deal.name,
                reason=f"{item.deal.stage}, {item.deal.amount.display()}, closing {item.deal.close_date}",
            )
        )
    if "no economic buyer" in " ".join(profile.contacts.gaps).lower():
        found.append(
            ActionBasis(
                action="Identify the economic buyer and get a meeting with them",
                owner=owner,
                due=as_of + dt.timedelta(days=ACTION_DAYS),
                link=profile.firmographics.id,
                link_label=profile.firmographics.name,
                reason="no contact with the economic buyer role",
                playbook=cite_for(refs, "relationships"),
            )
        )
    quiet = [
        c
        for group in profile.contacts.by_role
        for c in group.contacts
        if c.buying_role in ("Decision Maker", "Economic Buyer", "Champion")
        and (c.last_engaged_at is None or (as_of - c.last_engaged_at).days > TREND_DAYS)
    ]
    for contact in quiet[:2]:
        last = contact.last_engaged_at.isoformat() if contact.last_engaged_at else "never"
        found.append(
            ActionBasis(
                action=f"Re-engage {contact.name} ({contact.buying_role})",
                owner=owner,
                due=as_of + dt.timedelta(days=ACTION_DAYS),
                link=contact.id,
                link_label=contact.name,
                reason=f"last engaged: {last}",
                playbook=cite_for(refs, "relationships"),
            )
        )
    for candidate in cross_sell[:2]:
        found.append(
            ActionBasis(
                action=f"Qualify {candidate.product} with the account",
                owner=owner,
                due=as_of + dt.timedelta(days=EXPANSION_DAYS),
                link=candidate.id,
                link_label=candidate.product,
                reason=candidate.reason,
                playbook=cite_for(refs, "expansion"),
            )
        )
    for grow in upsell[:1]:
        found.append(
            ActionBasis(
                action=f"Review {grow.product} usage and propose an expansion",
                owner=owner,
                due=as_of + dt.timedelta(days=EXPANSION_DAYS),
                link=grow.id,
                link_label=grow.product,
                reason=grow.reason,
                playbook=cite_for(refs, "expansion"),
            )
        )
    return found


def _risks(
    profile: AccountProfile,
    open_deals: list[OpenDeal],
    cross_sell: list[CrossSell],
    engagement: EngagementTrend,
    refs: list[PlaybookRef],
) -> list[RiskBasis]:
    found: list[RiskBasis] = []
    health = profile.health
    account = profile.firmographics.id
    if health.band != "healthy":
        found.append(
            RiskBasis(
                risk=f"Account health is {health.score.display()} / 100 ({health.band})",
                evidence=health.score,
                link=account,
                mitigation="Agree a re-engagement plan with the sponsor; review adoption of owned products",
                playbook=cite_for(refs, "account health"),
            )
        )
    flagged = [d for d in open_deals if d.flags]
    if flagged:
        evidence = _sum_figure(
            "Flagged open pipeline",
            [d.deal for d in flagged],
            "sum(amount) of open deals with a stalled-deal flag",
            ["open deals on the account with at least one flag"],
        )
        largest = max(flagged, key=lambda d: money(d.deal.amount.value))
        found.append(
            RiskBasis(
                risk=f"{len(flagged)} open deal(s) worth {evidence.display()} are stalled or at risk",
                evidence=evidence,
                link=largest.deal.id,
                mitigation="Work the flagged deals' next actions this week and re-confirm close dates",
                playbook=cite_for(refs, "stalled deals"),
            )
        )
    for gap in profile.contacts.gaps:
        found.append(
            RiskBasis(
                risk=f"Relationship gap: {gap}",
                evidence=profile.contacts.total,
                link=account,
                mitigation="Map the buying committee and add a second and third thread",
                playbook=cite_for(refs, "relationships"),
            )
        )
    if engagement.direction == "falling":
        found.append(
            RiskBasis(
                risk=(
                    f"Engagement is falling: {engagement.recent.value} activities in the last 90 days "
                    f"vs {engagement.previous.value} before"
                ),
                evidence=engagement.recent,
                link=account,
                mitigation="Schedule a business review and a touch with each engaged contact",
                playbook=cite_for(refs, "account health"),
            )
        )
    lost = health.losses.record_ids
    if lost:
        found.append(
            RiskBasis(
                risk=f"{len(lost)} deal(s) lost on the account in the last 180 days",
                evidence=Figure.of(
                    "Deals lost, last 180 days",
                    len(lost),
                    Unit.COUNT,
                    "count of deals closed lost in the last 180 days",
                    health.losses.filters,
                    lost,
                ),
                link=lost[0],
                mitigation="Review the loss reasons before the next proposal",
            )
        )
    churned = [c for c in cross_sell if "churn" in c.reason.lower()]
    for item in churned[:1]:
        found.append(
            RiskBasis(
                risk=f"{item.product} was churned",
                evidence=item.expected_value,
                link=item.id,
                mitigation="Find out why before proposing it again",
            )
        )
    return found
