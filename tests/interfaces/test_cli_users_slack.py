"""``salesplan users token …`` and the configuration errors of ``salesplan slack``, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.api.tokens import TokenStore, hash_token
from assistant.interfaces.cli import app
from assistant.interfaces.slack.listeners.commands import COMMAND
from tests.tools import crm
from tools.store.schema import ApiToken

runner = CliRunner()
MANIFEST = Path(__file__).parents[2] / "assistant" / "interfaces" / "slack" / "manifest.yaml"


@pytest.fixture(autouse=True)
def hand_built_crm() -> None:
    crm.load(build_app_context().engine)


def test_token_create_prints_it_once_and_stores_only_its_hash() -> None:
    created = runner.invoke(
        app, ["users", "token", "create", "--user", "rita@cobalt.example", "--name", "laptop"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("spk_") and "shown only once" in created.stderr
    engine = build_app_context().engine
    with engine.connect() as connection:
        stored = connection.execute(ApiToken.__table__.select()).mappings().one()
    assert stored["token_hash"] == hash_token(token) and token not in json.dumps(dict(stored), default=str)
    assert TokenStore(engine).authenticate(token) is not None
    listed = runner.invoke(app, ["users", "token", "list", "--json"])
    [info] = json.loads(listed.stdout)
    assert info["user"] == "Rita Ruiz" and info["name"] == "laptop" and token not in listed.stdout
    revoked = runner.invoke(app, ["users", "token", "revoke", str(info["id"])])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert TokenStore(engine).authenticate(token) is None
    missing = runner.invoke(app, ["users", "token", "revoke", "999"])
    assert missing.exit_code == 1 and "no API token with id 999" in missing.output


def test_token_for_an_unknown_user_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["users", "token", "create", "--user", "nobody@x.example"])
    assert result.exit_code == 1 and "no user with email or name" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["slack"], 1, "choose one of --socket or --http"),
        (["slack", "--socket", "--http"], 1, "choose one of --socket or --http"),
        (["slack", "--http"], 2, "SLACK_SIGNING_SECRET is not set"),
        (["slack", "--socket"], 2, "SLACK_APP_TOKEN is not set"),
        (["slack", "digest"], 2, "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_slack_configuration_errors_are_one_line(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output


def test_the_manifest_lists_what_the_app_listens_to_and_calls() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.im", "app_home_opened"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "im:write",
        "reactions:write",
    } <= scopes
    assert {"users:read", "users:read.email", "files:write"} <= scopes
