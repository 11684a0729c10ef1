"""The sharing model (``SALESPLAN_SHARING``): the repository's scope gives every persona exactly what
the written rule allows, under ``private`` (the default) and ``territory``, and the setting reaches
every interface through the composition root.

The expected sets come from :func:`tests.security.world.visible` — plain SQL over the owner, manager
and territory columns — never from the scope function under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.security import world as canary_world
from tests.security.conftest import World, engine_at
from tools.store.repository import Repository, Sharing
from tools.store.schema import Account, Activity, Contact, Opportunity, Role, Territory, User
from tools.store.stages import load_stages
from tools.viewer import Viewer

PERSONAS = ("rita", "ravi", "sam", "max", "mo", "vera", "olga")
APEX, ACME = 2, 1


def scoped(repository: Repository, viewer: Viewer) -> dict[str, set[int]]:
    selects = {
        "opportunity": repository.opportunities(viewer, Opportunity.id),
        "account": repository.accounts(viewer, Account.id),
        "contact": repository.contacts(viewer, Contact.id),
        "activity": repository.activities(viewer, Activity.id),
        "user": repository.users(viewer, User.id),
        "territory": repository.territories(viewer, Territory.id),
    }
    with repository.connect() as connection:
        return {kind: set(connection.execute(query).scalars()) for kind, query in selects.items()}


@pytest.mark.parametrize("sharing", list(Sharing), ids=[s.value for s in Sharing])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_scope_is_exactly_what_the_written_rule_allows(
    world: World, persona: str, sharing: Sharing
) -> None:
    repository = Repository(world.engine, load_stages(), world.repository.as_of, sharing=sharing)
    viewer = world.people[persona]
    assert scoped(repository, viewer) == canary_world.visible(world.engine, viewer, sharing)


def test_private_sharing_hides_a_colleagues_territory_accounts(world: World) -> None:
    """Rita and Ravi share West Enterprise: under ``private`` neither sees the other's accounts or
    their contacts; a cross-sell deal shows its account (and the account's contacts), not the owner's
    other deals on it."""
    rita, sam = world.people["rita"], world.people["sam"]
    assert world.repository.sharing is Sharing.PRIVATE
    mine = scoped(world.repository, rita)
    assert APEX not in mine["account"] and 200 not in mine["contact"]  # Apex and CANARY-Ravi-APEX
    assert "CANARY-Ravi-APEX" in world.sights["rita"].forbidden
    territory = Repository(world.engine, load_stages(), world.repository.as_of, sharing=Sharing.TERRITORY)
    assert APEX in scoped(territory, rita)["account"] and 200 in scoped(territory, rita)["contact"]
    # Sam's cross-sell deal on Rita's Acme: he sees Acme, not Rita's deals on it
    cross = scoped(world.repository, sam)
    assert ACME in cross["account"] and {1, 2, 6}.isdisjoint(cross["opportunity"])


@pytest.mark.parametrize("sharing", list(Sharing), ids=[s.value for s in Sharing])
@pytest.mark.parametrize("manager", ["max", "mo", "vera"])
def test_a_managers_scope_is_the_union_of_the_teams_scopes(
    world: World, manager: str, sharing: Sharing
) -> None:
    """A manager sees what each person of the team (the manager included) would see alone."""
    repository = Repository(world.engine, load_stages(), world.repository.as_of, sharing=sharing)
    team = scoped(repository, world.people[manager])
    union: dict[str, set[int]] = {kind: set() for kind in team}
    for member in team["user"]:
        alone = Viewer(user_id=member, role=Role.REP, name="member")
        for kind, ids in scoped(repository, alone).items():
            union[kind] |= ids
    assert team == union


runner = CliRunner()


@pytest.fixture
def canary_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SALESPLAN_HOME", str(home))
    engine = engine_at(home / "salesplan.db")
    canary_world.load(engine)
    engine.dispose()
    return home


def _accounts(who: str) -> set[str]:
    result = runner.invoke(app, ["accounts", "search", "--user", who, "--json", "--limit", "50"])
    assert result.exit_code == 0, result.output
    return {line["name"] for line in json.loads(result.stdout)["accounts"]}


def test_the_setting_reaches_the_cli(canary_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_app_context().settings.sharing is Sharing.PRIVATE  # the default
    private = _accounts("Rita Ruiz")
    monkeypatch.setenv("SALESPLAN_SHARING", "territory")
    shared = _accounts("Rita Ruiz")
    engine = build_app_context().engine
    with engine.connect() as connection:
        apex = connection.execute(select(Account.name).where(Account.id == APEX)).scalar_one()
    assert apex not in private and apex in shared
    assert "Acme Corporation" in private and private < shared
