"""Faults: every turn ends within its deadline with an answer or a clear error, nothing is corrupted.

**The model.** The assistant is built by the composition root exactly as ``salesplan`` builds it,
from the environment: ``SALESPLAN_MODEL=openai:fake-model`` with ``OPENAI_BASE_URL`` on a loopback
:class:`~tests.fakes.FakeOpenAI`, a 1 s per-call timeout and a 5 s turn deadline.
``tests/assistant/test_openai_wire.py`` covers each fault on a turn's first call (429 with
``Retry-After`` 1 s and 300 s, 500s, a hang, invalid JSON arguments, a loop on one identical tool
call). Here each fault strikes in the middle of a turn, after a tool call, and the next turn in
the same thread must find the conversation whole: the model sees both questions, every tool call
with its result, and nothing of the failed attempt. Also: an unknown tool, a loop over different
tools, an empty answer, a refused request, the server down, a hang longer than the deadline,
answers that are not Chat Completions, and a plan whose narrative model hangs.

**The playbook** on a Chroma server that cannot be reached: data questions are answered, and a
question about the playbook says it is unavailable.

**The database** locked by another writer (an import in progress), locked outright, or down:
the CLI says so on one line with exit code 2, the API answers 503 problem details, reads go on
when only writing is blocked, and no row changes.

**Slack** answering 429 with ``Retry-After``: the call is retried and the answer posted once.
"""

from __future__ import annotations

import importlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import assistant.service
import tools.store.db
from assistant.agent import TurnClock
from assistant.bootstrap import AppContext, build_app_context
from assistant.interfaces.api import create_app
from assistant.interfaces.cli import app as cli
from assistant.service import Answer
from tests.conftest import table_dump
from tests.fakes import FakeOpenAI, FakeSlack, Reply, error_reply, hang_reply, text_reply, tool_reply
from tests.interfaces.api_support import issue_tokens
from tests.interfaces.slack_support import slack_app
from tests.reliability.conftest import assert_clean, closed_port, write_export
from tests.tools import crm

DEADLINE = 5.0
#: Scheduling allowance on a loaded machine. Every time bound below only tells "cut off" from
#: "waited for the fault" (a 30 s hang, a 300 s Retry-After), so it can afford to be generous.
SLACK = 3.0
QUESTION = "which of my deals are stalled?"
FOLLOW_UP = "and the biggest one?"
PROBLEM = "application/problem+json"
runner = CliRunner()


@dataclass
class ModelWorld:
    context: AppContext
    fake: FakeOpenAI

    def ask(self, question: str, thread: str) -> tuple[Answer, float]:
        started = time.monotonic()
        answer = self.context.assistant.ask(self.context.viewer("Rita Ruiz"), question, thread)
        return answer, time.monotonic() - started


