"""The shape asked for is the shape answered: "which of my reps have deals stuck…" is the reps (each
with how many and their worth, none listed that has none), "which acct was the biggest in nov" the
accounts by what they did that month, and "sept vs oct vs nov" each of the three months."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from tests.offline.conftest import World
from tools.store.schema import Account, Opportunity, User


def _won_by_month(world: World, owner: int, months: list[str]) -> dict[str, Decimal]:
    month = func.substr(Opportunity.closed_at, 1, 7)
    query = (
        select(month, func.sum(Opportunity.amount))
        .where(Opportunity.is_won, Opportunity.owner_id == owner, month.in_(months))
        .group_by(month)
    )
    with world.engine.connect() as connection:
        return {row[0]: Decimal(str(row[1])) for row in connection.execute(query)}


def test_three_months_named_are_each_of_them(maven: World) -> None:
    rep = maven.viewer("Gladys Colclough")
    months = ["2017-09", "2017-10", "2017-11"]
    truth = _won_by_month(maven, rep.user_id, months)
    answer = maven.ask(rep, "what did i win in sept vs oct vs nov")
    ((call,),) = [answer.tool_calls]
    assert (call.args["group_by"], call.args["period"]) == ("month", "2017-09-01..2017-11-30")
    shown = dict(re.findall(r"^\| (2017-\d\d) \| \$([\d,]+) \|$", answer.answer, re.M))
    assert shown == {month: f"{truth[month]:,.0f}" for month in months}


def test_the_biggest_account_in_a_month_is_by_what_it_did_then(maven: World) -> None:
    rep = maven.viewer("Gladys Colclough")
    query = (
        select(Account.name, func.sum(Opportunity.amount).label("won"))
        .join(Account, Account.id == Opportunity.account_id)
        .where(
            Opportunity.is_won,
            Opportunity.owner_id == rep.user_id,
            func.substr(Opportunity.closed_at, 1, 7) == "2017-11",
        )
        .group_by(Account.name)
        .order_by(func.sum(Opportunity.amount).desc())
    )
    with maven.engine.connect() as connection:
        top = connection.execute(query).first()
    assert top is not None
    answer = maven.ask(rep, "which acct was the biggest in nov")
    ((call,),) = [answer.tool_calls]
    assert (call.name, call.args["group_by"], call.args["top"]) == ("query_metrics", "account", 1)
    assert f"| {top[0]} | ${top[1]:,.0f} |" in answer.answer


def test_which_reps_have_deals_stuck_is_the_reps_holding_them(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    answer = maven.ask(manager, "which of my reps have deals stuck in engaging for more than 30 days")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("open_deals", "rep")
    rows = re.findall(r"^\| ([A-Z][^|]+?) \| (\d+) \| ", answer.answer, re.M)
    assert rows and all(int(count) > 0 for _, count in rows)  # a rep with none is not listed
    with maven.engine.connect() as connection:
        team = set(connection.scalars(select(User.name).where(User.manager_id == manager.user_id)).all())
    assert {name for name, _ in rows} < team
    worth = maven.ask(manager, "how much is that worth", answer.thread_id)
    ((again,),) = [worth.tool_calls]
    assert again.args["measure"] == "open_pipeline" and "also" not in again.args
