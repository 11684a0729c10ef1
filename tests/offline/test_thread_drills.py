"""Drilling down in a thread: from a declined request to one's own figures ("ok mine then, just
qualification"), from a list of deals to its biggest one, that deal's activity and its account's
economic buyer, from the one won deal shown to its account's facts and other deals, from the top
industry to its top accounts and the first one's size, and from the deals with no next step to
those of them closing this month."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select

from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Opportunity, Product, Role, Territory, User
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_mine_after_a_declined_request_is_the_askers_own(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, cast.fill("show me {stranger}'s pipeline"))
    mine = demo.ask(cast.rep, "ok mine then, just qualification", first.thread_id)
    assert _calls(mine) == [("pipeline_summary", {"stage": "Qualification"})]
    assert mine.answer.startswith("**Your open pipeline in Qualification")


def test_the_biggest_one_then_it_then_its_account(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "whats my pipeline")
    month = demo.ask(cast.rep, "which ones close this month", first.thread_id)
    biggest = demo.ask(cast.rep, "the biggest one - what stage is it at", month.thread_id)
    assert "largest open deal closing in" in biggest.answer
    activity = demo.ask(cast.rep, "any activity on it lately?", biggest.thread_id)
    ((name, args),) = _calls(activity)
    assert name == "deal_details" and args["deal"].startswith("opportunity/")
    with demo.engine.connect() as connection:
        account = connection.execute(
            select(Account.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Opportunity.id == int(args["deal"].split("/")[1]))
        ).scalar_one()
    buyer = demo.ask(cast.rep, "who's the economic buyer", activity.thread_id)
    assert _calls(buyer) == [("account_profile", {"account": account})]


def test_the_one_won_deal_shown_leads_to_its_account(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "biggest deal we won this year")
    facts = maven.ask(revops, "which industry is that account in", first.thread_id)
    ((name, args),) = _calls(facts)
    assert name == "account_facts"
    account = args["account"]
    others = maven.ask(revops, "how much else have we won with them", facts.thread_id)
    assert _calls(others)[0][1]["account"] == account
    there = maven.ask(revops, "any open deals there", others.thread_id)
    assert _calls(there) == [("pipeline_summary", {"account": account})]


def test_the_top_industry_then_its_accounts_then_the_first_ones_size(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "which industry buys the most")
    ((_, args),) = _calls(first)
    assert args["group_by"] == "industry" and args["top"] == 1
    top = maven.ask(revops, "top accounts in that", first.thread_id)
    ((_, args),) = _calls(top)
    assert args["group_by"] == "account" and args.get("industry")
    size = maven.ask(revops, "how big is the first one", top.thread_id)
    ((name, _),) = _calls(size)
    assert name == "account_facts" and "employees" in size.answer.split("\n")[0]


def test_deals_with_no_next_step_are_those_with_none_recorded(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        none = connection.execute(
            select(func.count(Opportunity.id)).where(~Opportunity.is_closed, Opportunity.next_step.is_(None))
        ).scalar_one()
    first = demo.ask(cast.revops, "how many open deals have no next step")
    assert _calls(first) == [("query_metrics", {"measure": "open_deals", "missing": "next_step"})]
    assert f"open deals {none:,}" in first.answer
    month = demo.ask(cast.revops, "just the ones closing this month", first.thread_id)
    ((_, args),) = _calls(month)
    assert (args["missing"], args["period"]) == ("next_step", "this month")
    overdue = demo.ask(cast.revops, "which deals have overdue next steps")
    assert [name for name, _ in _calls(overdue)] == ["stalled_deals"]


def test_versus_last_quarter_after_what_someone_won_this_quarter(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, cast.fill("how much did {rep} win this quarter"))
    versus = demo.ask(cast.manager, "vs last quarter", first.thread_id)
    ((name, args),) = _calls(versus)
    assert (name, args["measure"], args["period"], args["compare"]) == (
        "query_metrics",
        "won_revenue",
        "this quarter",
        "previous_period",
    )
    assert "2026-Q3" in versus.answer


def test_which_one_grew_the_most_compares_the_two_years_of_the_thread(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "how much did we win this year?")
    last = demo.ask(cast.revops, "and last year?", first.thread_id)
    regions = demo.ask(cast.revops, "by region", last.thread_id)
    grew = demo.ask(cast.revops, "which one grew the most", regions.thread_id)
    ((_, args),) = _calls(grew)
    assert (args["group_by"], args["period"], args["compare"]) == ("region", "this year", "previous_period")
    assert "rose the most" in grew.answer


def test_a_territory_then_who_covers_it_then_its_accounts(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "which territory has the most open pipeline")
    accounts = demo.ask(cast.revops, "how many accounts in it", first.thread_id)
    ((_, args),) = _calls(accounts)
    territory = args["territory"]
    covers = demo.ask(cast.revops, "who covers it", accounts.thread_id)
    assert _calls(covers) == [("team_roster", {"territory": territory})]
    top = demo.ask(cast.revops, "top 3 accounts there by potential", covers.thread_id)
    ((_, args),) = _calls(top)
    assert (args["territory"], args["limit"]) == (territory, 3)


def test_which_of_them_has_the_most_is_one_of_them(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, cast.fill("who reports to {manager}"))
    most = demo.ask(cast.revops, "which of them has the most open pipeline", first.thread_id)
    ((_, args),) = _calls(most)
    assert (args["group_by"], args["top"]) == ("rep", 1) and cast.rep.name in args["any_of"]["rep"]


def test_the_biggest_one_of_someones_deals_with_its_next_step(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, cast.fill("{rep}'s open deals closing this quarter"))
    biggest = demo.ask(cast.manager, "the biggest one - whats the next step", first.thread_id)
    ((name, args), *_) = _calls(biggest)
    assert (name, args["owner"], args["period"]) == ("pipeline_summary", cast.rep.name, "this quarter")
    assert "largest open deal closing in" in biggest.answer and "next step" in biggest.answer


def test_what_about_deal_size_after_two_reps_is_both_reps(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        other = connection.execute(
            select(User.name).where(User.manager_id == cast.manager.user_id, User.id != cast.rep.user_id)
        ).scalar()
    assert other is not None
    first = demo.ask(cast.manager, f"compare {cast.rep.name} and {other} this year")
    size = demo.ask(cast.manager, "what about deal size", first.thread_id)
    reps = sorted(args.get("rep", "") for _, args in _calls(size))
    assert reps == sorted([cast.rep.name, other]) or all(
        args.get("group_by") != "deal" for _, args in _calls(size)
    )
    assert "Average won deal" in size.answer or "average won deal" in size.answer


def test_a_colleague_out_of_sight_is_said_never_swapped_for_my_own(demo: World, cast: Cast) -> None:
    """ "how's kenji tracking vs quota?" from someone who cannot see that colleague: no such person
    among the ones they see, never their own figure under the question's words."""
    first = cast.stranger.name.split()[0].lower()
    answer = demo.ask(cast.rep, f"how's {first} tracking vs quota this q")
    assert f'no person named "{first}"' in answer.answer
    assert not re.search(r"\d%", answer.answer)


