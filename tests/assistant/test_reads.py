"""Reads through the service: a tool found by name, its parameters validated by its own model,
run as the viewer, and one audit entry per call whatever came of it."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel
from sqlalchemy import Engine

from assistant.audit import AuditLog
from assistant.service import AssistantService
from tests.assistant.conftest import ServiceFactory
from tests.tools.conftest import RITA
from tools.accounts import AccountProfile
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.errors import InputError, NotPermitted, UsageError
from tools.rebalance import RebalanceInput, RebalanceProposal
from tools.resolve import UnknownName


@pytest.fixture
def service(make_service: ServiceFactory, sqlite_engine: Engine) -> AssistantService:
    service = make_service()
    service.audit = AuditLog(sqlite_engine)
    return service


def _log(service: AssistantService) -> AuditLog:
    assert service.audit is not None
    return service.audit


def test_a_read_runs_as_the_viewer_and_is_audited_like_a_question(service: AssistantService) -> None:
    result = service.run_tool(RITA, "stalled_deals", {"limit": 5}, returns=StalledDeals, channel="slack")
    assert [d.id for d in result.deals] == ["opportunity/1", "opportunity/2"]  # by value at risk
    [entry] = _log(service).tail()
    assert (entry.user_name, entry.role, entry.channel, entry.kind, entry.outcome, entry.model) == (
        "Rita Ruiz",
        "rep",
        "slack",
        "tool",
        "answered",
        None,
    )
    assert entry.question == 'stalled_deals {"limit": 5}'
    assert entry.tool_calls == [{"name": "stalled_deals", "args": {"limit": 5}}]
    assert {"opportunity/1", "opportunity/2"} <= set(entry.record_ids)
    assert "stalled-deal-recovery.md#past-close-date-diagnosis-and-steps" in entry.record_ids
    assert entry.latency_ms >= 0 and entry.detail is None


def test_the_tools_own_input_model_is_accepted_as_is(service: AssistantService) -> None:
    query = StalledQuery(owner="Rita Ruiz")
    assert service.run_tool(RITA, "stalled_deals", query, returns=StalledDeals).deals
    assert _log(service).tail()[0].tool_calls[0]["args"] == {"owner": "Rita Ruiz"}


def test_an_unknown_tool_name_is_a_usage_error_audited_as_a_bug(service: AssistantService) -> None:
    with pytest.raises(UsageError, match="no tool named 'stalled'"):
        service.run_tool(RITA, "stalled", {}, returns=BaseModel)
    [entry] = _log(service).tail()
    assert (entry.outcome, entry.question) == ("bug", "stalled")
    assert entry.detail is not None and entry.detail.startswith("UsageError: no tool named 'stalled'")


def test_asking_for_another_output_model_is_a_usage_error(service: AssistantService) -> None:
    with pytest.raises(UsageError, match="stalled_deals returns StalledDeals, not AccountProfile"):
        service.run_tool(RITA, "stalled_deals", {}, returns=AccountProfile)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "invalid limit for stalled_deals: Input should be greater than or equal to 1"),
        ({"rule": "bogus"}, "invalid rule for stalled_deals: Input should be"),
        ({"colour": "red"}, "stalled_deals has no parameter 'colour'; its parameters are owner, territory"),
    ],
)
def test_a_bad_parameter_is_an_input_error_audited_as_rejected(
    service: AssistantService, params: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=f"^{message}"):
        service.run_tool(RITA, "stalled_deals", params, returns=StalledDeals, channel="api")
    [entry] = _log(service).tail()
    assert (entry.outcome, entry.channel, entry.tool_calls) == (
        "rejected",
        "api",
        [{"name": "stalled_deals", "args": params}],
    )


def test_what_a_tool_raises_comes_through_with_the_outcome_of_its_kind(service: AssistantService) -> None:
    with pytest.raises(UnknownName, match="no account named 'Acmee'"):
        service.run_tool(RITA, "account_profile", {"account": "Acmee"}, returns=AccountProfile)
    with pytest.raises(NotPermitted, match="only managers and RevOps"):
        service.run_tool(RITA, "propose_rebalance", RebalanceInput(), returns=RebalanceProposal)
    rejected, refused = _log(service).tail()
    assert (rejected.outcome, rejected.question) == ("rejected", 'account_profile {"account": "Acmee"}')
    assert rejected.detail is not None and rejected.detail.startswith("no account named 'Acmee'")
    assert (refused.outcome, refused.question) == ("error", "propose_rebalance")
    assert refused.detail is not None and refused.detail.startswith("only managers and RevOps")


def test_the_async_twin_reads_and_audits_the_same(service: AssistantService) -> None:
    read = service.arun_tool(RITA, "list_territories", {}, returns=BaseModel, channel="slack")
    result = asyncio.run(read)
    assert "West Enterprise" in result.model_dump_json()
    assert [(e.kind, e.channel, e.question) for e in _log(service).tail()] == [
        ("tool", "slack", "list_territories")
    ]
