"""Access follows the org chart at once, in a server that is already running.

The HTTP API runs on a real uvicorn server on loopback over a temp-dir SQLite database; the CLI
(its own application context, engine and repository, as a separate process would have) changes the
data underneath it: a re-import that moves a rep to another manager, ``users set-role``, ``users
add``, and a regenerated data set. Each change is visible in the server's very next request: the
old manager no longer sees the rep's deals and account, the new one does. Nothing is restarted and
no cache is cleared by hand, so removing the scope invalidation (``Repository.scope``'s stamp check,
or the stamp an import writes) fails these tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, select
from typer.testing import CliRunner

from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.interfaces.cli import app as cli
from assistant.settings import Settings
from tests.interfaces.test_api_concurrency import serving
from tools.store import scope
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping import Mapping
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.repository import Repository
from tools.store.schema import User
from tools.store.scope import one_organisation
from tools.store.stages import StageConfig, load_stages
from tools.viewer import find_viewer

runner = CliRunner()

TEAM = """id,name,email,role,boss,region
M1,Mia Lund,mia@acme.example,manager,,North
M2,Nils Berg,nils@acme.example,manager,,North
R1,Ada Moss,ada@acme.example,rep,{ada_boss},North
R2,Bo Lind,bo@acme.example,rep,Nils Berg,North
"""
DEALS = """deal,account,owner,amount,opened,close,stage
D-1,Initech,Ada Moss,50000,2026-09-01,2026-12-15,Negotiation
D-2,Initech,Ada Moss,20000,2026-09-10,2026-12-20,Proposal
D-3,Globex,Bo Lind,30000,2026-09-05,2026-12-10,Discovery
"""
MAPPING = """
name: tiny-org
entities:
  - table: territories
    file: team.csv
    distinct: true
    fields:
      external_id: {template: "region-{region}"}
      name: region
  - table: users
    file: team.csv
    fields:
      external_id: id
      name: name
      email: email
      role: role
      manager_id: {column: boss, lookup: users, by: name}
      territory_id: {template: "region-{region}"}
  - table: accounts
    file: deals.csv
    distinct: true
    fields:
      external_id: account
      name: account
      owner_id: {column: owner, by: name}
  - table: opportunities
    file: deals.csv
    fields:
      external_id: deal
      name: {template: "{account} {deal}"}
      account_id: account
      owner_id: {column: owner, by: name}
      amount: {column: amount, type: money}
      created_at: opened
      close_date: close
      stage: stage
"""


def _tiny_org(tmp_path: Path) -> tuple[Mapping, Engine, StageConfig]:
    """The tiny org's mapping, an empty database and the stages, for an import to fill."""
    mapping_file = tmp_path / "tiny-org.yaml"
    mapping_file.write_text(MAPPING, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    ensure_schema(engine)
    return load_mapping(mapping_file), engine, load_stages()


def export(directory: Path, ada_boss: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "team.csv").write_text(TEAM.format(ada_boss=ada_boss), encoding="utf-8")
    (directory / "deals.csv").write_text(DEALS, encoding="utf-8")
    return directory


def cli_ok(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


class Api:
    """The running server, asked as one user or another."""

    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.tokens = tokens

    def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def open_deals(self, who: str) -> int:
        response = self.get(who, "/v1/deals/stalled")
        assert response.status_code == 200, response.text
        return int(response.json()["open_deals"])

    def sees_ada(self, who: str) -> bool:
        """Whether ``who`` may name Ada Moss's deals (a name outside scope is 404)."""
        status = self.get(who, "/v1/deals/stalled", owner="Ada Moss").status_code
        assert status in (200, 404)
        return status == 200


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Api, AppContext, Path]]:
    home = tmp_path / "home"
    monkeypatch.setenv("SALESPLAN_HOME", str(home))
    monkeypatch.setenv("SALESPLAN_PLAYBOOK_AUTO_INDEX", "false")
    mapping = tmp_path / "tiny-org.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    cli_ok("data", "import", str(export(tmp_path / "v1", "Mia Lund")), "--mapping", str(mapping))
    context = AppContext(
        Settings(home=home, model="offline", playbook_auto_index=False, api_rate_limit_per_minute=1000)
    )
    store = TokenStore(context.engine)
    tokens = {
        who: store.create(find_viewer(context.engine, f"{who}@acme.example").user_id, "test").token
        for who in ("mia", "nils", "ada")
    }
    with serving(create_app(context=context)) as base:
        yield Api(base, tokens), context, mapping


def test_a_reimport_moving_a_rep_to_another_manager_takes_effect_in_the_running_server(
    running: tuple[Api, AppContext, Path], tmp_path: Path
) -> None:
    api, context, mapping = running
    assert (api.open_deals("mia"), api.open_deals("nils")) == (2, 1)
    assert api.sees_ada("mia") and not api.sees_ada("nils")
    assert api.get("mia", "/v1/accounts/1").status_code == 200
    assert context.repository._scopes, "the server remembers the scopes it built"

    # the CRM now says Ada reports to Nils: re-imported by another process while the server runs
    cli_ok("data", "import", str(export(tmp_path / "v2", "Nils Berg")), "--mapping", str(mapping))

    # the very next request of each manager
    account = api.get("mia", "/v1/accounts/1")  # Initech, owned by Ada
    assert account.status_code == 404, account.text
    assert api.get("nils", "/v1/accounts/1").status_code == 200
    assert (api.open_deals("mia"), api.open_deals("nils")) == (0, 3)
    assert not api.sees_ada("mia") and api.sees_ada("nils")
    assert api.open_deals("ada") == 2  # the rep herself is unaffected


