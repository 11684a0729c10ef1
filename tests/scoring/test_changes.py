"""What changed since a day, on the demo company: snapshots rebuilt from history agree with the
deals' own columns, the groups match the data, the waterfall adds up, and the chart is drawn."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from tools.deals.changes import ChangesQuery, pipeline_changes, start_day
from tools.deals.changes_chart import draw_waterfall
from tools.errors import InputError
from tools.store.repository import Repository
from tools.store.schema import Opportunity, Role
from tools.store.schema_scores import DealScore, PipelineSnapshot
from tools.store.snapshots import backfill_days, rebuild_snapshot, take_snapshot
from tools.viewer import Viewer

REVOPS = Viewer(user_id=2, role=Role.REVOPS, name="RevOps")


def _snapshot(repo: Repository, day: dt.date) -> dict[int, tuple[object, ...]]:
    with repo.connect() as connection:
        return {
            row.opportunity_id: (row.stage, row.amount, row.close_date)
            for row in connection.execute(select(PipelineSnapshot).where(PipelineSnapshot.day == day))
        }


def test_a_fresh_data_set_has_a_past_and_history_rebuilds_today_as_the_deals_stand(
    demo_repo: Repository,
) -> None:
    with demo_repo.connect() as connection:
        days = (
            connection.execute(select(PipelineSnapshot.day).distinct().order_by(PipelineSnapshot.day))
            .scalars()
            .all()
        )
    assert days == backfill_days(demo_repo.as_of) and len(days) == 20
    taken = _snapshot(demo_repo, demo_repo.as_of)
    with demo_repo.engine.begin() as connection:
        probe = dt.date(2000, 1, 1)
        connection.execute(
            PipelineSnapshot.__table__.delete().where(PipelineSnapshot.day == probe)  # type: ignore[attr-defined]
        )
        # rebuilding as_of from history must give the deals' own columns
        rebuild_snapshot(connection, demo_repo.stages, demo_repo.as_of)
        rebuilt = {
            row.opportunity_id: (row.stage, row.amount, row.close_date)
            for row in connection.execute(
                select(PipelineSnapshot).where(PipelineSnapshot.day == demo_repo.as_of)
            )
        }
        take_snapshot(connection, demo_repo.stages, demo_repo.as_of)
    assert rebuilt == taken and len(taken) > 300


def test_changes_since_last_week_match_the_data_and_the_waterfall_adds_up(demo_repo: Repository) -> None:
    result = pipeline_changes(demo_repo, REVOPS, ChangesQuery(since="last week", limit=500))
    start = demo_repo.as_of - dt.timedelta(days=7)
    assert result.start == start and result.end == demo_repo.as_of and result.note is None
    before = _snapshot(demo_repo, start)
    with demo_repo.connect() as connection:
        deals = {
            row.id: row
            for row in connection.execute(
                select(
                    Opportunity.id,
                    Opportunity.stage,
                    Opportunity.amount,
                    Opportunity.is_closed,
                    Opportunity.is_won,
                    Opportunity.created_at,
                )
            )
        }
    now = {i for i, d in deals.items() if not d.is_closed}
    groups = {g.kind: g for g in result.groups}
    ids = {kind: {int(d.id.split("/")[1]) for d in g.deals} for kind, g in groups.items()}
    assert ids["won"] == {i for i in before if deals[i].is_won}
    assert ids["lost"] == {i for i in before if deals[i].is_closed and not deals[i].is_won}
    assert ids["new"] == now - set(before) and all(deals[i].created_at > start for i in ids["new"])
    names = demo_repo.stages.names
    assert ids["advanced"] == {
        i
        for i in before
        if i in now and names.index(deals[i].stage) > names.index(before[i][0])  # type: ignore[arg-type]
    }
    assert result.start_value == sum((v[1] or Decimal(0) for v in before.values()), Decimal(0))  # type: ignore[misc]
    assert result.end_value == sum((deals[i].amount or Decimal(0) for i in now), Decimal(0))
    steps = {s.label: s.amount for s in result.waterfall}
    assert (
        steps["Start"] + sum(a for label, a in steps.items() if label not in ("Start", "End")) == steps["End"]
    )
    assert groups["won"].count > 0 and groups["lost"].count > 0 and groups["new"].count > 0


def test_a_reps_changes_hold_only_their_deals(demo_repo: Repository) -> None:
    with demo_repo.connect() as connection:
        rep = connection.execute(
            select(Opportunity.owner_id).where(~Opportunity.is_closed).limit(1)
        ).scalar_one()
        mine = set(connection.execute(select(Opportunity.id).where(Opportunity.owner_id == rep)).scalars())
    result = pipeline_changes(
        demo_repo, Viewer(user_id=rep, role=Role.REP, name="Rep"), ChangesQuery(limit=500)
    )
    listed = {int(d.id.split("/")[1]) for g in result.groups for d in g.deals}
    assert listed and listed <= mine


def test_since_reads_weekdays_days_and_dates_and_says_what_it_cannot(demo_repo: Repository) -> None:
    as_of = demo_repo.as_of  # a Friday
    assert as_of.weekday() == 4
    assert start_day(demo_repo, REVOPS, "since Monday") == as_of - dt.timedelta(days=4)
    assert start_day(demo_repo, REVOPS, "friday") == as_of - dt.timedelta(days=7)
    assert start_day(demo_repo, REVOPS, "10 days ago") == as_of - dt.timedelta(days=10)
    assert start_day(demo_repo, REVOPS, "2026-11-01") == dt.date(2026, 11, 1)
    with pytest.raises(InputError, match="no digest has been sent to you yet"):
        start_day(demo_repo, REVOPS, "my last digest")
    with pytest.raises(InputError, match="cannot tell which day"):
        start_day(demo_repo, REVOPS, "the dawn of time")
    # a day between two weekly snapshots starts from the earlier one and says so
    result = pipeline_changes(demo_repo, REVOPS, ChangesQuery(since="10 days ago"))
    assert result.start == as_of - dt.timedelta(days=14) and "nearest earlier" in (result.note or "")


def test_the_waterfall_is_drawn(demo_repo: Repository, tmp_path: Path) -> None:
    result = pipeline_changes(demo_repo, REVOPS, ChangesQuery())
    path = draw_waterfall(result, tmp_path / "changes.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_todays_chance_is_the_stage_probability_unless_the_stored_scores_are_current(
    demo_repo: Repository,
) -> None:
    """A stored score made for other data (a stale fingerprint) is not read: the change list shows
    what a snapshot taken now would record, whatever other tools have stored before."""
    listed = pipeline_changes(demo_repo, REVOPS, ChangesQuery(since="last week", limit=500))
    deal = next(d for g in listed.groups for d in g.deals if d.stage and d.probability is not None)
    key = int(deal.id.split("/")[1])
    stale = DealScore(
        opportunity_id=key, fingerprint="stale", probability=0.999, stage_probability=0.1, factors="[]"
    )
    with demo_repo.engine.begin() as connection:
        connection.execute(
            insert(DealScore).values(**{c.name: getattr(stale, c.name) for c in DealScore.__table__.columns})
        )
    try:
        again = pipeline_changes(demo_repo, REVOPS, ChangesQuery(since="last week", limit=500))
        same = next(d for g in again.groups for d in g.deals if d.id == deal.id)
        stage = demo_repo.stages.find(same.stage or "")
        assert stage is not None and same.probability == pytest.approx(stage.probability)
    finally:
        with demo_repo.engine.begin() as connection:
            connection.execute(delete(DealScore).where(DealScore.opportunity_id == key))
