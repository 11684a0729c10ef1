"""Who is who: the people in the viewer's scope with their role, manager, territory and region.

The org chart is read through the repository's scope like every record: a rep sees their own
line, a manager their team (all levels), RevOps and admins everyone. A person's manager is named
on their own line even when the manager is outside the viewer's scope (it is a field of a record
the viewer may see); nothing else about that manager is shown.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.resolve import AmbiguousName, UnknownName, resolve_territory, resolve_user
from tools.rollup import measure
from tools.store.repository import Repository
from tools.store.schema import Role, Territory, User
from tools.viewer import Viewer

#: What names the asker themselves ("who is on my team").
ME = frozenset({"me", "my", "myself", "mine", "i"})


class RosterInput(BaseModel):
    people: list[str] = Field(
        default_factory=list, description="Only these people, by name or email, e.g. ['Lucas Jensen']."
    )
    team: str | None = Field(
        default=None,
        description="Everyone who reports to this manager, at every level, e.g. 'Hannah Moreau', or 'me'.",
    )
    territory: str | None = Field(default=None, description="Only people whose home territory this is.")
    region: str | None = Field(
        default=None, description="Only people whose home territory is in this region."
    )
    job: Role | None = Field(
        default=None, description="Only people with this job: rep, manager, revops or admin."
    )


class RosterPerson(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    role: str
    email: str | None
    manager: str | None = Field(description="Their manager's name; none at the top of the org.")
    territory: str | None = Field(description="Their home territory; none when they have no territory.")
    region: str | None
    direct_reports: int = Field(description="How many people report to them directly, in your scope.")


class Roster(BaseModel):
    """The people asked about, in your scope, with their role, manager, territory and region."""

    people: list[RosterPerson]
    count: Figure
    #: The team asked about (its manager), when one was.
    team: str | None = None
    #: Names asked for that are not anyone in your scope.
    unknown: list[str] = Field(default_factory=list)


def _under(repo: Repository, viewer: Viewer, manager_id: int) -> set[int]:
    """Everyone below ``manager_id`` in the org chart, at every level, within the viewer's scope."""
    found: set[int] = set()
    frontier = {manager_id}
    with repo.connect() as connection:
        while frontier:
            below = repo.users(viewer, User.id).where(User.manager_id.in_(frontier))
            frontier = set(connection.execute(below).scalars()) - found
            found |= frontier
    return found


def _person(repo: Repository, viewer: Viewer, name: str) -> tuple[int, str]:
    if name.strip().casefold() in ME:
        return viewer.user_id, viewer.name
    if "@" in name:
        with repo.connect() as connection:
            row = connection.execute(
                repo.users(viewer, User.id, User.name).where(
                    func.lower(User.email) == name.strip().casefold()
                )
            ).first()
        if row is None:
            raise UnknownName("person", name, [])
        return int(row.id), str(row.name)
    found = resolve_user(repo, viewer, name)
    return found.id, found.name


def team_roster(repo: Repository, viewer: Viewer, params: RosterInput) -> Roster:
    """List people in your scope: their role, manager, home territory and region, and how many
    people report to them.

    Use it for who manages whom, who is on a team, who covers a territory or region, and where a
    person sits. A rep sees their own line; a manager their team at every level; RevOps and admins
    everyone.

    Args:
        people: Only these people, by name or email, e.g. ['Lucas Jensen'].
        team: Everyone who reports to this manager, at every level, e.g. 'Hannah Moreau', or 'me'.
        territory: Only people whose home territory this is.
        region: Only people whose home territory is in this region.
        job: Only people with this job: rep, manager, revops or admin.

    Returns:
        One line per person, the count with its record ids, the team's manager, and any names that
        are no one in your scope.
    """
    manager = aliased(User)
    query: Select[Any] = (
        repo.users(
            viewer,
            User.id,
            User.name,
            User.role,
            User.email,
            manager.name.label("manager"),
            Territory.name.label("territory"),
            Territory.region,
        )
        .outerjoin(manager, manager.id == User.manager_id)
        .outerjoin(Territory, Territory.id == User.territory_id)
    )
    filters: list[str] = ["your scope"]
    ids: set[int] | None = None
    unknown: list[str] = []
    for name in params.people:
        try:
            ids = (ids or set()) | {_person(repo, viewer, name)[0]}
        except (UnknownName, AmbiguousName):
            unknown.append(name)
    if params.people:
        query = query.where(User.id.in_(ids or set()))
        filters.append("people: " + ", ".join(params.people))
    team = None
    if params.team:
        head, team = _person(repo, viewer, params.team)
        members = _under(repo, viewer, head)
        if not members:
            # "who else is on Kenji's team?": a rep's team is their manager's (when the viewer sees it)
            with repo.connect() as connection:
                boss = connection.execute(repo.users(viewer, User.manager_id).where(User.id == head)).scalar()
                boss_name = connection.execute(repo.users(viewer, User.name).where(User.id == boss)).scalar()
            if boss is not None and boss_name is not None:
                team, members = str(boss_name), _under(repo, viewer, int(boss))
        query = query.where(User.id.in_(members))
        filters.append(f"team: {team}")
    places: list[ColumnElement[bool]] = []
    if params.territory:
        found = resolve_territory(repo, viewer, params.territory)
        places.append(User.territory_id == found.id)
        filters.append(f"territory: {found.name}")
    if params.region:
        region = params.region.strip().casefold()
        in_region = select(Territory.id).where(func.lower(Territory.region) == region)
        places.append(User.territory_id.in_(in_region))
        filters.append(f"region: {params.region.strip()}")
    if places and params.job is Role.MANAGER:
        # "the managers in Central": managers have no home territory; theirs is their people's
        query = query.where(User.id.in_(select(User.manager_id).where(*places)))
    elif places:
        query = query.where(*places)
    if params.job:
        query = query.where(User.role == params.job.value)
        filters.append(f"job: {params.job.value}")
    with repo.connect() as connection:
        rows = list(connection.execute(query).all())
        reports: dict[int, int] = dict(
            connection.execute(
                repo.users(viewer, User.manager_id, func.count(User.id))
                .where(User.manager_id.in_([r.id for r in rows]))
                .group_by(User.manager_id)
            ).all()
        )
    # managers before reps, each by name
    rows.sort(key=lambda r: (r.role != Role.MANAGER.value, r.role != Role.REP.value, r.name, r.id))
    people = [
        RosterPerson(
            id=record_id("user", r.id),
            name=r.name,
            role=r.role,
            email=r.email,
            manager=r.manager,
            territory=r.territory,
            region=r.region,
            direct_reports=int(reports.get(r.id, 0)),
        )
        for r in rows
    ]
    count = measure(
        "People", len(people), Unit.COUNT, "count of people", filters, [p.id for p in people], len(people)
    )
    return Roster(people=people, count=count, team=team, unknown=unknown)
