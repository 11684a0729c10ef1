"""The installed base: the products accounts run (active ARR) and have stopped using (churned ARR,
churned products), by account, product, industry or the account's owner, in the viewer's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from tests.tools import crm
from tests.tools.conftest import OLGA, RITA
from tools.semantic import MetricQuery, MetricResult, query_metrics
from tools.store.repository import Repository
from tools.store.schema import AccountProduct

CHURNED = dict(account_id=2, product_id=2, status="churned", arr=Decimal(15000), since=dt.date(2024, 5, 1))
ACCOUNT = {a["id"]: a["name"] for a in crm.ACCOUNTS}
PRODUCT = {p["id"]: p["name"] for p in crm.PRODUCTS}


def ask(repo: Repository, viewer: Any = OLGA, **args: Any) -> MetricResult:
    return query_metrics(repo, viewer, MetricQuery(**args))


def _with_a_churn(repo: Repository) -> list[dict[str, Any]]:
    with repo.engine.begin() as connection:
        connection.execute(insert(AccountProduct), [CHURNED])
    return [*crm.ACCOUNT_PRODUCTS, CHURNED]


def test_active_and_churned_arr_by_account(repo: Repository) -> None:
    rows = _with_a_churn(repo)
    active: dict[str, Decimal] = defaultdict(Decimal)
    churned: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        (active if row["status"] == "active" else churned)[ACCOUNT[row["account_id"]]] += row["arr"]
    result = ask(repo, measure="active_arr", also=["churned_arr"], group_by="account")
    got = {r.group: (r.figures[0].value, r.figures[1].value) for r in result.rows}
    for account in set(active) | set(churned):
        assert got[account] == (active.get(account, Decimal(0)), churned.get(account, Decimal(0)))
    assert result.total[0].value == sum(active.values()) and result.total[1].value == sum(churned.values())
    count = ask(repo, measure="churned_products", group_by="product")
    assert {r.group: r.figures[0].value for r in count.rows} == {PRODUCT[CHURNED["product_id"]]: 1}
    owners: dict[str, int] = defaultdict(int)
    for row in rows:
        owners[PRODUCT[row["product_id"]]] += row["status"] == "active"
    owned = ask(repo, measure="active_products", group_by="product")
    assert {r.group: r.figures[0].value for r in owned.rows} == {p: n for p, n in owners.items() if n}


def test_the_installed_base_stays_in_the_viewers_scope(repo: Repository) -> None:
    _with_a_churn(repo)
    everyone = ask(repo, measure="active_arr", group_by="account")
    hers = ask(repo, RITA, measure="active_arr", group_by="account")
    assert {r.group for r in hers.rows} < {r.group for r in everyone.rows}
    rita = next(u["id"] for u in crm.USERS if u["name"] == "Rita Ruiz")
    owned = ask(repo, RITA, measure="active_arr", rep="Rita Ruiz")
    expected = sum(
        (
            p["arr"]
            for p in crm.ACCOUNT_PRODUCTS
            for a in crm.ACCOUNTS
            if a["id"] == p["account_id"] and a["owner_id"] == rita
        ),
        Decimal(0),
    )
    assert owned.total[0].value == expected
