"""The agent path of territory rebalancing on generated demo data: the offline planner's routing
("is my team balanced?" vs "propose a rebalance for West"), its answer written from the tool
results, refusals and scope; and the same tool driven by the scripted chat model."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import ToolMessage
from sqlalchemy import select

from assistant import formatting as fmt
from assistant.service import Answer, AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel, tool_call
from tests.offline.conftest import Cast, World
from tools.rebalance import propose_rebalance
from tools.rebalance.models import RebalanceInput, RebalanceProposal
from tools.store.schema import Territory


def _region(world: World, territory: str) -> str:
    with world.engine.connect() as connection:
        region = connection.execute(select(Territory.region).where(Territory.name == territory)).scalar_one()
    return str(region)


def _territories(world: World, region: str) -> list[str]:
    with world.engine.connect() as connection:
        names = connection.execute(select(Territory.name).where(Territory.region == region)).scalars().all()
    return sorted(names)


def _calls(answer: Answer, name: str) -> list[dict[str, object]]:
    return [c.args for c in answer.tool_calls if c.name == name]


def test_is_my_team_balanced_reads_the_balance(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "is my team balanced?")
    assert [c.name for c in answer.tool_calls] == ["territory_balance"]


def test_a_rebalance_for_a_region_is_one_proposal_per_territory(demo: World, cast: Cast) -> None:
    region = _region(demo, cast.territory)
    answer = demo.ask(cast.manager, f"propose a rebalance for {region}")
    territories = _territories(demo, region)
    assert _calls(answer, "propose_rebalance") == [{"territory": name} for name in territories]
    # the answer's figures are the tool's own
    proposals = [
        propose_rebalance(demo.repository, cast.manager, RebalanceInput(territory=t)) for t in territories
    ]
    moved = sum((Decimal(str(p.disruption.value)) for p in proposals), Decimal(0))
    assert f"Potential moved: {fmt.money(moved)}" in answer.answer
    for proposal in proposals:
        for group in proposal.groups:
            assert f"**{group.name}** ({group.reps} reps): {group.message}" in answer.answer
        for move in proposal.moves[:1]:
            assert f"[{move.id}]" in answer.answer or len(proposal.moves) > 1
    assert "Locked: accounts with an open deal in a late stage" in answer.answer
    # the region's new hire is named with the share of a full book they are balanced toward
    ramping = [r for p in proposals for r in p.ramping]
    assert ramping
    for rep in ramping:
        assert (
            f"{rep.name} {rep.share:.0%} (hired {rep.hire_date}, {rep.months_in_seat:g} months in)"
            in answer.answer
        )


@pytest.mark.parametrize(
    "question",
    ["rebalance my territory", "Can you suggest account moves to even out my team's workload?"],
)
def test_rebalance_phrasings_without_a_name(demo: World, cast: Cast, question: str) -> None:
    answer = demo.ask(cast.manager, question)
    calls = _calls(answer, "propose_rebalance")
    assert calls and all("territory" in c for c in calls), answer.tool_calls
    assert "±10%" in answer.answer


def test_revops_names_one_territory(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.revops, f"propose a rebalance for {cast.territory}")
    assert _calls(answer, "propose_rebalance") == [{"territory": cast.territory}]
    proposal = propose_rebalance(demo.repository, cast.revops, RebalanceInput(territory=cast.territory))
    assert answer.answer.startswith(f"**{cast.territory}: {proposal.message}.**")


def test_moves_across_territories_when_asked(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "rebalance accounts across my territories")
    assert _calls(answer, "propose_rebalance") == [{"across_territories": True}]


def test_a_rep_is_refused(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "rebalance my territory")
    assert "only managers and RevOps" in answer.answer


def test_a_territory_outside_scope_is_not_found(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, f"propose a rebalance for {cast.other_territory}")
    assert "I found no territory named" in answer.answer


def test_the_playbook_on_rebalancing_is_a_playbook_question(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "what does our playbook say about rebalancing territories?")
    assert [c.name for c in answer.tool_calls] == ["search_playbook"]


def test_the_scripted_model_calls_the_tool(demo: World, cast: Cast, tmp_path: Path) -> None:
    scripted = ScriptedChatModel()
    scripted.extend(
        [[tool_call("propose_rebalance", {"territory": cast.territory})], "Here is the proposal."]
    )
    settings = Settings(home=tmp_path, model="openai:scripted", openai_api_key="sk-test")  # type: ignore[arg-type]

    def models(name: str) -> BaseChatModel:
        return scripted

    service = AssistantService(
        settings, repository=lambda: demo.repository, playbook=lambda: None, model_factory=models
    )
    answer = service.ask(cast.revops, "propose a rebalance")
    assert answer.answer.startswith("Here is the proposal.")
    (message,) = [m for m in scripted.seen[-1] if isinstance(m, ToolMessage)]
    proposal = RebalanceProposal.model_validate(json.loads(str(message.content)))
    assert [t.name for t in proposal.territories] == [cast.territory]
    assert any(rid.startswith("user/") for rid in answer.citations)
