"""Several members of one filter (``any_of``: the accounts or deals an earlier answer listed), deals
with no recent activity (``inactive_days``), and the account search kept to accounts named exactly
(``names``): each checked against the hand-built CRM's rows, in the viewer's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.tools import crm
from tests.tools.conftest import OLGA, RITA
from tools.accounts.search import AccountSearch, search_accounts
from tools.errors import InputError
from tools.semantic import MetricQuery, MetricResult, query_metrics
from tools.store.repository import Repository
from tools.store.schema import Opportunity

ACCOUNT = {a["id"]: a["name"] for a in crm.ACCOUNTS}
OPEN = [o for o in crm.OPPORTUNITIES if not o["is_closed"]]


def ask(repo: Repository, viewer: Any = OLGA, **args: Any) -> MetricResult:
    return query_metrics(repo, viewer, MetricQuery(**args))


def test_any_of_several_accounts_gives_each_its_row_none_included(repo: Repository) -> None:
    with_open = sorted({o["account_id"] for o in OPEN})
    without = next(a["id"] for a in crm.ACCOUNTS if a["id"] not in with_open)
    named = [ACCOUNT[with_open[0]], ACCOUNT[with_open[1]], ACCOUNT[without]]
    result = ask(repo, measure="open_pipeline", group_by="account", any_of={"account": named})
    expected = {
        ACCOUNT[a]: sum((Decimal(o["amount"]) for o in OPEN if o["account_id"] == a), Decimal(0))
        for a in with_open[:2]
    }
    got = {r.group: r for r in result.rows}
    assert set(got) == set(named)  # the account with no open deal is shown, not dropped
    assert {name: got[name].figures[0].value for name in expected} == expected
    assert got[ACCOUNT[without]].record_count == 0
    assert result.total[0].value == sum(expected.values())
    assert any(ACCOUNT[without] in f for f in result.filters)


def test_any_of_deal_references_keeps_those_deals_and_only_in_scope(repo: Repository) -> None:
    first, second = OPEN[0], OPEN[1]
    refs = [f"opportunity/{first['id']}", f"opportunity/{second['id']}"]
    result = ask(repo, measure="open_pipeline", group_by="deal", any_of={"deal": refs})
    assert result.total[0].value == Decimal(first["amount"]) + Decimal(second["amount"])
    assert result.total[0].record_count == 2
    theirs = next(o for o in OPEN if o["owner_id"] != RITA.user_id and o["owner_id"] not in (1, 2, 3))
    with pytest.raises(InputError, match="no deal named"):
        ask(
            repo,
            RITA,
            measure="open_pipeline",
            group_by="deal",
            any_of={"deal": [f"opportunity/{theirs['id']}"]},
        )


def test_inactive_days_counts_open_deals_with_no_activity_since_the_cutoff(repo: Repository) -> None:
    for days in (7, 30, 90):
        cutoff = crm.AS_OF - dt.timedelta(days=days)
        quiet = [o for o in OPEN if o["last_activity_at"] is None or o["last_activity_at"] < cutoff]
        result = ask(repo, measure="open_deals", inactive_days=days)
        assert result.total[0].value == len(quiet), days
        assert f"no activity in the last {days} days" in result.filters


def test_an_account_search_kept_to_names_lists_exactly_those(repo: Repository) -> None:
    named = [crm.ACCOUNTS[0]["name"], crm.ACCOUNTS[2]["name"]]
    found = search_accounts(repo, OLGA, AccountSearch(names=named))
    assert sorted(line.name for line in found.accounts) == sorted(named)


def test_min_pushes_keeps_deals_pushed_at_least_that_often(repo: Repository) -> None:
    with repo.engine.connect() as connection:
        pushes = dict(connection.execute(select(Opportunity.id, Opportunity.close_date_pushes)).all())
    assert any(pushes.values()), "the hand-built CRM has a pushed deal"
    for times in (1, 2, 3):
        pushed = [o for o in OPEN if pushes[o["id"]] >= times]
        result = ask(repo, measure="open_deals", min_pushes=times)
        assert result.total[0].value == len(pushed), times
        assert f"close date pushed {times}+ times" in result.filters


def test_past_due_keeps_open_deals_whose_close_date_has_passed(repo: Repository) -> None:
    overdue = [o for o in OPEN if o["close_date"] is not None and o["close_date"] < crm.AS_OF]
    assert overdue, "the hand-built CRM has a past-due deal"
    result = ask(repo, measure="open_deals", past_due=True)
    assert result.total[0].value == len(overdue)
    assert sorted(result.total[0].record_ids) == sorted(f"opportunity/{o['id']}" for o in overdue)
