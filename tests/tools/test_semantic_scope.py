"""query_metrics keeps to the viewer's scope through every dimension and filter, and a name
outside the scope is unknown to the viewer, exactly as in the other tools."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from tests.tools import crm
from tests.tools.conftest import MAX, OLGA, RITA, SAM
from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.errors import InputError
from tools.semantic import DIMENSIONS, GRAINS, MetricQuery, query_metrics
from tools.semantic.joined import Link
from tools.store.repository import Repository
from tools.store.schema import Account, Role, User
from tools.viewer import Viewer

MEASURES = ["closed_deals", "open_deals", "activities", "deals_created"]
#: Dimensions every measure above can be broken down by (the activity type is the activities' own).
BREAKDOWNS = [None, *(key for key, d in DIMENSIONS.items() if Link.ACTIVITY not in d.links), *GRAINS]


def _json(repo: Repository, viewer: Viewer, **args: Any) -> str:
    result = query_metrics(repo, viewer, MetricQuery(measure=MEASURES[0], also=MEASURES[1:], **args))
    return result.model_dump_json()


def _ids(text: str, kind: str) -> set[int]:
    return {int(n) for n in re.findall(rf'"{kind}/(\d+)"', text)}


def _own(owner_ids: set[int]) -> tuple[set[int], set[int]]:
    deals = {int(o["id"]) for o in crm.OPPORTUNITIES if o["owner_id"] in owner_ids}
    activities = {int(a["id"]) for a in crm.ACTIVITIES if a["owner_id"] in owner_ids}  # type: ignore[operator]
    return deals, activities


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_a_rep_sees_only_their_own_records_through_any_breakdown(repo: Repository, by: str | None) -> None:
    deals, activities = _own({RITA.user_id})
    text = _json(repo, RITA, group_by=by, period="this year")
    assert _ids(text, "opportunity") <= deals and _ids(text, "activity") <= activities
    for canary in ("CANARY-Sam", "CANARY-Ravi", "Globex", "Apex", "Umbrella", "Ravi Rao", "Sam Reyes"):
        assert canary not in text, (by, canary)
    totals = json.loads(text)["total"]
    closed = [o for o in crm.OPPORTUNITIES if int(o["id"]) in deals and o["is_closed"]]
    assert totals[0]["value"] == len(closed) and totals[1]["value"] == 2  # deals 1 and 2 are open
    assert totals[2]["value"] == len(activities) and totals[3]["value"] == len(deals)


def test_activities_by_type_and_of_one_type_keep_to_the_reps_own(repo: Repository) -> None:
    _, activities = _own({RITA.user_id})
    by_type = query_metrics(
        repo, RITA, MetricQuery(measure="activities", group_by="activity_type", period="this year")
    )
    assert _ids(by_type.model_dump_json(), "activity") <= activities
    assert sum(int(r.figures[0].value or 0) for r in by_type.rows) == len(activities)
    kinds = {str(a["kind"]) for a in crm.ACTIVITIES if int(a["id"]) in activities}  # type: ignore[call-overload]
    kind = sorted(kinds)[0]
    one = query_metrics(
        repo, RITA, MetricQuery(measure="activities", activity_type=f"{kind}s", period="this year")
    )
    wanted = [a for a in crm.ACTIVITIES if int(a["id"]) in activities and a["kind"] == kind]  # type: ignore[call-overload]
    assert one.total[0].value == len(wanted) and f"activity type: {kind}" in one.filters


def test_an_activity_type_on_deals_is_refused_not_dropped(repo: Repository) -> None:
    assert "activities only" in _error(repo, RITA, activity_type="call")
    with pytest.raises(InputError, match="activities only"):
        query_metrics(repo, RITA, MetricQuery(measure="won_revenue", group_by="activity_type"))


def test_a_manager_sees_their_team_only(repo: Repository) -> None:
    result = query_metrics(repo, MAX, MetricQuery(measure="open_pipeline", group_by="rep"))
    assert {r.group for r in result.rows} == {"Rita Ruiz", "Ravi Rao"}
    deals, _ = _own({4, 5})
    assert _ids(result.model_dump_json(), "opportunity") <= deals
    everyone = query_metrics(repo, OLGA, MetricQuery(measure="open_pipeline", group_by="rep"))
    assert {r.group for r in everyone.rows} == {"Rita Ruiz", "Ravi Rao", "Sam Reyes"}


def _error(repo: Repository, viewer: Viewer, **args: Any) -> str:
    with pytest.raises(InputError) as caught:
        query_metrics(repo, viewer, MetricQuery(measure="won_revenue", **args))
    return str(caught.value)


def test_another_reps_name_is_unknown_to_a_rep_exactly_as_in_other_tools(repo: Repository) -> None:
    hidden = _error(repo, RITA, rep="Sam Reyes")
    assert hidden == _error(repo, RITA, rep="Zed Nobody").replace("Zed Nobody", "Sam Reyes")
    with pytest.raises(InputError) as caught:
        pipeline_summary(repo, RITA, PipelineQuery(owner="Sam Reyes"))
    assert hidden == str(caught.value) == "no person named 'Sam Reyes'"
    assert _error(repo, RITA, account="Globex") == "no account named 'Globex'"
    assert _error(repo, RITA, team="Max Stone") == "no manager named 'Max Stone'"
    assert _error(repo, SAM, territory="West Enterprise").startswith("no territory named 'West Enterprise'")
    assert "West" not in _error(repo, SAM, region="West").partition("did you mean")[2]


def test_a_manager_filter_means_the_team_and_the_parent_of_a_hidden_account_stays_hidden(
    repo: Repository,
) -> None:
    team = query_metrics(repo, OLGA, MetricQuery(measure="open_deals", team="Max Stone", group_by="rep"))
    assert {r.group: r.figures[0].value for r in team.rows} == {"Rita Ruiz": 2, "Ravi Rao": 2}
    assert "team: Max Stone's team" in team.filters
    as_rep = query_metrics(repo, OLGA, MetricQuery(measure="open_deals", rep="Max Stone"))
    assert as_rep.total[0].value == 4 and "rep: Max Stone's team" in as_rep.filters
    # a parent the viewer may not see is not named: the account stands for itself
    with repo.engine.begin() as connection:
        connection.execute(update(Account).where(Account.id == 1).values(parent_account_id=3))
    hidden = query_metrics(repo, RITA, MetricQuery(measure="won_revenue", group_by="parent_account"))
    assert [r.group for r in hidden.rows] == ["Acme Corporation"] and "Globex" not in hidden.model_dump_json()
    shown = query_metrics(repo, OLGA, MetricQuery(measure="won_revenue", group_by="parent_account"))
    assert [(r.group, r.figures[0].value) for r in shown.rows] == [("Globex", Decimal("80000.00"))]


def test_a_tie_at_the_cut_is_kept_and_a_rep_with_nothing_counts_zero(repo: Repository) -> None:
    """In 2027 one rep has an open deal due and the others none: the others count 0, and asking for
    the one with the fewest names all of them (a tie at the cut)."""
    with repo.connect() as connection:
        reps = dict(
            connection.execute(repo.users(OLGA, User.id, User.name).where(User.role == Role.REP)).all()
        )
    due = Counter(
        int(str(o["owner_id"]))
        for o in crm.OPPORTUNITIES
        if not o["is_closed"] and str(o["close_date"]).startswith("2027")
    )
    expected = {name: due.get(uid, 0) for uid, name in reps.items()}
    everyone = query_metrics(repo, OLGA, MetricQuery(measure="open_deals", group_by="rep", period="2027"))
    assert {r.group: r.figures[0].value for r in everyone.rows} == expected
    assert 0 in expected.values() and list(expected.values()).count(0) > 1
    fewest = query_metrics(
        repo, OLGA, MetricQuery(measure="open_deals", group_by="rep", period="2027", top=1, order="asc")
    )
    assert {r.group for r in fewest.rows} == {name for name, n in expected.items() if n == 0}


def test_a_sum_ranked_from_the_bottom_counts_the_rep_with_nothing(repo: Repository) -> None:
    """Ranked from the bottom, a rep with no open pipeline due in 2027 is the least (a row of none);
    ranked from the top, only reps with some are rows."""
    with repo.connect() as connection:
        reps = set(connection.execute(repo.users(OLGA, User.name).where(User.role == Role.REP)).scalars())
    top = query_metrics(repo, OLGA, MetricQuery(measure="open_pipeline", group_by="rep", period="2027"))
    having = {r.group for r in top.rows}
    assert having and having < reps
    least = query_metrics(
        repo, OLGA, MetricQuery(measure="open_pipeline", group_by="rep", period="2027", top=1, order="asc")
    )
    assert {r.group for r in least.rows} == reps - having
    assert all(r.record_count == 0 for r in least.rows)


def test_the_loss_rate_is_lost_over_closed(repo: Repository) -> None:
    """Loss rate and win rate over the same closed deals add up to one, in total and per group."""
    lost = query_metrics(repo, OLGA, MetricQuery(measure="loss_rate", group_by="rep", period="all time"))
    won = query_metrics(repo, OLGA, MetricQuery(measure="win_rate", group_by="rep", period="all time"))
    assert lost.total[0].value is not None and won.total[0].value is not None
    assert abs(float(lost.total[0].value) + float(won.total[0].value) - 1) < 1e-9
    wins = {r.group: r.figures[0].value for r in won.rows}
    assert lost.rows and all(
        r.figures[0].value is not None
        and abs(float(r.figures[0].value) + float(wins[r.group] or 0) - 1) < 1e-9
        for r in lost.rows
    )