def test_the_worst_one_after_a_cut_ranking_is_the_bottom_of_the_whole(demo: World, cast: Cast) -> None:
    top = demo.ask(cast.revops, "top 3 reps by bookings this quarter")
    worst = demo.ask(cast.revops, "and the worst one?", top.thread_id)
    ((name, args),) = _calls(worst)
    assert name == "query_metrics" and (args["order"], args["top"], args["measure"]) == (
        "asc",
        1,
        "won_revenue",
    )
    shown = [line.split("|")[1].strip() for line in top.answer.splitlines() if line.startswith("| ")][1:]
    assert len(shown) == 3 and shown[-1] not in worst.answer
    # a list shown whole: its last row is the worst
    every = demo.ask(cast.manager, "bookings by rep this quarter")
    last = demo.ask(cast.manager, "and the worst one?", every.thread_id)
    rows = [line.split("|")[1].strip() for line in every.answer.splitlines() if line.startswith("| ")][1:]
    assert "Showing" not in every.answer and rows[-1] in last.answer


def test_which_are_in_a_region_narrows_the_deals_shown(demo: World, cast: Cast) -> None:
    big = demo.ask(cast.revops, "any open opps over 50k")
    east = demo.ask(cast.revops, "which are in the east", big.thread_id)
    ((name, args),) = _calls(east)
    assert name == "query_metrics"
    assert args | {"measure": "open_pipeline", "group_by": "deal", "region": "East"} == args
    assert float(args["min_amount"]) == 50_000
    with demo.engine.connect() as connection:
        expected = connection.execute(
            select(func.count(Opportunity.id))
            .join(Account, Opportunity.account_id == Account.id)
            .join(Territory, Account.territory_id == Territory.id)
            .where(~Opportunity.is_closed, Opportunity.amount >= 50_000, Territory.region == "East")
        ).scalar_one()
    assert expected and f"({expected} deal" in east.answer


