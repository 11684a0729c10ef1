"""The objective candidates of an account plan: SMART goals with targets grounded in history.

Each objective is a measure, its baseline, a target and a date in the next two quarters, tied to
records or a playbook passage (see :mod:`tools.plans.basis`). Targets say how they were set: the
open pipeline due by next quarter's end is worth what the trailing win rate says it brings (amount x
win rate; with the amounts unknown, that share of the deals won), not all of it; a cross-sell
opportunity is aimed at the product's typical won deal (its mean won amount over 12 months, else
the peers' mean ARR or the list price), never at a probability-weighted value; an upsell at the
peers' median ARR. Goals that need contacts or activities are left out when the data has none.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from tools.accounts.profile import AccountProfile
from tools.accounts.profile_sections import ContactLine, Contacts
from tools.accounts.whitespace import CrossSell
from tools.evidence import Figure, Unit
from tools.plans.account_measures import TREND_DAYS, EngagementTrend, Upsell
from tools.plans.basis import ObjectiveBasis, PlanHorizon, PlaybookRef, cite_for
from tools.plans.holdings import Holdings
from tools.rollup import money

STALE_TOUCH_DAYS = 30
ENGAGED_CONTACTS_TARGET = 3


def _engaged(contacts: Contacts, as_of: dt.date) -> list[ContactLine]:
    since = as_of - dt.timedelta(days=TREND_DAYS)
    return [
        c
        for group in contacts.by_role
        for c in group.contacts
        if c.last_engaged_at is not None and c.last_engaged_at >= since
    ]


def _usd(value: Decimal) -> str:
    return f"${value:,.0f}"


def _pipeline_objective(profile: AccountProfile, span: PlanHorizon, rate: Figure) -> ObjectiveBasis | None:
    """Bookings from the open deals due by next quarter's end: what the trailing win rate says they bring."""
    end = span.next_quarter_end
    due = [d for d in profile.open_opportunities if d.close_date is None or d.close_date <= end]
    if not due or not rate.value:
        return None
    share = Decimal(str(rate.value))
    undated = sum(1 for d in due if d.close_date is None)
    which = f"the account's {len(due)} open deals " + (
        "(none has a close date)"
        if undated == len(due)
        else f"due by {end.isoformat()}" + (f" ({undated} with no close date)" if undated else "")
    )
    known = [d for d in due if d.amount.value is not None]
    ids = [d.id for d in due]
    if known:
        total = sum((money(d.amount.value) for d in known), money(0))
        skipped = len(due) - len(known)
        basis = f"{_usd(total)} open pipeline x {float(share):.0%}, {rate.name}"
        if skipped:
            basis += f"; {skipped} deal(s) with no amount left out"
        baseline = Figure.of("Won from these deals", 0, Unit.USD, "none yet (they are open)", records=ids)
        target = Figure.of(
            "Bookings expected from these deals", money(total * share), Unit.USD, basis, rate.filters, ids
        )
        measure = f"bookings from {which}"
    else:
        wins = max(1, math.floor(len(due) * share + Decimal("0.5")))
        baseline = Figure.of("Deals won of these", 0, Unit.COUNT, "none yet (they are open)", records=ids)
        target = Figure.of(
            "Deals to win",
            wins,
            Unit.COUNT,
            f"{len(due)} deals x {float(share):.0%}, {rate.name}, rounded (their amounts are unknown)",
            rate.filters,
            ids,
        )
        measure = f"deals won of {which}"
    return ObjectiveBasis(
        theme="close open pipeline", measure=measure, baseline=baseline, target=target, due=end, links=ids
    )


def objectives(
    profile: AccountProfile,
    cross_sell: list[CrossSell],
    upsell: list[Upsell],
    engagement: EngagementTrend,
    span: PlanHorizon,
    refs: list[PlaybookRef],
    rate: Figure,
    deal_size: Figure | None,
    held: Holdings,
) -> list[ObjectiveBasis]:
    found: list[ObjectiveBasis] = []
    account = profile.firmographics.id
    pipeline = _pipeline_objective(profile, span, rate)
    if pipeline is not None:
        found.append(pipeline)
    if cross_sell and deal_size is not None and deal_size.value is not None:
        best = cross_sell[0]
        found.append(
            ObjectiveBasis(
                theme=f"open a {best.product} opportunity",
                measure=f"open {best.product} pipeline on the account (one qualified opportunity)",
                baseline=Figure.of(
                    f"Open {best.product} pipeline", 0, Unit.USD, "sum(amount) of open deals for it"
                ),
                target=deal_size,
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
    if held.contacts and profile.contacts.gaps:
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
    if held.activities and (engagement.direction in ("falling", "none") or stale):
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
