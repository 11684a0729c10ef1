"""The read routes over the agent's tools: pipeline, forecast, performance, accounts, deals and
metrics. Each answers what the tool answers for the token's user (nothing of another rep's),
refuses bad input with a problem detail that says why, and matches the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from assistant.audit import AuditLog
from assistant.interfaces.api import deal_list
from tests.interfaces.api_support import Api, build_api, conforms, problem
from tests.security.playbook import Playbook
from tools.deals.performance import PerformanceQuery, PerformanceReport
from tools.deals.pipeline import PipelineQuery, PipelineSummary
from tools.semantic.models import MetricQuery, MetricResult
from tools.viewer import find_viewer


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    world = build_api(tmp_path_factory.mktemp("reads") / "home", api_rate_limit_per_minute=10_000)
    world.context.__dict__["knowledge"] = Playbook()  # fixed passages: no index to build for a plan
    with world.client:
        yield world


def get(api: Api, who: str, path: str, params: Any = None) -> Any:
    return api.client.get(path, params=params, headers=api.auth(who))


def tool(api: Api, who: str, name: str, params: BaseModel, returns: type[BaseModel]) -> Any:
    """What the agent's tool answers the same user (as JSON)."""
    viewer = find_viewer(api.context.engine, who)
    result = api.context.reads.run_tool(viewer, name, params, returns=returns, channel="test")
    return result.model_dump(mode="json")


def test_the_pipeline_is_the_pipeline_tools_answer_for_the_caller(api: Api) -> None:
    rita = conforms(get(api, "rita", "/v1/pipeline", {"group_by": "owner"}), "/v1/pipeline")
    assert [g["key"] for g in rita["groups"]] == ["Rita Ruiz"]
    assert rita == tool(
        api, "rita@cobalt.example", "pipeline_summary", PipelineQuery(group_by="owner"), PipelineSummary
    )
    team = conforms(get(api, "max", "/v1/pipeline", {"group_by": "owner"}), "/v1/pipeline")
    assert {g["key"] for g in team["groups"]} == {"Rita Ruiz", "Ravi Rao"}
    stage = conforms(get(api, "max", "/v1/pipeline", {"stage": "Discovery"}), "/v1/pipeline")
    assert stage["open_pipeline"]["record_ids"] == ["opportunity/3"]


def test_the_forecast_and_performance_are_the_callers(api: Api) -> None:
    forecast = conforms(get(api, "rita", "/v1/forecast"), "/v1/forecast")
    assert forecast["period"]["label"] == "2026-Q4"
    assert forecast["closed_won"]["record_ids"] == ["opportunity/6"]  # Rita's win in Q4, not Sam's
    assert forecast["commit"]["record_ids"] == ["opportunity/1"]
    mine = conforms(get(api, "rita", "/v1/performance"), "/v1/performance")
    assert [r["rep"] for r in mine["reps"]] == ["Rita Ruiz"]
    team = conforms(get(api, "max", "/v1/performance", {"period": "2026-Q4"}), "/v1/performance")
    assert team == tool(
        api, "max@cobalt.example", "rep_performance", PerformanceQuery(period="2026-Q4"), PerformanceReport
    )
    assert {r["rep"] for r in team["reps"]} == {"Rita Ruiz", "Ravi Rao"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/pipeline", {"owner": "Ravi Rao"}),
        ("/v1/forecast", {"owner": "Sam Reyes"}),
        ("/v1/performance", {"rep": "Ravi Rao"}),
        ("/v1/accounts", {"owner": "Sam Reyes"}),
        ("/v1/deals", {"owner": "Ravi Rao"}),
        ("/v1/deals", {"account": "Globex"}),
        ("/v1/metrics", {"measure": "won_revenue", "rep": "Sam Reyes"}),
    ],
)
def test_a_rep_naming_someone_elses_records_gets_a_404(api: Api, path: str, params: dict[str, str]) -> None:
    refused = problem(get(api, "rita", path, params), 404)
    named = next(value for key, value in params.items() if key != "measure")
    assert named in str(refused["detail"])
    conforms(get(api, "rita", path, params), path)
    assert get(api, "olga", path, params).status_code == 200  # RevOps sees everyone