def _model_env(monkeypatch: pytest.MonkeyPatch, base_url: str, deadline: float = DEADLINE) -> None:
    monkeypatch.setenv("SALESPLAN_MODEL", "openai:fake-model")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("SALESPLAN_MODEL_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("SALESPLAN_TURN_DEADLINE_SECONDS", str(deadline))


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Load what a first turn in a process loads (the agent stack, the OpenAI client, the offline
    planner) before any turn is timed."""
    context = build_app_context(home=tmp_path_factory.mktemp("warm"), model="offline")
    crm.load(context.engine)
    context.assistant.ask(context.viewer("Rita Ruiz"), QUESTION)
    importlib.import_module("assistant.compat")  # langchain_openai, loaded by the first OpenAI model
    context.engine.dispose()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelWorld]:
    with FakeOpenAI().running() as fake:
        _model_env(monkeypatch, fake.base_url)
        context = build_app_context()
        crm.load(context.engine)
        yield ModelWorld(context, fake)


def well_formed(messages: list[dict[str, Any]]) -> None:
    """Every tool call is followed by its result, and every result answers a call."""
    pending: set[str] = set()
    for message in messages:
        if message["role"] == "tool":
            assert message["tool_call_id"] in pending, message
            pending.discard(message["tool_call_id"])
            continue
        assert not pending, f"tool calls without results: {pending}"
        pending = {call["id"] for call in message.get("tool_calls") or []}
    assert not pending, f"tool calls without results: {pending}"


def follow_up_sees_a_whole_thread(world: ModelWorld, thread: str, failed: list[str]) -> None:
    """The next turn in ``thread`` is answered by the model, which sees the thread well-formed."""
    world.fake.replies.clear()
    world.fake.repeat_last = False
    world.fake.script(text_reply("The biggest is Acme - Core."))
    answer, seconds = world.ask(FOLLOW_UP, thread)
    assert answer.answer == "The biggest is Acme - Core." and answer.fallback_reason is None
    assert seconds < DEADLINE + SLACK
    messages = world.fake.requests[-1]["messages"]
    well_formed(messages)
    assert [m["content"] for m in messages if m["role"] == "user"] == [QUESTION, FOLLOW_UP]
    seen = " ".join(str(m.get("content") or "") + str(m.get("tool_calls") or "") for m in messages)
    for leftover in failed:
        assert leftover not in seen, f"the failed attempt is still in the thread: {leftover}"


STALLED = tool_reply(("stalled_deals", {}))


@dataclass(frozen=True)
class Fault:
    replies: tuple[Reply, ...]
    #: None: the model answers; else a phrase of the reason the offline planner answered instead
    fallback: str | None
    #: model requests the faulty turn makes (retries included), when it matters
    requests: int | None = None
    #: text only the failed attempt sent, which must not survive in the thread
    failed: tuple[str, ...] = ()
    #: how long the turn takes (seconds): at least (a wait honoured), at most (the deadline acted)
    at_least: float = 0.0
    at_most: float = DEADLINE + SLACK
    #: the turn's deadline: a wait that must be honoured gets room for it whatever the machine's load
    deadline: float = DEADLINE


FAULTS = {
    "429 Retry-After 1 s mid-turn: retried": Fault(
        (STALLED, error_reply(429, retry_after=1), text_reply("Two deals are stalled.")),
        None,
        requests=3,
        at_least=1,
        at_most=20 + SLACK,
        deadline=20,
    ),
    "429 Retry-After 300 s mid-turn: not waited for": Fault(
        (STALLED, error_reply(429, retry_after=300)), "rate-limiting requests (429)", requests=2
    ),
    "500s mid-turn: retried, then given up": Fault(
        (STALLED, error_reply(500), error_reply(502), error_reply(503)), "returned an error (503)", requests=4
    ),
    "400 mid-turn: not retried": Fault((STALLED, error_reply(400)), "returned an error (400)", requests=2),
    "hang mid-turn": Fault((STALLED, hang_reply(30), hang_reply(30), hang_reply(30)), "timed out"),
    "invalid JSON arguments mid-turn": Fault(
        (STALLED, tool_reply(("deal_details", '{"deal": "Acme - Co'))),
        "malformed tool calls",
        failed=('{"deal": "Acme - Co',),
    ),
    "unknown tool: the model is told and recovers": Fault(
        (
            tool_reply(("drop_all_tables", {"confirm": True})),
            text_reply("I cannot do that; 2 deals are stalled."),
        ),
        None,
    ),
    "loop over different tools": Fault(
        (tool_reply(("list_territories", {})), tool_reply(("stalled_deals", {}))) * 5,
        "budget of calls",
        failed=("list_territories",),
    ),
    "empty answer after a tool call": Fault((STALLED, text_reply("")), "empty answer"),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_model_fault_mid_turn_ends_in_time_and_leaves_the_thread_whole(
    world: ModelWorld, fault: Fault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world.context.assistant.settings, "turn_deadline_seconds", fault.deadline)
    world.fake.script(*fault.replies)
    answer, seconds = world.ask(QUESTION, "t1")
    assert fault.at_least <= seconds < fault.at_most, seconds
    if fault.requests is not None:
        assert len(world.fake.requests) == fault.requests
    if fault.fallback is None:
        assert answer.model == "openai:fake-model" and answer.fallback_reason is None
    else:
        assert answer.model == "offline" and fault.fallback in (answer.fallback_reason or "")
        assert answer.answer.startswith(f"_The configured model did not answer ({answer.fallback_reason})")
        assert "Acme - Analytics" in answer.answer  # the offline planner answered the question
    follow_up_sees_a_whole_thread(world, "t1", list(fault.failed))


def test_the_unknown_tool_error_goes_back_to_the_model(world: ModelWorld) -> None:
    world.fake.script(*FAULTS["unknown tool: the model is told and recovers"].replies)
    world.ask(QUESTION, "t1")
    [tool_message] = [m for m in world.fake.requests[1]["messages"] if m["role"] == "tool"]
    assert "drop_all_tables is not a valid tool" in tool_message["content"]


def test_the_model_server_down_falls_back_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _model_env(monkeypatch, f"http://127.0.0.1:{closed_port()}/v1")
    context = build_app_context()
    crm.load(context.engine)
    started = time.monotonic()
    answer = context.assistant.ask(context.viewer("Rita Ruiz"), QUESTION, "t1")
    assert time.monotonic() - started < DEADLINE + SLACK
    assert answer.model == "offline" and answer.fallback_reason == "the model server could not be reached"


@pytest.fixture
def slow_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelWorld]:
    """A per-call timeout (30 s) longer than the turn's deadline (2 s): the deadline must act."""
    with FakeOpenAI().running() as fake:
        _model_env(monkeypatch, fake.base_url, deadline=2)
        monkeypatch.setenv("SALESPLAN_MODEL_TIMEOUT_SECONDS", "30")
        context = build_app_context()
        crm.load(context.engine)
        yield ModelWorld(context, fake)


def test_a_hang_past_the_turn_deadline_is_cut_off(slow_world: ModelWorld) -> None:
    slow_world.fake.script(STALLED, hang_reply(30))
    answer, seconds = slow_world.ask(QUESTION, "t1")
    assert seconds < 2 + SLACK, seconds
    assert answer.model == "offline" and answer.fallback_reason == (
        "the model did not answer before the turn's deadline"
    )
    follow_up_sees_a_whole_thread(slow_world, "t1", [])


def test_the_model_gets_the_deadline_less_the_fallback_reserve(
    slow_world: ModelWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model is cut off early enough for the offline planner to answer by the deadline."""
    clocks: list[TurnClock] = []

    def recording(deadline: float) -> TurnClock:
        clocks.append(TurnClock(deadline))
        return clocks[-1]

    monkeypatch.setattr(assistant.service, "TurnClock", recording)
    slow_world.fake.script(STALLED, hang_reply(30))
    before = time.monotonic()
    answer, seconds = slow_world.ask(QUESTION, "t1")
    [clock] = clocks
    budget = clock.deadline - before
    reserve = min(assistant.service.FALLBACK_RESERVE_SECONDS, 0.1 * 2)
    assert 2 - reserve <= budget <= 2 - reserve + seconds, budget
    assert answer.model == "offline" and "Acme - Analytics" in answer.answer


def test_a_plan_whose_model_hangs_ends_by_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAI().running() as fake:
        _model_env(monkeypatch, fake.base_url, deadline=1.5)
        monkeypatch.setenv("SALESPLAN_MODEL_TIMEOUT_SECONDS", "4")
        context = build_app_context()
        crm.load(context.engine)
        fake.script(hang_reply(30))
        started = time.monotonic()
        draft = context.assistant.plan_account(context.viewer("Rita Ruiz"), "Acme")
        seconds = time.monotonic() - started
    assert draft.fallback_reason is not None
    assert seconds < 1.5 + SLACK, seconds


def test_a_plan_whose_model_hangs_is_written_by_the_templates(world: ModelWorld) -> None:
    world.fake.script(hang_reply(30))
    started = time.monotonic()
    draft = world.context.assistant.plan_account(world.context.viewer("Rita Ruiz"), "Acme")
    assert time.monotonic() - started < DEADLINE + SLACK
    assert draft.fallback_reason and "Acme Corporation" in draft.markdown
    assert draft.plan.notes[0].startswith("The configured model did not write the narrative")


def _completion(choices: list[dict[str, Any]]) -> Reply:
    return Reply(
        body={"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": choices}
    )


NOT_CHAT_COMPLETIONS = {
    "a body without choices": Reply(body={"detail": "model is loading"}),
    "an empty list of choices": _completion([]),
    "tool arguments that are JSON but not an object": tool_reply(("stalled_deals", "[1, 2]")),
}


@pytest.mark.parametrize("reply", NOT_CHAT_COMPLETIONS.values(), ids=NOT_CHAT_COMPLETIONS.keys())
def test_a_reply_that_is_not_a_chat_completion_falls_back(world: ModelWorld, reply: Reply) -> None:
    world.fake.script(reply)
    answer, seconds = world.ask(QUESTION, "t1")
    assert seconds < DEADLINE + SLACK
    assert answer.model == "offline" and answer.fallback_reason


# --- The playbook's Chroma server cannot be reached ------------------------------------------------


@pytest.fixture
def no_chroma(monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setenv("SALESPLAN_CHROMA_URL", f"http://127.0.0.1:{closed_port()}")
    context = build_app_context(model="offline")
    crm.load(context.engine)
    return context


def test_without_the_playbook_server_data_questions_are_still_answered(no_chroma: AppContext) -> None:
    rita = no_chroma.viewer("Rita Ruiz")
    cases = {
        QUESTION: ("2 of your 2 open deals are stalled", None),
        "what does our playbook say about multi-threading?": (None, "The playbook is not available here"),
        "what should I do about my stalled deals?": (
            "2 of your 2 open deals are stalled",
            "The playbook is unavailable right now",
        ),
    }
    for question, (data, unavailable) in cases.items():
        started = time.monotonic()
        answer = no_chroma.assistant.ask(rita, question)
        assert time.monotonic() - started < DEADLINE + SLACK
        assert_clean(answer.answer)
        if data:
            assert data in answer.answer, answer.answer[:300]
        if unavailable:
            assert unavailable in answer.answer and "cannot reach the Chroma server" in answer.answer
            assert "127.0.0.1" not in answer.answer  # the server's address is the operator's business
    plan = no_chroma.assistant.plan_account(rita, "Acme")
    assert "the playbook is unavailable: cannot reach the Chroma server" in plan.markdown


def test_without_the_playbook_server_the_api_is_not_ready_but_answers(no_chroma: AppContext) -> None:
    tokens = issue_tokens(no_chroma)
    with TestClient(create_app(context=no_chroma)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"
        assert "cannot reach the Chroma server" in ready.json()["checks"]["index"]
        asked = client.post(
            "/v1/ask",
            json={"question": "what does our playbook say about multi-threading?"},
            headers={"Authorization": f"Bearer {tokens['rita']}"},
        )
    assert asked.status_code == 200 and "not available" in asked.json()["answer"]


# --- The database is locked or down ------------------------------------------------------------------


@pytest.fixture
def crm_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-built CRM in ``SALESPLAN_HOME``; SQLite gives up on a lock after 0.3 s, not 10 s."""
    monkeypatch.setattr(tools.store.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    context = build_app_context()
    crm.load(context.engine)
    context.engine.dispose()
    return context.settings.home


@contextmanager
def locked(database: Path, *, readers_too: bool = False) -> Iterator[None]:
    """Another connection holding the write lock (an import in progress) or, with ``readers_too``,
    the whole database (``locking_mode=EXCLUSIVE``)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        if readers_too:
            connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            connection.execute("BEGIN EXCLUSIVE")
            connection.execute("SELECT count(*) FROM accounts").fetchall()
        else:
            connection.execute("BEGIN IMMEDIATE")
        yield
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def intact(home: Path, before: dict[str, list[tuple[object, ...]]]) -> None:
    engine = tools.store.db.make_engine(f"sqlite:///{home / 'salesplan.db'}")
    try:
        assert table_dump(engine) == before
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    finally:
        engine.dispose()


def snapshot(home: Path) -> dict[str, list[tuple[object, ...]]]:
    engine = tools.store.db.make_engine(f"sqlite:///{home / 'salesplan.db'}")
    try:
        return table_dump(engine)
    finally:
        engine.dispose()


def one_line_error(result: Any, code: int, *phrases: str) -> None:
    assert result.exit_code == code, result.output
    assert_clean(result.output)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_an_import_while_another_writer_holds_the_lock_fails_cleanly(crm_home: Path, tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "export", ["Borealis Mining"])
    before = snapshot(crm_home)
    with locked(crm_home / "salesplan.db"):
        result = runner.invoke(cli, ["data", "import", str(tmp_path / "export"), "--mapping", str(mapping)])
    one_line_error(result, 2, "database is locked")
    intact(crm_home, before)
    again = runner.invoke(cli, ["data", "import", str(tmp_path / "export"), "--mapping", str(mapping)])
    assert again.exit_code == 0, again.output


def test_a_token_cannot_be_created_while_the_database_is_locked(crm_home: Path) -> None:
    before = snapshot(crm_home)
    with locked(crm_home / "salesplan.db"):
        result = runner.invoke(cli, ["users", "token", "create", "--user", "Rita Ruiz"])
    one_line_error(result, 2, "database is locked")
    intact(crm_home, before)


def test_a_question_while_the_database_is_locked_outright_fails_cleanly(crm_home: Path) -> None:
    before = snapshot(crm_home)
    with locked(crm_home / "salesplan.db", readers_too=True):
        result = runner.invoke(cli, ["ask", QUESTION, "--user", "Rita Ruiz"])
    one_line_error(result, 2, "database is locked")
    intact(crm_home, before)


def test_a_question_while_another_writer_holds_the_lock_is_answered(crm_home: Path) -> None:
    before = snapshot(crm_home)
    with locked(crm_home / "salesplan.db"):
        started = time.monotonic()
        result = runner.invoke(cli, ["ask", QUESTION, "--user", "Rita Ruiz"])
    assert result.exit_code == 0 and "2 of your 2 open deals are stalled" in result.output
    assert time.monotonic() - started < DEADLINE + SLACK
    assert_clean(result.output)
    intact(crm_home, before)


def test_the_real_cli_prints_no_traceback_when_the_audit_log_cannot_be_written(crm_home: Path) -> None:
    code = (
        "import sys, tools.store.db as db; db.SQLITE_BUSY_TIMEOUT_MS = 300\n"
        "from assistant.interfaces.cli import main\n"
        f"sys.argv = ['salesplan', 'ask', {QUESTION!r}, '--user', 'Rita Ruiz']\n"
        "main()"
    )
    with locked(crm_home / "salesplan.db"):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
        )
    assert result.returncode == 0 and "2 of your 2 open deals are stalled" in result.stdout
    assert_clean(result.stderr)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql://salesplan:pw@127.0.0.1:{port}/salesplan", id="PostgreSQL not listening"),
        pytest.param("sqlite:///{home}/salesplan.db", id="SQLite path that is a directory"),
    ],
)
def test_a_database_that_is_down_is_a_one_line_error(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "home" / "salesplan.db").mkdir(parents=True)
    monkeypatch.setenv("SALESPLAN_DATABASE_URL", url.format(port=closed_port(), home=tmp_path / "home"))
    for args in (["ask", QUESTION, "--user", "Rita Ruiz"], ["data", "summary"]):
        one_line_error(runner.invoke(cli, args), 2, "cannot open the database")


@pytest.fixture
def api_home(crm_home: Path) -> tuple[TestClient, dict[str, str]]:
    context = build_app_context(api_rate_limit_per_minute=1000)
    tokens = issue_tokens(context)
    context.engine.dispose()  # no pooled connection keeps the database open when the test locks it
    return TestClient(create_app(context=context)), tokens


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert_clean(response.text)
    body: dict[str, Any] = response.json()
    return body


def test_the_api_answers_503_while_the_database_is_locked_outright(
    api_home: tuple[TestClient, dict[str, str]], crm_home: Path
) -> None:
    client, tokens = api_home
    auth = {"Authorization": f"Bearer {tokens['rita']}"}
    before = snapshot(crm_home)
    with client, locked(crm_home / "salesplan.db", readers_too=True):
        stalled = problem(client.get("/v1/deals/stalled", headers=auth), 503)
        asked = problem(client.post("/v1/ask", json={"question": QUESTION}, headers=auth), 503)
        assert client.get("/readyz").status_code == 503
    assert stalled["detail"] == asked["detail"] == "the database is unavailable"
    intact(crm_home, before)
    with client:
        assert client.get("/v1/deals/stalled", headers=auth).status_code == 200


def test_the_api_keeps_reading_while_another_writer_holds_the_lock(
    api_home: tuple[TestClient, dict[str, str]], crm_home: Path
) -> None:
    client, tokens = api_home
    auth = {"Authorization": f"Bearer {tokens['rita']}"}  # never used: its first use is recorded
    before = snapshot(crm_home)
    with client, locked(crm_home / "salesplan.db"):
        stalled = client.get("/v1/deals/stalled", headers=auth)
        asked = client.post("/v1/ask", json={"question": QUESTION}, headers=auth)
    assert stalled.status_code == 200, stalled.text
    assert asked.status_code == 200 and "stalled" in asked.json()["answer"]
    intact(crm_home, before)


def test_the_api_answers_503_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESPLAN_DATABASE_URL", f"postgresql://salesplan:pw@127.0.0.1:{closed_port()}/x")
    with TestClient(create_app()) as client:
        response = client.post(
            "/v1/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer spk_whatever"}
        )
        detail = problem(response, 503)["detail"]
        ready = client.get("/readyz")
    assert detail.startswith("cannot open the database")
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("cannot open")


# --- Slack rate-limits the app -------------------------------------------------------------------------


def test_a_rate_limited_slack_post_is_retried_and_posted_once() -> None:
    with FakeSlack().running() as fake, slack_app(fake) as slack:
        fake.rate_limited["chat.postEphemeral"] = [1]
        started = time.monotonic()
        assert slack.mention(QUESTION).status_code == 200
        calls = fake.wait_for("chat.postEphemeral", 2)
        slack.settle()
        waited = time.monotonic() - started
    [refused] = fake.refused
    assert len(calls) == 2 and calls[0] is refused
    assert calls[1].args["text"] == refused.args["text"] and "stalled" in str(calls[1].args["text"])
    assert 1 <= waited < DEADLINE + SLACK


def test_a_slack_post_asked_to_wait_minutes_is_not_held(caplog: pytest.LogCaptureFixture) -> None:
    """A Retry-After longer than the bound is not waited for: the call fails once and is logged."""
    with FakeSlack().running() as fake, slack_app(fake) as slack:
        fake.rate_limited["chat.postEphemeral"] = [300]
        started = time.monotonic()
        assert slack.mention(QUESTION).status_code == 200
        fake.wait_for("chat.postEphemeral", 1)
        slack.settle()
        waited = time.monotonic() - started
        time.sleep(0.3)  # a retry would arrive now
        posts = fake.of("chat.postEphemeral")
    assert len(posts) == 1 and posts[0] is fake.refused[0]
    assert waited < DEADLINE + SLACK  # far below the 300 s asked for
    assert "ratelimited" in caplog.text
