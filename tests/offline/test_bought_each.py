"""Accounts that bought every one of several products ("which accounts bought both GTK 500 and MG
Advanced?") are those with a won deal of each, checked against the records; a top N of a sum says
what the N shown come to together ("combined bookings of my top 5 accounts"); and "how much did
those accounts spend with us" is what they booked."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from tests.offline.conftest import ADMIN, Cast, World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Account, Opportunity, Product

BOTH = ["GTK 500", "MG Advanced"]


def _bought_both(world: World, products: list[str], won: bool = True) -> set[str]:
    """The accounts with a won (or any closed) deal of each product, read from the records directly."""
    query = (
        select(Account.name, Product.name)
        .join(Opportunity, Opportunity.account_id == Account.id)
        .join(Product, Product.id == Opportunity.product_id)
        .where(Opportunity.is_won if won else Opportunity.is_closed, Product.name.in_(products))
    )
    bought: dict[str, set[str]] = defaultdict(set)
    with world.engine.connect() as connection:
        for account, product in connection.execute(query):
            bought[account].add(product)
    return {account for account, names in bought.items() if names == set(products)}


def test_each_of_keeps_the_accounts_with_a_won_deal_of_every_product(maven: World) -> None:
    expected = _bought_both(maven, BOTH)
    params = MetricQuery(
        measure="won_revenue", group_by="account", each_of={"product": BOTH}, period="all time"
    )
    result = query_metrics(maven.repository, ADMIN, params.model_copy(update={"top": 50}))
    assert expected and {row.group for row in result.rows} == expected
    assert any("each of" in f for f in result.filters)
    # a lost deal of one of them is no purchase: counting closed deals would let more accounts in
    closed_both = _bought_both(maven, BOTH, won=False)
    assert closed_both > expected and not (closed_both - expected) & {row.group for row in result.rows}


def test_which_accounts_bought_both_asks_for_each_of(maven: World) -> None:
    answer = maven.ask(ADMIN, "which accounts bought both GTK 500 and MG Advanced?")
    ((call,),) = [answer.tool_calls]
    assert call.args["each_of"] == {"product": BOTH} and call.args["group_by"] == "account"
    assert "any_of" not in call.args and call.args["period"] == "all time"
    shown = {
        line.split(" | ")[0].lstrip("| ") for line in answer.answer.splitlines() if line.startswith("| ")
    }
    assert _bought_both(maven, BOTH) <= shown
    narrowed = maven.ask(ADMIN, "how many of those are in the medical sector", answer.thread_id)
    ((then,),) = [narrowed.tool_calls]
    assert then.args["each_of"] == {"product": BOTH} and then.args["industry"] == "medical"


def test_both_of_two_products_after_a_list_is_not_about_the_list(maven: World) -> None:
    """ "both X and Y" joins two products; it points at no listed accounts, so a top 3 shown just
    before does not narrow the question to those three."""
    top = maven.ask(ADMIN, "bookings by account this year, top 3")
    assert len([line for line in top.answer.splitlines() if line.startswith("| ")]) == 1 + 3
    answer = maven.ask(ADMIN, "which accounts bought both GTK 500 and MG Advanced?", top.thread_id)
    ((call,),) = [answer.tool_calls]
    assert call.args["each_of"] == {"product": BOTH} and "any_of" not in call.args
    shown = {
        line.split(" | ")[0].lstrip("| ") for line in answer.answer.splitlines() if line.startswith("| ")
    }
    assert _bought_both(maven, BOTH) <= shown and "none" not in answer.answer


def test_comparing_two_products_is_not_read_as_both(demo: World, cast: Cast) -> None:
    ((call,),) = [
        demo.ask(cast.revops, "compare Analytics Cloud and Security Shield bookings this year").tool_calls
    ]
    assert "each_of" not in call.args and call.args["group_by"] == "product"


def test_a_top_n_of_a_sum_says_what_the_n_shown_come_to(demo: World, cast: Cast) -> None:
    params = MetricQuery(measure="won_revenue", group_by="account", period="this year", top=5)
    result = query_metrics(demo.repository, cast.manager, params)
    assert result.shown_together is not None and result.groups_total > 5
    assert result.shown_together.value == sum(Decimal(str(row.figures[0].value)) for row in result.rows)
    answer = demo.ask(cast.manager, "what's the combined bookings of my top 5 accounts this year")
    assert "The 5 shown together:" in answer.answer
    # a rate is not added up, and a list that shows every group has nothing left out
    rates = query_metrics(demo.repository, cast.manager, params.model_copy(update={"measure": "win_rate"}))
    assert rates.shown_together is None


def test_what_those_accounts_spent_with_us_is_what_they_booked(demo: World, cast: Cast) -> None:
    first = demo.ask(
        cast.revops, "which accounts bought both Analytics Cloud and Security Shield from us this year"
    )
    then = demo.ask(
        cast.revops, "how much did those accounts spend with us in total this year?", first.thread_id
    )
    ((call,),) = [then.tool_calls]
    assert call.args["measure"] == "won_revenue" and call.args["period"] == "this year"
    assert set(call.args["any_of"]["account"]) == {
        line.split(" | ")[0].lstrip("| ")
        for line in first.answer.splitlines()
        if line.startswith("| ") and "$" in line
    }


def test_bought_one_product_but_not_another_searches_accounts_with_and_without(maven: World) -> None:
    asked = "accounts that bought GTX Pro but never bought the GTK 500"
    ((call,),) = [maven.ask(ADMIN, asked).tool_calls]
    assert (call.name, call.args["with_product"], call.args["without_product"]) == (
        "search_accounts",
        "GTX Pro",
        "GTK 500",
    )


def test_bought_but_not_in_a_book_is_the_account_search(demo: World, cast: Cast) -> None:
    asked = "accounts in my territories that bought Workflow Automation but not Cobalt Platform"
    ((call,),) = [demo.ask(cast.manager, asked).tool_calls]
    assert (call.name, call.args["with_product"], call.args["without_product"]) == (
        "search_accounts",
        "Workflow Automation",
        "Cobalt Platform",
    )


def test_bought_one_but_never_another_with_the_verb_said_once(maven: World) -> None:
    answer = maven.ask(ADMIN, "which accounts bought MG Advanced but never GTX Pro")
    ((call,),) = [answer.tool_calls]
    assert (call.args["with_product"], call.args["without_product"]) == ("MG Advanced", "GTX Pro")
    expected = _bought_both(maven, ["MG Advanced"]) - _bought_both(maven, ["MG Advanced", "GTX Pro"])
    if expected:
        assert all(name in answer.answer for name in sorted(expected)[:10])
    else:
        assert "No accounts match" in answer.answer


def test_a_group_asked_with_its_subsidiaries_included(maven: World) -> None:
    answer = maven.ask(ADMIN, "how much did the Acme Corporation group buy in total, subsidiaries included")
    ((call,),) = [answer.tool_calls]
    assert call.args["parent_account"] == "Acme Corporation" and "account" not in call.args
    with maven.engine.connect() as connection:
        head = connection.execute(select(Account.id).where(Account.name == "Acme Corporation")).scalar_one()
        group = select(Account.id).where((Account.id == head) | (Account.parent_account_id == head))
        total = connection.execute(
            select(func.sum(Opportunity.amount)).where(Opportunity.is_won, Opportunity.account_id.in_(group))
        ).scalar_one()
    assert f"${Decimal(total):,.0f}" in answer.answer


def test_what_an_account_has_never_bought_where_only_won_deals_say_what_it_has(maven: World) -> None:
    """An export with no installed products: what an account has is what it was won for, so the
    products it has never bought are the others (not every product, as if it owned nothing)."""
    answer = maven.ask(ADMIN, "which products has Codehow never bought")
    ((call,),) = [answer.tool_calls]
    assert call.name == "account_whitespace"
    with maven.engine.connect() as connection:
        products = set(connection.execute(select(Product.name)).scalars())
    bought = _bought_each_of(maven, "Codehow")
    never = products - bought
    assert never and re.search(rf"\b(?:has not bought|could add) {len(never)} products?\b", answer.answer)
    assert all(name in answer.answer.split("\n")[0] for name in never)
    held = re.findall(r"^Bought so far \(won deals[^)]*\): (.+)\.$", answer.answer, re.M)
    assert held and set(held[0].split(", ")) == bought
    # amounts won once, not a yearly ARR the export does not record
    assert " a year" not in answer.answer and "ARR" not in answer.answer


def _bought_each_of(world: World, account: str) -> set[str]:
    with world.engine.connect() as connection:
        return set(
            connection.execute(
                select(Product.name)
                .join(Opportunity, Opportunity.product_id == Product.id)
                .join(Account, Account.id == Opportunity.account_id)
                .where(Opportunity.is_won, Account.name == account)
            ).scalars()
        )


def test_a_deal_missing_a_next_step_is_no_product_missing(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "which deals have a missing or overdue next step?")
    assert [c.name for c in answer.tool_calls] == ["stalled_deals"]
    missing = demo.ask(cast.rep, f"which products is {cast.account} missing")
    assert [c.name for c in missing.tool_calls] == ["account_whitespace"]
