"""The account profile: everything a rep wants on one screen before a call.

Every row is read through the viewer's scoped selects: a rep looking at a colleague's account in
their territory sees its firmographics, contacts and products, but only their own deals and
activities on it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, func, or_

from tools.accounts.health import LOSS_WINDOW_DAYS, Health, HealthSignals, account_health
from tools.evidence import Figure, Unit, record_id
from tools.metrics import win_rate
from tools.resolve import resolve_account
from tools.rollup import measure, metric, money, probability
from tools.store.repository import Repository
from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    Opportunity,
    Product,
    Territory,
    User,
)
from tools.viewer import Viewer

ENGAGED_DAYS = 90
RECENT_ACTIVITIES = 10
#: Most deals listed per section (the figures count them all).
MAX_DEALS = 25
ECONOMIC_BUYER = "Economic Buyer"
UNASSIGNED_ROLE = "No buying role"


class AccountProfileInput(BaseModel):
    account: str = Field(description="The account's name; close spellings are matched.")


class Firmographics(BaseModel):
    id: str
    name: str
    industry: str | None
    segment: str | None
    tier: str | None
    country: str | None
    state: str | None
    city: str | None
    territory: str | None = Field(description="Empty when the territory is outside your view.")
    owner: str | None = Field(description="Empty when the owner is outside your view.")
    parent_account: str | None
    employees: Figure
    annual_revenue: Figure
    potential: Figure


class ContactLine(BaseModel):
    id: str
    name: str
    title: str | None
    buying_role: str | None
    last_engaged_at: dt.date | None
    engaged_last_90_days: bool


class RoleGroup(BaseModel):
    buying_role: str
    contacts: list[ContactLine]


class Contacts(BaseModel):
    by_role: list[RoleGroup]
    total: Figure
    engaged_last_90_days: Figure
    gaps: list[str] = Field(description="Missing economic buyer; one or no contact engaged in 90 days.")


class OwnedProduct(BaseModel):
    id: str
    product: str
    family: str | None
    status: str
    since: dt.date | None
    arr: Figure


class DealLine(BaseModel):
    id: str
    name: str
    product: str | None
    stage: str
    amount: Figure
    close_date: dt.date | None
    closed_at: dt.date | None
    next_step: str | None
    next_step_date: dt.date | None
    loss_reason: str | None


class ActivityLine(BaseModel):
    id: str
    occurred_at: dt.datetime
    kind: str
    subject: str | None
    contact: str | None
    opportunity_id: str | None


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


def _one_value(fig_name: str, value: Decimal | int | None, unit: Unit, formula: str, rid: str) -> Figure:
    return measure(fig_name, value, unit, formula, [], [rid], 1)


def _decimal(fig: Figure) -> Decimal:
    return Decimal(0) if fig.value is None else Decimal(str(fig.value))


def _name_lookup(connection: Connection, query: Select[Any], key: int | None) -> str | None:
    if key is None:
        return None
    row = connection.execute(query).first()
    return None if row is None else str(row[0])


def _firmographics(
    repo: Repository, viewer: Viewer, connection: Connection, account_id: int
) -> Firmographics:
    row = connection.execute(repo.accounts(viewer).where(Account.id == account_id)).one()
    rid = record_id("account", row.id)
    territory = _name_lookup(
        connection,
        repo.territories(viewer, Territory.name).where(Territory.id == row.territory_id),
        row.territory_id,
    )
    owner = _name_lookup(
        connection, repo.users(viewer, User.name).where(User.id == row.owner_id), row.owner_id
    )
    parent = _name_lookup(
        connection,
        repo.accounts(viewer, Account.name).where(Account.id == row.parent_account_id),
        row.parent_account_id,
    )
    return Firmographics(
        id=rid,
        name=row.name,
        industry=row.industry,
        segment=row.segment,
        tier=row.tier,
        country=row.country,
        state=row.state,
        city=row.city,
        territory=territory,
        owner=owner,
        parent_account=parent,
        employees=_one_value("Employees", row.employees, Unit.COUNT, "accounts.employees", rid),
        annual_revenue=_one_value(
            "Annual revenue", row.annual_revenue, Unit.USD, "accounts.annual_revenue", rid
        ),
        potential=_one_value(
            "Potential", row.potential, Unit.USD, "accounts.potential (estimated annual spend available)", rid
        ),
    )


def _contacts(repo: Repository, viewer: Viewer, connection: Connection, account_id: int) -> Contacts:
    since = repo.as_of - dt.timedelta(days=ENGAGED_DAYS)
    rows = connection.execute(
        repo.contacts(viewer).where(Contact.account_id == account_id).order_by(Contact.name, Contact.id)
    ).all()
    lines = [
        ContactLine(
            id=record_id("contact", c.id),
            name=c.name,
            title=c.title,
            buying_role=c.buying_role,
            last_engaged_at=c.last_engaged_at,
            engaged_last_90_days=c.last_engaged_at is not None and c.last_engaged_at >= since,
        )
        for c in rows
    ]
    groups: dict[str, list[ContactLine]] = {}
    for line in lines:
        groups.setdefault(line.buying_role or UNASSIGNED_ROLE, []).append(line)
    engaged = [c.id for c in lines if c.engaged_last_90_days]
    gaps = []
    if not any((c.buying_role or "").casefold() == ECONOMIC_BUYER.casefold() for c in lines):
        gaps.append("no economic buyer among the contacts")
    if len(engaged) == 1:
        gaps.append(f"single-threaded: only one contact engaged since {since}")
    elif not engaged:
        gaps.append(f"no contact engaged since {since}")
    return Contacts(
        by_role=[RoleGroup(buying_role=role, contacts=members) for role, members in sorted(groups.items())],
        total=measure(
            "Contacts", len(lines), Unit.COUNT, "count of contacts", [], [c.id for c in lines], len(lines)
        ),
        engaged_last_90_days=measure(
            "Contacts engaged in the last 90 days",
            len(engaged),
            Unit.COUNT,
            "count of contacts with last_engaged_at on or after as-of - 90 days",
            [f"last_engaged_at >= {since}"],
            engaged,
            len(engaged),
        ),
        gaps=gaps,
    )


def _products(
    repo: Repository, viewer: Viewer, connection: Connection, account_id: int
) -> list[OwnedProduct]:
    query = (
        repo.account_products(viewer, AccountProduct, Product.name, Product.family)
        .join(Product, Product.id == AccountProduct.product_id)
        .where(AccountProduct.account_id == account_id)
        .order_by(Product.name)
    )
    return [
        OwnedProduct(
            id=record_id("product", owned.product_id),
            product=owned.name,
            family=owned.family,
            status=owned.status,
            since=owned.since,
            arr=_one_value(
                "ARR",
                owned.arr,
                Unit.USD,
                "account_products.arr",
                record_id("account_product", f"{owned.account_id}-{owned.product_id}"),
            ),
        )
        for owned in connection.execute(query).all()
    ]


def _deal(deal: Any) -> DealLine:
    rid = record_id("opportunity", deal.id)
    return DealLine(
        id=rid,
        name=deal.name,
        product=deal.product,
        stage=deal.stage,
        amount=_one_value("Amount", deal.amount, Unit.USD, "opportunities.amount", rid),
        close_date=deal.close_date,
        closed_at=deal.closed_at,
        next_step=deal.next_step,
        next_step_date=deal.next_step_date,
        loss_reason=deal.loss_reason,
    )


def _activities(
    repo: Repository, viewer: Viewer, connection: Connection, account_id: int
) -> list[ActivityLine]:
    named_contacts = repo.contacts(viewer, Contact.id, Contact.name).subquery()
    query = (
        repo.activities(viewer, Activity, named_contacts.c.name.label("contact_name"))
        .outerjoin(named_contacts, named_contacts.c.id == Activity.contact_id)
        .where(Activity.account_id == account_id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(RECENT_ACTIVITIES)
    )
    return [
        ActivityLine(
            id=record_id("activity", a.id),
            occurred_at=a.occurred_at,
            kind=a.kind,
            subject=a.subject,
            contact=a.contact_name,
            opportunity_id=None if a.opportunity_id is None else record_id("opportunity", a.opportunity_id),
        )
        for a in connection.execute(query).all()
    ]


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
        firmographics = _firmographics(repo, viewer, connection, account_id)
        contacts = _contacts(repo, viewer, connection, account_id)
        products = _products(repo, viewer, connection, account_id)
        catalogue = int(connection.execute(repo.products(func.count(Product.id))).scalar_one())
        deals = connection.execute(
            repo.opportunities(viewer, Opportunity, Product.name.label("product"), probability().label("p"))
            .outerjoin(Product, Product.id == Opportunity.product_id)
            .where(Opportunity.account_id == account_id)
            .where(or_(~Opportunity.is_closed, Opportunity.closed_at >= recent))
            .order_by(Opportunity.close_date, Opportunity.closed_at.desc(), Opportunity.id)
        ).all()
        activities = _activities(repo, viewer, connection, account_id)
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
        open_opportunities=[_deal(o) for o in open_rows[:MAX_DEALS]],
        open_pipeline=metric("open_pipeline", open_total, ["open", "this account"], open_ids, len(open_ids)),
        weighted_pipeline=metric(
            "weighted_pipeline", weighted, ["open", "this account"], open_ids, len(open_ids)
        ),
        recent_closed=[_deal(o) for o in closed_rows[:MAX_DEALS]],
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