@pytest.mark.parametrize(
    ("path", "params", "status", "reason"),
    [
        ("/v1/pipeline", {"group_by": "colour"}, 422, "query.group_by"),
        ("/v1/pipeline", {"period": "someday"}, 400, "someday"),
        ("/v1/pipeline", {"onwer": "Rita Ruiz"}, 422, "query.onwer: Extra inputs are not permitted"),
        ("/v1/forecast", {"min_amount": "-5"}, 422, "query.min_amount"),
        ("/v1/performance", {"period": "FY9999"}, 400, "too far in the past or the future"),
        ("/v1/accounts", {"limit": "0"}, 422, "query.limit"),
        ("/v1/accounts", {"min_employees": str(10**12)}, 422, "query.min_employees"),
        ("/v1/accounts", {"sort_by": "mood"}, 422, "query.sort_by"),
        ("/v1/deals", {"stage": "Closed Won", "status": "open"}, 400, "holds won deals, not open ones"),
        ("/v1/deals", {"status": "lost", "stalled": "true"}, 400, "stalled applies to open deals"),
        ("/v1/deals", {"stage": "Nowhere"}, 400, "no stage named 'Nowhere'"),
        ("/v1/deals", {"limit": "51"}, 422, "query.limit"),
        ("/v1/deals", {"stalled": "maybe"}, 422, "query.stalled"),
        ("/v1/metrics", {"measure": "happiness"}, 400, "unknown measure 'happiness'; measures are"),
        ("/v1/metrics", {}, 422, "query.measure: Field required"),
        ("/v1/metrics", {"measure": "win_rate", "exclude": "United States"}, 400, "filter:value"),
        ("/v1/metrics", {"measure": "win_rate", "group_by": "weather"}, 400, "cannot group by 'weather'"),
    ],
)
def test_bad_input_is_a_problem_that_says_why(
    api: Api, path: str, params: dict[str, str], status: int, reason: str
) -> None:
    response = get(api, "max", path, params)
    assert reason in str(problem(response, status)["detail"])
    conforms(response, path)


def test_accounts_search_within_the_callers_scope(api: Api) -> None:
    rita = conforms(get(api, "rita", "/v1/accounts"), "/v1/accounts")
    assert [a["name"] for a in rita["accounts"]] == ["Acme Corporation"]
    health = conforms(get(api, "max", "/v1/accounts", {"name": "health"}), "/v1/accounts")
    assert sorted(a["name"] for a in health["accounts"]) == ["Apex Health", "Umbrella Health"]
    assert health["matched"]["value"] == 2
    everyone = conforms(get(api, "olga", "/v1/accounts", {"sort_by": "name", "limit": 2}), "/v1/accounts")
    assert [a["name"] for a in everyone["accounts"]] == ["Acme Corporation", "Apex Health"]
    assert everyone["matched"]["value"] == 5


def _deals(body: dict[str, Any]) -> list[tuple[str, str | None, bool | None]]:
    return [(d["id"], d["owner"], d["stalled"]) for d in body["deals"]]


