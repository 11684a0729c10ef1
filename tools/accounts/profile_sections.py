"""The sections of an account profile, each with its reader: firmographics, the buying committee,
owned products, deal lines and recent activities.

* contacts are grouped by buying role; the gaps are a missing economic buyer and one or no
  contact engaged in the last 90 days (``last_engaged_at`` on or after as-of - 90 days);
* activities are the latest ten on the account.

Every row is read through the viewer's scoped selects; the profile itself is assembled in
:mod:`tools.accounts.profile`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, select

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.rollup import measure
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Activity, Contact, Product, Territory, User
from tools.viewer import Viewer

ENGAGED_DAYS = 90
RECENT_ACTIVITIES = 10
ECONOMIC_BUYER = "Economic Buyer"
#: The one gap an account shows when the data set has no contacts at all (a CRM export without them).
NO_CONTACTS = "the data has no contacts (the export includes none), so buying roles cannot be checked"
UNASSIGNED_ROLE = "No buying role"


class Firmographics(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
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
    year_established: int | None = None
    employees: Figure
    annual_revenue: Figure
    potential: Figure


class ContactLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
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
    gaps: list[str] = Field(
        description="Missing economic buyer; one or no contact engaged in 90 days; or that the data "
        "has no contacts at all."
    )


class OwnedProduct(BaseModel):
    id: str
    product: str
    family: str | None
    status: str
    since: dt.date | None
    arr: Figure


class DealLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    product: str | None
    stage: str
    amount: Figure
    amount_estimated: bool = Field(
        default=False, description="The amount is an estimate the import filled in."
    )
    close_date: dt.date | None
    closed_at: dt.date | None
    next_step: str | None
    next_step_date: dt.date | None
    loss_reason: str | None


class ActivityLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    occurred_at: dt.datetime
    kind: str
    subject: str | None
    contact: str | None
    opportunity_id: str | None


def _one_value(fig_name: str, value: Decimal | int | None, unit: Unit, formula: str, rid: str) -> Figure:
    return measure(fig_name, value, unit, formula, [], [rid], 1)


def _name_lookup(connection: Connection, query: Select[Any], key: int | None) -> str | None:
    if key is None:
        return None
    row = connection.execute(query).first()
    return None if row is None else str(row[0])


def firmographics(repo: Repository, viewer: Viewer, connection: Connection, account_id: int) -> Firmographics:
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
        year_established=row.year_established,
        employees=_one_value("Employees", row.employees, Unit.COUNT, "accounts.employees", rid),
        annual_revenue=_one_value(
            "Annual revenue", row.annual_revenue, Unit.USD, "accounts.annual_revenue", rid
        ),
        potential=_one_value(
            "Potential", row.potential, Unit.USD, "accounts.potential (estimated annual spend available)", rid
        ),
    )


def has_contacts(repo: Repository, connection: Connection) -> bool:
    """Whether the loaded data set has any contact at all (a fact about the data, not a record)."""
    return bool(
        repo.memo(
            ("has_contacts",), lambda: connection.execute(select(Contact.id).limit(1)).first() is not None
        )
    )


def contacts(repo: Repository, viewer: Viewer, connection: Connection, account_id: int) -> Contacts:
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
    if not has_contacts(repo, connection):
        gaps.append(NO_CONTACTS)
    else:
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


def products(repo: Repository, viewer: Viewer, connection: Connection, account_id: int) -> list[OwnedProduct]:
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


def deal_line(deal: Any) -> DealLine:
    rid = record_id("opportunity", deal.id)
    return DealLine(
        id=rid,
        name=deal.name,
        product=deal.product,
        stage=deal.stage,
        amount=_one_value("Amount", deal.amount, Unit.USD, "opportunities.amount", rid).with_estimate(
            deal.amount if deal.amount_estimated else None
        ),
        amount_estimated=bool(deal.amount_estimated),
        close_date=deal.close_date,
        closed_at=deal.closed_at,
        next_step=deal.next_step,
        next_step_date=deal.next_step_date,
        loss_reason=deal.loss_reason,
    )


def activities(
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
