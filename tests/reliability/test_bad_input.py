"""Bad input in every interface: rejected with a clear message or handled, never a crash or a
traceback, and the database intact afterwards.

Inputs: 40,000-character and 10 MB messages and bodies, empty and blank messages, emoji,
right-to-left text and bidirectional overrides, SQL-like and Markdown-breaking names
(:data:`~tests.reliability.conftest.ODD_NAMES`, also planted as real accounts so they are found,
not only missed), NUL characters and invalid UTF-8. Interfaces: the CLI (``ask``, ``plan
account``, ``data import``), the HTTP API (problem details: 400 / 404 / 413 / 422) and the Slack
app (a polite message in the thread; 400 / 413 for bodies that are not Slack's).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app as cli
from tests.conftest import table_dump
from tests.fakes import FakeSlack
from tests.interfaces.api_support import Api, build_api
from tests.interfaces.slack_support import MESSAGES, SECRET, SlackHarness, slack_app
from tests.reliability.conftest import ODD_NAMES, assert_clean, write_export
from tests.tools import crm
from tools.store.schema import Account

runner = CliRunner()
PROBLEM = "application/problem+json"
TEN_MB = 10 * 1024 * 1024
RITA_ACCOUNTS = 101  # the odd-named accounts planted for Rita Ruiz start at this id


def plant_odd_accounts(engine: Engine) -> None:
    """Every odd name as an account of Rita Ruiz (West Enterprise), beside the hand-built CRM."""
    with engine.begin() as connection:
        connection.execute(
            insert(Account),
            [
                {
                    "id": RITA_ACCOUNTS + n,
                    "name": name,
                    "industry": "Technology",
                    "segment": "Mid-Market",
                    "country": "United States",
                    "territory_id": 1,
                    "owner_id": 4,
                }
                for n, name in enumerate(ODD_NAMES.values())
            ],
        )


def names_of(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(Account.name)).scalars())


#: Questions that must be answered (exit 0) or refused on one line (exit 1), never crash.
QUESTIONS = {
    "40,000 characters": ("x" * 40_000, 1, "too long"),
    "10 MB": ("y" * TEN_MB, 1, "too long"),
    "empty": ("", 1, "the question is empty"),
    "blank": (" \n\t \u3000 ", 1, "the question is empty"),
    "emoji": ("🚀🚀 which of my deals are stalled? 🙏🏽", 0, "stalled"),
    "right-to-left": ("ما هي صفقاتي المتوقفة؟", 0, "Rita"),
    "bidi override": ("which of my deals are \u202estalled\u202c?", 0, ""),
    "SQL-like name": (f"tell me about {ODD_NAMES['sql']}", 0, ODD_NAMES["sql"]),
    "Markdown-breaking name": (f"tell me about {ODD_NAMES['markdown']}", 0, ""),
    "NUL character": ("which of my\x00 deals are stalled?", 0, "stalled"),
    "invalid UTF-8 (as Python reads it from argv)": ("tell me about Ac\udcffme", 1, "not valid UTF-8"),
}


@pytest.fixture
def odd_crm() -> Iterator[Engine]:
    engine = build_app_context().engine
    crm.load(engine)
    plant_odd_accounts(engine)
    yield engine
    engine.dispose()


def one_line_error(output: str, phrase: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0], output[-2000:]


@pytest.mark.parametrize(("text", "code", "phrase"), QUESTIONS.values(), ids=QUESTIONS.keys())
def test_cli_ask_refuses_or_answers(odd_crm: Engine, text: str, code: int, phrase: str) -> None:
    before = table_dump(odd_crm)
    result = runner.invoke(cli, ["ask", text, "--user", "Rita Ruiz"])
    assert result.exit_code == code, result.output[-2000:]
    assert_clean(result.output)
    if code:
        one_line_error(result.output, phrase)
    else:
        assert result.output.strip() and phrase in result.output
    assert table_dump(odd_crm) == before


def profile_of(kind: str) -> None:
    """``ask "tell me about NAME"`` answers with the profile of the account named ``ODD_NAMES[kind]``."""
    result = runner.invoke(cli, ["ask", f"tell me about {ODD_NAMES[kind]}", "--user", "Rita Ruiz", "--json"])
    assert result.exit_code == 0 and "health **" in result.output, result.output[-2000:]
    named = [record["id"] for record in json.loads(result.stdout)["records"]]
    assert named[0] == f"account/{RITA_ACCOUNTS + list(ODD_NAMES).index(kind)}"


@pytest.mark.parametrize("kind", ["sql", "markdown", "emoji", "rtl", "bidi"])
def test_cli_ask_finds_an_account_by_its_odd_name(odd_crm: Engine, kind: str) -> None:
    profile_of(kind)


def test_cli_ask_finds_an_account_written_without_its_accents(odd_crm: Engine) -> None:
    result = runner.invoke(cli, ["ask", "tell me about Cafe Rockets", "--user", "Rita Ruiz", "--json"])
    assert result.exit_code == 0 and "health **" in result.output, result.output[-2000:]
    named = [record["id"] for record in json.loads(result.stdout)["records"]]
    assert named[0] == f"account/{RITA_ACCOUNTS + list(ODD_NAMES).index('emoji')}"


PLAN_NAMES = {
    **{f"{kind} name (a real account)": (name, 0) for kind, name in ODD_NAMES.items()},
    "SQL-like name (none such)": ("x' OR '1'='1", 1),
    "Markdown (none such)": ("**[click](javascript:alert(1))**", 1),
    "empty": ("   ", 1),
    "NUL character": ("Ac\x00me", 1),
    "40,000 characters": ("z" * 40_000, 1),
}


@pytest.mark.parametrize(("name", "code"), PLAN_NAMES.values(), ids=PLAN_NAMES.keys())
def test_cli_plan_account_finds_or_refuses_any_name(odd_crm: Engine, name: str, code: int) -> None:
    before = table_dump(odd_crm)
    result = runner.invoke(cli, ["plan", "account", name, "--user", "Rita Ruiz"])
    assert result.exit_code == code, result.output[-2000:]
    assert_clean(result.output)
    if code:
        one_line_error(result.output, "")
    else:
        assert result.output.lstrip().startswith("#") and "Objectives" in result.output
    assert table_dump(odd_crm) == before


def test_cli_refuses_invalid_utf8_from_the_real_command_line(odd_crm: Engine) -> None:
    salesplan = str(Path(sys.executable).with_name("salesplan"))
    result = subprocess.run(
        [salesplan, "ask", b"tell me about \xff\xfe".decode(errors="surrogateescape"), "--user", "Rita Ruiz"],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert_clean(result.stdout + result.stderr)
    assert result.stderr.strip() == "error: argument 2 is not valid UTF-8 text"


def test_cli_imports_odd_names_whole_and_they_round_trip(tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "export", list(ODD_NAMES.values()))
    result = runner.invoke(cli, ["data", "import", str(tmp_path / "export"), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    engine = build_app_context().engine
    assert names_of(engine) == set(ODD_NAMES.values())
    for name in ODD_NAMES.values():
        plan = runner.invoke(cli, ["plan", "account", name, "--user", "Odile Odd"])
        assert plan.exit_code == 0, (name, plan.output[-2000:])
        assert_clean(plan.output)
        assert f"{name} - Core" in plan.output
    asked = runner.invoke(cli, ["ask", f"tell me about {ODD_NAMES['sql']}", "--user", "Odile Odd"])
    assert asked.exit_code == 0 and ODD_NAMES["sql"] in asked.output
    assert names_of(engine) == set(ODD_NAMES.values())  # DROP TABLE stayed a name
    engine.dispose()


@pytest.mark.parametrize(
    ("bad", "where", "reason"),
    [
        ("Nul\x00Byte Ltd", r"Name 'Nul\x00Byte Ltd'", "contains a NUL character"),
        ("w" * TEN_MB, "", "field larger than field limit"),  # the csv module's own limit, 128 KiB
    ],
    ids=["NUL character", "10 MB name"],
)
def test_cli_import_with_one_bad_row_writes_nothing_and_names_it(
    tmp_path: Path, bad: str, where: str, reason: str
) -> None:
    mapping = write_export(tmp_path / "export", [*ODD_NAMES.values(), bad])
    result = runner.invoke(cli, ["data", "import", str(tmp_path / "export"), "--mapping", str(mapping)])
    assert result.exit_code == 2
    assert_clean(result.output)
    row = len(ODD_NAMES) + 2  # the header is line 1
    [named] = [line for line in result.output.splitlines() if line.startswith(f"accounts.csv:{row}")]
    assert where in named and reason in named and len(named) < 200
    assert "nothing was written" in result.output
    engine = build_app_context().engine
    assert names_of(engine) == set()
    engine.dispose()


# --- The HTTP API ----------------------------------------------------------------------------------


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_api(tmp_path / "home", api_rate_limit_per_minute=1000)
    plant_odd_accounts(world.context.engine)
    with TestClient(world.client.app, raise_server_exceptions=False) as client:
        yield Api(client, world.context, world.tokens)


def problem(response: Any, status: int) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == PROBLEM
    assert_clean(response.text)
    body = response.json()
    assert body["status"] == status and body["detail"]
    return str(body["detail"])


def test_api_refuses_oversized_and_empty_questions(api: Api) -> None:
    auth = api.auth("rita")
    json_auth = {**auth, "Content-Type": "application/json"}
    big = json.dumps({"question": "x" * TEN_MB}).encode()
    before = table_dump(api.context.engine)
    assert "at most 4000 characters" in problem(
        api.client.post("/v1/ask", json={"question": "x" * 40_000}, headers=auth), 422
    )
    assert "larger than" in problem(api.client.post("/v1/ask", content=big, headers=json_auth), 413)
    chunks = iter([big[i : i + 65_536] for i in range(0, len(big), 65_536)])  # no Content-Length
    assert "larger than" in problem(api.client.post("/v1/ask", content=chunks, headers=json_auth), 413)
    for blank in ("", "   ", "\n\t\u3000"):
        assert "question" in problem(api.client.post("/v1/ask", json={"question": blank}, headers=auth), 422)
    assert table_dump(api.context.engine) == before


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("🚀🚀 which of my deals are stalled? 🙏🏽", "stalled"),
        ("ما هي صفقاتي المتوقفة؟", "Rita"),
        ("which of my deals are \u202estalled\u202c?", ""),
        (f"tell me about {ODD_NAMES['sql']}", ODD_NAMES["sql"]),
        (f"tell me about {ODD_NAMES['markdown']}", ""),
        ("which of my\x00 deals are stalled?", "stalled"),
    ],
    ids=["emoji", "right-to-left", "bidi override", "SQL-like name", "Markdown-breaking name", "NUL"],
)
def test_api_answers_odd_questions(api: Api, question: str, phrase: str) -> None:
    before = table_dump(api.context.engine)
    response = api.client.post("/v1/ask", json={"question": question}, headers=api.auth("rita"))
    assert response.status_code == 200, response.text[:500]
    assert phrase in response.json()["answer"]
    assert_clean(response.text)
    assert table_dump(api.context.engine) == before


def test_api_refuses_bodies_that_are_not_text_or_json(api: Api) -> None:
    json_auth = {**api.auth("rita"), "Content-Type": "application/json"}
    for body, status in [
        (b'{"question": "\xff\xfe stalled?"}', 400),  # invalid UTF-8
        (b'{"question": "stalled \\ud800 deals"}', 422),  # a lone surrogate escape
        (b'{"question": ', 422),
        (b"[" * 30_000 + b"]" * 30_000, 400),
        (b'{"question": 12}', 422),
    ]:
        problem(api.client.post("/v1/ask", content=body, headers=json_auth), status)
    problem(api.client.post("/v1/plans/account", content=b'{"name": "Ac\\udcffme"}', headers=json_auth), 422)


@pytest.mark.parametrize("name", ODD_NAMES.values(), ids=ODD_NAMES.keys())
def test_api_plans_an_account_with_an_odd_name(api: Api, name: str) -> None:
    response = api.client.post("/v1/plans/account", json={"name": name}, headers=api.auth("rita"))
    assert response.status_code == 200, response.text[:500]
    draft = response.json()
    assert name in draft["title"] and draft["markdown"].startswith("#")
    if "|" in name:  # a table cell keeps its pipes escaped, so the plan's tables hold
        assert name.replace("|", "\\|") in draft["markdown"]
    assert f"account/{RITA_ACCOUNTS + list(ODD_NAMES.values()).index(name)}" in draft["citations"]


def test_api_refuses_odd_names_it_cannot_find(api: Api) -> None:
    auth = api.auth("rita")
    before = table_dump(api.context.engine)
    for name in (
        "x' OR '1'='1",
        "Robert'); DROP TABLE users;--",
        "**[click](javascript:alert(1))**",
        "Ac\x00me",
    ):
        assert "no account named" in problem(
            api.client.post("/v1/plans/account", json={"name": name}, headers=auth), 404
        )
    problem(api.client.post("/v1/plans/account", json={"name": "z" * 40_000}, headers=auth), 422)
    problem(api.client.get("/v1/deals/stalled", params={"owner": "' OR 1=1 --"}, headers=auth), 404)
    problem(api.client.get("/v1/deals/stalled", params={"owner": "🚀\x00"}, headers=auth), 404)
    problem(api.client.post("/v1/ask", json={"question": "hi", "thread_id": "../../etc"}, headers=auth), 422)
    assert table_dump(api.context.engine) == before


# --- Slack -------------------------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake, slack_app(fake) as harness:
        plant_odd_accounts(harness.context.engine)
        yield harness


def posted(slack: SlackHarness, ts: str) -> str:
    """The message sent in answer to the question at ``ts`` (for the asker alone, or the channel)."""
    text = json.dumps(slack.reply_to(ts).args, ensure_ascii=False)
    assert_clean(text)
    return text


def test_slack_answers_or_politely_refuses_odd_messages(slack: SlackHarness) -> None:
    before = table_dump(slack.context.engine)
    cases = {
        "x" * 40_000: "the question is too long",
        "": "I answer questions about your deals",  # a bare mention: the help
        "   \u3000 ": "I answer questions about your deals",
        "🚀 which of my deals are stalled? 🙏🏽": "stalled",
        "ما هي صفقاتي المتوقفة؟": "Rita",
        "which of my deals are \u202estalled\u202c?": "",
        f"tell me about {ODD_NAMES['sql']}": "DROP TABLE accounts",
        f"tell me about {ODD_NAMES['markdown']}": "",
        "which of my\x00 deals are stalled?": "stalled",
    }
    # one at a time: an answer for the asker alone names no thread to tell it from another's
    for n, (text, phrase) in enumerate(cases.items()):
        assert slack.mention(text, ts=f"1700000100.{n:06d}").status_code == 200
        message = posted(slack, f"1700000100.{n:06d}")
        assert phrase in message, message[:500]
    slack.settle()
    assert len(slack.fake.of(MESSAGES)) == len(cases)  # one answer each
    assert table_dump(slack.context.engine) == before


def test_slack_slash_commands_with_odd_text(slack: SlackHarness) -> None:
    cases = {
        f"plan account {ODD_NAMES['sql']}": "DROP TABLE accounts",
        "ask " + "q" * 40_000: "Sorry, I couldn't do that: the question is too long",
        "plan account \x00": "Sorry, I couldn't do that: no account named",
        "🚀🚀🚀": "Rita",
        f"ask tell me about {ODD_NAMES['emoji']}": ODD_NAMES["emoji"],
    }
    for n, text in enumerate(cases):
        assert slack.command(text, trigger=f"odd{n}").status_code == 200
    slack.fake.wait_for("response", len(cases))
    slack.settle()
    for n, phrase in enumerate(cases.values()):
        [reply] = [c for c in slack.fake.of("response") if c.path == f"/response/odd{n}"]
        text = json.dumps(reply.args, ensure_ascii=False)
        assert phrase in text and "something went wrong" not in text, text[:500]
    assert_clean(json.dumps([c.args for c in slack.fake.calls], ensure_ascii=False))


def _signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def test_slack_refuses_bodies_that_are_not_from_slack(slack: SlackHarness) -> None:
    big = json.dumps(
        {"type": "event_callback", "event_id": "EvBig", "event": {"text": "y" * TEN_MB}}
    ).encode()
    cases = [
        (big, {}, 413),  # unsigned, 10 MB
        (big, _signed(big), 413),  # signed, 10 MB
        (b"x" * 1000, {}, 400),  # not JSON at all
        (b'{"type": "event_callback", "event": {"text": "\xff\xfe"}}', None, 400),  # invalid UTF-8, signed
        (b'{"type": "event_callback", "event": ', None, 400),  # truncated, signed
    ]
    with TestClient(slack.client.app, raise_server_exceptions=False) as client:
        for body, headers, status in cases:
            response = client.post(
                "/slack/events",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    **(_signed(body) if headers is None else headers),
                },
            )
            assert response.status_code == status, (body[:60], response.status_code, response.text[:200])
            assert_clean(response.text)
    slack.settle()
    assert slack.fake.of(MESSAGES) == []
