"""Questions answered as written: the norm itself from the playbook ("what are our stage thresholds
for stuck deals?", "bant or meddicc for a 40k deal?"), not the deals it applies to; requests to act
("book 30 min with…", "send … to my manager") declined, not answered with data; shorthand before
"'s" read ("wht's the pipleine"); "best selling product" ranked by product; "how big is the proposal
pipe" the pipeline's size; a company's one fact asked for said first ("parent co of X?"); and, on
data without quotas, a scorecard over the fiscal year to date that says attainment cannot be had."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Role, User
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


@pytest.mark.parametrize(
    "question",
    [
        "what are our stage thresholds for stuck deals",
        "bant or meddicc for a 40k deal?",
        "meddicc vs bant for a small deal",
        "what coverage ratio shld we be targeting",
        "what's our discount policy",
    ],
)
def test_a_question_about_the_norm_reads_the_playbook(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.rep, question)
    assert [name for name, _ in _calls(answer)] == ["search_playbook"], question


def test_the_deals_a_norm_applies_to_are_still_data(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "which of my deals are stuck")
    assert [name for name, _ in _calls(answer)] == ["stalled_deals"]


@pytest.mark.parametrize(
    "question",
    [
        "book 30 min with {manager} tmrw to go over pipe",
        "send the lost deals list to my manager",
        "forward my stalled deals to {manager}",
        "share this with the team",
    ],
)
def test_a_request_to_act_is_declined(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.rep, cast.fill(question))
    assert answer.tool_calls == [], question
    assert "can't do that yet" in answer.answer, question


def test_shorthand_before_an_apostrophe_is_read(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "wht's the pipleine for q1 nxt yr")
    ((name, args),) = _calls(answer)
    assert name == "pipeline_summary" and args["period"].lower().startswith("q1")
    assert "2027-Q1" in answer.answer


def test_breaking_a_pipeline_down_keeps_its_period(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.manager, "pipe for my team closing this q")
    split = demo.ask(cast.manager, "break that down by rep", first.thread_id)
    assert _calls(split) == [("pipeline_summary", {"period": "this quarter", "group_by": "owner"})]
    big = demo.ask(cast.manager, "only deals over 50k", split.thread_id)
    ((_, args),) = _calls(big)
    assert (args["period"], args["group_by"], args["min_amount"]) == ("this quarter", "owner", "50000")


@pytest.mark.parametrize(
    ("question", "dimension"),
    [
        ("best selling product by revenue last quarter", "product"),
        ("top-selling product this year", "product"),
        ("top performing rep this quarter", "rep"),
    ],
)
def test_a_best_selling_member_is_a_ranking(demo: World, cast: Cast, question: str, dimension: str) -> None:
    ((name, args),) = _calls(demo.ask(cast.revops, question))
    assert (name, args["group_by"], args["top"]) == ("query_metrics", dimension, 1), question


def test_how_big_a_pipeline_is_its_size(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "how big is the proposal pipe")
    assert _calls(answer) == [("pipeline_summary", {"stage": "Proposal"})]
    deals = demo.ask(cast.rep, "how big are my deals")
    assert "pipeline_summary" not in [name for name, _ in _calls(deals)]
    assert "Average won deal" in deals.answer


def test_the_fact_asked_for_comes_first(demo: World, cast: Cast) -> None:
    parent = aliased(Account)
    with demo.engine.connect() as connection:
        child, mother = connection.execute(
            select(Account.name, parent.name)
            .join(parent, parent.id == Account.parent_account_id)
            .order_by(Account.id)
            .limit(1)
        ).one()
    answer = demo.ask(cast.revops, f"parent co of {child.lower()}?")
    assert answer.answer.startswith(f"**{child}'s parent company is {mother}")
    owner = demo.ask(cast.revops, f"which company owns {child}")
    assert _calls(owner) == [("account_facts", {"account": child})]
    first = demo.ask(cast.revops, f"tell me about {mother}")
    subsidiaries = demo.ask(cast.revops, "subsidiaries?", first.thread_id)
    assert _calls(subsidiaries) == [("account_facts", {"account": mother})]
    assert "subsidiar" in subsidiaries.answer.split("\n")[0]


def test_a_scorecard_on_data_without_quotas_covers_the_year_to_date(maven: World) -> None:
    with maven.engine.connect() as connection:
        rep, manager = connection.execute(
            select(User.name, User.manager_id).where(User.role == Role.REP.value).order_by(User.id).limit(1)
        ).one()
        boss = connection.execute(select(User.name).where(User.id == manager)).scalar_one()
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, f"hows {rep.split()[0].lower()} doing")
    assert _calls(answer) == [("rep_performance", {"rep": rep, "period": "YTD"})]
    assert "fiscal year to date" in answer.answer and "$0" not in answer.answer
    team = maven.ask(revops, f"attainment for {boss.split()[0].lower()}s team")
    assert "no quotas" in team.answer and "$0 open" not in team.answer


def test_an_average_over_deals_done_is_one_figure(demo: World, cast: Cast, maven: World) -> None:
    ((_, args),) = _calls(demo.ask(cast.revops, "avg days to close for deals we lost in H1"))
    assert (args["measure"], args.get("group_by")) == ("average_lost_cycle", None)
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    first = maven.ask(revops, "deals won in december")
    ((_, listed),) = _calls(first)
    assert listed["group_by"] == "deal"
    size = maven.ask(revops, "avg size?", first.thread_id)
    ((_, args),) = _calls(size)
    assert (args["measure"], args.get("group_by"), args["period"]) == ("average_deal_size", None, "december")


def test_accounts_narrowed_in_a_thread_keep_every_filter(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "how many accounts in healthcare")
    tier = demo.ask(cast.revops, "how many of them are tier a", first.thread_id)
    ((name, args),) = _calls(tier)
    assert (name, args["industry"], args["tier"]) == ("search_accounts", "Healthcare", "A")
    assert "names" not in args  # the first ten shown are not "them": all the accounts in healthcare are
    open_deals = demo.ask(cast.revops, "and have open deals", tier.thread_id)
    ((name, args),) = _calls(open_deals)
    assert (name, args["tier"], args["has_open_pipeline"]) == ("search_accounts", "A", True)


def test_no_activity_on_data_without_activities_is_said(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "which accounts have had no activity in 60 days")
    assert "records no activities" in answer.answer


def test_deals_that_dont_have_an_account_are_counted(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "how many open deals dont have an account on them")
    assert _calls(answer) == [("query_metrics", {"measure": "open_deals", "missing": "account"})]


def test_best_selling_by_units_counts_the_deals_won(demo: World, cast: Cast) -> None:
    ((_, args),) = _calls(demo.ask(cast.revops, "best selling product by units this year"))
    assert (args["measure"], args["group_by"], args["top"]) == ("won_deals", "product", 1)


def test_how_many_reps_are_under_a_share_of_quota(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "how many reps are under 50% of their q4 quota so far")
    ((name, args),) = _calls(answer)
    assert (name, args["measure"], args["group_by"], args["below"]) == (
        "query_metrics",
        "attainment",
        "rep",
        0.5,
    )


def test_an_export_without_contacts_potential_or_dates_says_so_plainly(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    with maven.engine.connect() as connection:
        account = connection.execute(select(Account.name).order_by(Account.name).limit(1)).scalar_one()
    contacts = maven.ask(revops, f"who are the contacts at {account.lower()}")
    assert contacts.answer.split("\n\n")[1].startswith(f"**No contacts at {account} are recorded")
    summary = maven.ask(revops, "summarise the east territory")
    for noise in ("$0", "(not set)", "amount unknown", "n/a"):
        assert noise not in summary.answer, noise
    team = maven.ask(revops, "hows the east office doing this year")
    assert "n/a" not in team.answer and "$0 booked" not in team.answer


def test_a_parent_company_out_of_view_is_not_called_missing(demo: World, cast: Cast) -> None:
    repo = demo.repository
    with demo.engine.connect() as connection:
        seen = set(connection.execute(repo.accounts(cast.manager, Account.id)).scalars())
        pairs = connection.execute(
            select(Account.id, Account.name, Account.parent_account_id).where(
                Account.parent_account_id.is_not(None)
            )
        ).all()
        names = dict(connection.execute(select(Account.id, Account.name)).all())
    child, mother = next((n, names[p]) for i, n, p in pairs if i in seen and p not in seen)
    answer = demo.ask(cast.manager, f"parent co of {child.lower()}?")
    assert answer.answer.startswith(f"**{child}'s parent company is outside your view.**")
    assert mother not in answer.answer


def test_prices_people_in_a_place_and_how_long_a_deal_may_sit(demo: World, cast: Cast) -> None:
    price = demo.ask(cast.rep, "list price on security shield")
    assert _calls(price) == [("list_products", {"products": ["Security Shield"]})]
    people = demo.ask(cast.revops, cast.fill("who's in {territory}"))
    assert _calls(people) == [("team_roster", {"territory": cast.territory})]
    rule = demo.ask(cast.rep, "how long can a deal sit in negotiation b4 it gets flagged")
    assert [name for name, _ in _calls(rule)] == ["search_playbook"]
