"""One warm process answers many people: the agent graph and the prompt templates are built once and
shared, while the viewer, their data and the chat model come with each turn (README "Performance")."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import assistant.service
from assistant.models import build_chat_model
from assistant.service import Answer, AssistantService
from assistant.settings import Settings
from tests.tools import crm
from tests.tools.conftest import OLGA, RITA, SAM
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity
from tools.store.stages import load_stages
from tools.viewer import Viewer

QUESTIONS = ("which of my deals are stalled?", "what are my biggest deals?", "tell me about Acme Corporation")


def _service(home: Path, repository: Repository) -> AssistantService:
    settings = Settings(home=home, model="offline")
    return AssistantService(
        settings,
        repository=lambda: repository,
        playbook=lambda: None,
        model_factory=lambda name: build_chat_model(settings, name),
    )


@pytest.fixture
def repository(sqlite_engine: Engine) -> Repository:
    crm.load(sqlite_engine)
    return Repository(sqlite_engine, load_stages(), crm.AS_OF)


def _visible(repository: Repository, viewer: Viewer, answer: Answer) -> None:
    """Every deal and account the answer cites is one the viewer may see."""
    cited = {
        kind: {int(c.split("/")[1]) for c in answer.citations if c.startswith(f"{kind}/")}
        for kind in ("opportunity", "account")
    }
    with repository.engine.connect() as connection:
        deals = set(connection.execute(repository.opportunities(viewer, Opportunity.id)).scalars())
        accounts = set(connection.execute(repository.accounts(viewer, Account.id)).scalars())
        everyone = set(connection.execute(select(Opportunity.id)).scalars())
    assert cited["opportunity"] <= deals, (viewer.name, cited["opportunity"] - deals)
    assert cited["account"] <= accounts, (viewer.name, cited["account"] - accounts)
    assert deals < everyone  # the check can fail: the viewer does not see every deal


def test_two_users_alternating_on_one_warm_process_each_see_only_their_own_data(
    tmp_path: Path, repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[object] = []
    real_build = assistant.service.build_agent
    monkeypatch.setattr(
        assistant.service, "build_agent", lambda *a, **k: builds.append(a) or real_build(*a, **k)
    )
    warm = _service(tmp_path / "warm", repository)
    answers: dict[tuple[str, str], list[str]] = {}
    for _ in range(2):
        for viewer in (RITA, SAM):
            for question in QUESTIONS:
                answer = warm.ask(viewer, question)
                _visible(repository, viewer, answer)
                answers.setdefault((viewer.name, question), []).append(answer.answer)
    assert len(builds) == 1  # one graph for every turn and both users
    for viewer in (RITA, SAM):  # each answer is the one a fresh process gives that user
        for question in QUESTIONS:
            fresh = _service(tmp_path / f"fresh-{viewer.user_id}", repository).ask(viewer, question).answer
            assert answers[(viewer.name, question)] == [fresh, fresh], (viewer.name, question)
    # the users' books differ, so sharing state would have shown
    assert answers[(RITA.name, QUESTIONS[2])][0].startswith("**Acme Corporation**")
    assert 'no account named "Acme Corporation"' in answers[(SAM.name, QUESTIONS[2])][0]


def test_concurrent_blocking_asks_share_the_process_loop(tmp_path: Path, repository: Repository) -> None:
    """``ask`` from several threads at once: each gets its own viewer's answer."""
    service = _service(tmp_path / "home", repository)
    expected = {v.user_id: service.ask(v, QUESTIONS[0]).answer for v in (RITA, SAM, OLGA)}
    got: dict[int, list[str]] = {v.user_id: [] for v in (RITA, SAM, OLGA)}

    def run(viewer: Viewer) -> None:
        for _ in range(3):
            got[viewer.user_id].append(service.ask(viewer, QUESTIONS[0]).answer)

    threads = [threading.Thread(target=run, args=(v,)) for v in (RITA, SAM, OLGA)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert {k: set(v) for k, v in got.items()} == {k: {v} for k, v in expected.items()}