def test_a_rep_missing_the_quarter_then_what_they_have_closing_then_the_biggest(
    demo: World, cast: Cast
) -> None:
    risk = demo.ask(cast.manager, "who on my team is most at risk of missing q4")
    assert [name for name, _ in _calls(risk)] == ["quota_risk"]
    deals = demo.ask(cast.manager, f"what does {cast.rep.name.lower()} have closing this qtr")
    assert _calls(deals) == [("pipeline_summary", {"owner": cast.rep.name, "period": "this quarter"})]
    biggest = demo.ask(cast.manager, "biggest one - whats the next step", deals.thread_id)
    assert "largest open deal closing in" in biggest.answer
    # how someone is doing stays their scorecard
    doing = demo.ask(cast.manager, f"how is {cast.rep.name.lower()} doing on what she has closing")
    assert [name for name, _ in _calls(doing)] == ["rep_performance"]


def test_the_platform_deals_w_them_after_a_profile_are_that_accounts(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        account, product = connection.execute(
            select(Account.name, Product.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .join(Product, Opportunity.product_id == Product.id)
            .where(Opportunity.owner_id == cast.rep.user_id, Opportunity.is_closed, ~Opportunity.is_won)
            .order_by(Opportunity.id)
            .limit(1)
        ).one()
    profile = demo.ask(cast.rep, f"got a call w {account.lower()} tmrw, what do i need to know")
    lost = demo.ask(cast.rep, f"why did we lose the {product.lower()} deals w them", profile.thread_id)
    ((_, args),) = _calls(lost)
    assert args | {"account": account, "product": product, "group_by": "loss_reason"} == args


def test_anything_else_open_at_that_acct_after_a_deal_is_its_accounts_pipeline(
    demo: World, cast: Cast
) -> None:
    lost = demo.ask(cast.revops, "biggest deal we lost this yr")
    owner = demo.ask(cast.revops, "who owned it", lost.thread_id)
    ((name, deal),) = _calls(owner)
    assert name == "deal_details"
    with demo.engine.connect() as connection:
        account = connection.execute(
            select(Account.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Opportunity.id == int(deal["deal"].split("/")[1]))
        ).scalar_one()
    rest = demo.ask(cast.revops, "anything else open at that acct", owner.thread_id)
    assert _calls(rest) == [("pipeline_summary", {"account": account})]


def test_what_to_do_about_the_top_one_carries_the_playbooks_advice(demo: World, cast: Cast) -> None:
    biggest = demo.ask(cast.rep, "my 3 biggest open deals")
    top = demo.ask(cast.rep, "what should i do about the top one", biggest.thread_id)
    names = [name for name, _ in _calls(top)]
    assert "deal_details" in names and "search_playbook" in names, names
    assert "From the playbook" in top.answer or "What to do" in top.answer


def test_the_last_time_we_talked_and_the_deal_there_after_a_profile(demo: World, cast: Cast) -> None:
    profile = demo.ask(cast.rep, f"prep me for {cast.account.lower()} tmrw")
    talked = demo.ask(cast.rep, "whens the last time we talked to the econ buyer", profile.thread_id)
    assert _calls(talked) == [("account_profile", {"account": cast.account})]
    lost = demo.ask(cast.rep, "why did we lose the deals there", talked.thread_id)
    assert _calls(lost)[0][1].get("account") == cast.account


def test_the_top_row_of_a_ranking_by_deal_is_that_deal(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "5 biggest losses this quarter")
    ((_, args),) = _calls(first)
    assert (args["group_by"], args["top"]) == ("deal", 5)
    why = demo.ask(cast.revops, "why did we lose the top one", first.thread_id)
    ((name, args),) = _calls(why)
    assert name == "deal_details"
    deal_id = int(args["deal"].split("/")[1])
    with demo.engine.connect() as connection:
        reason = connection.execute(select(Opportunity.loss_reason).where(Opportunity.id == deal_id)).scalar()
    assert reason and reason in why.answer.split("\n")[0]
    # the deal is the largest lost this quarter: the ranking's first row
    top_row = next(line for line in first.answer.splitlines() if line.startswith("| ") and "$" in line)
    assert deal_id == int(re.search(r"\(#O(\d+)\)", top_row)[1])  # type: ignore[index]
    owner = demo.ask(cast.revops, "who owned it", why.thread_id)
    assert _calls(owner) == [("deal_details", {"deal": f"opportunity/{deal_id}"})]


def test_the_accounts_in_the_one_industry_shown_are_listed(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "which sector has the lowest win rate this year")
    ((_, args),) = _calls(first)
    assert (args["group_by"], args["top"], args["order"]) == ("industry", 1, "asc")
    row = next(line for line in first.answer.splitlines() if line.startswith("| ") and "%" in line)
    industry = row.split("|")[1].strip()
    accounts = maven.ask(revops, "list the accounts in it", first.thread_id)
    ((name, args),) = _calls(accounts)
    assert name == "search_accounts" and args["industry"] == industry


def test_a_row_picked_by_place_and_broken_down_keeps_the_measure(
    demo: World, maven: World, cast: Cast
) -> None:
    first = demo.ask(cast.revops, "top 3 reps by bookings ytd")
    rep = re.findall(r"^\| ([^|]+?) \| \$", first.answer, re.M)[0]
    broken = demo.ask(cast.revops, "break #1 down by product", first.thread_id)
    assert _calls(broken) == [
        ("query_metrics", {"measure": "won_revenue", "group_by": "product", "rep": rep, "period": "ytd"})
    ]
    earlier = demo.ask(cast.revops, "and for 2025?", broken.thread_id)
    assert _calls(earlier)[0][1] | {"period": "ytd"} == _calls(broken)[0][1]
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    top = maven.ask(revops, "top 3 reps by won rev 2017")
    leader = re.findall(r"^\| ([^|]+?) \| \$", top.answer, re.M)[0]
    guy = maven.ask(revops, "break the top guy down by product", top.thread_id)
    assert _calls(guy)[0][1] == {
        "measure": "won_revenue",
        "group_by": "product",
        "rep": leader,
        "period": "2017",
    }


def test_who_owns_the_top_account_is_that_accounts_owner_or_none_recorded(demo: World, maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = demo.ask(revops, "which accounts have the most open pipe")
    account = re.findall(r"^\| ([^|]+?) \| \$", first.answer, re.M)[0]
    owner = demo.ask(revops, "who owns the top one", first.thread_id)
    assert _calls(owner) == [("account_profile", {"account": account})]
    with demo.engine.connect() as connection:
        named = connection.execute(
            select(func.count())
            .select_from(Account)
            .where(Account.name == account, Account.owner_id.is_not(None))
        ).scalar_one()
    assert named == 1 and "owner " in owner.answer.split("\n")[0]
    top = maven.ask(revops, "top accounts by won revenue")
    ownerless = maven.ask(revops, "who owns the top one", top.thread_id)
    assert [name for name, _ in _calls(ownerless)] == ["account_profile"]
    assert "no owner recorded" in ownerless.answer.split("\n")[0]


def test_the_oldest_deal_in_a_stage_then_its_owner(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "whats the oldest engaging deal")
    ((name, args),) = _calls(first)
    assert (name, args["measure"], args["group_by"], args["stage"], args["top"]) == (
        "query_metrics",
        "average_deal_age",
        "deal",
        "Engaging",
        1,
    )
    owner = maven.ask(revops, "who owns it", first.thread_id)
    ((name, args),) = _calls(owner)
    assert name == "deal_details" and "Owner: " in owner.answer


def test_why_the_one_lost_deal_shown_was_lost_is_that_deals_reason(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "whats the biggest deal we lost this yr")
    why = demo.ask(cast.revops, "why'd we lose it", first.thread_id)
    ((name, args),) = _calls(why)
    assert name == "deal_details"
    who = demo.ask(cast.revops, "who owned it", why.thread_id)
    assert _calls(who) == [("deal_details", args)]


def test_grouping_verbs_break_the_last_answer_down(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "lost deals last month on my team")
    for grouping in ("group em by reason", "sort those by reason", "bucket them by reason"):
        grouped = demo.ask(cast.manager, grouping, first.thread_id)
        assert _calls(grouped) == [
            (
                "query_metrics",
                {
                    "measure": "lost_deals",
                    "group_by": "loss_reason",
                    "period": "last month",
                    "also": ["lost_revenue"],
                },
            )
        ], grouping  # the deals listed, counted by reason with their value beside


def test_how_far_off_is_the_gap_to_the_number(demo: World, cast: Cast) -> None:
    for question in ("how far off am i", "how far behind are we", "how close am i"):
        answer = demo.ask(cast.rep, question)
        assert [name for name, _ in _calls(answer)] == ["forecast"], question


def test_which_account_was_the_one_deal_shown_then_its_open_deals(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "our biggest won deal this year")
    which = maven.ask(revops, "which acct was that", first.thread_id)
    assert [name for name, _ in _calls(which)] == ["deal_details"]
    account = re.search(r"^- Account: (.+)$", which.answer, re.M)
    assert account is not None
    more = maven.ask(revops, "any open deals w them", which.thread_id)
    assert _calls(more) == [("pipeline_summary", {"account": account[1]})]


def test_how_my_reps_track_is_each_rep_then_the_one_furthest_behind(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "how are my reps tracking vs quota this qtr")
    assert _calls(first) == [
        ("query_metrics", {"measure": "attainment", "group_by": "rep", "period": "this quarter"})
    ]
    rates = re.findall(r"^\| ([^|]+?) \| (\d+)% \|$", first.answer, re.M)
    lowest = min(rates, key=lambda row: int(row[1]))[0]
    behind = demo.ask(cast.manager, "who's furthest behind", first.thread_id)
    assert _calls(behind)[0][1] | {"top": 1, "order": "asc"} == _calls(behind)[0][1]
    pipe = demo.ask(cast.manager, "what do they have in pipe closing this qtr", behind.thread_id)
    assert _calls(pipe) == [("pipeline_summary", {"owner": lowest, "period": "this quarter"})]
    for each in ("win rate for my reps this year", "bookings for all my guys this quarter"):
        ((_, args),) = _calls(demo.ask(cast.manager, each))
        assert args["group_by"] == "rep", each


def test_leaving_out_deals_under_an_amount_keeps_the_rest_of_the_same_answer(
    demo: World, maven: World, cast: Cast
) -> None:
    first = demo.ask(cast.manager, "opps on my team with no activity in 21+ days")
    ((name, args),) = _calls(first)
    dropped = demo.ask(cast.manager, "drop anything under 20k", first.thread_id)
    assert _calls(dropped) == [(name, args | {"min_amount": "20000"})]
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    offices = maven.ask(revops, "revenue by regional office")
    west = maven.ask(revops, "break west down by manager", offices.thread_id)
    ((_, args),) = _calls(west)
    assert (args["measure"], args["group_by"]) == ("won_revenue", "team") and "West" in args.values()
    bigger = maven.ask(revops, "exclude deals under 1k", west.thread_id)
    assert _calls(bigger) == [("query_metrics", args | {"min_amount": "1000"})]
    assert [name for name, _ in _calls(maven.ask(revops, "deals under 1k"))] == ["pipeline_summary"]
    ((_, alone),) = _calls(maven.ask(revops, "deals under 1k"))
    assert alone == {"max_amount": "1000"}


def test_total_in_dollars_after_a_count_is_the_money_and_stays_for_the_comparison(
    demo: World, cast: Cast
) -> None:
    first = demo.ask(cast.revops, "how many deals did we win in october")
    total = demo.ask(cast.revops, "total $?", first.thread_id)
    compared = demo.ask(cast.revops, "vs oct last yr", total.thread_id)
    ((_, args),) = _calls(compared)
    assert (args["measure"], args["period"], args["compare"]) == ("won_revenue", "october", "October 2025")
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    money = demo.ask(revops, "compare kenji vs emil won rev this year")
    counts = demo.ask(revops, "and deal counts", money.thread_id)
    assert _calls(counts)[0][1]["measure"] == "won_deals"


def test_their_rate_after_the_one_team_shown_is_that_teams(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "which manager's team lost the most deals")
    manager = re.findall(r"^\| ([^|]+?) \| [\d,]+ \|$", first.answer, re.M)[0]
    rate = maven.ask(revops, "what's their loss rate", first.thread_id)
    assert _calls(rate)[0][1] == {"measure": "loss_rate", "team": manager} | (
        {"period": _calls(first)[0][1]["period"]} if "period" in _calls(first)[0][1] else {}
    )


def test_how_a_quarter_looks_against_another_is_their_bookings_compared(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "how's q4 looking vs q3")
    assert _calls(first) == [
        ("query_metrics", {"measure": "won_revenue", "period": "q4", "compare": "previous_period"})
    ]
    assert "2017-Q3" in first.answer
    by_product = maven.ask(revops, "by product", first.thread_id)
    assert _calls(by_product)[0][1] == _calls(first)[0][1] | {"group_by": "product"}
    alone = maven.ask(revops, "how's q4 looking")
    assert [name for name, _ in _calls(alone)] == ["forecast"]


def test_which_grew_the_most_after_a_breakdown_compares_those_rows(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "avg deal size by product ytd")
    grew = demo.ask(cast.revops, "which grew the most vs 2025", first.thread_id)
    assert _calls(grew) == [("query_metrics", _calls(first)[0][1] | {"compare": "2025"})]
    assert re.search(r"^\S.* rose the most \(by \$", grew.answer, re.M)
    again = demo.ask(cast.revops, "avg deal size by product ytd")
    fell = demo.ask(cast.revops, "which dropped the most", again.thread_id)
    ((_, args),) = _calls(fell)
    assert args["compare"] in ("previous_period", "last_year") and args["group_by"] == "product"


def test_which_accounts_after_the_pipeline_in_a_stage_is_that_pipeline_by_account(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "how many opps sitting in prospecting")
    assert _calls(first) == [("pipeline_summary", {"stage": "Prospecting"})]
    accounts = maven.ask(revops, "which accounts", first.thread_id)
    # counted, as the question before counted them
    assert _calls(accounts) == [
        ("query_metrics", {"measure": "open_deals", "group_by": "account", "stage": "Prospecting"})
    ]


def test_all_the_open_deals_after_an_empty_month_drops_the_month(maven: World) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "whats closing this month on my team")
    assert _calls(first) == [("pipeline_summary", {"period": "this month"})]
    every = maven.ask(manager, "ok then just show all my team's open deals", first.thread_id)
    assert _calls(every) == [("pipeline_summary", {})]
    again = maven.ask(manager, "whats closing this month on my team")
    kept = maven.ask(manager, "just the engaging ones", again.thread_id)
    assert _calls(kept)[0][1].get("period") == "this month"


def test_a_rep_asking_the_whole_teams_figure_is_told_it_is_their_own(maven: World, cast: Cast) -> None:
    rep = maven.viewer("James Ascencio")
    first = maven.ask(rep, "my win rate on gtx pro vs mg advanced this yr")
    team = maven.ask(rep, "whats the whole team's win rate", first.thread_id)
    assert _calls(team) == [("query_metrics", {"measure": "win_rate", "period": "this year"})]
    assert "You see your own deals only, so the team's figure is not yours to see" in team.answer
    alone = maven.ask(rep, "company-wide win rate this year")
    assert "the company's figure is not yours to see" in alone.answer
    manager = maven.ask(maven.viewer("Melvin Marxen"), "whats the whole team's win rate this year")
    assert "not yours to see" not in manager.answer


def test_a_change_asked_of_a_row_picked_by_place_is_never_answered_as_the_deal(
    demo: World, cast: Cast
) -> None:
    first = demo.ask(cast.manager, "deals in negotiation on my team")
    pushed = demo.ask(cast.manager, "push the first one out to dec 15", first.thread_id)
    assert [name for name, _ in _calls(pushed)] != ["deal_details"]
    assert "nothing has been written" in pushed.answer and "update it in the CRM" in pushed.answer


def test_the_one_rep_shown_then_her_losses_by_product_and_a_reps_biggest_account(maven: World) -> None:
    manager = maven.viewer("Melvin Marxen")
    first = maven.ask(manager, "which of my reps has the lowest win rate")
    ((_, args),) = _calls(first)
    assert (args["top"], args["order"]) == (1, "asc")
    rep = re.findall(r"^\| ([^|]+?) \| \d+% \|$", first.answer, re.M)[0]
    losing = maven.ask(manager, "what products is she losing on", first.thread_id)
    ((_, args),) = _calls(losing)
    assert (args["group_by"], args["rep"]) == ("product", rep) and "top" not in args
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    wins = maven.ask(revops, "how many deals did darcel schlecht win this yr")
    biggest = maven.ask(revops, "whats her biggest acct", wins.thread_id)
    ((_, args),) = _calls(biggest)
    # the export records no account owners: her accounts are those she won deals at
    assert (args["measure"], args["group_by"], args["rep"], args["top"]) == (
        "won_revenue",
        "account",
        "Darcel Schlecht",
        1,
    )


def test_biggest_deal_after_won_revenue_is_the_largest_win_and_a_rate_shows_its_deals(maven: World) -> None:
    manager = maven.viewer("Summer Sewald")
    first = maven.ask(manager, "whats my team's won rev this yr")
    biggest = maven.ask(manager, "biggest deal?", first.thread_id)
    assert _calls(biggest) == [
        ("query_metrics", {"measure": "won_revenue", "group_by": "deal", "period": "this year", "top": 1})
    ]
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    rate = maven.ask(revops, "which sector has the highest win rate")
    based = maven.ask(revops, "how many deals is that based on", rate.thread_id)
    assert _calls(based)[0][1] == _calls(rate)[0][1] | {"also": ["closed_deals"]}


def test_dropping_a_product_and_redoing_keeps_the_question_before(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "which regional office has the best win rate")
    again = maven.ask(revops, "drop mg special and redo it", first.thread_id)
    assert _calls(again) == [("query_metrics", _calls(first)[0][1] | {"exclude": {"product": "MG Special"}})]
    retail = maven.ask(revops, "exclude retail", again.thread_id)
    ((_, args),) = _calls(retail)
    assert (
        args["exclude"] == {"product": "MG Special", "industry": "retail"} and args["measure"] == "win_rate"
    )


def test_who_owns_those_after_a_list_of_deals_names_each_deals_owner(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "anything closing next week over 50k?")
    ((_, args),) = _calls(first)
    owners = demo.ask(cast.revops, "who owns those", first.thread_id)
    # the same deals (the same filters), each looked up with its owner
    assert _calls(owners)[0] == ("pipeline_summary", args)
    assert [name for name, _ in _calls(owners)].count("deal_details") >= 2
    assert owners.answer.count(", owner ") >= 2


def test_how_many_deals_sat_in_a_stage_is_counted_then_who_has_the_most(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "how many deals have been sitting in engaging for more than 90 days")
    ((_, args),) = _calls(first)
    assert (args["measure"], args["stage"], args["min_days_in_stage"]) == ("open_deals", "Engaging", 91)
    assert "group_by" not in args
    most = maven.ask(revops, "who has the most of those", first.thread_id)
    ((_, args),) = _calls(most)
    assert (args["measure"], args["group_by"], args["top"]) == ("open_deals", "rep", 1)


def test_that_month_last_year_is_the_month_shown_a_year_before(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "closed won by month this year")
    best = demo.ask(cast.revops, "which month was best", first.thread_id)
    month = re.findall(r"^\| (\d{4})-(\d{2}) \|", best.answer, re.M)[0]
    before = demo.ask(cast.revops, "how'd that month do last year", best.thread_id)
    ((_, args),) = _calls(before)
    name = dt.date(int(month[0]), int(month[1]), 1).strftime("%B")
    assert args["measure"] == "won_revenue" and args["period"] == f"{name} {int(month[0]) - 1}"


def test_a_breakdown_asked_after_the_one_top_row_drills_into_it(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "which account has bought the most from us")
    account = re.findall(r"^\| ([^|]+?) \| \$", first.answer, re.M)[0]
    products = maven.ask(revops, "what products", first.thread_id)
    ((_, args),) = _calls(products)
    assert (args["measure"], args["group_by"], args["account"]) == ("won_revenue", "product", account)
    assert "top" not in args
