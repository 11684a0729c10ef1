"""Compositions the metric query answers and the other tools cannot: two breakdowns at once, the kind
of activity, a deal's age and its days in the stage, a filter that leaves something out, a rep set
against the team average; and one deal asked "is it stalled?".

Each family is asked several ways; the arguments are checked, and the figures against SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import text

from tests.offline.conftest import Cast, World
from tests.offline.test_questions import called


def _one_call(answer: Any, tool: str = "query_metrics") -> dict[str, Any]:
    calls = [c for c in answer.tool_calls if c.name == tool]
    assert calls, (answer.tool_calls, answer.answer)
    return dict(calls[0].args)


@pytest.mark.parametrize(
    ("question", "group", "then"),
    [
        ("won revenue by rep and product this year", "rep", "product"),
        ("bookings by product, then rep, this year", "product", "rep"),
        ("pipeline by stage and owner", "stage", "rep"),
        ("win rate per rep per quarter this year", "rep", "quarter"),
        ("open pipe by territory & segment", "territory", "segment"),
    ],
)
def test_two_breakdowns_at_once_are_the_pairs(
    demo: World, cast: Cast, question: str, group: str, then: str
) -> None:
    answer = demo.ask(cast.manager, question)
    args = _one_call(answer)
    assert (args["group_by"], args["then_by"]) == (group, then)
    assert " · " in answer.answer and f"by {group.replace('_', ' ')} and {then}" in answer.answer


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("how many meetings did I have last week", "meeting"),
        ("calls logged this month by me", "call"),
        ("# of emails I sent last week", "email"),
        ("how many calls + meetings did i do last wk", "call, meeting"),
    ],
)
def test_an_activity_kind_counts_those_activities_only(
    demo: World, cast: Cast, question: str, kinds: str
) -> None:
    answer = demo.ask(cast.rep, question)
    args = _one_call(answer)
    assert args["measure"] == "activities" and args["activity_type"] == kinds
    with demo.engine.connect() as connection:
        wanted = kinds.split(", ")
        rows = connection.execute(
            text("SELECT kind FROM activities WHERE owner_id = :me"), {"me": cast.rep.user_id}
        ).all()
    assert rows and {r.kind for r in rows} >= set(wanted)


def test_the_activity_count_of_one_kind_is_the_records_of_that_kind(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "how many meetings did I log this year")
    today = demo.repository.as_of
    start = dt.date(today.year, 1, 1)
    with demo.engine.connect() as connection:
        count = connection.execute(
            text(
                "SELECT COUNT(*) FROM activities a LEFT JOIN opportunities o ON o.id = a.opportunity_id "
                "WHERE a.owner_id = :me AND a.kind = 'meeting' AND a.occurred_at >= :start "
                "AND a.occurred_at < :end"
            ),
            {"me": cast.rep.user_id, "start": start, "end": today + dt.timedelta(days=1)},
        ).scalar_one()
    assert re.search(rf"\bactivities {count:,}\b", answer.answer.replace("**", ""))


@pytest.mark.parametrize(
    ("question", "bound", "days"),
    [
        ("open deals older than 90 days", "min_age_days", 91),
        ("which of my opps are 120+ days old", "min_age_days", 120),
        ("deals opened more than 3 months ago that are still open", "min_age_days", 91),
        ("open opps less than 2 weeks old", "max_age_days", 14),
        ("deals in proposal for over 30 days", "min_days_in_stage", 31),
        ("anything sitting in negotiation more than 3 weeks", "min_days_in_stage", 22),
        ("deals stuck in stage 45+ days", "min_days_in_stage", 45),
    ],
)
def test_a_deal_age_or_stage_time_is_the_bound_asked_for(
    demo: World, cast: Cast, question: str, bound: str, days: int
) -> None:
    answer = demo.ask(cast.rep, question)
    args = _one_call(answer)
    assert args[bound] == days, args
    assert args["measure"] in ("open_pipeline", "open_deals")


def test_the_deals_in_a_stage_longer_than_asked_are_listed(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "deals stuck in Negotiation for more than 3 weeks")
    cutoff = demo.repository.as_of - dt.timedelta(days=22)
    with demo.engine.connect() as connection:
        names = (
            connection.execute(
                text(
                    "SELECT name FROM opportunities WHERE NOT is_closed AND stage = 'Negotiation' "
                    "AND stage_entered_at <= :cutoff"
                ),
                {"cutoff": cutoff},
            )
            .scalars()
            .all()
        )
    assert names and f"({len(names)} deals)" in answer.answer
    assert all(name in answer.answer for name in names[:5])


def test_an_exact_day_bound_is_not_a_threshold_on_the_measure(demo: World, cast: Cast) -> None:
    """ "more than 120 days old" bounds the deals' age, not the count of deals."""
    args = _one_call(demo.ask(cast.rep, "how many of my opps are more than 120 days old"))
    assert args == {"measure": "open_deals", "min_age_days": 121}


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("win rate by industry excluding healthcare this year", "industry"),
        ("non-enterprise bookings ytd", "segment"),
        ("pipeline by rep except the {territory} territory", "territory"),
        ("bookings this year for every product other than Cobalt Platform", "product"),
    ],
)
def test_a_negated_filter_leaves_those_records_out(
    demo: World, cast: Cast, question: str, field: str
) -> None:
    answer = demo.ask(cast.revops, cast.fill(question))
    args = _one_call(answer)
    assert field in args["exclude"] and field not in args, args
    assert f"{field}: not " in answer.answer


def test_a_rep_set_against_the_team_average_is_every_rep_and_their_mean(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, f"{cast.rep_short}'s win rate this year vs the team avg")
    args = _one_call(answer)
    assert args["group_by"] == "rep" and "rep" not in args and "team" not in args
    assert answer.answer.count(f"{cast.rep.name}: ") == 1 and "Average over" in answer.answer


