"""Admins for imported data (``data import --admin``, a mapping's ``admins:``) and ``users add |
set-role``: through the CLI, audited, with one-line errors, and in effect at once — in a server
that is already running too."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant.bootstrap import AppContext, build_app_context
from assistant.interfaces.api import create_app
from assistant.interfaces.cli import app
from assistant.settings import Settings
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import slack_app
from tools.store.schema import Opportunity, User

runner = CliRunner()
MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"
MAPPING = Path(__file__).resolve().parents[2] / "tools" / "store" / "importer" / "mappings" / "maven.yaml"


def _users() -> dict[str, tuple[str, str | None]]:
    with build_app_context().engine.connect() as connection:
        return {
            name: (role, email)
            for name, role, email in connection.execute(select(User.name, User.role, User.email))
        }


def _open_deals(who: str) -> int:
    result = runner.invoke(app, ["pipeline", "--user", who, "--json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["deal_count"]["value"])


def _all_open_deals() -> int:
    with build_app_context().engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(~Opportunity.is_closed)).scalar_one())


@pytest.fixture(scope="module")
def maven_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Maven export imported with a new admin (by email) and a RevOps analyst (an existing name)."""
    home = tmp_path_factory.mktemp("maven-people")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALESPLAN_HOME", str(home))
        patch.setenv("LOGNAME", "ops-runner")
        mapping = yaml.safe_load(MAPPING.read_text())
        mapping["admins"] = [{"user": "Cara Losch", "role": "revops"}]
        path = home / "maven-admins.yaml"
        path.write_text(yaml.safe_dump(mapping))
        result = runner.invoke(
            app, ["data", "import", str(MAVEN), "--mapping", str(path), "--admin", "ops@acme.example"]
        )
    assert result.exit_code == 0, result.output
    assert "admin: added Ops <ops@acme.example> as admin" in result.stdout
    assert "admin: Cara Losch: manager → revops" in result.stdout
    return home


@pytest.fixture
def maven(maven_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SALESPLAN_HOME", str(maven_home))
    monkeypatch.setenv("LOGNAME", "ops-runner")
    yield maven_home


def test_the_admins_an_import_names_see_the_whole_company(maven: Path) -> None:
    users = _users()
    assert users["Ops"] == ("admin", "ops@acme.example") and users["Cara Losch"][0] == "revops"
    everything = _all_open_deals()
    assert _open_deals("ops@acme.example") == everything == _open_deals("Cara Losch")
    assert _open_deals("Melvin Marxen") < everything  # a manager still sees their team only
    entries = [
        json.loads(line) for line in runner.invoke(app, ["audit", "tail", "--json"]).stdout.splitlines()
    ]
    named = {(e["user_name"], e["kind"]) for e in entries if e["kind"].startswith("user_")}
    assert named == {("Ops", "user_add"), ("Cara Losch", "user_role")}
    assert all("(by ops-runner)" in e["detail"] for e in entries if e["kind"].startswith("user_"))


def test_users_add_and_set_role_take_effect_at_once_in_a_running_server(maven: Path) -> None:
    # a server already running (its scopes cached), then the CLI changes people
    api = TestClient(create_app(context=AppContext(Settings(home=maven, model="offline"))))
    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "nina.park@acme.example",
            "--role",
            "rep",
            "--manager",
            "Melvin Marxen",
            "--territory",
            "Central",
        ],
    )
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "Added Nina Park <nina.park@acme.example> as rep."
    token = runner.invoke(
        app, ["users", "token", "create", "--user", "nina.park@acme.example"]
    ).stdout.strip()
    headers = {"Authorization": f"Bearer {token.splitlines()[0]}"}
    ask = {"question": "what's our total open pipeline?"}
    company = f"across {_all_open_deals():,} deals"  # "The open pipeline is $0 across 2089 deals"
    mine = api.post("/v1/ask", json=ask, headers=headers).json()
    assert mine["answer"] and company not in mine["answer"]  # a new rep has no deals of their own
    changed = runner.invoke(app, ["users", "set-role", "Nina Park", "ADMIN"])
    assert (
        changed.exit_code == 0
        and changed.stdout.strip() == "Nina Park <nina.park@acme.example>: rep → admin."
    )
    everything = api.post("/v1/ask", json=ask, headers=headers).json()
    assert company in everything["answer"]
    again = runner.invoke(app, ["users", "set-role", "nina.park@acme.example", "admin"])
    assert again.stdout.strip() == "Nina Park <nina.park@acme.example> is already admin."
    entries = [
        json.loads(line)
        for line in runner.invoke(app, ["audit", "tail", "--json", "--user", "Nina Park"]).stdout.splitlines()
    ]
    changes = [(e["kind"], e["question"], e["detail"]) for e in entries if e["kind"].startswith("user_")]
    assert changes == [
        (
            "user_add",
            "users add nina.park@acme.example --role rep",
            "added Nina Park <nina.park@acme.example> as rep (by ops-runner)",
        ),
        (
            "user_role",
            "users set-role Nina Park admin",
            "Nina Park <nina.park@acme.example>: rep → admin (by ops-runner)",
        ),
    ]


