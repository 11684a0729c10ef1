"""Plans with a chat model writing the narrative (a scripted model), and who may draft what."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import BaseMessage, ToolMessage

from assistant.plans.models import AccountPlan, TerritoryPlan
from assistant.plans.narrative import objective_statement
from assistant.testing import ScriptedChatModel, tool_call
from tests.assistant.conftest import ServiceFactory
from tests.tools.conftest import MAX, RAVI, RITA, SAM, VERA
from tools.errors import InputError
from tools.resolve import UnknownName

INVENTED = "$9,999,999"


def _brief(messages: list[BaseMessage]) -> dict[str, object]:
    return json.loads(str(messages[-1].content))  # type: ignore[no-any-return]


def _writer(messages: list[BaseMessage]) -> str:
    """A model that words every candidate, invents a figure in the first objective, and adds a key."""
    brief = _brief(messages)
    objectives = {o["key"]: f"MODEL objective {o['key']}." for o in brief["objectives"]}  # type: ignore[attr-defined]
    first = brief["objectives"][0]["key"]  # type: ignore[index]
    objectives[first] = f"Close {INVENTED} by the end of the year."
    objectives["O99"] = "An objective the data does not support."
    return json.dumps(
        {
            "summary": "MODEL SUMMARY: the open deals come first this quarter.",
            "objectives": objectives,
            "actions": {a["key"]: f"MODEL action {a['key']}." for a in brief["actions"]},  # type: ignore[attr-defined]
            "mitigations": {r["key"]: f"MODEL mitigation {r['key']}." for r in brief["risks"]},  # type: ignore[attr-defined]
        }
    )


def test_the_narrative_comes_from_the_model_and_the_figures_from_the_tools(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend([_writer])
    draft = make_service().plan_account(RITA, "Acme Corporation")
    plan = draft.plan
    assert isinstance(plan, AccountPlan)
    facts = plan.facts
    assert draft.model == plan.written_by == "openai:scripted" and draft.fallback_reason is None
    assert plan.summary.startswith("MODEL SUMMARY") and "MODEL SUMMARY" in draft.markdown
    # the invented figure never reaches the plan: that objective keeps the template wording
    first = facts.objectives[0]
    assert plan.objectives[0].statement == objective_statement(first)
    assert "9,999,999" not in draft.markdown and "9,999,999" not in plan.model_dump_json()
    assert f"objective {first.key} stated a figure the data does not show" in " ".join(plan.notes)
    assert [o.key for o in plan.objectives] == [o.key for o in facts.objectives]  # O99 ignored
    # targets, owners, due dates and links are the tools'
    for written, basis in zip(plan.objectives, facts.objectives, strict=True):
        assert (written.target, written.baseline, written.due) == (basis.target, basis.baseline, basis.due)
    for action, basis in zip(plan.actions, facts.actions, strict=True):
        assert action.action == f"MODEL action {basis.key}."
        assert (action.owner, action.due, action.link) == (basis.owner, basis.due, basis.link)
    assert all(r.mitigation.startswith("MODEL mitigation") for r in plan.risks)
    # the model was shown the facts, formatted as the plan shows them
    shown = _brief(scripted.seen[0])
    assert shown["facts"]["account"] == "Acme Corporation"  # type: ignore[index]
    assert [o["key"] for o in shown["objectives"]] == [o.key for o in facts.objectives]  # type: ignore[attr-defined]


def test_an_unusable_model_answer_falls_back_to_the_offline_templates(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(["Sure! Here is a great plan for Acme."])
    draft = make_service().plan_account(RITA, "Acme Corporation")
    assert draft.model == "offline"
    assert draft.fallback_reason is not None and "JSON" in draft.fallback_reason
    assert "did not write the narrative" in draft.markdown
    assert draft.plan.summary.startswith("**Acme Corporation**")


def test_asking_in_chat_drafts_the_same_plan_through_the_plan_tool(
    make_service: ServiceFactory, scripted: ScriptedChatModel
) -> None:
    scripted.extend(
        [[tool_call("account_plan", {"account": "Acme Corporation"})], _writer, "Here is your account plan."]
    )
    answer = make_service().ask(RITA, "draft an account plan for Acme")
    assert [c.name for c in answer.tool_calls] == ["account_plan"]
    tool_messages = [m for m in scripted.seen[-1] if isinstance(m, ToolMessage)]
    plan = json.loads(str(tool_messages[0].content))
    assert plan["title"] == "Account plan: Acme Corporation"
    assert "MODEL SUMMARY" in plan["markdown"] and plan["written_by"] == "openai:scripted"
    assert any(c.startswith("account/") for c in answer.citations)


def test_a_rep_asking_for_another_territory_is_told_it_does_not_exist(make_service: ServiceFactory) -> None:
    service = make_service()
    with pytest.raises(UnknownName, match="no territory named 'East Commercial'"):
        service.plan_territory(RITA, "East Commercial")
    with pytest.raises(UnknownName, match="no account named 'Globex'"):
        service.plan_account(RITA, "Globex")
    # a manager cannot reach another manager's rep by naming them either
    with pytest.raises(UnknownName, match="no territory named 'Sam Reyes'"):
        service.plan_territory(MAX, "Sam Reyes")
    with pytest.raises(InputError, match="name the account"):
        service.plan_account(RITA, "  ")


def _opportunity_owners(plan: TerritoryPlan) -> set[str]:
    return {d.owner for d in plan.facts.stalled.deals} | {r.rep for r in plan.facts.reps}


def test_a_team_plan_covers_exactly_the_named_managers_team(make_service: ServiceFactory) -> None:
    drafter = make_service().drafter("offline")
    plan = drafter.territory(VERA, "Max Stone").plan
    assert isinstance(plan, TerritoryPlan)
    assert plan.facts.scope.kind == "team" and plan.facts.scope.label == "Max Stone's team"
    assert {r.rep for r in plan.facts.reps} == {RITA.name, RAVI.name}
    assert _opportunity_owners(plan) <= {RITA.name, RAVI.name}
    assert SAM.name not in plan.model_dump_json()


def test_a_reps_own_territory_plan_holds_only_their_deals(make_service: ServiceFactory) -> None:
    draft = make_service().drafter("offline").territory(RITA, None)
    plan = draft.plan
    assert isinstance(plan, TerritoryPlan)
    assert plan.facts.scope.kind == "mine"
    assert _opportunity_owners(plan) <= {RITA.name}
    assert plan.facts.rebalance is None
    assert "Rebalancing proposals are drafted for managers and RevOps." in draft.markdown
    assert RAVI.name not in draft.markdown and SAM.name not in draft.markdown
