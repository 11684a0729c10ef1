"""A yes/no comparison gets a yes or a no, right under what was computed, with the gap, read from
the figures the tool returned: two periods ("did we win more in Q3 than in Q2?"), two members set
side by side ("is West bigger than East?"), two reps' scorecards, and a total set against a number
("is my team's win rate above 30%?", "is my pipeline over 2M?"), which is the total, not the reps or
the deals past the number. A question that is not a yes/no one gets no verdict."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Account, Opportunity, User

VERDICT = re.compile(r"^\*\*(Yes|No)\*\*: ", re.M)


def _said(answer: Any) -> str:
    found = VERDICT.findall(answer.answer)
    assert len(found) == 1, answer.answer
    return str(found[0])


def _dollars(shown: str) -> float:
    """ "$10.7M" → 10,700,000."""
    scale = {"M": 1e6, "K": 1e3}.get(shown[-1], 1.0)
    return float(shown.strip("$MK").replace(",", "")) * scale


def _won(world: World, start: dt.date, end: dt.date, owner: int | None = None) -> tuple[Decimal, int]:
    """Won amount and count closed in [start, end], read from the records."""
    query = select(func.coalesce(func.sum(Opportunity.amount), 0), func.count()).where(
        Opportunity.is_won,
        # by the day it closed, whether the export stored a date or a timestamp
        func.substr(Opportunity.closed_at, 1, 10).between(start.isoformat(), end.isoformat()),
    )
    if owner is not None:
        query = query.where(Opportunity.owner_id == owner)
    with world.engine.connect() as connection:
        total, count = connection.execute(query).one()
    return Decimal(str(total)), int(count)


def test_two_quarters_asked_yes_or_no_say_which_with_the_gap(maven: World) -> None:
    q3, _ = _won(maven, dt.date(2017, 7, 1), dt.date(2017, 9, 30))
    q2, _ = _won(maven, dt.date(2017, 4, 1), dt.date(2017, 6, 30))
    assert q3 != q2
    for question, yes in (
        ("did we win more in Q3 than in Q2 2017?", q3 > q2),
        ("so was Q3 2017 worse than Q2 for bookings?", q3 < q2),
    ):
        answer = maven.ask(ADMIN, question)
        assert _said(answer) == ("Yes" if yes else "No")
        # the verdict sits under the headline, which still says what was computed
        assert answer.answer.startswith("**Bookings (closed won)")
        gap = f"${abs(q3 - q2):,.0f}"
        assert gap in answer.answer and ("less" if q3 < q2 else "more") in answer.answer


def test_two_members_set_side_by_side_are_compared_in_the_order_asked(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "is West bigger than East on bookings this year?")
    rows = dict(re.findall(r"^\| (East|West) \| (\$[\d.,]+[MK]?) \|", answer.answer, re.M))
    assert set(rows) == {"East", "West"}
    west_first = answer.answer.index("West $") < answer.answer.index("East $")
    amount = {name: _dollars(shown) for name, shown in rows.items()}
    assert west_first and _said(answer) == ("Yes" if amount["West"] > amount["East"] else "No")
    flipped = demo.ask(cast.revops, "is East bigger than West on bookings this year?")
    assert _said(flipped) != _said(answer)


def _teammate(world: World, cast: Cast) -> Any:
    """Another rep of the cast's manager."""
    with world.engine.connect() as connection:
        other = connection.execute(
            select(User).where(User.manager_id == cast.manager.user_id, User.id != cast.rep.user_id)
        ).first()
    assert other is not None
    return other


def test_two_reps_compared_yes_or_no_on_the_measure_asked(demo: World, cast: Cast) -> None:
    other = _teammate(demo, cast)
    year = demo.repository.as_of.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    mine, theirs = _won(demo, start, end, cast.rep.user_id)[1], _won(demo, start, end, other.id)[1]
    assert mine != theirs
    answer = demo.ask(cast.revops, f"did {cast.rep.name} win more deals than {other.name} this year?")
    assert _said(answer) == ("Yes" if mine > theirs else "No")
    assert f"{cast.rep.name}'s won deals {mine} against {other.name}'s won deals {theirs}" in answer.answer


def test_a_total_against_a_number_is_the_total_not_the_groups_past_it(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "is my team's win rate above 30% this year?")
    ((call,),) = [answer.tool_calls]
    assert call.args["measure"] == "win_rate" and "group_by" not in call.args and "above" not in call.args
    rate = float(re.findall(r"In all: win rate (\d+)%", answer.answer)[0]) / 100
    assert _said(answer) == ("Yes" if rate > 0.3 else "No")
    # which reps are past it is another question, with its groups
    members = demo.ask(cast.manager, "are any of my reps above 30% win rate this year?")
    ((listed,),) = [members.tool_calls]
    assert listed.args["group_by"] == "rep" and listed.args["above"] == 0.3
    assert not VERDICT.search(members.answer)


