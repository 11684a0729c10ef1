"""What the reliability suites share: a data set with one distinctive account per rep (so any
cross-talk between users shows as another account's name in an answer), a small CRM export whose
names break naive SQL, Markdown and text handling, a closed loopback port, and a check that an
output holds no traceback."""

from __future__ import annotations

import csv
import datetime as dt
import socket
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert

from tools.store.rollups import refresh_rollups
from tools.store.schema import Account, DatasetMeta, Opportunity, Product, Role, Territory, User
from tools.viewer import Viewer

AS_OF = dt.date(2026, 11, 20)
#: One word per rep; each rep's account is "<word> Freight" and no two accounts share a word.
_NAMES = """
Amberly Bexley Corvin Dunmore Elstree Fenwick Galloway Hartwell Ingleby Jarrow Kestrel Larkspur
Marlowe Northam Oakhurst Penrith Quenby Redmarsh Stanmore Thornbury Ulverston Valemont Wexford
Yarrow Zennor Ashdown Brampton Calder Denholm Easton Foxley Glenrock Hawthorne Ivybridge Kingsley
Lowther Millbrook Newbury Pembury Quarrydale Rosedale Saltash Tarrant Upton Verwood Whitby
Yelland Zetland Aldwick Bramber
"""
WORDS = tuple(_NAMES.split())


@dataclass(frozen=True)
class Rep:
    """A planted rep: their own territory, one account and two open deals on it."""

    user_id: int
    name: str
    email: str
    slack_user_id: str
    account: str
    account_id: int
    deal_ids: tuple[int, int]

    @property
    def viewer(self) -> Viewer:
        return Viewer(user_id=self.user_id, role=Role.REP, name=self.name, territory_id=self.user_id)


def plant(engine: Engine, count: int) -> list[Rep]:
    """``count`` reps (at most ``len(WORDS)``), each alone in a territory, into an empty database.

    Each rep's deals: ``<account> - Core`` in Negotiation with its close date passed (stalled)
    and ``<account> - Analytics`` in Proposal.
    """
    assert count <= len(WORDS)
    reps = [
        Rep(
            user_id=n,
            name=f"Rep {word}",
            email=f"{word.lower()}@load.example",
            slack_user_id=f"U{word.upper()}",
            account=f"{word} Freight",
            account_id=n,
            deal_ids=(2 * n - 1, 2 * n),
        )
        for n, word in enumerate(WORDS[:count], start=1)
    ]
    deals = []
    for rep in reps:
        for deal_id, (product, stage, amount, close) in zip(
            rep.deal_ids,
            (("Core", "Negotiation", 120_000, dt.date(2026, 11, 1)), ("Analytics", "Proposal", 30_000, None)),
            strict=True,
        ):
            deals.append(
                {
                    "id": deal_id,
                    "external_id": f"L{deal_id}",
                    "account_id": rep.account_id,
                    "owner_id": rep.user_id,
                    "product_id": 1 if product == "Core" else 2,
                    "name": f"{rep.account} - {product}",
                    "stage": stage,
                    "amount": Decimal(amount + rep.user_id * 100),
                    "probability": 0.8 if stage == "Negotiation" else 0.55,
                    "forecast_category": "commit" if stage == "Negotiation" else "best_case",
                    "created_at": dt.date(2026, 8, 1),
                    "stage_entered_at": dt.date(2026, 9, 15),
                    "close_date": close or dt.date(2027, 1, 15),
                    "is_closed": False,
                    "is_won": False,
                    "next_step": f"Call {rep.account}",
                    "next_step_date": dt.date(2026, 11, 10),
                    "last_activity_at": dt.date(2026, 10, 1),
                }
            )
    with engine.begin() as connection:
        connection.execute(
            insert(Territory),
            [
                {"id": r.user_id, "name": f"{r.account} Territory", "region": "West", "segment": "Enterprise"}
                for r in reps
            ],
        )
        connection.execute(
            insert(User),
            [
                {
                    "id": r.user_id,
                    "name": r.name,
                    "email": r.email,
                    "role": Role.REP.value,
                    "territory_id": r.user_id,
                    "slack_user_id": r.slack_user_id,
                }
                for r in reps
            ],
        )
        connection.execute(
            insert(Product),
            [
                {"id": 1, "name": "Core", "family": "Platform", "list_price": Decimal(24_000)},
                {"id": 2, "name": "Analytics", "family": "Analytics", "list_price": Decimal(12_000)},
            ],
        )
        connection.execute(
            insert(Account),
            [
                {
                    "id": r.account_id,
                    "name": r.account,
                    "industry": "Logistics",
                    "segment": "Enterprise",
                    "employees": 2_000 + r.user_id,
                    "country": "United States",
                    "territory_id": r.user_id,
                    "owner_id": r.user_id,
                    "potential": Decimal(300_000 + r.user_id * 1_000),
                    "tier": "A",
                }
                for r in reps
            ],
        )
        connection.execute(insert(Opportunity), deals)
        connection.execute(
            insert(DatasetMeta),
            [{"key": "as_of", "value": AS_OF.isoformat()}, {"key": "source", "value": "planted"}],
        )
        refresh_rollups(connection)
    return reps


