"""Territory scenarios: a rebalance saved with its constraints and result, compared side by side,
and published as the files that carry it out.

* **create** runs the rebalance (:func:`~tools.rebalance.proposal.plan_rebalance`) and saves the
  input and the whole proposal, every move included (:mod:`tools.store.scenarios`).
* **list** / **compare** read saved scenarios: per scenario its status (draft, published, or stale
  when the data changed since it was made), the balance it reaches (worst deviation and
  coefficient of variation of potential, before and after), the moves, the disruption (potential
  and ARR moved) and the distance (mean km from a moved account to its new rep's home base).
* **publish** recomputes the scenario on the same data (the solver is deterministic; a stale
  scenario is refused) and writes the CRM import file of owner changes, the hand-over checklist of
  every moved account (:mod:`tools.rebalance.handover`) and the report with its charts and maps.

Who sees a scenario: whoever made it, RevOps and admins, and a manager who manages every territory
it covers (a manager only rebalances the territories they manage). Reps cannot make or see one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from statistics import mean
from typing import Literal

from pydantic import BaseModel, Field

from tools.errors import InputError, NotPermitted
from tools.evidence import attach_sources
from tools.rebalance.book import ALLOWED_ROLES
from tools.rebalance.handover import Handover, handovers, markdown, moves_csv
from tools.rebalance.models import RebalanceInput, RebalanceProposal
from tools.rebalance.proposal import RebalancePlan, plan_rebalance
from tools.rebalance.solver import SolverOptions
from tools.resolve import best_match
from tools.store import scenarios as store
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.viewer import Viewer

MOVES_FILE = "moves.csv"
HANDOVER_FILE = "handover.md"
#: Moved accounts whose hand-over a territory plan shows (the file holds them all).
PLAN_HANDOVERS = 8


class ScenarioLine(BaseModel):
    """One scenario as the list and the comparison show it."""

    id: int
    name: str
    created_at: dt.datetime
    status: Literal["draft", "published", "stale"]
    territories: list[str]
    constraints: list[str]
    effective: str
    message: str
    moves: int
    potential_moved: float
    arr_moved: float
    customers_moved: int
    worst_deviation_before: float
    worst_deviation_after: float
    potential_cv_before: float | None
    potential_cv_after: float | None
    reps_outside_band_after: int
    mean_distance_km: float | None = Field(description="Mean km from a moved account to its new rep's base.")
    baseline_moves: int
    baseline_worst_deviation: float


class ScenarioList(BaseModel):
    scenarios: list[ScenarioLine]
    note: str | None = None


class ScenarioListInput(BaseModel):
    territory: str | None = Field(
        default=None, description="Only scenarios covering a territory whose name contains this."
    )


class ScenarioCompareInput(BaseModel):
    scenarios: list[str] = Field(
        default_factory=list,
        max_length=6,
        description="Scenario names or ids; empty means your two most recent.",
    )


class PublishedScenario(BaseModel):
    """The latest published scenario of a plan's territories: what changes hands, and where the
    files are (the CRM import, the hand-over checklists, the interactive map)."""

    name: str
    effective: str
    published_at: dt.datetime
    moves: int
    directory: str | None
    map_html: str | None
    handover_file: str | None
    handovers: list[Handover] = Field(description=f"Largest first, at most {PLAN_HANDOVERS}.")


class Published(BaseModel):
    scenario: ScenarioLine
    directory: str
    files: list[str]


def _check_role(viewer: Viewer) -> None:
    if viewer.role not in ALLOWED_ROLES:
        raise NotPermitted("only managers and RevOps work with territory scenarios")


def _visible(repo: Repository, viewer: Viewer) -> list[store.StoredScenario]:
    _check_role(viewer)
    managed = repo.scope(viewer).territories
    return [
        s
        for s in store.every(repo.engine)
        if s.created_by == viewer.user_id
        or viewer.role in (Role.REVOPS, Role.ADMIN)
        or (managed is not None and set(json.loads(s.territory_ids)) <= set(managed))
    ]


def _line(repo: Repository, stored: store.StoredScenario, stamp: str) -> ScenarioLine:
    proposal = RebalanceProposal.model_validate_json(stored.proposal)
    groups = proposal.groups
    located = [m.distance_km for m in proposal.moves if m.distance_km is not None]
    cvs_before = [g.potential_cv_before for g in groups if g.potential_cv_before is not None]
    cvs_after = [g.potential_cv_after for g in groups if g.potential_cv_after is not None]
    return ScenarioLine(
        id=stored.id,
        name=stored.name,
        created_at=stored.created_at,
        status="published" if stored.published_at else "stale" if stored.data_stamp != stamp else "draft",
        territories=[t.name for t in proposal.territories],
        constraints=proposal.constraints,
        effective=proposal.effective,
        message=proposal.message,
        moves=len(proposal.moves),
        potential_moved=float(sum(m.potential for m in proposal.moves)),
        arr_moved=float(sum(m.arr for m in proposal.moves)),
        customers_moved=sum(1 for m in proposal.moves if m.arr > 0),
        worst_deviation_before=max((g.max_deviation_before for g in groups), default=0.0),
        worst_deviation_after=max((g.max_deviation_after for g in groups), default=0.0),
        potential_cv_before=round(mean(cvs_before), 4) if cvs_before else None,
        potential_cv_after=round(mean(cvs_after), 4) if cvs_after else None,
        reps_outside_band_after=sum(g.outside_band_after for g in groups),
        mean_distance_km=round(mean(located), 1) if located else None,
        baseline_moves=sum(g.baseline.moves for g in groups if g.baseline),
        baseline_worst_deviation=max((g.baseline.max_deviation for g in groups if g.baseline), default=0.0),
    )


def _find(repo: Repository, viewer: Viewer, name: str) -> store.StoredScenario:
    found = _visible(repo, viewer)
    key = name.strip()
    exact = [s for s in found if str(s.id) == key] or [
        s for s in found if s.name.casefold() == key.casefold()
    ]
    if exact:
        return exact[-1]
    match = best_match("scenario", name, {s.id: s.name for s in found})
    return next(s for s in found if s.id == match.id)


def create_scenario(
    repo: Repository,
    viewer: Viewer,
    name: str,
    params: RebalanceInput,
    options: SolverOptions | None = None,
    now: dt.datetime | None = None,
) -> tuple[ScenarioLine, RebalancePlan]:
    """Run the rebalance and save it as a scenario named ``name``."""
    _check_role(viewer)
    if not name.strip():
        raise InputError("a scenario needs a name")
    plan = plan_rebalance(repo, viewer, params, options)
    whole = plan.proposal.model_copy(update={"moves": plan.all_moves})
    whole = attach_sources(repo, viewer, whole)
    stored_id = store.save(
        repo.engine,
        name=" ".join(name.split()),
        created_by=viewer.user_id,
        territory_ids=json.dumps(sorted(int(t.id.split("/", 1)[1]) for t in whole.territories)),
        params=params.model_dump_json(),
        proposal=whole.model_dump_json(),
        data_stamp=repo.data_stamp(),
        now=now or dt.datetime.now(dt.UTC),
    )
    stored = next(s for s in store.every(repo.engine) if s.id == stored_id)
    return _line(repo, stored, repo.data_stamp()), plan


def list_scenarios(repo: Repository, viewer: Viewer, params: ScenarioListInput | None = None) -> ScenarioList:
    """List the saved territory scenarios you can see, oldest first.

    For managers (scenarios of the territories they manage) and RevOps.

    Args:
        territory: Only scenarios covering a territory whose name contains this.

    Returns:
        Per scenario: status (draft, published, stale), constraints, balance before and after,
        moves, disruption and distance.

    Raises:
        NotPermitted: The viewer is a rep.
    """
    stamp = repo.data_stamp()
    lines = [_line(repo, s, stamp) for s in _visible(repo, viewer)]
    key = (params.territory or "").strip().casefold() if params is not None else ""
    return ScenarioList(
        scenarios=[line for line in lines if not key or any(key in t.casefold() for t in line.territories)]
    )


def compare_scenarios(repo: Repository, viewer: Viewer, params: ScenarioCompareInput) -> ScenarioList:
    """Compare saved territory scenarios side by side: balance, moves, disruption and distance.

    A scenario is a rebalance saved with its constraints (salesplan territory scenario create).
    For managers (scenarios of the territories they manage) and RevOps.

    Args:
        scenarios: Scenario names or ids; empty means your two most recent.

    Returns:
        Per scenario: status, constraints, worst deviation and CV before and after, moves,
        potential and ARR moved, customers moved, mean distance, and the greedy baseline.

    Raises:
        NotPermitted: The viewer is a rep.
        UnknownName: No scenario you can see has that name.
    """
    stamp = repo.data_stamp()
    if params.scenarios:
        chosen = [_find(repo, viewer, name) for name in params.scenarios]
    else:
        mine = [s for s in _visible(repo, viewer) if s.created_by == viewer.user_id]
        chosen = mine[-2:]
        if len(chosen) < 2:
            return ScenarioList(
                scenarios=[_line(repo, s, stamp) for s in chosen],
                note=f"you have {len(chosen)} scenario{'' if len(chosen) == 1 else 's'}: nothing to compare "
                "yet; create one with 'salesplan territory scenario create'",
            )
    return ScenarioList(scenarios=[_line(repo, s, stamp) for s in chosen])


def publish_scenario(
    repo: Repository,
    viewer: Viewer,
    name: str,
    directory: Path,
    options: SolverOptions | None = None,
    now: dt.datetime | None = None,
) -> tuple[Published, RebalancePlan]:
    """Write the CRM import file, the hand-over checklists and the report; mark it published."""
    stored = _find(repo, viewer, name)
    stamp = repo.data_stamp()
    if stored.data_stamp != stamp:
        raise InputError(f"scenario {stored.name!r} was made on data that has changed since; create it again")
    params = RebalanceInput.model_validate_json(stored.params)
    plan = plan_rebalance(repo, viewer, params, options)
    saved = RebalanceProposal.model_validate_json(stored.proposal)
    if sorted((m.id, m.to_id) for m in plan.all_moves) != sorted((m.id, m.to_id) for m in saved.moves):
        raise InputError(f"scenario {stored.name!r} no longer gives the same moves; create it again")
    from tools.rebalance.charts import write_report

    written = write_report(plan, directory)
    moves = attach_sources(repo, viewer, saved).moves
    effective_on = saved.effective_date or repo.as_of
    (directory / MOVES_FILE).write_text(
        moves_csv(repo, viewer, moves, effective_on, stored.name), encoding="utf-8"
    )
    checklists = handovers(repo, viewer, moves)
    (directory / HANDOVER_FILE).write_text(
        markdown(checklists, stored.name, saved.effective or f"effective {effective_on}"), encoding="utf-8"
    )
    store.mark_published(
        repo.engine, stored.id, viewer.user_id, now or dt.datetime.now(dt.UTC), str(directory.resolve())
    )
    published = next(s for s in store.every(repo.engine) if s.id == stored.id)
    files = sorted({p.name for p in written} | {MOVES_FILE, HANDOVER_FILE})
    return Published(scenario=_line(repo, published, stamp), directory=str(directory), files=files), plan


def published_for(repo: Repository, viewer: Viewer, territories: list[str]) -> PublishedScenario | None:
    """The latest published, not stale, scenario whose moves touch these territories (by name),
    with the hand-over of its largest moves there; None for reps or when there is none."""
    if viewer.role not in ALLOWED_ROLES:
        return None
    stamp = repo.data_stamp()
    for stored in sorted(_visible(repo, viewer), key=lambda s: s.published_at or s.created_at, reverse=True):
        if stored.published_at is None or stored.data_stamp != stamp:
            continue
        proposal = RebalanceProposal.model_validate_json(stored.proposal)
        names = set(territories)
        mine = [m for m in proposal.moves if not names or names & set(m.group.split(", "))]
        if not mine:
            continue
        folder = Path(stored.published_to) if stored.published_to else None
        return PublishedScenario(
            name=stored.name,
            effective=proposal.effective,
            published_at=stored.published_at,
            moves=len(mine),
            directory=str(folder) if folder else None,
            map_html=_file(folder, "map.html"),
            handover_file=_file(folder, HANDOVER_FILE),
            handovers=handovers(repo, viewer, mine[:PLAN_HANDOVERS]),
        )
    return None


def _file(folder: Path | None, name: str) -> str | None:
    """The path of a published file that is still there."""
    return str(folder / name) if folder is not None and (folder / name).is_file() else None
