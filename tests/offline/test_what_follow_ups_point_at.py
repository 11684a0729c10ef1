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


def test_who_owns_the_most_of_the_deals_listed(demo: World, cast: Cast) -> None:
    listed = demo.ask(
        cast.manager, "which open deals on my team have had the close date pushed 2 or more times?"
    )
    most = demo.ask(cast.manager, "who owns the most of them", listed.thread_id)
    ((call,),) = [most.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("open_deals", "rep")
    deals = [int(number) for number in re.findall(r"\(#O0*(\d+)\) \|", listed.answer)]
    with demo.engine.connect() as connection:
        owners = connection.execute(
            select(Opportunity.owner_id, func.count())
            .where(Opportunity.id.in_(deals))
            .group_by(Opportunity.owner_id)
        ).all()
    top = max(count for _, count in owners)
    shown = re.findall(r"^\| ([A-Z][^|]+?) \| (\d+) \|$", most.answer, re.M)
    # the owner with the most of them (each one tied for the most), not every owner
    assert shown and {int(count) for _, count in shown} == {top}
    assert len(shown) == sum(1 for _, count in owners if count == top) < len(owners) or len(owners) == 1


def test_the_worst_one_after_the_best_and_the_worst_is_the_worst(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    ends = maven.ask(manager, "who on my team has the best win rate this year and who has the worst?")
    best, worst = re.findall(r"^\| ([A-Z][^|]+?) \| \d+% \|$", ends.answer, re.M)
    losses = maven.ask(manager, "the worst one — what were their biggest losses", ends.thread_id)
    assert [c.args.get("rep") for c in losses.tool_calls] == [worst] != [best]


def test_the_account_of_a_deal_picked_from_a_list(maven: World) -> None:
    manager = maven.viewer("Rocco Neubert")
    deals = maven.ask(manager, "largest won deals on my team in Q4")
    top = re.findall(r"^\| ([^|]+?) - [^|]+ \(#\w+\) \|", deals.answer, re.M)[0]
    facts = maven.ask(
        manager, "the top one — tell me about the account: sector, size, revenue", deals.thread_id
    )
    assert [c.name for c in facts.tool_calls] != ["deal_details"]
    assert (
        facts.answer.startswith(f"**{top}") and "Employees:" in facts.answer and "Industry:" in facts.answer
    )


def test_just_the_ones_with_a_trait_is_a_filter_not_a_row_named_the(maven: World) -> None:
    first = maven.ask(ADMIN, "which medical accounts have we sold the most to")
    assert re.search(r"^\| The [^|]+ \| \$", first.answer, re.M)  # a row whose name has "the" in it
    narrowed = maven.ask(ADMIN, "just the ones with more than 5000 employees", first.thread_id)
    ((call,),) = [narrowed.tool_calls]
    assert "account" not in call.args and call.args["min_employees"] >= 5000
    assert call.args["industry"] == "medical" and call.args["group_by"] == "account"


def test_those_after_the_one_top_row_is_that_row(maven: World) -> None:
    manager = maven.viewer("Summer Sewald")
    top = maven.ask(manager, "which product do we lose most often this year")
    (product,) = re.findall(r"^\| ([^|]+?) \| \d+ \|$", top.answer, re.M)
    worth = maven.ask(manager, "how much were those lost deals worth", top.thread_id)
    ((call,),) = [worth.tool_calls]
    assert call.args["measure"] == "lost_revenue" and call.args["any_of"] == {"product": [product]}
    assert "top" not in call.args


def test_a_measure_by_a_breakdown_after_a_top_one_ranks_every_member(demo: World, cast: Cast) -> None:
    best = demo.ask(cast.manager, "which product sells best on my team this year")
    rates = demo.ask(cast.manager, "win rate by product", best.thread_id)
    ((call,),) = [rates.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("win_rate", "product") and "top" not in call.args
    trend = demo.ask(cast.manager, "quarterly trend for the top one", rates.thread_id)
    ((call,),) = [trend.tool_calls]
    top = re.findall(r"^\| ([^|]+?) \| \d+% \|$", rates.answer, re.M)[0]
    assert (call.args["measure"], call.args["group_by"], call.args["product"]) == ("win_rate", "quarter", top)


def test_a_time_grain_said_as_an_adjective_is_the_breakdown(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "quarterly bookings for my team last year")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"], call.args["period"]) == (
        "won_revenue",
        "quarter",
        "last year",
    )


def test_is_that_enough_by_the_playbook_searches_the_norm_of_the_figure(demo: World, cast: Cast) -> None:
    figure = demo.ask(cast.manager, "whats my team's win rate this quarter")
    norm = demo.ask(cast.manager, "is that enough according to the playbook?", figure.thread_id)
    ((call,),) = [norm.tool_calls]
    assert call.name == "search_playbook" and "win rate" in call.args["query"].casefold()
    plain = demo.ask(cast.manager, "what does the playbook say about multi-threading?", figure.thread_id)
    assert "win rate" not in plain.tool_calls[0].args["query"].casefold()


def test_how_many_members_there_are_said_on_the_way_to_the_breakdown(demo: World) -> None:
    vp = demo.viewer("Harper Castillo")
    answer = demo.ask(vp, "compare win rate across my three teams for 2026 so far")
    ((call,),) = [answer.tool_calls]
    assert (call.args["measure"], call.args["group_by"]) == ("win_rate", "team")


def test_texting_shorthand_is_read(demo: World, cast: Cast) -> None:
    why = demo.ask(cast.manager, "lost deals last mo and y")
    ((call,),) = [why.tool_calls]
    assert call.args["group_by"] == "loss_reason" or call.args.get("then_by") == "loss_reason"
    person = demo.ask(cast.manager, f"how is {cast.rep.name} doing")
    enough = demo.ask(cast.manager, "does he hav enuf pipe to cover it", person.thread_id)
    assert "no person named" not in enough.answer and enough.tool_calls


def test_the_other_end_of_a_ranking_asked_bare(demo: World, cast: Cast) -> None:
    ranked = demo.ask(cast.manager, "closed won this quarter by rep")
    reps = re.findall(r"^\| ([A-Z][^|]+?) \| \$", ranked.answer, re.M)
    top = demo.ask(cast.manager, "who's the top one, and what % of their Q4 quota is that?", ranked.thread_id)
    assert reps[0] in top.answer
    low = demo.ask(cast.manager, "what about the lowest?", top.thread_id)
    assert {c.args.get("rep") for c in low.tool_calls} == {reps[-1]}


def test_accounts_that_bought_the_most_are_ranked_by_account(maven: World) -> None:
    answer = maven.ask(ADMIN, "retail accounts that bought the most in 2017")
    ((call,),) = [answer.tool_calls]
    assert (call.args["group_by"], call.args["industry"]) == ("account", "retail")


def test_a_breakdown_asked_after_a_stall_list_counts_those_deals_by_it(demo: World, cast: Cast) -> None:
    listed = demo.ask(
        cast.revops, "open deals with a close date already in the past - how many and how much $"
    )
    split = demo.ask(cast.revops, "by manager?", listed.thread_id)
    ((call,),) = [split.tool_calls]
    assert (call.name, call.args["measure"], call.args["group_by"]) == ("query_metrics", "open_deals", "team")
    assert call.args["also"] == ["open_pipeline"] and call.args["past_due"] is True  # the list's own rule
    counted = re.findall(r"In all: open deals (\d+)", split.answer)
    assert counted and counted[0] in listed.answer


def test_a_loss_reason_asked_after_the_losses_is_that_reason(demo: World, cast: Cast) -> None:
    losses = demo.ask(cast.revops, "lost deals last month")
    dark = demo.ask(cast.revops, "how many went dark", losses.thread_id)
    ((call,),) = [dark.tool_calls]
    assert (call.args["measure"], call.args["loss_reason"]) == ("lost_deals", "Went dark")
    assert call.args["period"] == "last month" and "rule" not in call.args
    alone = demo.ask(cast.revops, "how many deals went dark")  # no thread of losses: the stall rule
    assert [c.name for c in alone.tool_calls] == ["stalled_deals"]


def test_an_answer_cut_says_how_much_it_shows_once(maven: World) -> None:
    answer = maven.ask(ADMIN, "bookings by account this year")
    assert re.search(r"Showing 12 of [\d,]+ accounts", answer.answer)
    assert "showing the largest" not in answer.answer


def test_what_the_deals_at_risk_are_worth_is_the_lists_total(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "which of my team's deals closing this month look at risk")
    worth = re.findall(r"are stalled or at risk\*\*, worth (\$[\d,]+)", first.answer)
    assert worth, first.answer
    again = demo.ask(cast.manager, "how much is that worth", first.thread_id)
    assert [c.name for c in again.tool_calls] == ["stalled_deals"]
    assert f"worth {worth[0]}" in again.answer


def test_chat_shorthand_n_joins_two_stages(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "stuck deals on my team, sitting in stage 30+ days")
    both = demo.ask(cast.manager, "just negotiation n proposal", first.thread_id)
    ((call,),) = [both.tool_calls]
    assert sorted(call.args["stage"].split(", ")) == ["Negotiation", "Proposal"]


def test_just_the_big_ones_asks_how_big(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "open deals on my team that got pushed more than once")
    vague = demo.ask(cast.manager, "just the big ones", first.thread_id)
    assert not vague.tool_calls and "How big is big" in vague.answer
    # the amount given next narrows the same list
    bound = demo.ask(cast.manager, "the ones over 100k", first.thread_id)
    ((call,),) = [bound.tool_calls]
    assert call.args["min_pushes"] == 2 and float(call.args["min_amount"]) == 100000


def test_a_place_past_the_end_of_the_list_is_said(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "which of my reps has the most pipe closing this month")
    assert len(re.findall(r"^\| (?!Rep )[^|]+ \| \$", first.answer, re.M)) == 1
    second = demo.ask(cast.manager, "show me the deals for the second one on that list", first.thread_id)
    assert not second.tool_calls and "did not list that many rows" in second.answer
    # a place the list has is still picked
    listed = demo.ask(cast.manager, "top 3 reps by open pipeline")
    picked = demo.ask(cast.manager, "show me the deals for the second one on that list", listed.thread_id)
    assert picked.tool_calls