def others(reps: list[Rep], mine: Rep) -> list[str]:
    """Every other rep's account name: none may appear in ``mine``'s answers."""
    return [r.account for r in reps if r.user_id != mine.user_id]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def assert_clean(output: str) -> None:
    """No traceback or exception dump reached the user."""
    assert "Traceback" not in output, output[-3000:]
    assert 'File "' not in output, output[-3000:]


#: Names that break naive SQL, Markdown or text handling; each must round-trip untouched.
ODD_NAMES = {
    "sql": "'; DROP TABLE accounts; --",
    "markdown": "| ** _ ``` [x](y)",
    "emoji": "Café 🚀 Rockets 👩‍👩‍👧",
    "rtl": "شركة الصحراء للتجارة",
    "bidi": "Acme \u202eevil\u202c Holdings",
}

OWNER = "Odile Odd"
ODD_MAPPING = """
name: odd-names
entities:
  - table: territories
    file: reps.csv
    distinct: true
    fields:
      external_id: {template: "t-{Territory}"}
      name: Territory
  - table: users
    file: reps.csv
    fields:
      external_id: Rep
      name: Name
      email: Email
      role: {const: rep}
      territory_id: {template: "t-{Territory}"}
  - table: accounts
    file: accounts.csv
    fields:
      external_id: Id
      name: Name
      industry: Industry
      owner_id: {column: Owner, by: name}
  - table: opportunities
    file: deals.csv
    fields:
      external_id: Id
      name: Name
      account_id: {column: Account, by: external_id}
      owner_id: {column: Owner, by: name}
      amount: {column: Amount, type: money}
      created_at: Created
      close_date: Close
      stage: Stage
"""


def write_export(directory: Path, names: list[str]) -> Path:
    """A small CRM export (one rep, an account per name, a deal on each) and its mapping file."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = {
        "reps.csv": [["Rep", "Name", "Email", "Territory"], ["R1", OWNER, "odile@odd.example", "West"]],
        "accounts.csv": [["Id", "Name", "Industry", "Owner"]]
        + [[f"A{n}", name, "Technology", OWNER] for n, name in enumerate(names, start=1)],
        "deals.csv": [["Id", "Name", "Account", "Owner", "Amount", "Created", "Close", "Stage"]]
        + [
            [f"D{n}", f"{name} - Core", f"A{n}", OWNER, "$12,000", "2026-09-01", "2026-12-15", "Proposal"]
            for n, name in enumerate(names, start=1)
        ],
    }
    for file, rows in tables.items():
        with (directory / file).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    mapping = directory.parent / f"{directory.name}-mapping.yaml"
    mapping.write_text(ODD_MAPPING, encoding="utf-8")
    return mapping
