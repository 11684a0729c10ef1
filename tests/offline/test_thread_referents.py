"""Short follow-ups keep what the thread is about: the account of a profile ("any open deals?"),
the one deal an answer showed ("when did it last have activity?"), the deal a change was asked for
("what's the next step on it then?"), and the member a figure was filtered by, swapped for another
of the same kind ("what about price?" after losses to competitors, "and meetings?" after calls)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Activity, Opportunity, Role


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_a_fragment_after_an_accounts_profile_is_about_that_account(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, cast.fill("tell me about {account}"))
    deals = demo.ask(cast.revops, "any open deals?", first.thread_id)
    assert _calls(deals) == [("pipeline_summary", {"account": cast.account})]
    churn = demo.ask(cast.revops, "anything churned?", first.thread_id)
    ((name, args),) = _calls(churn)
    assert (name, args["measure"], args["account"]) == ("query_metrics", "churned_arr", cast.account)
    bought = demo.ask(cast.revops, "what have they bought", first.thread_id)
    assert _calls(bought) == [("account_purchases", {"account": cast.account})]
    # a question that says it is about more than the account is not narrowed to it
    ours = demo.ask(cast.revops, "what's our total pipeline", first.thread_id)
    assert all("account" not in args for _, args in _calls(ours))


def test_it_after_the_one_deal_shown_is_that_deal(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "whats our biggest open deal")
    with demo.engine.connect() as connection:
        biggest, account_id = connection.execute(
            select(Opportunity.id, Opportunity.account_id)
            .where(~Opportunity.is_closed)
            .order_by(Opportunity.amount.desc(), Opportunity.id)
            .limit(1)
        ).one()
        account = connection.execute(select(Account.name).where(Account.id == account_id)).scalar_one()
        last = connection.execute(
            select(func.max(Activity.occurred_at)).where(Activity.opportunity_id == biggest)
        ).scalar_one()
    activity = demo.ask(cast.revops, "when did it last have activity", first.thread_id)
    assert _calls(activity) == [("deal_details", {"deal": f"opportunity/{biggest}"})]
    assert f"Last activity: {str(last)[:10]}" in activity.answer
    committee = demo.ask(cast.revops, "whos on the buying committee", activity.thread_id)
    assert _calls(committee) == [("account_profile", {"account": account})]


def test_it_after_a_change_request_is_the_deal_as_it_stands(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, cast.fill("push the {account} close date to dec 15"))
    then = demo.ask(cast.rep, "ok whats the next step on it then", first.thread_id)
    ((name, _),) = _calls(then)
    assert name == "deal_details"
    assert "Next step" in then.answer


def test_a_member_named_alone_replaces_the_one_before(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "how many deals did we lose to competitors this year")
    ((_, before),) = _calls(first)
    price = demo.ask(cast.revops, "what about price?", first.thread_id)
    ((_, after),) = _calls(price)
    assert (after["measure"], after["loss_reason"], after["period"]) == (
        "lost_deals",
        "Price",
        before["period"],
    )
    calls = demo.ask(cast.rep, "how many calls did i log this month")
    meetings = demo.ask(cast.rep, "and meetings?", calls.thread_id)
    ((_, args),) = _calls(meetings)
    assert (args["measure"], args["activity_type"], args["period"]) == ("activities", "meeting", "this month")
    # "price" outside a thread about losses is no loss reason
    alone = demo.ask(cast.revops, "what's the list price of our products?")
    assert all(args.get("loss_reason") is None for _, args in _calls(alone))


def test_a_quarter_in_a_thread_carries_into_so_far_and_what_percent(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "whats my quota this quarter")
    closed = demo.ask(cast.rep, "how much have i closed so far", first.thread_id)
    ((name, args),) = _calls(closed)
    assert name == "rep_performance" and args.get("period") in (None, "this quarter")
    assert "2026-Q4" in closed.answer
    share = demo.ask(cast.rep, "what % is that", closed.thread_id)
    ((name, args),) = _calls(share)
    assert (name, args["measure"]) == ("query_metrics", "attainment")
    assert "(from " in share.answer and "records: deals and quotas" in share.answer
    more = demo.ask(cast.rep, "how much more do i need to hit it", share.thread_id)
    assert [name for name, _ in _calls(more)] == ["forecast"]


def test_total_after_a_breakdown_is_the_figure_over_everything(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "bookings by region this year")
    total = demo.ask(cast.revops, "total?", first.thread_id)
    ((_, args),) = _calls(total)
    assert (args["measure"], args.get("group_by"), args["period"]) == ("won_revenue", None, "this year")


def test_the_people_a_roster_listed_are_they(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, cast.fill("who reports to {manager}"))
    won = demo.ask(cast.revops, "how many deals did they win this year", first.thread_id)
    ((_, args),) = _calls(won)
    assert args["measure"] == "won_deals" and cast.rep.name in args["any_of"]["rep"]
    assert cast.stranger.name not in args["any_of"]["rep"]


def test_a_narrowing_said_with_the_breakdown_keeps_both(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "lost deals last qtr by reason")
    narrowed = demo.ask(cast.revops, "just the ones lost to competitors - which industries", first.thread_id)
    ((_, args),) = _calls(narrowed)
    assert (args["group_by"], args["loss_reason"]) == ("industry", "Lost to competitor")
    sized = demo.ask(cast.revops, "avg deal size by segment this year")
    only = demo.ask(cast.revops, "enterprise only - by product", sized.thread_id)
    ((_, args),) = _calls(only)
    assert (args["measure"], args["group_by"], args["segment"]) == (
        "average_deal_size",
        "product",
        "Enterprise",
    )
    lost = demo.ask(cast.manager, "how many deals did my team lose this quarter")
    reason = demo.ask(cast.manager, "whats the top reason", lost.thread_id)
    ((_, args),) = _calls(reason)
    assert (args["group_by"], args["top"]) == ("loss_reason", 1)


def test_pull_up_shows_instead_of_moving(demo: World, cast: Cast) -> None:
    answer = demo.ask(
        cast.rep, cast.fill("can u pull up {stranger}'s pipeline, want to see what they're working")
    )
    assert "can't do that yet" not in answer.answer
    assert "see your own deals" in answer.answer


def test_the_biggest_deals_are_listed_whatever_the_word_order(demo: World, cast: Cast) -> None:
    ten = demo.ask(cast.revops, "biggest 10 deals in the pipe rn")
    assert "**The 10 largest open deals**" in ten.answer
    hers = demo.ask(cast.manager, cast.fill("whats the biggest deal in {rep_short}'s pipe"))
    assert "largest open deal**" in hers.answer and cast.rep.name.split()[0] in hers.answer
    one = demo.ask(cast.manager, "whats the biggest single deal on the team and who owns it")
    assert "largest open deal**" in one.answer and "owner " in one.answer
    stage = demo.ask(cast.manager, "what stage is it in and when is it supposed to close", one.thread_id)
    assert [name for name, _ in _calls(stage)] == ["deal_details"]


def test_which_of_the_listed_deals_are_in_an_industry(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "top 10 open deals by amount")
    tech = demo.ask(cast.revops, "which of those are in tech", first.thread_id)
    ((name, args),) = _calls(tech)
    assert (name, args["industry"], len(args["any_of"]["deal"])) == ("query_metrics", "Technology", 10)
    owners = demo.ask(cast.revops, "who owns them", tech.thread_id)
    ((_, args),) = _calls(owners)
    assert args["then_by"] == "rep" and len(args["any_of"]["deal"]) < 10
    assert all(ref.startswith("opportunity/") for ref in args["any_of"]["deal"])


def test_compared_to_the_team_sets_the_figure_beside_each_reps(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, cast.fill("whats {rep}'s win rate this year"))
    team = demo.ask(cast.manager, "how does that compare to the team", first.thread_id)
    ((_, args),) = _calls(team)
    assert (args["measure"], args["group_by"], args.get("rep")) == ("win_rate", "rep", None)
    assert "Average over" in team.answer and cast.rep.name in team.answer
    mine = demo.ask(cast.rep, "whats my win rate this year")
    alone = demo.ask(cast.rep, "how does that compare to the team", mine.thread_id)
    assert "which you can't see" in alone.answer
    assert cast.stranger.name not in alone.answer


def test_a_share_of_the_total_asked_in_more_words(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "closed won by region this year")
    share = demo.ask(cast.revops, "as a % of total", first.thread_id)
    ((_, args),) = _calls(share)
    assert (args["group_by"], args["share_of_total"]) == ("region", True)


def test_won_from_an_account_including_its_subsidiaries(maven: World) -> None:
    from tools.viewer import Viewer

    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    with maven.engine.connect() as connection:
        parent = connection.execute(
            select(Account.name)
            .where(
                Account.id.in_(
                    select(Account.parent_account_id).where(Account.parent_account_id.is_not(None))
                )
            )
            .order_by(Account.name)
            .limit(1)
        ).scalar_one()
    first = maven.ask(revops, f"tell me about {parent}")
    group = maven.ask(revops, "how much have we won from them incl subsidiaries", first.thread_id)
    ((_, args),) = _calls(group)
    assert (args["measure"], args["parent_account"]) == ("won_revenue", parent)


def test_the_team_after_a_person_is_the_whole_team(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "who on my team has the most open pipeline")
    biggest = demo.ask(cast.manager, "whats the biggest single deal on the team", first.thread_id)
    assert all("owner" not in args for _, args in _calls(biggest))
    assert "Your team's largest open deal" in biggest.answer


def test_top_few_of_the_pipeline_by_rep(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "my teams pipeline by rep")
    top = demo.ask(cast.manager, "top 3 only", first.thread_id)
    ((name, args),) = _calls(top)
    assert (name, args["measure"], args["group_by"], args["top"]) == (
        "query_metrics",
        "open_pipeline",
        "rep",
        3,
    )


def test_a_set_of_accounts_narrowed_then_asked_which_one(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "how many accounts do we have in healthcare")
    with_deals = demo.ask(cast.revops, "how many of them have an open deal", first.thread_id)
    ((name, args),) = _calls(with_deals)
    assert (name, args["industry"], args["has_open_pipeline"]) == ("search_accounts", "Healthcare", True)
    biggest = demo.ask(cast.revops, "which one has the single biggest open deal", with_deals.thread_id)
    assert _calls(biggest)[0] == ("pipeline_summary", {"industry": "Healthcare"})
    assert "largest open deal in Healthcare" in biggest.answer


def test_what_someone_closed_compared_to_their_quota_is_attainment(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, cast.fill("how much did {rep} close this year"))
    quota = demo.ask(cast.manager, "how does that compare to his quota", first.thread_id)
    ((_, args),) = _calls(quota)
    assert (args["measure"], args["rep"]) == ("attainment", cast.rep.name)


def test_what_became_of_the_deals_created_in_a_period(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "new pipeline created in october")
    won = demo.ask(cast.revops, "how much of that is already won?", first.thread_id)
    ((_, args),) = _calls(won)
    assert (args["measure"], args["date_field"], args["period"]) == ("won_revenue", "created", "october")
    assert "of the deals created in October" in won.answer
    with demo.engine.connect() as connection:
        lost = connection.execute(
            select(func.count(Opportunity.id)).where(
                Opportunity.is_closed,
                ~Opportunity.is_won,
                Opportunity.created_at >= "2026-10-01",
                Opportunity.created_at < "2026-11-01",
            )
        ).scalar_one()
    count = demo.ask(cast.revops, "and how many of those were lost", won.thread_id)
    ((_, args),) = _calls(count)
    assert (args["measure"], args["date_field"]) == ("lost_deals", "created")
    assert f"lost deals {lost:,}" in count.answer


def test_versus_the_company_is_the_company_or_said_to_be_out_of_reach(demo: World, cast: Cast) -> None:
    team = demo.ask(cast.manager, "win rate for my team this year")
    company = demo.ask(cast.manager, "vs company", team.thread_id)
    ((_, args),) = _calls(company)
    assert (args["measure"], args.get("rep")) == ("win_rate", None)
    assert "company's figure is not yours to see" in company.answer
    first = demo.ask(cast.revops, cast.fill("win rate for {manager}'s team this year"))
    everyone = demo.ask(cast.revops, "vs company", first.thread_id)
    ((_, args),) = _calls(everyone)
    assert (args["measure"], args.get("rep"), args.get("team")) == ("win_rate", None, None)
    assert "not yours to see" not in everyone.answer
