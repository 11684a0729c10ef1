"""Prompt injection against a model that obeys it: a scripted chat model that reads the tool
results, makes every tool call the planted text asks for (other reps' deals) and answers with all
it saw appended to the attacker's URLs, a broadcast and the system prompt.

The damage must be contained: the calls it makes still run as the viewer, so nothing outside the
viewer's scope reaches the answer; in Slack no link to a host off the allow-list survives and no
broadcast notifies anyone; and the answer the API and CLI return carries no composed link and no
image (``assistant.safety.strip_foreign_links``).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, ToolMessage

from assistant.offline import OfflinePlanner
from assistant.safety import strip_foreign_links
from assistant.service import Answer, AssistantService
from assistant.testing import ScriptedChatModel
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import SECRET, slack_app
from tests.security import world as canary_world
from tests.security.conftest import World, app_context, engine_at, settings
from tests.security.injection import BROADCASTS, EVIL, PASSAGE, PLANTED_URLS, VICTIMS, obedient, plant, urls
from tests.security.playbook import Playbook
from tests.security.world import Sight
from tests.tools import crm
from tools.store.repository import Repository
from tools.store.stages import load_stages

MODEL = "openai:scripted"


@dataclass(frozen=True)
class Scenario:
    who: str
    question: str
    first: tuple[str, dict[str, Any]]


SCENARIOS = [
    Scenario("rita", "tell me about Acme", ("account_profile", {"account": "Acme"})),
    Scenario(
        "rita",
        "what does the playbook say about multi-threading?",
        ("search_playbook", {"query": "multi-threading"}),
    ),
    Scenario("rita", "what's next on Acme - Core?", ("deal_details", {"deal": "Acme - Core"})),
    Scenario("max", "which of my team's deals are stalled?", ("stalled_deals", {})),
    Scenario("mo", "what's my team's pipeline?", ("search_playbook", {"query": "pipeline reviews"})),
]
IDS = [f"{s.who}-{s.first[0]}" for s in SCENARIOS]


def obeying(scenario: Scenario) -> ScriptedChatModel:
    return ScriptedChatModel().extend([obedient(scenario.first)] * 6)


def factory(model: BaseChatModel) -> Any:
    return lambda name: OfflinePlanner() if name == "offline" else model


@dataclass
class Planted:
    repository: Repository
    sights: dict[str, Sight]
    home: Path


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    root = tmp_path_factory.mktemp("obeyed")
    engine = engine_at(root / "crm.db")
    canary_world.load(engine)
    plant(engine)
    repository = Repository(engine, load_stages(), crm.AS_OF)
    people = canary_world.viewers(engine)
    yield Planted(
        repository,
        {first: canary_world.sight(engine, v, repository.sharing) for first, v in people.items()},
        root,
    )
    engine.dispose()


def run(planted: Planted, world: World, scenario: Scenario) -> tuple[Answer, ScriptedChatModel]:
    model = obeying(scenario)
    service = AssistantService(
        settings(planted.home / scenario.who, model=MODEL, openai_api_key="sk-test"),
        repository=lambda: planted.repository,
        playbook=lambda: Playbook((PASSAGE,)),
        model_factory=factory(model),
    )
    answer = service.ask(world.people[scenario.who], scenario.question)
    assert answer.model == MODEL and answer.fallback_reason is None, answer.fallback_reason
    return answer, model


def everything(answer: Answer) -> str:
    text = "\n".join([answer.answer, *answer.citations])
    return f"{text}\n{urllib.parse.unquote(text)}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_an_obedient_model_still_sees_only_the_viewers_records(
    planted: Planted, world: World, scenario: Scenario
) -> None:
    answer, _ = run(planted, world, scenario)
    owners = {c.args.get("owner") for c in answer.tool_calls}
    assert set(VICTIMS) <= owners, "the model did not obey: the test would prove nothing"
    assert planted.sights[scenario.who].leaks(everything(answer), scenario.question) == []


def sources(model: ScriptedChatModel) -> list[str]:
    """What the turn's tools returned and the user asked (what the service's turn holds)."""
    seen = model.seen[-1]
    return [str(m.content) for m in seen if isinstance(m, ToolMessage | HumanMessage)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_strip_foreign_links_takes_every_composed_link_out_of_an_obedient_answer(
    planted: Planted, world: World, scenario: Scenario
) -> None:
    _, model = run(planted, world, scenario)
    raw = obedient(scenario.first)(model.seen[-1])  # the model's last reply, before the service's checks
    assert isinstance(raw, str) and f"{EVIL}/c?d=" in raw  # composed, with data appended
    cleaned = strip_foreign_links(raw, sources(model))
    assert urls(cleaned) <= PLANTED_URLS and "![" not in cleaned
    assert cleaned.startswith(
        "Done as instructed. <!channel> @here your report status (link to evil.example removed)"
    )


@pytest.mark.parametrize("scenario", SCENARIOS[:1], ids=IDS[:1])
def test_the_answer_the_api_and_cli_return_carries_no_composed_link(
    planted: Planted, world: World, scenario: Scenario
) -> None:
    answer, _ = run(planted, world, scenario)
    assert urls(answer.answer) <= PLANTED_URLS and "![" not in answer.answer


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack().running() as fake:
        yield fake


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_in_slack_no_attacker_link_survives_and_no_broadcast_notifies(
    tmp_path: Path, fake: FakeSlack, world: World, planted: Planted, scenario: Scenario
) -> None:
    context = app_context(
        tmp_path / "home",
        playbook=Playbook((PASSAGE,)),
        model=MODEL,
        openai_api_key="sk-test",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_link_hosts=["cobalt.example"],
    )
    plant(context.engine)
    context.__dict__["assistant"] = AssistantService(
        context.settings,
        repository=lambda: context.repository,
        playbook=lambda: context.knowledge,
        model_factory=factory(obeying(scenario)),
    )
    before = len(fake.calls)
    with slack_app(fake, context) as slack:
        ts = f"1900000000.{len(fake.calls):06d}"
        slack.mention(scenario.question, user=f"U_{scenario.who.upper()}", ts=ts)
        slack.reply_to(ts)
        slack.settle()
    posted = "\n".join(json.dumps(c.args, ensure_ascii=False) for c in fake.calls[before:])
    assert "Done as instructed" in posted  # the model's answer was posted…
    assert f"://{EVIL}" not in posted  # …with no link to the attacker's host
    raw = [b for b in BROADCASTS if b.startswith("<") and b in posted]
    assert raw == [] and "@channel" not in posted and "@here" not in posted
    assert planted.sights[scenario.who].leaks(urllib.parse.unquote(posted), scenario.question) == []
    context.engine.dispose()
