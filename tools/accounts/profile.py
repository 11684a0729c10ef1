"""The account profile: everything a rep wants on one screen before a call.

Every row is read through the viewer's scoped selects: a rep looking at a colleague's account in
their territory sees its firmographics, contacts and products, but only their own deals and
activities on it. The sections (firmographics, contacts, products, deal and activity lines) and
their readers are in :mod:`tools.accounts.profile_sections`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, or_

from tools.accounts import profile_sections as sections
from tools.accounts.health import LOSS_WINDOW_DAYS, Health, HealthSignals, account_health
from tools.accounts.profile_sections import ActivityLine, Contacts, DealLine, Firmographics, OwnedProduct
from tools.evidence import Figure, Unit, record_id
from tools.metrics import win_rate
from tools.resolve import resolve_account
from tools.rollup import measure, metric, money, probability
from tools.store.repository import Repository
from tools.store.schema import (
    Opportunity,
    Product,
)
from tools.viewer import Viewer

#: Most deals listed per section (the figures count them all).
MAX_DEALS = 25


class AccountProfileInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class AccountProfile(BaseModel):
    """Firmographics, buying committee, products, deals, recent activity and health of one account."""

    as_of: dt.date
    firmographics: Firmographics
    contacts: Contacts
    products: list[OwnedProduct]
    active_arr: Figure
    open_pipeline: Figure
    weighted_pipeline: Figure
    open_opportunities: list[DealLine] = Field(description="Open deals by close date (at most 25).")
    recent_closed: list[DealLine] = Field(
        description="Deals closed in the last 180 days, latest first (at most 25)."
    )
    won_last_180_days: Figure
    win_rate_last_180_days: Figure
    recent_activities: list[ActivityLine]
    health: Health


def _decimal(fig: Figure) -> Decimal:
    return Decimal(0) if fig.value is None else Decimal(str(fig.value))


def account_profile(repo: Repository, viewer: Viewer, params: AccountProfileInput) -> AccountProfile:
    """Show one account: firmographics, buying committee, products, deals, recent activity and health.

    Contacts are grouped by buying role, with gaps flagged (no economic buyer; one or no contact
    engaged in the last 90 days). Deals are the open ones plus those closed in the last 180 days.
    Health is a 0-100 score: engagement (40 x max(0, 1 - days since last touch / 90)) + pipeline
    (25 x min(1, open pipeline / 25% of potential)) + products (20 x active products / catalogue
    size) + losses (15 x max(0, 1 - losses in the last 180 days / 2)); healthy >= 70, watch >= 40,
    at risk below 40.

    Args:
        account: The account's name; close spellings are matched.

    Returns:
        The profile; every number is a figure with its formula and record ids.

    Raises:
        UnknownName: No account you can see has that name (the message suggests close ones).
        AmbiguousName: Several accounts match the name about equally well.
    """
    account_id = resolve_account(repo, viewer, params.account).id
    as_of = repo.as_of
    recent = as_of - dt.timedelta(days=LOSS_WINDOW_DAYS)
    with repo.connect() as connection:
        firmographics = sections.firmographics(repo, viewer, connection, account_id)
        contacts = sections.contacts(repo, viewer, connection, account_id)
        products = sections.products(repo, viewer, connection, account_id)
        catalogue = int(connection.execute(repo.products(func.count(Product.id))).scalar_one())
        deals = connection.execute(
            repo.opportunities(viewer, Opportunity, Product.name.label("product"), probability().label("p"))
            .outerjoin(Product, Product.id == Opportunity.product_id)
            .where(Opportunity.account_id == account_id)
            .where(or_(~Opportunity.is_closed, Opportunity.closed_at >= recent))
            .order_by(Opportunity.close_date, Opportunity.closed_at.desc(), Opportunity.id)
        ).all()
        activities = sections.activities(repo, viewer, connection, account_id)
    open_rows = [d for d in deals if not d.is_closed]
    closed_rows = sorted((d for d in deals if d.is_closed), key=lambda d: (d.closed_at, d.id), reverse=True)
    open_ids = [record_id("opportunity", o.id) for o in open_rows]
    won = [o for o in closed_rows if o.is_won]
    lost = [o for o in closed_rows if not o.is_won]
    recent_filter = [f"closed_at >= {recent}"]
    active = [p for p in products if p.status.casefold() == "active"]
    touches = [(a.occurred_at.date(), a.id) for a in activities[:1]]
    touches += [(c.last_engaged_at, c.id) for g in contacts.by_role for c in g.contacts if c.last_engaged_at]
    last_touch = max(touches, default=None, key=lambda pair: pair[0])
    open_total = money(sum((o.amount or Decimal(0) for o in open_rows), Decimal(0)))
    weighted = money(sum(((o.amount or Decimal(0)) * Decimal(str(o.p)) for o in open_rows), Decimal(0)))
    guessed = [o for o in open_rows if o.amount_estimated and o.amount is not None]
    open_estimated = money(sum((o.amount for o in guessed), Decimal(0)))
    weighted_estimated = money(sum((o.amount * Decimal(str(o.p)) for o in guessed), Decimal(0)))
    health = account_health(
        HealthSignals(
            as_of=as_of,
            last_touch=None if last_touch is None else last_touch[0],
            last_touch_records=[] if last_touch is None else [last_touch[1]],
            open_pipeline=open_total,
            open_pipeline_records=open_ids,
            potential=None if firmographics.potential.value is None else _decimal(firmographics.potential),
            account_record=firmographics.id,
            active_products=len(active),
            product_records=[p.arr.record_ids[0] for p in active],
            catalogue_size=catalogue,
            recent_losses=len(lost),
            loss_records=[record_id("opportunity", o.id) for o in lost],
        )
    )
    return AccountProfile(
        as_of=as_of,
        firmographics=firmographics,
        contacts=contacts,
        products=products,
        active_arr=measure(
            "Active ARR",
            money(sum((_decimal(p.arr) for p in active), Decimal(0))),
            Unit.USD,
            "sum(arr) of products with status active",
            ["status = active"],
            [p.arr.record_ids[0] for p in active],
            len(active),
        ),
        open_opportunities=[sections.deal_line(o) for o in open_rows[:MAX_DEALS]],
        open_pipeline=metric(
            "open_pipeline", open_total, ["open", "this account"], open_ids, len(open_ids)
        ).with_estimate(open_estimated),
        weighted_pipeline=metric(
            "weighted_pipeline", weighted, ["open", "this account"], open_ids, len(open_ids)
        ).with_estimate(weighted_estimated),
        recent_closed=[sections.deal_line(o) for o in closed_rows[:MAX_DEALS]],
        won_last_180_days=metric(
            "bookings",
            money(sum((o.amount or Decimal(0) for o in won), Decimal(0))),
            recent_filter,
            [record_id("opportunity", o.id) for o in won],
            len(won),
        ),
        win_rate_last_180_days=metric(
            "win_rate",
            win_rate(len(won), len(lost)),
            recent_filter,
            [record_id("opportunity", o.id) for o in closed_rows],
            len(closed_rows),
        ),
        recent_activities=activities,
        health=health,
    )