def test_a_rep_asking_for_the_team_average_is_told_it_is_outside_their_scope(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "my win rate vs the team average ytd")
    assert "other people's deals, which you can't see" in answer.answer
    assert "Average win rate per rep" not in answer.answer


@pytest.mark.parametrize("question", ["is the {deal} deal stalled?", "is {deal} at risk?"])
def test_one_deal_asked_whether_it_is_stalled_gets_the_rules_verdict(
    demo: World, cast: Cast, question: str
) -> None:
    with demo.engine.connect() as connection:
        name = connection.execute(
            text("SELECT name FROM opportunities WHERE id = :id"), {"id": cast.deal_id}
        ).scalar_one()
    answer = demo.ask(cast.rep, question.format(deal=name))
    assert called(answer, "stalled_deals", {})
    first = answer.answer.splitlines()[0]
    # the verdict on that deal (or the stalled list narrowed to its account and product: one deal)
    assert first.startswith(("**This deal is flagged", "**No, the stall rules do not flag")) or (
        "of your 1 open deal" in first
    ), first


def test_a_rate_compared_with_a_year_earlier_moves_by_points(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "my win rate ytd vs same time last yr")
    assert " points from " in answer.answer and "% from" not in answer.answer.split("points from")[0][-12:]


def test_nothing_matched_is_none_not_zero_dollars(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "how much did I book on deals over $5,000,000 this year")
    assert "$0" not in answer.answer and "no deal matches" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what should i cover in the weekly forecast call",
        "remind me what the stage exit criteria are",
    ],
)
def test_everyday_verbs_are_not_read_as_measures_or_requests(demo: World, cast: Cast, question: str) -> None:
    """ "cover" is not coverage, "remind me what" is not a reminder: the playbook answers (for the
    forecast call, with the manager's prep for it)."""
    answer = demo.ask(cast.manager, question)
    names = [c.name for c in answer.tool_calls]
    assert "search_playbook" in names and "query_metrics" not in names and "forecast" not in names, names
    assert "nothing has been written" not in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "ping the team on slack to update their next steps before friday",
        "message the reps about the forecast call",
        "remind {rep_short} to update his close dates",
    ],
)
def test_asking_to_message_people_is_declined_plainly(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.manager, cast.fill(question))
    assert answer.tool_calls == [] and "nothing has been written or sent" in answer.answer


def test_a_lower_case_name_that_matches_nothing_is_said_not_replaced(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, "pipeline for zorblax dynamics?")
    assert 'no account named "zorblax dynamics"' in answer.answer


def test_no_activity_for_a_number_of_days_uses_that_number(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "deals with no activity for over 30 days")
    assert called(answer, "stalled_deals", {"rule": "no_activity", "no_activity_days": 30})
    assert "no activity for more than 30 days" in answer.answer


def test_a_follow_up_ranking_keeps_the_threads_measure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "pipeline created by month this year")
    best = demo.ask(cast.revops, "which month was best", first.thread_id)
    args = _one_call(best)
    assert (args["measure"], args["group_by"], args["top"]) == ("pipeline_created", "month", 1)
    reps = demo.ask(cast.revops, "top 3 reps", first.thread_id)
    assert _one_call(reps)["group_by"] == "rep" and _one_call(reps)["measure"] == "pipeline_created"


@pytest.mark.parametrize(
    ("named", "compare"), [("and vs q2?", "previous_period"), ("vs q3 last year", "last_year")]
)
def test_vs_a_period_in_a_follow_up_compares_the_threads_period(
    demo: World, cast: Cast, named: str, compare: str
) -> None:
    first = demo.ask(cast.revops, "bookings by region q3")
    args = _one_call(demo.ask(cast.revops, named, first.thread_id))
    assert args["period"] == "q3" and args["compare"] == compare and args["group_by"] == "region"


def test_the_big_ones_narrow_the_deals_without_changing_the_measure(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "lost deals by reason q3")
    args = _one_call(demo.ask(cast.revops, "only the big ones, 50k+", first.thread_id))
    assert args["measure"] == "lost_deals" and float(args["min_amount"]) == 50000


def test_a_pronoun_after_a_one_row_ranking_is_that_row(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, "top account by bookings this year")
    top = _one_call(first)
    assert top["group_by"] == "account" and top["top"] == 1
    row = [line for line in first.answer.splitlines() if line.startswith("| ") and "Account" not in line]
    name = row[0].split("|")[1].strip()
    follow = demo.ask(cast.revops, "how many employees do they have", first.thread_id)
    assert called(follow, "account_facts", {"account": name})


def test_the_rest_of_the_quarter_is_this_quarter(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "whats in my pipe for the rest of the qtr")
    assert called(answer, "pipeline_summary", {"period": "this quarter"})


@pytest.mark.parametrize(
    "question",
    [
        "deactivate {rep_short}s login hes leaving friday",
        "can you give {rep_short} access to the west territory",
        "reset my password",
        "make {rep_short} a manager",
    ],
)
def test_asking_to_manage_logins_or_roles_is_declined_with_the_admin_commands(
    demo: World, cast: Cast, question: str
) -> None:
    answer = demo.ask(cast.revops, cast.fill(question))
    assert answer.tool_calls == [] and "nothing has been written or sent" in answer.answer
    assert "salesplan users set-role" in answer.answer


def test_a_declined_request_naming_someone_ambiguously_leaves_the_thread(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.revops, cast.fill("give {rep_short} access to the west territory"))
    role = demo.ask(cast.revops, f"whats {cast.rep.name.lower()}'s role", first.thread_id)
    assert [c.name for c in role.tool_calls] == [
        "team_roster"
    ] and "nothing has been written" not in role.answer
