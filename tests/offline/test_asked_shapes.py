"""The shape asked for is the shape answered: "which of my reps have deals stuck…" is the reps (each
with how many and their worth, none listed that has none), "which acct was the biggest in nov" the
accounts by what they did that month, and "sept vs oct vs nov" each of the three months."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Account, Opportunity, Territory, User


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


def test_a_forecast_split_by_region_is_each_regions_forecast_against_its_quota(
    demo: World, cast: Cast
) -> None:
    revops = cast.revops
    first = demo.ask(revops, "q4 forecast - closed, commit and best case")
    assert [c.name for c in first.tool_calls] == ["forecast"]  # "closed" is the forecast's line, not a count
    split = demo.ask(revops, "split by region", first.thread_id)
    with demo.engine.connect() as connection:
        regions = sorted(set(connection.scalars(select(Territory.region)).all()))
    assert sorted(c.args["region"] for c in split.tool_calls) == regions
    assert "Forecast by region for 2026-Q4" in split.answer and "| Quota | Attained |" in split.answer
    # each region's closed won adds up to the whole forecast's
    whole = re.findall(r"(\$[\d.,]+M?) closed won against", first.answer)
    assert whole and f"{whole[0]} closed won in all" in split.answer, (first.answer, split.answer)


def test_hows_that_vs_last_year_compares_the_figure_just_given(demo: World) -> None:
    rep = demo.viewer("Avery Silva")
    first = demo.ask(rep, "my win rate this yr")
    again = demo.ask(rep, "hows that vs last yr", first.thread_id)
    ((call,),) = [again.tool_calls]
    assert (call.args["measure"], call.args["period"], call.args["compare"]) == (
        "win_rate",
        "this year",
        "previous_period",
    )
    assert re.search(r"from \d+% \(2025\)", again.answer)


def test_how_much_of_that_is_one_stage_vs_another(maven: World) -> None:
    rep = maven.viewer("Anna Snelling")
    first = maven.ask(rep, "my open pipe")
    split = maven.ask(rep, "how much of that is engaging vs prospecting", first.thread_id)
    ((call,),) = [split.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("open_pipeline", "stage")
    assert {row for row in re.findall(r"^\| (Engaging|Prospecting) \|", split.answer, re.M)} == {
        "Engaging",
        "Prospecting",
    }


def test_all_three_regions_after_two_compared_is_every_region(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "how does West stack up against East on closed-won so far this quarter")
    every = demo.ask(
        cast.revops, "which of the three regions is furthest behind on its Q4 quota", first.thread_id
    )
    ((call,),) = [every.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("attainment", "region")
    assert "top" not in call.args and "region" not in call.args
    with demo.engine.connect() as connection:
        regions = set(connection.scalars(select(Territory.region)).all())
    assert set(re.findall(r"^\| (\w+) \| \d+% \|$", every.answer, re.M)) == regions


def test_the_bottom_and_the_top_of_those_behind_their_number_is_both_ends_of_everyone(
    demo: World, cast: Cast
) -> None:
    answer = demo.ask(
        cast.manager, "which reps are furthest behind their number? give me the bottom 3 and the top 3"
    )
    ((call,),) = [answer.tool_calls]
    assert call.args["measure"] == "attainment" and "below" not in call.args


def _won_by_group(world: World, parent: str) -> Decimal:
    with world.engine.connect() as connection:
        head = connection.scalar(select(Account.id).where(Account.name == parent))
        members = [head, *connection.scalars(select(Account.id).where(Account.parent_account_id == head))]
        total = connection.scalar(
            select(func.sum(Opportunity.amount)).where(
                Opportunity.is_won, Opportunity.account_id.in_(members)
            )
        )
    return Decimal(str(total))


def test_a_group_of_companies_asked_by_its_family_counts_its_subsidiaries(maven: World) -> None:
    group = _won_by_group(maven, "Acme Corporation")
    answer = maven.ask(ADMIN, "how much have we won across the acme corp family")
    ((call,),) = [answer.tool_calls]
    assert call.args["parent_account"] == "Acme Corporation" and f"${group:,.0f}" in answer.answer
    listed = maven.ask(ADMIN, "which accounts roll up to Acme Corporation")
    total = maven.ask(
        ADMIN, "how much have we won from them in total, including Acme itself", listed.thread_id
    )
    assert f"${group:,.0f}" in total.answer


def test_subsidiaries_listed_with_their_parent(maven: World) -> None:
    answer = maven.ask(ADMIN, "which accounts have a parent co? list w the parent")
    with maven.engine.connect() as connection:
        pairs = dict(
            connection.execute(
                select(Account.name, Account.parent_account_id).where(Account.parent_account_id.is_not(None))
            ).all()
        )
        names = dict(connection.execute(select(Account.id, Account.name)).all())
    shown = re.findall(r"^- ([^:]+): parent ([^,]+),", answer.answer, re.M)
    assert shown and all(names[pairs[child]] == parent for child, parent in shown)
    assert "did not follow" not in answer.answer


def test_no_next_step_is_those_with_none_recorded(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        none = connection.scalar(
            select(func.count()).where(
                ~Opportunity.is_closed,
                Opportunity.owner_id == cast.rep.user_id,
                (Opportunity.next_step.is_(None)) | (Opportunity.next_step == ""),
            )
        )
    answer = demo.ask(cast.rep, "which of my open deals have no next step")
    ((call,),) = [answer.tool_calls]
    assert call.args["missing"] == "next_step" and f"({none} deal" in answer.answer
    overdue = demo.ask(cast.rep, "which deals have a missing or overdue next step?")
    assert overdue.tool_calls[0].name == "stalled_deals"


def test_a_product_mix_is_the_breakdown_by_product_with_shares(demo: World, cast: Cast) -> None:
    for question, dimension in (
        ("product mix of my team's won revenue this year with % share", "product"),
        ("industry split of open pipeline", "industry"),
    ):
        answer = demo.ask(cast.manager, question)
        ((call,),) = [answer.tool_calls]
        assert call.args["group_by"] == dimension, question
    mix = demo.ask(cast.manager, "product mix of my team's won revenue this year with % share")
    ((call,),) = [mix.tool_calls]
    assert call.args["share_of_total"] and "% of the total" in mix.answer


def test_swapped_letters_and_chat_spelling_are_read(demo: World, cast: Cast) -> None:
    cycle = demo.ask(cast.manager, "whats the avg sales cycel on won deals this yr")
    assert cycle.tool_calls[0].args["measure"] == "average_sales_cycle"
    rate = demo.ask(cast.rep, "wat's my win rate")
    assert "no person named" not in rate.answer and "win rate" in rate.answer.lower()


def test_her_win_rate_against_the_rest_of_the_team_is_the_win_rate(maven: World) -> None:
    manager = maven.viewer("Cara Losch")
    first = maven.ask(manager, "how many deals did violet mclelland win this quarter")
    lost = maven.ask(manager, "and how many did she lose", first.thread_id)
    against = maven.ask(manager, "how does her win rate compare to the rest of my team", lost.thread_id)
    ((call,),) = [against.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("win_rate", "rep")
    assert "| Violet Mclelland |" in against.answer and "Average over" in against.answer


def test_a_tie_at_the_cut_is_said(maven: World) -> None:
    manager = maven.viewer("Celia Rouche")
    first = maven.ask(manager, "which deals on my team have been sitting in Engaging for more than 100 days")
    top = maven.ask(manager, "just the 5 biggest", first.thread_id)
    ((call,),) = [top.tool_calls]
    assert call.args["top"] == 5
    said = re.findall(
        r"^(\d+) deals tie at (\$[\d,]+) \(estimated\) for place 5, so (\d+) are in the top 5",
        top.answer,
        re.M,
    )
    assert said and int(said[0][2]) > 5, top.answer


def test_a_sales_agent_is_a_person_not_sales(maven: World) -> None:
    answer = maven.ask(ADMIN, "which sales agent lost the most deals in H2 2017")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("lost_deals", "rep")


def test_the_accounts_counted_by_sector_are_listed_on_asking(maven: World) -> None:
    counted = maven.ask(ADMIN, "how many accounts per sector have more than 1,000 employees")
    listed = maven.ask(ADMIN, "list the retail ones with their annual revenue", counted.thread_id)
    ((call,),) = [listed.tool_calls]
    assert call.name == "search_accounts"
    assert (call.args["industry"], call.args["min_employees"]) == ("retail", 1000)
    with maven.engine.connect() as connection:
        many = connection.scalar(
            select(func.count()).where(Account.industry == "retail", Account.employees >= 1000)
        )
    assert f"**{many} accounts match**" in listed.answer and "annual revenue $" in listed.answer


def test_top_and_bottom_after_a_breakdown_are_both_ends_of_it(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "win rate by industry for deals closed this year")
    ends = demo.ask(cast.revops, "top 3 and bottom 3", first.thread_id)
    ((call,),) = [ends.tool_calls]
    assert call.args["group_by"] == "industry" and "order" not in call.args
    assert "The top 3 and the bottom 3 of" in ends.answer
    assert len(re.findall(r"^\| (?!Industry)[A-Z][\w ]+ \| \d+% \|$", ends.answer, re.M)) == 6


def test_closed_as_a_date_or_a_doer_is_no_count_of_closed_deals(maven: World) -> None:
    first = maven.ask(ADMIN, "avg days from create to close on won deals, by product")
    by_quarter = maven.ask(ADMIN, "just GTX Pro, by quarter closed", first.thread_id)
    ((call,),) = [by_quarter.tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["product"]) == (
        "average_sales_cycle",
        "quarter",
        "GTX Pro",
    )
    biggest = maven.ask(ADMIN, "biggest single deal won in 2017")
    who = maven.ask(ADMIN, "who closed it and for which account", biggest.thread_id)
    assert [c.name for c in who.tool_calls] == ["deal_details"] and "- Owner: " in who.answer


def test_all_activity_types_after_the_calls_is_every_kind(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "how many calls did each of my reps log last month")
    every = demo.ask(cast.manager, "all activity types, not just calls", first.thread_id)
    ((call,),) = [every.tool_calls]
    assert call.args["measure"] == "activities" and "activity_type" not in call.args


def test_when_we_last_won_there_is_each_win_by_date_the_latest_last(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        account, latest = connection.execute(
            select(Account.name, func.max(func.substr(Opportunity.closed_at, 1, 10)))
            .join(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.is_won)
            .group_by(Account.name)
            .order_by(func.count().desc())
        ).first()
    profile = demo.ask(cast.revops, f"tell me about {account}")
    last = demo.ask(cast.revops, "when did we last win something there", profile.thread_id)
    ((call,),) = [last.tool_calls]
    assert (call.args["group_by"], call.args["then_by"], call.args["account"]) == ("day", "deal", account)
    days = re.findall(r"^\| (\d{4}-\d\d-\d\d) · ", last.answer, re.M)
    assert days and days[-1] == latest and days == sorted(days)
