"""The audit log: every question and plan request recorded, append-only, with no secrets."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from assistant.audit import AUDIT_LOG, AuditLog
from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from assistant.redaction import redact
from assistant.testing import ScriptedChatModel, tool_call
from tests.assistant.conftest import ServiceFactory
from tests.tools import crm
from tests.tools.conftest import RITA
from tools.errors import InputError


@pytest.fixture
def audited(make_service: ServiceFactory, sqlite_engine: Engine) -> tuple[ServiceFactory, AuditLog]:
    log = AuditLog(sqlite_engine)

    def factory(**kwargs: object) -> object:
        service = make_service(**kwargs)
        service.audit = log
        return service

    return factory, log  # type: ignore[return-value]


def test_each_question_is_recorded_with_its_tools_records_and_outcome(
    audited: tuple[ServiceFactory, AuditLog], scripted: ScriptedChatModel
) -> None:
    factory, log = audited
    service = factory()
    scripted.extend([[tool_call("stalled_deals", {})], "Two of your deals need attention."])
    answer = service.ask(
        RITA, "which of my deals are stalled? token xoxb-123456789-abcdefgh", channel="slack"
    )
    scripted.extend([[tool_call("pipeline_summary", {})], "Your pipeline is $9,999,999."])
    service.ask(RITA, "and my pipeline?", answer.thread_id)
    with pytest.raises(InputError):
        service.ask(RITA, "   ")
    first, second, third = log.tail(10)
    assert (first.user_id, first.user_name, first.role, first.channel, first.kind) == (
        RITA.user_id,
        RITA.name,
        "rep",
        "slack",
        "ask",
    )
    assert first.question == "which of my deals are stalled? token [redacted]"
    assert first.tool_calls == [{"name": "stalled_deals", "args": {}}]
    assert first.record_ids == answer.citations and first.record_ids
    assert (first.model, first.outcome, first.thread) == ("openai:scripted", "answered", answer.thread_id)
    assert (second.outcome, second.detail, second.channel) == ("unverified", "$9,999,999", "cli")
    assert (third.outcome, third.detail, third.tool_calls) == ("rejected", "the question is empty", [])
    assert [e.question for e in log.tail(10, user_id=RITA.user_id + 1)] == []


def test_a_fallback_and_a_plan_are_recorded(
    audited: tuple[ServiceFactory, AuditLog], scripted: ScriptedChatModel
) -> None:
    factory, log = audited
    service = factory()
    scripted.extend(["not json at all"])
    draft = service.plan_account(RITA, "Acme Corporation", channel="api")
    entry = log.tail(1)[0]
    assert (entry.kind, entry.channel, entry.question, entry.outcome) == (
        "plan_account",
        "api",
        "Acme Corporation",
        "fallback",
    )
    assert entry.detail == draft.fallback_reason and entry.record_ids == draft.citations[:200]


def test_the_log_refuses_updates_and_deletes(any_engine: Engine) -> None:
    crm.load(any_engine)
    log = AuditLog(any_engine)
    log.record(RITA, channel="cli", kind="ask", question="q", outcome="answered", latency_ms=1)
    for statement in (update(AUDIT_LOG).values(outcome="edited"), delete(AUDIT_LOG)):
        with pytest.raises(DBAPIError, match="append-only"), any_engine.begin() as connection:
            connection.execute(statement)
    if any_engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), any_engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
    assert [e.outcome for e in log.tail()] == ["answered"]


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnopqrstuv",
        "xoxb-1234567890-abcdefghij",
        "xapp-1-A0123456-abcdef",
        "spk_Zm9vYmFyYmF6cXV4",
        "Bearer abcdef0123456789.xyz",
    ],
)
def test_secrets_are_redacted(secret: str) -> None:
    assert redact(f"use {secret} please") == "use [redacted] please"


def test_salesplan_audit_tail() -> None:
    crm.load(build_app_context().engine)
    runner = CliRunner()
    asked = runner.invoke(app, ["ask", "which of my deals are stalled?", "--user", "Rita Ruiz"])
    assert asked.exit_code == 0, asked.output
    result = runner.invoke(app, ["audit", "tail", "-n", "5", "--json"])
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.output.splitlines()]
    assert [(e["user_name"], e["channel"], e["outcome"]) for e in entries] == [
        ("Rita Ruiz", "cli", "answered")
    ]
    assert entries[0]["tool_calls"][0]["name"] == "stalled_deals"
    text_view = runner.invoke(app, ["audit", "tail", "--user", "Rita Ruiz"])
    assert "Rita Ruiz (rep) via cli: ask which of my deals are stalled?" in text_view.output


def test_cli_data_commands_are_audited_like_questions() -> None:
    crm.load(build_app_context().engine)
    runner = CliRunner()
    for args in (
        ["deals", "stalled", "--user", "rita@cobalt.example", "--limit", "5"],
        ["territory", "list", "--user", "Max Stone", "--json"],
        ["accounts", "show", "Acmee", "-u", "rita@cobalt.example"],
    ):
        runner.invoke(app, args)
    result = runner.invoke(app, ["audit", "tail", "--json"])
    entries = [json.loads(line) for line in result.output.splitlines()]
    assert [(e["user_name"], e["channel"], e["kind"], e["question"], e["outcome"]) for e in entries] == [
        ("Rita Ruiz", "cli", "tool", 'stalled_deals {"limit": 5}', "answered"),
        ("Max Stone", "cli", "tool", "list_territories", "answered"),
        ("Rita Ruiz", "cli", "tool", 'account_profile {"account": "Acmee"}', "rejected"),
    ]
    stalled, territories, missing = entries
    assert stalled["tool_calls"] == [{"name": "stalled_deals", "args": {"limit": 5}}]
    assert {"opportunity/1", "opportunity/2"} <= set(stalled["record_ids"]) and stalled["model"] is None
    assert "territory/1" in territories["record_ids"]
    assert missing["detail"] == "no account named 'Acmee' — did you mean Acme Corporation?"
    text_view = runner.invoke(app, ["audit", "tail", "-n", "1", "--user", "rita@cobalt.example"])
    assert 'Rita Ruiz (rep) via cli: tool account_profile {"account": "Acmee"}' in text_view.output
    assert "rejected (no account named 'Acmee'" in text_view.output


def test_audit_tail_shows_each_entry_on_its_own_lines_whatever_the_question_holds() -> None:
    engine = build_app_context().engine
    crm.load(engine)
    forged = "pipeline?\n2026-01-01 00:00:00 Olga Admin (admin) via cli: ask forged\r\x1b[2J\u202eevil"
    runner = CliRunner()
    asked = runner.invoke(app, ["ask", forged, "--user", "Rita Ruiz"])
    assert asked.exit_code == 0, asked.output
    AuditLog(engine).record(
        RITA, channel="api", kind="ask", question="C:\\temp\\n", outcome="answered", latency_ms=1
    )
    shown = runner.invoke(app, ["audit", "tail"]).output
    lines = shown.splitlines()
    assert len(lines) == 4  # two entries, two lines each: nothing in a question starts a line
    assert lines[0].endswith(
        "Rita Ruiz (rep) via cli: ask pipeline?\\n2026-01-01 00:00:00 Olga Admin (admin) via cli: ask "
        "forged\\r\\x1b[2J\\u202eevil"
    )
    assert not any(line.startswith("2026-01-01") for line in lines)
    assert "\x1b" not in shown and "\u202e" not in shown and "\r" not in shown
    assert lines[2].endswith("ask C:\\\\temp\\\\n")  # a typed backslash cannot pass for an escape
    as_json = runner.invoke(app, ["audit", "tail", "--json"]).output.splitlines()
    assert len(as_json) == 2 and json.loads(as_json[0])["question"] == forged


def test_a_question_given_up_while_waiting_for_a_turn_is_recorded(
    audited: tuple[ServiceFactory, AuditLog],
) -> None:
    factory, log = audited
    service = factory()

    async def give_up() -> None:
        turns = asyncio.Semaphore(1)
        await turns.acquire()  # every turn is taken
        task = asyncio.create_task(service.aask(RITA, "my pipeline?", channel="api", gate=turns))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(give_up())
    entry = log.tail(1)[0]
    assert (entry.outcome, entry.channel, entry.kind, entry.question) == (
        "cancelled",
        "api",
        "ask",
        "my pipeline?",
    )
    assert (
        entry.detail == "given up while it waited for a free turn: the client went away or the server stopped"
    )