def test_a_new_report_is_in_the_managers_scope_at_once(maven: Path) -> None:
    context = build_app_context()
    repository = context.repository
    manager = context.viewer("Rocco Neubert")
    before = repository.scope(manager).users
    added = runner.invoke(
        app, ["users", "add", "lee.kim@acme.example", "--role", "rep", "--manager", "Rocco Neubert"]
    )
    assert added.exit_code == 0, added.output
    after = repository.scope(manager).users  # the very next look of the running process
    assert (
        before is not None
        and after is not None
        and after - before == {context.viewer("lee.kim@acme.example").user_id}
    )


def test_a_new_hire_is_added_with_their_hire_date(maven: Path) -> None:
    who = ["ana.ruiz@acme.example", "--role", "rep", "--manager", "Rocco Neubert", "--territory", "Central"]
    added = runner.invoke(app, ["users", "add", *who, "--hire-date", "2017-09-01"])
    assert added.exit_code == 0, added.output
    with build_app_context().engine.connect() as connection:
        hired = connection.execute(
            select(User.hire_date).where(User.email == "ana.ruiz@acme.example")
        ).scalar_one()
    assert hired == dt.date(2017, 9, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "set-role", "Nobody Here", "admin"], "no user with email or name 'Nobody Here'"),
        (
            ["users", "set-role", "Melvin Marxen", "boss"],
            "unknown role 'boss': use rep, manager, revops or admin",
        ),
        (
            ["users", "add", "ops@acme.example", "--role", "rep"],
            "ops@acme.example is already a user (Ops, admin)",
        ),
        (["users", "add", "not-an-email", "--role", "rep"], "'not-an-email' is not an email address"),
        (
            ["users", "add", "x@acme.example", "--role", "rep", "--manager", "Melvin Marxn"],
            "no manager with email or name 'Melvin Marxn' (did you mean 'Melvin Marxen'?)",
        ),
        (
            ["users", "add", "x@acme.example", "--role", "rep", "--territory", "Centrl"],
            "no territory named 'Centrl' (did you mean 'Central'?)",
        ),
        (
            ["users", "add", "x@acme.example", "--role", "rep", "--hire-date", "last week"],
            "--hire-date 'last week': write YYYY-MM-DD",
        ),
    ],
)
def test_mistakes_are_one_line_errors_that_change_nothing(maven: Path, args: list[str], message: str) -> None:
    before = _users()
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and _users() == before


def test_an_admin_that_is_nobody_stops_the_import_and_a_dry_run_says_what_it_would_do(
    tmp_path: Path,
) -> None:
    failed = runner.invoke(
        app, ["data", "import", str(MAVEN), "--mapping", "maven", "--admin", "Nobody Here"]
    )
    assert failed.exit_code == 2 and "admin 'Nobody Here': no user with email or name" in failed.stderr
    assert _users() == {}  # all or nothing: the export's rows were not written either
    dry = runner.invoke(
        app,
        [
            "data",
            "import",
            str(MAVEN),
            "--mapping",
            "maven",
            "--dry-run",
            "--admin",
            "Melvin Marxen",
            "--admin",
            "a@b.example",
        ],
    )
    assert dry.exit_code == 0, dry.output
    assert "admin: would make Melvin Marxen admin (a user this import adds)" in dry.stdout
    assert "admin: would add a@b.example as admin" in dry.stdout and _users() == {}


def test_slack_answers_with_the_new_role_at_once() -> None:
    """The Slack app remembers who a Slack user is, not their role: after `users set-role` the very
    next message is answered with the new scope."""
    with FakeSlack().running() as fake, slack_app(fake) as slack:
        slack.mention("what's my open pipeline?", ts="1700000010.000100")
        first = slack.reply_to("1700000010.000100")
        changed = runner.invoke(app, ["users", "set-role", "rita@cobalt.example", "revops"])
        assert changed.exit_code == 0, changed.output
        slack.mention("what's our open pipeline?", ts="1700000011.000100")
        second = slack.reply_to("1700000011.000100")
        assert "$150,000 across 2 deals" in json.dumps(first.args["blocks"])  # Rita's own
        assert "$258,000 across 5 deals" in json.dumps(second.args["blocks"])  # everyone's
