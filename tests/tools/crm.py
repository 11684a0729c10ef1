"""A small hand-built CRM whose figures the tool tests work out by hand.

As of 2026-11-20 (Q4 2026 runs 2026-10-01 .. 2026-12-31):

People: Vera (manager, VP) -> Max (manager, West) -> Rita, Ravi (reps, West Enterprise);
        Vera -> Mo (manager, East) -> Sam (rep, East Commercial); Olga (revops).
Territories: West Enterprise (1), East Commercial (2).
Accounts: Acme Corporation (Rita, West), Apex Health (Ravi, West), Globex (Sam, East),
          Initech (Sam, East, parent Globex), Umbrella Health (Ravi, West).
Products: Core (24,000), Analytics (12,000), Connectors (6,000).
Opportunities (amount, stage, owner):
  1  Acme - Core         120,000  Negotiation  Rita  close 2026-12-15  (commit)
  2  Acme - Analytics     30,000  Proposal     Rita  close 2026-11-01  (past close date)
  3  Apex - Core          60,000  Discovery    Ravi  close 2027-01-20  (single contact, stuck)
  4  Globex - Core        40,000  Qualification Sam  close 2026-12-01
  5  Globex - Analytics   10,000  Closed Won   Sam   closed 2026-10-15 (created 2026-08-01)
  6  Acme - Connectors    20,000  Closed Won   Rita  closed 2026-11-05 (created 2026-09-01)
  7  Apex - Analytics     15,000  Closed Lost  Ravi  closed 2026-10-20
  8  Initech - Core       50,000  Closed Won   Sam   closed 2026-06-30 (created 2026-03-02)
  9  Umbrella - Core       8,000  Prospecting  Ravi  close 2026-12-20  (no next step, created 2026-04-01)
Quotas 2026-Q4: Rita 100,000; Ravi 80,000; Sam 60,000.

Every user's records carry a canary string (``CANARY-<name>``) in a next step or activity
subject, so access tests can prove nothing leaks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from tools.store.bulk import INSERT_ORDER
from tools.store.rollups import refresh_rollups
from tools.store.snapshots import backfill_snapshots
from tools.store.stages import load_stages

AS_OF = dt.date(2026, 11, 20)
D = dt.date


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(15, 0), dt.UTC)


USERS = [
    dict(
        id=1,
        name="Vera Lang",
        email="vera@cobalt.example",
        role="manager",
        manager_id=None,
        territory_id=None,
    ),
    dict(id=2, name="Max Stone", email="max@cobalt.example", role="manager", manager_id=1, territory_id=None),
    dict(id=3, name="Mo Quinn", email="mo@cobalt.example", role="manager", manager_id=1, territory_id=None),
    dict(id=4, name="Rita Ruiz", email="rita@cobalt.example", role="rep", manager_id=2, territory_id=1),
    dict(id=5, name="Ravi Rao", email="ravi@cobalt.example", role="rep", manager_id=2, territory_id=1),
    dict(id=6, name="Sam Reyes", email="sam@cobalt.example", role="rep", manager_id=3, territory_id=2),
    dict(
        id=7, name="Olga Ops", email="olga@cobalt.example", role="revops", manager_id=None, territory_id=None
    ),
]
TERRITORIES = [
    dict(id=1, name="West Enterprise", region="West", segment="Enterprise"),
    dict(id=2, name="East Commercial", region="East", segment="Commercial"),
]
PRODUCTS = [
    dict(id=1, name="Core", family="Platform", list_price=Decimal(24000)),
    dict(id=2, name="Analytics", family="Analytics", list_price=Decimal(12000)),
    dict(id=3, name="Connectors", family="Integration", list_price=Decimal(6000)),
]
_ACCOUNT = dict(
    country="United States",
    parent_account_id=None,
    annual_revenue=None,
    state=None,
    city=None,
    latitude=None,
    longitude=None,
    tier="B",
)
ACCOUNTS = [
    {
        **_ACCOUNT,
        "id": 1,
        "name": "Acme Corporation",
        "industry": "Technology",
        "segment": "Enterprise",
        "employees": 5000,
        "territory_id": 1,
        "owner_id": 4,
        "potential": Decimal(400000),
        "tier": "A",
        "latitude": 37.77,
        "longitude": -122.42,
    },
    {
        **_ACCOUNT,
        "id": 2,
        "name": "Apex Health",
        "industry": "Healthcare",
        "segment": "Enterprise",
        "employees": 3000,
        "territory_id": 1,
        "owner_id": 5,
        "potential": Decimal(250000),
        "latitude": 47.61,
        "longitude": -122.33,
    },
    {
        **_ACCOUNT,
        "id": 3,
        "name": "Globex",
        "industry": "Technology",
        "segment": "Mid-Market",
        "employees": 800,
        "territory_id": 2,
        "owner_id": 6,
        "potential": Decimal(90000),
        "latitude": 40.71,
        "longitude": -74.01,
    },
    {
        **_ACCOUNT,
        "id": 4,
        "name": "Initech",
        "industry": "Technology",
        "segment": "Mid-Market",
        "employees": 600,
        "territory_id": 2,
        "owner_id": 6,
        "potential": Decimal(60000),
        "parent_account_id": 3,
    },
    {
        **_ACCOUNT,
        "id": 5,
        "name": "Umbrella Health",
        "industry": "Healthcare",
        "segment": "Enterprise",
        "employees": 2500,
        "territory_id": 1,
        "owner_id": 5,
        "potential": Decimal(150000),
        "tier": "C",
    },
]
CONTACTS = [
    dict(
        id=1,
        account_id=1,
        name="Ann Buyer",
        title="CFO",
        buying_role="Economic Buyer",
        email=None,
        last_engaged_at=D(2026, 11, 18),
    ),
    dict(
        id=2,
        account_id=1,
        name="Chad Champion",
        title="IT Director",
        buying_role="Champion",
        email=None,
        last_engaged_at=D(2026, 11, 10),
    ),
    dict(
        id=3,
        account_id=2,
        name="Tess Tech",
        title="Architect",
        buying_role="Technical Evaluator",
        email=None,
        last_engaged_at=D(2026, 10, 1),
    ),
    dict(
        id=4,
        account_id=3,
        name="Gil Green",
        title="VP Ops",
        buying_role="Economic Buyer",
        email=None,
        last_engaged_at=D(2026, 11, 12),
    ),
]
ACCOUNT_PRODUCTS = [
    dict(account_id=1, product_id=1, status="active", arr=Decimal(100000), since=D(2024, 1, 1)),
    dict(account_id=1, product_id=3, status="active", arr=Decimal(20000), since=D(2026, 11, 5)),
    dict(account_id=2, product_id=1, status="active", arr=Decimal(50000), since=D(2025, 3, 1)),
    dict(account_id=3, product_id=1, status="active", arr=Decimal(30000), since=D(2025, 6, 1)),
    dict(account_id=3, product_id=2, status="active", arr=Decimal(10000), since=D(2026, 10, 15)),
    dict(account_id=4, product_id=1, status="active", arr=Decimal(50000), since=D(2026, 6, 30)),
]


def _opp(
    id: int, account: int, owner: int, product: int, name: str, stage: str, amount: int, **rest: Any
) -> dict[str, Any]:
    probability = {
        "Prospecting": 0.05,
        "Qualification": 0.15,
        "Discovery": 0.3,
        "Proposal": 0.55,
        "Negotiation": 0.8,
        "Closed Won": 1.0,
        "Closed Lost": 0.0,
    }[stage]
    category = {
        "Proposal": "best_case",
        "Negotiation": "commit",
        "Closed Won": "closed",
        "Closed Lost": "omitted",
    }.get(stage, "pipeline")
    closed = stage.startswith("Closed")
    row = dict(
        id=id,
        external_id=f"O{id}",
        account_id=account,
        owner_id=owner,
        product_id=product,
        name=name,
        stage=stage,
        amount=Decimal(amount),
        probability=probability,
        forecast_category=category,
        is_closed=closed,
        is_won=stage == "Closed Won",
        closed_at=None,
        next_step=None,
        next_step_date=None,
        loss_reason=None,
        last_activity_at=None,
    )
    row.update(rest)
    if closed:
        row["closed_at"] = row["close_date"]
    return row


OPPORTUNITIES = [
    _opp(
        1,
        1,
        4,
        1,
        "Acme - Core",
        "Negotiation",
        120000,
        created_at=D(2026, 8, 1),
        stage_entered_at=D(2026, 11, 10),
        close_date=D(2026, 12, 15),
        next_step="Legal review CANARY-Rita",
        next_step_date=D(2026, 11, 25),
        last_activity_at=D(2026, 11, 18),
    ),
    _opp(
        2,
        1,
        4,
        2,
        "Acme - Analytics",
        "Proposal",
        30000,
        created_at=D(2026, 9, 1),
        stage_entered_at=D(2026, 10, 1),
        close_date=D(2026, 11, 1),
        next_step="Pricing call",
        next_step_date=D(2026, 11, 10),
        last_activity_at=D(2026, 11, 10),
    ),
    _opp(
        3,
        2,
        5,
        1,
        "Apex - Core",
        "Discovery",
        60000,
        created_at=D(2026, 7, 1),
        stage_entered_at=D(2026, 8, 15),
        close_date=D(2027, 1, 20),
        next_step="Demo CANARY-Ravi",
        next_step_date=D(2026, 12, 1),
        last_activity_at=D(2026, 10, 1),
    ),
    _opp(
        4,
        3,
        6,
        1,
        "Globex - Core",
        "Qualification",
        40000,
        created_at=D(2026, 10, 20),
        stage_entered_at=D(2026, 11, 1),
        close_date=D(2026, 12, 1),
        next_step="Discovery CANARY-Sam",
        next_step_date=D(2026, 11, 24),
        last_activity_at=D(2026, 11, 12),
    ),
    _opp(
        5,
        3,
        6,
        2,
        "Globex - Analytics",
        "Closed Won",
        10000,
        created_at=D(2026, 8, 1),
        stage_entered_at=D(2026, 10, 15),
        close_date=D(2026, 10, 15),
        last_activity_at=D(2026, 10, 15),
    ),
    _opp(
        6,
        1,
        4,
        3,
        "Acme - Connectors",
        "Closed Won",
        20000,
        created_at=D(2026, 9, 1),
        stage_entered_at=D(2026, 11, 5),
        close_date=D(2026, 11, 5),
        last_activity_at=D(2026, 11, 5),
    ),
    _opp(
        7,
        2,
        5,
        2,
        "Apex - Analytics",
        "Closed Lost",
        15000,
        created_at=D(2026, 6, 1),
        stage_entered_at=D(2026, 10, 20),
        close_date=D(2026, 10, 20),
        loss_reason="Price",
        last_activity_at=D(2026, 10, 20),
    ),
    _opp(
        8,
        4,
        6,
        1,
        "Initech - Core",
        "Closed Won",
        50000,
        created_at=D(2026, 3, 2),
        stage_entered_at=D(2026, 6, 30),
        close_date=D(2026, 6, 30),
        last_activity_at=D(2026, 6, 30),
    ),
    _opp(
        9,
        5,
        5,
        1,
        "Umbrella - Core",
        "Prospecting",
        8000,
        created_at=D(2026, 4, 1),
        stage_entered_at=D(2026, 4, 1),
        close_date=D(2026, 12, 20),
        last_activity_at=D(2026, 11, 15),
    ),
]
HISTORY = [
    # deal 1: created in Prospecting, close date pushed twice, then Negotiation
    dict(
        id=1,
        opportunity_id=1,
        changed_at=D(2026, 8, 1),
        stage="Prospecting",
        amount=Decimal(100000),
        close_date=D(2026, 10, 15),
    ),
    dict(
        id=2,
        opportunity_id=1,
        changed_at=D(2026, 10, 16),
        stage="Proposal",
        amount=Decimal(120000),
        close_date=D(2026, 11, 15),
    ),
    dict(
        id=3,
        opportunity_id=1,
        changed_at=D(2026, 11, 10),
        stage="Negotiation",
        amount=Decimal(120000),
        close_date=D(2026, 12, 15),
    ),
    dict(
        id=4,
        opportunity_id=2,
        changed_at=D(2026, 9, 1),
        stage="Proposal",
        amount=Decimal(30000),
        close_date=D(2026, 11, 1),
    ),
    dict(
        id=5,
        opportunity_id=3,
        changed_at=D(2026, 7, 1),
        stage="Prospecting",
        amount=Decimal(60000),
        close_date=D(2027, 1, 20),
    ),
    dict(
        id=6,
        opportunity_id=3,
        changed_at=D(2026, 8, 15),
        stage="Discovery",
        amount=Decimal(60000),
        close_date=D(2027, 1, 20),
    ),
]
ACTIVITIES = [
    dict(
        id=1,
        account_id=1,
        opportunity_id=1,
        contact_id=1,
        owner_id=4,
        kind="meeting",
        occurred_at=_at(D(2026, 11, 18)),
        subject="Negotiation meeting CANARY-Rita",
    ),
    dict(
        id=2,
        account_id=1,
        opportunity_id=2,
        contact_id=2,
        owner_id=4,
        kind="call",
        occurred_at=_at(D(2026, 11, 10)),
        subject="Pricing call",
    ),
    dict(
        id=3,
        account_id=2,
        opportunity_id=3,
        contact_id=3,
        owner_id=5,
        kind="demo",
        occurred_at=_at(D(2026, 9, 20)),
        subject="Demo CANARY-Ravi",
    ),
    dict(
        id=4,
        account_id=2,
        opportunity_id=3,
        contact_id=3,
        owner_id=5,
        kind="call",
        occurred_at=_at(D(2026, 10, 1)),
        subject="Follow-up call",
    ),
    dict(
        id=5,
        account_id=3,
        opportunity_id=4,
        contact_id=4,
        owner_id=6,
        kind="call",
        occurred_at=_at(D(2026, 11, 12)),
        subject="Discovery call CANARY-Sam",
    ),
    dict(
        id=6,
        account_id=5,
        opportunity_id=9,
        contact_id=None,
        owner_id=5,
        kind="email",
        occurred_at=_at(D(2026, 11, 15)),
        subject="Intro email",
    ),
]
QUOTAS = [
    dict(user_id=4, period="2026-Q4", amount=Decimal(100000)),
    dict(user_id=5, period="2026-Q4", amount=Decimal(80000)),
    dict(user_id=6, period="2026-Q4", amount=Decimal(60000)),
    dict(user_id=4, period="2026-Q3", amount=Decimal(90000)),
    dict(user_id=5, period="2026-Q3", amount=Decimal(70000)),
    dict(user_id=6, period="2026-Q3", amount=Decimal(50000)),
]
META = [dict(key="as_of", value=AS_OF.isoformat()), dict(key="source", value="hand-built")]

ROWS = {
    "territories": TERRITORIES,
    "users": USERS,
    "products": PRODUCTS,
    "accounts": ACCOUNTS,
    "contacts": CONTACTS,
    "account_products": ACCOUNT_PRODUCTS,
    "opportunities": OPPORTUNITIES,
    "opportunity_history": HISTORY,
    "activities": ACTIVITIES,
    "quotas": QUOTAS,
    "dataset_meta": META,
}


def load(engine: Engine) -> None:
    """Insert the hand-built CRM into an empty, migrated database."""
    with engine.begin() as connection:
        for table in INSERT_ORDER:
            rows = ROWS[table.name]
            if table.name == "users":
                for row in sorted(rows, key=lambda r: (r["manager_id"] is not None, r["manager_id"] or 0)):
                    connection.execute(insert(table), [{"slack_user_id": None, "external_id": None, **row}])
            elif rows:
                connection.execute(insert(table), rows)
        refresh_rollups(connection)
        backfill_snapshots(connection, load_stages(), AS_OF)  # a past, as generate and import give