def test_deals_list_by_stage_owner_period_and_stall(api: Api) -> None:
    everyone = conforms(get(api, "olga", "/v1/deals"), "/v1/deals")
    assert everyone["status"] == "open" and everyone["matched"] == 5
    assert _deals(everyone) == [
        ("opportunity/1", "Rita Ruiz", True),
        ("opportunity/3", "Ravi Rao", True),
        ("opportunity/4", "Sam Reyes", False),
        ("opportunity/2", "Rita Ruiz", True),
        ("opportunity/9", "Ravi Rao", True),
    ]  # the largest first
    first = everyone["deals"][0]
    assert (first["name"], first["stage"], first["amount"]) == ("Acme - Core", "Negotiation", "120000.00")
    assert first["flags"] == ["pushed", "single_thread"]
    mine = conforms(get(api, "rita", "/v1/deals"), "/v1/deals")
    assert [d["id"] for d in mine["deals"]] == ["opportunity/1", "opportunity/2"]
    ravis = conforms(get(api, "max", "/v1/deals", {"owner": "Ravi Rao"}), "/v1/deals")
    assert _deals(ravis) == [("opportunity/3", "Ravi Rao", True), ("opportunity/9", "Ravi Rao", True)]
    q4 = conforms(get(api, "olga", "/v1/deals", {"period": "Q4 2026"}), "/v1/deals")
    assert [d["id"] for d in q4["deals"]] == [
        "opportunity/1",
        "opportunity/4",
        "opportunity/2",
        "opportunity/9",
    ]
    assert q4["period"] != everyone["period"]
    proposal = conforms(get(api, "olga", "/v1/deals", {"stage": "proposal"}), "/v1/deals")
    assert [(d["id"], d["stage"]) for d in proposal["deals"]] == [("opportunity/2", "Proposal")]
    healthy = conforms(get(api, "olga", "/v1/deals", {"stalled": "false"}), "/v1/deals")
    assert _deals(healthy) == [("opportunity/4", "Sam Reyes", False)] and healthy["matched"] == 1
    stalled = conforms(get(api, "olga", "/v1/deals", {"stalled": "true", "limit": 2}), "/v1/deals")
    assert stalled["matched"] == 4 and len(stalled["deals"]) == 2
    assert all(d["stalled"] and d["flags"] for d in stalled["deals"])
    assert stalled["order"].startswith("riskiest")
    top = conforms(get(api, "olga", "/v1/deals", {"limit": 1}), "/v1/deals")
    assert [d["id"] for d in top["deals"]] == ["opportunity/1"] and top["matched"] == 5


