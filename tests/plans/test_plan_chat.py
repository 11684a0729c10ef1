"""Asking for a plan in a conversation (offline planner) drafts the same plan as the service does."""

from __future__ import annotations

from tests.offline.conftest import World, pick_cast


def test_asking_for_an_account_plan_in_chat_returns_the_drafted_plan(demo: World) -> None:
    cast = pick_cast(demo)
    answer = demo.ask(cast.rep, f"draft an account plan for {cast.account}")
    assert [(c.name, c.args) for c in answer.tool_calls] == [("account_plan", {"account": cast.account})]
    direct = demo.service.plan_account(cast.rep, cast.account)
    assert answer.answer.strip() == direct.markdown.strip()
    assert set(direct.citations) <= set(answer.citations)


def test_a_territory_plan_for_a_person_covers_their_team(demo: World) -> None:
    cast = pick_cast(demo)
    answer = demo.ask(cast.revops, f"territory plan for {cast.manager.name}'s team please")
    assert [c.name for c in answer.tool_calls] == ["territory_plan"]
    assert answer.tool_calls[0].args == {"territory": cast.manager.name}
    assert answer.answer.startswith(f"# Territory plan: {cast.manager.name}'s team")


def test_my_territory_plan_needs_no_name(demo: World) -> None:
    cast = pick_cast(demo)
    answer = demo.ask(cast.rep, "can you draft my territory plan?")
    assert [(c.name, c.args) for c in answer.tool_calls] == [("territory_plan", {})]
    assert answer.answer.startswith(f"# Territory plan: {cast.rep.name}'s book")
    assert "## SMART goals" in answer.answer
