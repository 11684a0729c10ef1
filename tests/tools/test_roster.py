"""The org chart tool (``team_roster``) on the hand-built CRM: who reports to whom, at every level,
read through each persona's scope."""

from __future__ import annotations

import pytest

from tests.tools.conftest import MAX, MO, OLGA, RITA, VERA
from tools.resolve import UnknownName
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.territory.roster import RosterInput, team_roster
from tools.viewer import Viewer


def names(repo: Repository, viewer: Viewer, **params: object) -> list[str]:
    return [p.name for p in team_roster(repo, viewer, RosterInput(**params)).people]  # type: ignore[arg-type]


def test_a_team_is_everyone_below_its_manager_at_every_level(repo: Repository) -> None:
    result = team_roster(repo, OLGA, RosterInput(team="Vera Lang"))
    # managers first, then reps, each by name; Vera herself is not on her own team
    assert [p.name for p in result.people] == ["Max Stone", "Mo Quinn", "Ravi Rao", "Rita Ruiz", "Sam Reyes"]
    assert result.team == "Vera Lang"
    assert result.count.value == 5 and len(result.count.record_ids) == 5
    assert "team: Vera Lang" in result.count.filters
    max_line = next(p for p in result.people if p.name == "Max Stone")
    assert (max_line.manager, max_line.direct_reports, max_line.territory) == ("Vera Lang", 2, None)
    assert names(repo, OLGA, team="Max Stone") == ["Ravi Rao", "Rita Ruiz"]


def test_one_person_has_their_manager_territory_and_region(repo: Repository) -> None:
    (rita,) = team_roster(repo, OLGA, RosterInput(people=["rita ruiz"])).people
    assert (rita.role, rita.manager, rita.territory, rita.region) == (
        "rep",
        "Max Stone",
        "West Enterprise",
        "West",
    )
    (me,) = team_roster(repo, RITA, RosterInput(people=["me"])).people
    assert me.name == "Rita Ruiz" and me.manager == "Max Stone"
    (by_email,) = team_roster(repo, OLGA, RosterInput(people=["sam@cobalt.example"])).people
    assert by_email.name == "Sam Reyes"


def test_the_scope_decides_whom_a_viewer_sees(repo: Repository) -> None:
    # a rep sees their own line only, whatever the question names: their manager's team is no one
    with pytest.raises(UnknownName):
        team_roster(repo, RITA, RosterInput(team="Max Stone"))
    result = team_roster(repo, RITA, RosterInput(people=["Ravi Rao", "me"]))
    assert [p.name for p in result.people] == ["Rita Ruiz"] and result.unknown == ["Ravi Rao"]
    # a manager sees their own team, not a peer's
    assert names(repo, MAX, team="me") == ["Ravi Rao", "Rita Ruiz"]
    assert names(repo, MAX, region="East") == []
    with pytest.raises(UnknownName):
        team_roster(repo, MO, RosterInput(team="Max Stone"))
    assert names(repo, VERA, job=Role.MANAGER) == ["Max Stone", "Mo Quinn", "Vera Lang"]


def test_places_and_roles_narrow_the_list(repo: Repository) -> None:
    assert names(repo, OLGA, region="west") == ["Ravi Rao", "Rita Ruiz"]
    assert names(repo, OLGA, territory="East Commercial") == ["Sam Reyes"]
    assert names(repo, OLGA, job=Role.REP) == ["Ravi Rao", "Rita Ruiz", "Sam Reyes"]
    # managers have no home territory: the managers in a place are those of the people there
    assert names(repo, OLGA, job=Role.MANAGER, region="East") == ["Mo Quinn"]


def test_an_org_change_shows_at_once(repo: Repository) -> None:
    from sqlalchemy import update

    from tools.store.schema import User

    with repo.engine.begin() as connection:
        connection.execute(update(User).where(User.name == "Sam Reyes").values(manager_id=2))
    assert names(repo, OLGA, team="Max Stone") == ["Ravi Rao", "Rita Ruiz", "Sam Reyes"]
    assert names(repo, MAX, team="me") == ["Ravi Rao", "Rita Ruiz", "Sam Reyes"]


def test_a_reps_team_is_their_managers(repo: Repository) -> None:
    result = team_roster(repo, OLGA, RosterInput(team="Rita Ruiz"))
    assert (result.team, [p.name for p in result.people]) == ("Max Stone", ["Ravi Rao", "Rita Ruiz"])
