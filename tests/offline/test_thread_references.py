"""A follow-up keeps what it points back at: "anything open there right now?" after an account is
that account's open deals; "what share of that was GTX Pro" after the bookings by product is that
product's share of them (a member of the breakdown named is a row of it, not a new question)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Opportunity, Product


def test_there_after_an_account_is_that_account(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, f"what has {cast.account} bought from us")
    there = demo.ask(cast.rep, "anything open there right now?", first.thread_id)
    assert [c.args.get("account") for c in there.tool_calls] == [cast.account]
    # "are there any…" is no place
    plain = demo.ask(cast.rep, "are there any deals closing this week", first.thread_id)
    assert all(c.args.get("account") is None for c in plain.tool_calls)


def test_the_share_of_a_member_of_the_breakdown_just_shown(maven: World) -> None:
    first = maven.ask(ADMIN, "how much did we win in Q4 2017 by product")
    share = maven.ask(ADMIN, "what share of that was GTX Pro", first.thread_id)
    ((call,),) = [share.tool_calls]
    assert call.name == "query_metrics" and call.args["product"] == "GTX Pro" and call.args["share_of_total"]
    assert call.args["measure"] == "won_revenue" and call.args["period"] == "q4 2017"
    with maven.engine.connect() as connection:
        won = (
            select(func.sum(Opportunity.amount))
            .join(Product, Product.id == Opportunity.product_id)
            .where(
                Opportunity.is_won,
                func.substr(Opportunity.closed_at, 1, 10).between("2017-10-01", "2017-12-31"),
            )
        )
        part = connection.execute(won.where(Product.name == "GTX Pro")).scalar_one()
        whole = connection.execute(won).scalar_one()
    assert re.search(rf"\b{round(100 * part / whole)}% of all bookings", share.answer), share.answer
