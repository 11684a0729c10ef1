"""The territory-design questions through the agent loop, with the scripted chat model standing in
for a model that fills the tools' arguments ("rebalance West but keep customers and at most 10
moves", "compare my two scenarios", "who should take the new Denver accounts?"): the tools get the
constraints, and what the model reads back honours them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import ToolMessage
from sqlalchemy import select

from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel, tool_call
from tests.offline.conftest import Cast, World
from tools.rebalance.assignment import Assignment
from tools.rebalance.models import RebalanceInput, RebalanceProposal
from tools.rebalance.scenarios import ScenarioList, create_scenario
from tools.store.schema import Account
from tools.viewer import Viewer


def _ask(world: World, cast: Cast, tmp_path: Path, name: str, args: dict[str, Any], question: str) -> str:
    scripted = ScriptedChatModel()
    scripted.extend([[tool_call(name, args)], "Done."])
    settings = Settings(home=tmp_path, model="openai:scripted", openai_api_key="sk-test")  # type: ignore[arg-type]

    def models(_: str) -> BaseChatModel:
        return scripted

    service = AssistantService(
        settings, repository=lambda: world.repository, playbook=lambda: None, model_factory=models
    )
    answer = service.ask(cast.manager, question)
    assert answer.answer.startswith("Done.")
    (message,) = [m for m in scripted.seen[-1] if isinstance(m, ToolMessage)]
    return str(message.content)


def test_rebalance_but_keep_customers_and_at_most_ten_moves(demo: World, cast: Cast, tmp_path: Path) -> None:
    args = {"territory": cast.territory, "keep_customers": True, "max_moves": 10}
    content = _ask(
        demo, cast, tmp_path, "propose_rebalance", args, "rebalance it but keep customers, 10 moves"
    )
    proposal = RebalanceProposal.model_validate(json.loads(content))
    assert int(proposal.move_count.value or 0) <= 10
    assert proposal.constraints[:2] == ["at most 10 moves", "customers (active ARR) stay"]
    assert all(m.arr == 0 for m in proposal.moves)
    assert proposal.effective.startswith("effective ")


def test_compare_my_two_scenarios(demo: World, cast: Cast, tmp_path: Path) -> None:
    for name, params in (("Ten", RebalanceInput(max_moves=10)), ("Free", RebalanceInput())):
        create_scenario(
            demo.repository, cast.manager, name, params.model_copy(update={"territory": cast.territory})
        )
    content = _ask(demo, cast, tmp_path, "compare_scenarios", {}, "compare my two scenarios")
    found = ScenarioList.model_validate(json.loads(content))
    assert [s.name for s in found.scenarios] == ["Ten", "Free"]
    assert found.scenarios[0].moves <= 10 and found.scenarios[0].constraints == ["at most 10 moves"]
    assert found.scenarios[1].moves >= found.scenarios[0].moves


def test_who_should_take_a_citys_accounts(demo: World, cast: Cast, tmp_path: Path) -> None:
    city = next(a.city for a in _accounts(demo, cast) if a.city)
    content = _ask(
        demo, cast, tmp_path, "assign_accounts", {"city": city}, f"who should take the {city} accounts?"
    )
    found = Assignment.model_validate(json.loads(content))
    assert found.accounts and all(m.city == city and m.best.reasons for m in found.accounts)


def _accounts(world: World, cast: Cast) -> list[Any]:
    from tools.rebalance.book import chosen_territories, read_book

    territories = chosen_territories(world.repository, cast.manager, cast.territory)
    with world.repository.connect() as connection:
        _, accounts, _ = read_book(
            connection, world.repository, cast.manager, [int(t.id.split("/")[1]) for t in territories]
        )
    return sorted(accounts.values(), key=lambda a: a.id)


# --- a city the asker's accounts are not in, asked of the offline planner ----------------------


def _cities(world: World, viewer: Viewer | None) -> set[str]:
    """The cities of the accounts ``viewer`` may see (everyone's with None)."""
    query = select(Account.city).distinct()
    if viewer is not None:
        query = world.repository.accounts(viewer, Account.city).distinct()
    with world.engine.connect() as connection:
        return {c for c in connection.execute(query).scalars() if c}


@pytest.mark.parametrize("written", [str.title, str.lower])
def test_a_city_outside_the_managers_accounts_is_said_plainly(
    demo: World, cast: Cast, written: Callable[[str], str]
) -> None:
    elsewhere = sorted(_cities(demo, None) - _cities(demo, cast.manager))[0]
    answer = demo.ask(cast.manager, f"who should take the new {written(elsewhere)} accounts?")
    assert [(c.name, c.args) for c in answer.tool_calls] == [("assign_accounts", {"city": elsewhere})]
    assert (
        answer.answer.startswith("No account in your territories (")
        and f") is in {elsewhere}." in answer.answer
    )
    # no other set of accounts is answered for: no proposal, no account named, only the asker's cities
    assert "Proposed owners" not in answer.answer and "#A" not in answer.answer
    listed = re.findall(r"([A-Z][\w. ]+) \(\d+\)", answer.answer.split("can assign are in ", 1)[1])
    assert listed and set(listed) <= _cities(demo, cast.manager)
    assert "which territory should the new hire take?" in answer.answer


def test_a_city_not_in_the_data_is_said_to_be_unknown(demo: World, cast: Cast) -> None:
    for who, start in (
        (cast.manager, "No account in your territories ("),
        (cast.revops, "No account in the data is in Gotham"),
    ):
        answer = demo.ask(who, "who should take the accounts in Gotham?")
        assert [c.args for c in answer.tool_calls] == [{"city": "Gotham"}]
        assert answer.answer.startswith(start)
        assert "is in Gotham, and no city of that name is known." in answer.answer


def test_a_lower_case_word_that_is_no_city_is_not_read_as_one(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "who should take the strategic accounts?")
    assert [c.args for c in answer.tool_calls] == [{}]
    own = sorted(_cities(demo, cast.manager))[0]
    answer = demo.ask(cast.manager, f"who should take the new {own.lower()} accounts?")
    assert [c.args for c in answer.tool_calls] == [{"city": own}]
    assert answer.answer.startswith("**Proposed owners for ")
