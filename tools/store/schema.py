"""The CRM data model (table and column names are part of the product's contract).

Money columns are :class:`~tools.store.types.Money` (exact cents); calendar facts of a deal are
plain dates; timestamps are timezone-aware UTC. Indexes cover the access paths of the
analytics: by owner, account, stage, close date and last activity.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tools.store.types import Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"
    REVOPS = "revops"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Territory(Base):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(120))
    segment: Mapped[str | None] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('rep', 'manager', 'admin', 'revops')", name="role"),
        Index("ix_users_manager_id", "manager_id"),
        Index("ix_users_territory_id", "territory_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    slack_user_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: The day they started in their seat (a rep's ramp counts from it); empty: fully ramped.
    hire_date: Mapped[dt.date | None] = mapped_column(Date)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_owner_id", "owner_id"),
        Index("ix_accounts_territory_id", "territory_id"),
        Index("ix_accounts_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(120))
    segment: Mapped[str | None] = mapped_column(String(60))
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Money)
    country: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    potential: Mapped[Decimal | None] = mapped_column(Money)
    tier: Mapped[str | None] = mapped_column(String(20))
    year_established: Mapped[int | None] = mapped_column(Integer)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_account_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    buying_role: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(320))
    last_engaged_at: Mapped[dt.date | None] = mapped_column(Date)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    family: Mapped[str | None] = mapped_column(String(120))
    list_price: Mapped[Decimal | None] = mapped_column(Money)


class AccountProduct(Base):
    __tablename__ = "account_products"
    __table_args__ = (Index("ix_account_products_product_id", "product_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    arr: Mapped[Decimal | None] = mapped_column(Money)
    since: Mapped[dt.date | None] = mapped_column(Date)


OPEN_BY_STAGE = ("stage", "amount", "probability", "amount_estimated", "is_closed", "id")


def _open_deals_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=text("is_closed = 0"), postgresql_where=text("NOT is_closed"))


class Opportunity(Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        Index("ix_opportunities_owner_open", "owner_id", "is_closed"),
        Index("ix_opportunities_account_id", "account_id"),
        Index("ix_opportunities_stage", "stage"),
        Index("ix_opportunities_close_date", "close_date"),
        Index("ix_opportunities_last_activity_at", "last_activity_at"),
        Index("ix_opportunities_product_id", "product_id"),
        # Open pipeline: a partial covering index, so pipeline, forecast and stalled-deal scans read
        # only the open deals (a tenth of the table), never the rows. The SQLite predicate is spelled
        # as SQLAlchemy renders ``~Opportunity.is_closed`` (``is_closed = 0``) so SQLite uses it.
        # ``is_closed`` too: SQLite counts an index as covering only if it holds every column the
        # query names, the predicate's included. ``id`` last: SQLite keys every index by rowid
        # anyway; PostgreSQL needs it for index-only scans.
        _open_deals_index(
            "ix_opportunities_open",
            *("owner_id", "close_date", "stage", "amount", "amount_estimated", "probability"),
            *("forecast_category", "stage_entered_at", "last_activity_at", "created_at", "next_step_date"),
            *("next_step", "account_id", "product_id", "close_date_pushes", "contacts_engaged"),
            *("is_closed", "id"),
        ),
        # Open pipeline by stage: the pipeline summary's GROUP BY streams in stage order, and each
        # stage's largest deals (the records behind its figures) are a seek.
        _open_deals_index("ix_opportunities_open_stage", *OPEN_BY_STAGE),
        # Closed deals by close date: bookings, win rates and sales cycles per period.
        Index(
            "ix_opportunities_closed",
            "closed_at",
            "is_won",
            "owner_id",
            "amount",
            "amount_estimated",
            "created_at",
            "account_id",
            "id",
            sqlite_where=text("is_closed = 1"),
            postgresql_where=text("is_closed"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    amount_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    probability: Mapped[float | None] = mapped_column(Float)
    forecast_category: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.date | None] = mapped_column(Date)
    stage_entered_at: Mapped[dt.date | None] = mapped_column(Date)
    close_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.date | None] = mapped_column(Date)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_date: Mapped[dt.date | None] = mapped_column(Date)
    last_activity_at: Mapped[dt.date | None] = mapped_column(Date)
    loss_reason: Mapped[str | None] = mapped_column(String(200))
    #: Derived from opportunity_history by the writers: times the close date moved later.
    close_date_pushes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Derived from activities by the writers: distinct contacts engaged on the deal.
    contacts_engaged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StageRow(Base):
    """A stage of the loaded data as its source names it, with its semantics (see tools.store.stages)."""

    __tablename__ = "stages"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(Float)
    forecast_category: Mapped[str] = mapped_column(String(20))
    stall_days: Mapped[int | None] = mapped_column(Integer)
    is_closed: Mapped[bool] = mapped_column(Boolean)
    is_won: Mapped[bool] = mapped_column(Boolean)
    aliases: Mapped[str | None] = mapped_column(Text)


class OpportunityHistory(Base):
    __tablename__ = "opportunity_history"
    __table_args__ = (Index("ix_opportunity_history_opportunity_id", "opportunity_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    changed_at: Mapped[dt.date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    close_date: Mapped[dt.date | None] = mapped_column(Date)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_opportunity_id", "opportunity_id"),
        Index("ix_activities_account_id", "account_id", "occurred_at"),
        Index("ix_activities_owner_id", "owner_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str | None] = mapped_column(Text)


class Quota(Base):
    __tablename__ = "quotas"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)


class DatasetMeta(Base):
    __tablename__ = "dataset_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ApiToken(Base):
    """A user's API token, by its SHA-256 hash; refused from ``expires_at``, or once revoked (rotating
    also sets ``replaced_by``: the new token's id). Revoked rows stay. Not CRM data: imports skip it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    replaced_by: Mapped[int | None] = mapped_column(Integer)


class SlackDelivery(Base):
    """A Slack event or command already taken in: a retried delivery finds its key here and is
    dropped, across processes (the primary key makes the claim atomic)."""

    __tablename__ = "slack_deliveries"
    __table_args__ = (Index("ix_slack_deliveries_received_at", "received_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SlackDigest(Base):
    """The stalled-deal digest sent to a person on a day (at most one per person per day)."""

    __tablename__ = "slack_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(40))


class AuditEvent(Base):
    """One request and what came of it: who, when, through which interface, the tool calls, records,
    model and outcome, with secrets redacted (assistant/redaction.py). Append-only (triggers refuse
    updates and deletes); no foreign keys, so replacing the CRM data keeps the record."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_user_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    thread: Mapped[str | None] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[str] = mapped_column(Text)
    record_ids: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(Integer)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (typed as a :class:`~sqlalchemy.Table`)."""
    return Base.metadata.tables[model.__tablename__]