def test_with_more_stalled_deals_than_one_call_lists_the_largest_are_asked_about_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stalled_deals`` lists at most so many deals; past that, the list asks again about the
    deals at least as large as the smallest it shows, and says "not known" only if that fails."""
    monkeypatch.setattr(deal_list, "MAX_FLAGGED", 2)  # Olga's org has 4 stalled deals
    before = len(AuditLog(api.context.engine).tail(1000))
    two = conforms(get(api, "olga", "/v1/deals", {"limit": 2}), "/v1/deals")
    assert _deals(two) == [("opportunity/1", "Rita Ruiz", True), ("opportunity/3", "Ravi Rao", True)]
    calls = [e.question for e in AuditLog(api.context.engine).tail(1000)[before:]]
    assert [c.split()[0] for c in calls].count("stalled_deals") == 2
    assert '"min_amount": "60000.00"' in calls[-1]  # the smaller of the two listed
    every = conforms(get(api, "olga", "/v1/deals"), "/v1/deals")
    unknown = {d["id"] for d in every["deals"] if d["stalled"] is None}
    assert unknown and "opportunity/4" in unknown  # not listed as stalled, but not known to be fine
    assert all(d["stalled"] is True for d in every["deals"] if d["id"] not in unknown)
    refused = problem(get(api, "olga", "/v1/deals", {"stalled": "false"}), 400)
    assert "4 deals matching these filters are stalled" in str(refused["detail"])
    assert "narrow the filters" in str(refused["detail"])


def test_won_and_lost_deals_are_those_closed_in_the_period(api: Api) -> None:
    won = conforms(get(api, "olga", "/v1/deals", {"status": "won"}), "/v1/deals")
    assert [d["id"] for d in won["deals"]] == ["opportunity/8", "opportunity/6", "opportunity/5"]
    assert all(d["stalled"] is None and d["stage"] == "Closed Won" for d in won["deals"])
    by_stage = conforms(get(api, "olga", "/v1/deals", {"stage": "Closed Won"}), "/v1/deals")
    assert by_stage["status"] == "won" and by_stage["deals"] == won["deals"]
    q4 = conforms(get(api, "olga", "/v1/deals", {"status": "won", "period": "2026-Q4"}), "/v1/deals")
    assert [d["id"] for d in q4["deals"]] == ["opportunity/6", "opportunity/5"]
    lost = conforms(get(api, "max", "/v1/deals", {"status": "lost"}), "/v1/deals")
    assert [(d["id"], d["owner"]) for d in lost["deals"]] == [("opportunity/7", "Ravi Rao")]
    assert get(api, "rita", "/v1/deals", {"status": "lost"}).json()["deals"] == []


def test_a_deals_list_is_audited_as_the_tool_calls_behind_it(api: Api) -> None:
    before = len(AuditLog(api.context.engine).tail(1000))
    get(api, "rita", "/v1/deals", {"stage": "Proposal"})
    entries = AuditLog(api.context.engine).tail(1000)[before:]
    assert [(e.user_name, e.channel, e.question.split()[0], e.outcome) for e in entries] == [
        ("Rita Ruiz", "api", "query_metrics", "answered"),
        ("Rita Ruiz", "api", "query_metrics", "answered"),
        ("Rita Ruiz", "api", "stalled_deals", "answered"),
    ]
    assert all('"stage": "Proposal"' in e.question for e in entries)


@pytest.mark.parametrize("deal", ["opportunity/1", "1"])
def test_a_deal_by_either_form_of_its_id(api: Api, deal: str) -> None:
    body = conforms(get(api, "rita", f"/v1/deals/{deal}"), "/v1/deals/{deal_id}")
    assert (body["id"], body["name"], body["account_id"]) == ("opportunity/1", "Acme - Core", "account/1")


def test_someone_elses_deal_is_not_found_like_a_missing_one(api: Api) -> None:
    theirs = problem(get(api, "rita", "/v1/deals/opportunity/3"), 404)
    missing = problem(get(api, "rita", "/v1/deals/opportunity/999"), 404)
    assert (theirs["detail"], missing["detail"]) == ("no deal with id 3", "no deal with id 999")
    assert get(api, "ravi", "/v1/deals/3").json()["name"] == "Apex - Core"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/v1/deals/account/1", "'account/1' is the id of an account; an opportunity (deal) id"),
        ("/v1/accounts/opportunity/1", "'opportunity/1' is the id of an opportunity (deal); an account id"),
        ("/v1/accounts/contact/1", "'contact/1' is the id of a contact; an account id"),
        ("/v1/accounts/widget/1", "'widget/1' is the id of a 'widget' record"),
        ("/v1/deals/opportunity/0", "is not an opportunity (deal) id (opportunity/<number> or <number>)"),
        ("/v1/deals/42x", "'42x' is not an opportunity (deal) id"),
        ("/v1/accounts/account/9999999999", "9999999999 is not a record number"),
    ],
)
def test_a_record_id_of_the_wrong_kind_or_shape_is_a_422_that_says_why(
    api: Api, path: str, reason: str
) -> None:
    response = get(api, "rita", path)
    body = problem(response, 422)
    assert reason in str(body["detail"]) and body["errors"][0]["loc"][0] == "path"
    template = "/v1/deals/{deal_id}" if path.startswith("/v1/deals") else "/v1/accounts/{account_id}"
    conforms(response, template)


def test_an_account_by_either_form_of_its_id(api: Api) -> None:
    long = conforms(get(api, "rita", "/v1/accounts/account/1"), "/v1/accounts/{account_id}")
    assert long == get(api, "rita", "/v1/accounts/1").json()
    assert long["firmographics"]["id"] == "account/1"
    problem(get(api, "rita", "/v1/accounts/account/3"), 404)


def test_an_account_plan_by_the_accounts_id(api: Api) -> None:
    headers = api.auth("rita")
    by_id = api.client.post("/v1/plans/account", json={"account_id": "account/1"}, headers=headers)
    assert conforms(by_id, "/v1/plans/account")["title"] == "Account plan: Acme Corporation"
    bare = api.client.post("/v1/plans/account", json={"account_id": 1}, headers=headers).json()
    assert bare["title"] == by_id.json()["title"] and "account/1" in bare["citations"]
    theirs = api.client.post("/v1/plans/account", json={"account_id": "3"}, headers=headers)
    assert problem(theirs, 404)["detail"] == "no account with id 3"
    wrong = api.client.post("/v1/plans/account", json={"account_id": "opportunity/1"}, headers=headers)
    assert "is the id of an opportunity (deal)" in str(problem(wrong, 422)["detail"])
    for body in ({}, {"name": "Acme", "account_id": 1}):
        both = api.client.post("/v1/plans/account", json=body, headers=headers)
        assert "the account's name or its account_id" in str(problem(both, 422)["detail"])
    chart = api.client.post("/v1/plans/account/chart", json={"account_id": "account/1"}, headers=headers)
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"


def test_metrics_as_a_query_string_or_a_json_body(api: Api) -> None:
    params = [("measure", "won_revenue"), ("also", "won_deals"), ("also", "win_rate"), ("group_by", "rep")]
    got = conforms(get(api, "olga", "/v1/metrics", params), "/v1/metrics")
    assert [m["key"] for m in got["measures"]] == ["won_revenue", "won_deals", "win_rate"]
    assert {r["group"] for r in got["rows"]} == {"Sam Reyes", "Rita Ruiz", "Ravi Rao"}
    body = {"measure": "won_revenue", "also": ["won_deals", "win_rate"], "group_by": "rep"}
    posted = conforms(api.client.post("/v1/metrics", json=body, headers=api.auth("olga")), "/v1/metrics")
    query = MetricQuery.model_validate(body)
    assert got == posted == tool(api, "olga@cobalt.example", "query_metrics", query, MetricResult)
    mine = conforms(get(api, "rita", "/v1/metrics", params), "/v1/metrics")
    assert [r["group"] for r in mine["rows"]] == ["Rita Ruiz"]


def test_metrics_exclude_as_pairs_in_a_query_string_or_an_object_in_a_body(api: Api) -> None:
    params = {"measure": "won_revenue", "group_by": "rep", "exclude": "rep:Sam Reyes"}
    got = conforms(get(api, "olga", "/v1/metrics", params), "/v1/metrics")
    body = {"measure": "won_revenue", "group_by": "rep", "exclude": {"rep": "Sam Reyes"}}
    posted = api.client.post("/v1/metrics", json=body, headers=api.auth("olga")).json()
    assert got == posted and {r["group"] for r in got["rows"]} == {"Rita Ruiz"}
    assert "rep: not Sam Reyes" in got["filters"]
    unknown = api.client.post("/v1/metrics", json={**body, "colour": "red"}, headers=api.auth("olga"))
    assert "body.colour: Extra inputs are not permitted" in str(problem(unknown, 422)["detail"])
    many = get(api, "olga", "/v1/metrics", [("measure", "won_revenue")] + [("also", "won_deals")] * 6)
    assert "query.also" in str(problem(many, 422)["detail"])


def test_metrics_any_of_as_repeated_pairs_in_a_query_string_or_lists_in_a_body(api: Api) -> None:
    params = [
        ("measure", "won_deals"),
        ("group_by", "rep"),
        ("any_of", "rep:Sam Reyes"),
        ("any_of", "rep:Rita Ruiz"),
    ]
    got = conforms(get(api, "olga", "/v1/metrics", params), "/v1/metrics")
    body = {"measure": "won_deals", "group_by": "rep", "any_of": {"rep": ["Sam Reyes", "Rita Ruiz"]}}
    posted = api.client.post("/v1/metrics", json=body, headers=api.auth("olga")).json()
    assert got == posted and {r["group"] for r in got["rows"]} == {"Sam Reyes", "Rita Ruiz"}
    bad = get(api, "olga", "/v1/metrics", {"measure": "won_deals", "any_of": "Sam Reyes"})
    assert "filter:value" in str(problem(bad, 400)["detail"])