def test_a_pipeline_against_an_amount_is_the_pipeline_not_deals_of_that_size(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        team = select(User.id).where(User.manager_id == cast.manager.user_id)
        pipeline = connection.execute(
            select(func.sum(Opportunity.amount)).where(
                ~Opportunity.is_closed, Opportunity.owner_id.in_(team.union(select(cast.manager.user_id)))
            )
        ).scalar_one()
    answer = demo.ask(cast.manager, "are we over 2M in open pipeline?")
    ((call,),) = [answer.tool_calls]
    assert call.name == "query_metrics" and call.args["measure"] == "open_pipeline"
    assert "min_amount" not in call.args
    assert _said(answer) == ("Yes" if pipeline > 2_000_000 else "No")
    deals = demo.ask(cast.manager, "any deals over 200k in my pipe?")
    assert all(c.args.get("min_amount") for c in deals.tool_calls) and not VERDICT.search(deals.answer)


def test_a_shorter_cycle_asked_is_a_comparison_not_a_request_for_a_short_answer(
    demo: World, cast: Cast
) -> None:
    with demo.engine.connect() as connection:
        other = connection.execute(
            select(User.name).where(User.manager_id == cast.manager.user_id, User.id != cast.rep.user_id)
        ).scalar()
    answer = demo.ask(cast.revops, f"does {cast.rep.name} have a shorter sales cycle than {other}?")
    assert answer.answer.startswith("**") and "| Rep |" in answer.answer  # the whole answer
    assert _said(answer) in ("Yes", "No") and ("shorter" in answer.answer or "longer" in answer.answer)


def test_a_question_that_is_not_yes_or_no_gets_no_verdict(maven: World) -> None:
    answer = maven.ask(ADMIN, "bookings Q3 2017 vs Q2")
    assert "down" in answer.answer or "up" in answer.answer
    assert not VERDICT.search(answer.answer)


def test_a_teams_two_quarters_and_a_persons_two_quarters_are_compared(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    answer = maven.ask(manager, "did my team win more in Q3 than in Q2?")
    ((call,),) = [answer.tool_calls]
    assert (call.name, call.args["compare"], call.args["period"]) == (
        "query_metrics",
        "previous_period",
        "q3",
    )
    assert _said(answer) in ("Yes", "No")
    person = maven.ask(manager, "how did Darcel do this quarter vs last quarter")
    ((call,),) = [person.tool_calls]
    assert call.args["rep"] == "Darcel Schlecht" and call.args["compare"] == "previous_period"


def test_members_compared_in_a_thread_are_asked_yes_or_no_again(
    maven: World, demo: World, cast: Cast
) -> None:
    first = maven.ask(ADMIN, "compare East vs West won revenue in 2017")
    again = maven.ask(ADMIN, "is East bigger in the second half too?", first.thread_id)
    ((call,),) = [again.tool_calls]
    assert (
        call.name == "query_metrics" and call.args["period"] == "h2" and call.args["measure"] == "won_revenue"
    )
    assert _said(again) in ("Yes", "No") and "East $" in again.answer and "West $" in again.answer
    ranked = demo.ask(cast.revops, "which region has the most open pipeline")
    two = demo.ask(cast.revops, "is East bigger than West?", ranked.thread_id)
    ((call,),) = [two.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("open_pipeline", "region")
    assert _said(two) in ("Yes", "No")


def test_a_share_asked_again_against_last_quarter(demo: World, cast: Cast) -> None:
    share = demo.ask(cast.manager, "what share of our losses this quarter were went dark")
    again = demo.ask(cast.manager, "is that higher than last quarter?", share.thread_id)
    ((call,),) = [again.tool_calls]
    assert call.args["compare"] == "previous_period" and call.args["share_of_total"]
    found = re.findall(
        r"was (\d+)% of .+? \((\d+) of (\d+)\) against (\d+)% of .+? \((\d+) of (\d+)\)", again.answer
    )
    assert found, again.answer
    now, part, whole, before, part_then, whole_then = (int(x) for x in found[0])
    assert round(100 * part / whole) == now and round(100 * part_then / whole_then) == before
    assert _said(again) == ("Yes" if part / whole > part_then / whole_then else "No")
    # asked without yes or no, the same comparison, with no verdict
    compared = demo.ask(cast.manager, "how does that compare to last quarter?", share.thread_id)
    ((call,),) = [compared.tool_calls]
    assert call.args["measure"] == "lost_deals" and call.args["compare"] == "previous_period"


def test_two_companies_are_compared_by_their_size(maven: World) -> None:
    answer = maven.ask(ADMIN, "is Kan-code bigger than Konex?")
    ((call,),) = [answer.tool_calls]
    assert call.name == "search_accounts" and set(call.args["names"]) == {"Kan-code", "Konex"}
    with maven.engine.connect() as connection:
        rows = connection.execute(
            select(Account.name, Account.employees).where(Account.name.in_(["Kan-code", "Konex"]))
        )
        size = {name: employees for name, employees in rows}
    assert _said(answer) == ("Yes" if size["Kan-code"] > size["Konex"] else "No")
    assert (
        f"Kan-code {size['Kan-code']:,} employees against Konex {size['Konex']:,} employees" in answer.answer
    )
    each = maven.ask(ADMIN, "how much have we sold to each of them", answer.thread_id)
    ((call,),) = [each.tool_calls]
    assert call.args["group_by"] == "account" and set(call.args["any_of"]["account"]) == {"Kan-code", "Konex"}


def test_the_best_and_the_worst_month_are_by_value_with_the_gap(maven: World) -> None:
    months = maven.ask(ADMIN, "month by month won revenue for 2017")
    answer = maven.ask(
        ADMIN, "which month was best and how much more was it than the worst", months.thread_id
    )
    with maven.engine.connect() as connection:
        by_month = dict(
            connection.execute(
                select(func.substr(Opportunity.closed_at, 1, 7), func.sum(Opportunity.amount))
                .where(Opportunity.is_won, func.substr(Opportunity.closed_at, 1, 4) == "2017")
                .group_by(func.substr(Opportunity.closed_at, 1, 7))
            ).all()
        )
    best, worst = max(by_month, key=by_month.__getitem__), min(by_month, key=by_month.__getitem__)
    shown = re.findall(r"^\| (\d{4}-\d{2}) \|", answer.answer, re.M)
    assert shown == [best, worst]
    assert f"{best} against {worst}: ${by_month[best] - by_month[worst]:,.0f} more" in answer.answer


def test_two_regions_on_a_measure_asked_yes_or_no(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "is east ahead of west on quota this q")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("attainment", "region")
    rows = dict(re.findall(r"^\| (East|West) \| (\d+)% \|$", answer.answer, re.M))
    assert _said(answer) == ("Yes" if int(rows["East"]) > int(rows["West"]) else "No")


def _open(world: World, owner: int) -> Decimal:
    query = select(func.coalesce(func.sum(Opportunity.amount), 0)).where(
        ~Opportunity.is_closed, Opportunity.owner_id == owner
    )
    with world.engine.connect() as connection:
        return Decimal(str(connection.execute(query).scalar_one()))


def test_two_reps_open_pipelines_are_both_shown_and_compared(demo: World, cast: Cast) -> None:
    other = _teammate(demo, cast)
    mine, theirs = _open(demo, cast.rep.user_id), _open(demo, other.id)
    answer = demo.ask(cast.manager, f"is {cast.rep.name}'s open pipeline bigger than {other.name}'s?")
    # both figures, not the first rep's pipeline summary alone
    rows = dict(re.findall(r"^\| ([^|]+?) \| (\$[\d.,]+[MK]?) \|", answer.answer, re.M))
    assert set(rows) == {cast.rep.name, other.name}, answer.answer
    assert _said(answer) == ("Yes" if mine > theirs else "No")


def test_two_managers_teams_are_compared_as_teams(maven: World) -> None:
    answer = maven.ask(ADMIN, "is Cara Losch's team win rate higher than Rocco Neubert's this year?")
    ((call,),) = [answer.tool_calls]
    assert (call.name, call.args["measure"], call.args["group_by"]) == ("query_metrics", "win_rate", "team")
    rates = dict(re.findall(r"^\| (Cara Losch|Rocco Neubert) \| (\d+)% \|", answer.answer, re.M))
    assert set(rates) == {"Cara Losch", "Rocco Neubert"}
    assert (
        _said(answer) in ("Yes", "No")
        and "Cara Losch" in answer.answer.split("**:", 1)[1].split(" against ")[0]
    )


def test_a_member_against_everyone_shows_both_figures(maven: World) -> None:
    won = {industry: (total, count) for industry, total, count in _won_by_industry(maven)}
    everyone = sum(total for total, _ in won.values()) / sum(count for _, count in won.values())
    retail = won["retail"][0] / won["retail"][1]
    answer = maven.ask(ADMIN, "is retail's average deal size higher than overall in 2017?")
    assert [call.args.get("industry") for call in answer.tool_calls] == ["retail", None]
    assert f"average won deal size ${everyone:,.0f}" in answer.answer
    assert f"average won deal size ${retail:,.0f}" in answer.answer
    assert _said(answer) == ("Yes" if retail > everyone else "No")


def _won_by_industry(world: World) -> list[tuple[str, Decimal, int]]:
    query = (
        select(Account.industry, func.sum(Opportunity.amount), func.count())
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.is_won, func.substr(Opportunity.closed_at, 1, 4) == "2017")
        .group_by(Account.industry)
    )
    with world.engine.connect() as connection:
        return [(row[0], Decimal(str(row[1])), int(row[2])) for row in connection.execute(query)]