def test_people_changes_take_effect_in_the_running_server(running: tuple[Api, AppContext, Path]) -> None:
    api, _, _ = running
    assert api.open_deals("mia") == 2 and not api.sees_ada("nils")
    # a manager made admin sees the whole company at once; back to manager, the team again
    cli_ok("users", "set-role", "nils@acme.example", "admin")
    assert api.open_deals("nils") == 3 and api.sees_ada("nils")
    cli_ok("users", "set-role", "nils@acme.example", "manager")
    assert api.open_deals("nils") == 1 and not api.sees_ada("nils")
    # a new report of Mia's is hers to name at once (same role, same cached key: only the stamp says so)
    cli_ok("users", "add", "eve@acme.example", "--role", "rep", "--manager", "Mia Lund")
    response = api.get("mia", "/v1/deals/stalled", owner="Eve")
    assert response.status_code == 200, response.text
    assert api.get("nils", "/v1/deals/stalled", owner="Eve").status_code == 404


def test_a_regenerated_data_set_takes_effect_in_the_running_server(
    running: tuple[Api, AppContext, Path],
) -> None:
    api, context, _ = running
    mia = find_viewer(context.engine, "mia@acme.example")
    assert api.open_deals("mia") == 2
    ada = find_viewer(context.engine, "ada@acme.example")
    assert context.repository.scope(mia).users == {mia.user_id, ada.user_id}  # as the server has it
    cli_ok("data", "generate", "--accounts", "30", "--replace")
    # user 1 is now the demo company's VP of sales, over every manager and rep: the same cache key
    # (user id, role) as Mia's, a different organisation
    with context.engine.connect() as connection:
        people = {row.id: row for row in connection.execute(select(User.id, User.role, User.manager_id))}
    team, frontier = {mia.user_id}, {mia.user_id}
    while frontier:
        frontier = {uid for uid, row in people.items() if row.manager_id in frontier} - team
        team |= frontier
    assert people[mia.user_id].role == "manager" and len(team) > 20
    assert context.repository.scope(mia).users == team


def test_two_imports_stamped_with_the_same_time_still_change_the_org(tmp_path: Path) -> None:
    """``imported_at`` has a resolution of a second (and tests fix the clock): an import stamps the
    organisation with a value of its own, so a re-import within the same second is seen too."""
    mapping, engine, stages = _tiny_org(tmp_path)
    noon = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    import_dataset(engine, export(tmp_path / "v1", "Mia Lund"), mapping, stages=stages, clock=lambda: noon)
    repository = Repository(engine, stages, noon.date())
    mia, ada = (find_viewer(engine, f"{who}@acme.example") for who in ("mia", "ada"))
    assert repository.scope(mia).users == {mia.user_id, ada.user_id}
    import_dataset(engine, export(tmp_path / "v2", "Nils Berg"), mapping, stages=stages, clock=lambda: noon)
    assert repository.scope(mia).users == {mia.user_id}
    engine.dispose()


def test_a_request_reads_the_organisation_once_and_the_next_request_sees_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside :func:`one_organisation` (what the service opens per question, plan or read) the
    stamp is read once, whatever the request's scoped queries and memos, and a change committed
    meanwhile leaves the request with the organisation it started with; the next request sees it."""
    mapping, engine, stages = _tiny_org(tmp_path)
    import_dataset(engine, export(tmp_path / "v1", "Mia Lund"), mapping, stages=stages)
    repository = Repository(engine, stages, dt.date(2026, 11, 20))
    mia, ada = (find_viewer(engine, f"{who}@acme.example") for who in ("mia", "ada"))
    reads: list[str] = []
    read_stamp = scope.read_stamp

    def counted(connection: Connection) -> str:
        reads.append(read_stamp(connection))
        return reads[-1]

    monkeypatch.setattr(scope, "read_stamp", counted)
    with one_organisation():
        assert repository.scope(mia).users == {mia.user_id, ada.user_id}
        import_dataset(engine, export(tmp_path / "v2", "Nils Berg"), mapping, stages=stages)
        assert repository.scope(mia).users == {mia.user_id, ada.user_id}
        assert repository.scope(ada).users == {ada.user_id}
        assert repository.memo(("answer",), lambda: 42) == 42
    assert len(reads) == 1
    with one_organisation():
        assert repository.scope(mia).users == {mia.user_id}
    assert len(reads) == 2 and reads[1] != reads[0]
    assert repository.scope(mia).users == {mia.user_id}  # outside a request: read at every use
    assert repository.scope(mia).users == {mia.user_id}
    assert len(reads) == 4
    engine.dispose()
