"""What changed, compared by the database, is the answer of the plain comparison: the two sides read
with two plain selects and compared deal by deal in Python give the same counts, the same totals to
the cent and in the same decimal form, the same deals listed in the same order with the same
columns — on SQLite and PostgreSQL, for revops, a manager and a rep, with filters, and on the
edge cases generated data lacks (amounts missing on either side, a close date cleared, a stage the
configuration does not know, a snapshot row of a deleted deal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update

from tools.deals.changes import (
    GROUPS,
    ChangesQuery,
    PipelineChanges,
    pipeline_changes,
    snapshot_day,
    start_day,
)
from tools.filters import DealFilter, deal_conditions
from tools.scoring.store import scores_in_use
from tools.store.demo.generate import generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Opportunity, Role, Territory, User
from tools.store.schema_scores import DealScore, PipelineSnapshot
from tools.store.stages import dataset_stages, load_stages
from tools.viewer import Viewer

AS_OF = dt.date(2026, 11, 20)
START = AS_OF - dt.timedelta(days=7)
GONE_DEAL = 10_000_000  # a snapshot row whose deal is deleted


def _shape(result: PipelineChanges) -> tuple[Any, ...]:
    """Everything the answer says, decimals as written (``0`` and ``0.00`` differ)."""
    return (
        result.start,
        result.start_deals,
        result.end_deals,
        str(result.start_value),
        str(result.end_value),
        [
            (
                g.kind,
                g.count,
                str(g.amount),
                [
                    (
                        *(d.id, d.stage_before, d.stage, str(d.amount_before), str(d.amount)),
                        *(d.close_date_before, d.close_date, d.probability_before, d.probability),
                    )
                    for d in g.deals
                ],
            )
            for g in result.groups
        ],
        [(s.label, str(s.amount)) for s in result.waterfall],
    )


def _row_by_row(repo: Repository, viewer: Viewer, query: ChangesQuery) -> tuple[Any, ...]:
    """The plain comparison: the snapshot's deals and the open deals read with two selects, each
    deal compared in Python."""
    resolved = deal_conditions(repo, viewer, DealFilter(owner=query.owner, territory=query.territory))
    order = {name: i for i, name in enumerate(repo.stages.names)}
    stage_chance = {s.name: s.probability for s in repo.stages.stages}
    snap = PipelineSnapshot
    with repo.connect() as connection:
        day, _ = snapshot_day(connection, start_day(repo, viewer, query.since))
        scored = scores_in_use(connection)
        scores = {
            deal: score
            for deal, score in connection.execute(select(DealScore.opportunity_id, DealScore.probability))
        }
        before = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer, Opportunity.id, snap.stage, snap.amount, snap.close_date, snap.probability
                )
                .join(snap, (snap.opportunity_id == Opportunity.id) & (snap.day == day))
                .where(*resolved.conditions)
            )
        }
        now = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer, Opportunity.id, Opportunity.stage, Opportunity.amount, Opportunity.close_date
                ).where(~Opportunity.is_closed, *resolved.conditions)
            )
        }
        states = {
            row.id: row
            for row in connection.execute(select(Opportunity.id, Opportunity.is_closed, Opportunity.is_won))
        }

    def value(row: Any) -> Decimal:
        return Decimal(row.amount) if row is not None and row.amount is not None else Decimal(0)

    def chance(row: Any) -> float | None:
        fallback = stage_chance.get(row.stage)
        return scores.get(row.id, fallback) if scored else fallback

    kinds: dict[str, dict[int, Decimal]] = {kind: {} for kind in GROUPS}
    for deal, row in now.items():
        old = before.get(deal)
        if old is None:
            kinds["new"][deal] = value(row)
            continue
        if (position := order.get(row.stage, -1)) != (was := order.get(old.stage, -1)):
            kinds["advanced" if position > was else "slipped_back"][deal] = value(row)
        if row.close_date and old.close_date and row.close_date != old.close_date:
            kinds["pushed" if row.close_date > old.close_date else "pulled_in"][deal] = value(row)
        if delta := value(row) - value(old):
            kinds["amount_up" if delta > 0 else "amount_down"][deal] = abs(delta)
    for deal, old in before.items():
        if deal not in now:
            state = states.get(deal)
            ended = "removed" if state is None or not state.is_closed else "won" if state.is_won else "lost"
            kinds[ended][deal] = value(old)
    groups = []
    for kind, found in kinds.items():
        listed = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[: query.limit]
        deals = []
        for deal, _ in listed:
            old, new = before.get(deal), now.get(deal)
            deals.append(
                (
                    f"opportunity/{deal}",
                    old.stage if old else None,
                    new.stage if new else None,
                    str(old.amount if old else None),
                    str(new.amount if new else None),
                    old.close_date if old else None,
                    new.close_date if new else None,
                    old.probability if old else None,
                    chance(new) if new else None,
                )
            )
        groups.append((kind, len(found), str(sum(found.values(), Decimal(0))), deals))
    total = {kind: sum(found.values(), Decimal(0)) for kind, found in kinds.items()}
    start_value = sum((value(r) for r in before.values()), Decimal(0))
    end_value = sum((value(r) for r in now.values()), Decimal(0))
    steps = [("Start", start_value), ("New", total["new"]), ("Increased", total["amount_up"])]
    steps += [("Decreased", -total["amount_down"]), ("Won", -total["won"]), ("Lost", -total["lost"])]
    steps += [("Removed", -total["removed"]), ("End", end_value)]
    waterfall = [(label, str(amount)) for label, amount in steps]
    return (day, len(before), len(now), str(start_value), str(end_value), groups, waterfall)


def _edge_cases(engine: Engine, stages: list[str]) -> dict[str, int]:
    """Deals of the generated data turned into the cases it lacks; returns them by case."""
    snap = PipelineSnapshot
    with engine.begin() as connection:
        same_stage = (
            connection.execute(
                select(Opportunity.id)
                .join(snap, (snap.opportunity_id == Opportunity.id) & (snap.day == START))
                .where(
                    ~Opportunity.is_closed,
                    snap.stage == Opportunity.stage,
                    snap.amount == Opportunity.amount,
                    snap.close_date == Opportunity.close_date,
                    Opportunity.stage != stages[0],
                )
                .order_by(Opportunity.id)
                .limit(5)
            )
            .scalars()
            .all()
        )
        assert len(same_stage) == 5
        cases = dict(
            zip(
                ("slipped_no_amount", "amount_appeared", "date_cleared", "unknown_stage", "new_no_amount"),
                same_stage,
                strict=True,
            )
        )

        def deal(name: str, **values: Any) -> None:
            connection.execute(update(Opportunity).where(Opportunity.id == cases[name]).values(**values))

        def snapshot(name: str, **values: Any) -> None:
            at = (snap.opportunity_id == cases[name]) & (snap.day == START)
            connection.execute(update(snap).where(at).values(**values))

        deal("slipped_no_amount", stage=stages[0], amount=None)
        snapshot("amount_appeared", amount=None)
        deal("date_cleared", close_date=None)
        snapshot("unknown_stage", stage="Legacy stage")
        deal("new_no_amount", amount=None)
        connection.execute(
            delete(snap).where((snap.opportunity_id == cases["new_no_amount"]) & (snap.day == START))
        )
        owner = connection.execute(select(func.min(User.id))).scalar_one()
        connection.execute(
            insert(snap).values(
                day=START, opportunity_id=GONE_DEAL, owner_id=owner, stage=stages[1], amount=5
            )
        )
    return cases


@pytest.fixture
def changed(any_engine: Engine) -> tuple[Repository, dict[str, int]]:
    generate_dataset(any_engine, load_stages(), accounts=200, as_of=AS_OF)
    repo = Repository(any_engine, dataset_stages(any_engine, load_stages()), AS_OF)
    return repo, _edge_cases(any_engine, repo.stages.names)


def _viewers(repo: Repository, deal: int) -> dict[str, Viewer]:
    with repo.connect() as connection:
        revops = connection.execute(select(User.id).where(User.role == "revops")).scalars().first()
        rep = connection.execute(select(Opportunity.owner_id).where(Opportunity.id == deal)).scalar_one()
        manager = connection.execute(select(User.manager_id).where(User.id == rep)).scalar_one()
    assert revops is not None and manager is not None
    return {
        "revops": Viewer(user_id=revops, role=Role.REVOPS, name="RevOps"),
        "manager": Viewer(user_id=manager, role=Role.MANAGER, name="Manager"),
        "rep": Viewer(user_id=rep, role=Role.REP, name="Rep"),
    }


def test_the_database_comparison_gives_the_plain_comparisons_answer(
    changed: tuple[Repository, dict[str, int]],
) -> None:
    repo, cases = changed
    viewers = _viewers(repo, cases["slipped_no_amount"])
    with repo.connect() as connection:
        rep_name = connection.execute(select(User.name).where(User.id == viewers["rep"].user_id)).scalar_one()
        territory = connection.execute(
            select(Territory.name)
            .join(User, User.territory_id == Territory.id)
            .where(User.id == viewers["rep"].user_id)
        ).scalar_one()
    queries = [
        ChangesQuery(since=since, limit=limit)
        for since in ("last week", "yesterday", "30 days ago")
        for limit in (3, 1000)
    ]
    queries += [ChangesQuery(owner=rep_name, limit=1000), ChangesQuery(territory=territory, limit=1000)]
    compared = 0
    for who, viewer in viewers.items():
        for query in queries:
            expected = _row_by_row(repo, viewer, query)
            assert _shape(pipeline_changes(repo, viewer, query)) == expected, (who, query)
            compared += 1
    assert compared == 24

    # the edge cases are in the answer, as the plain comparison puts them
    result = pipeline_changes(repo, viewers["revops"], ChangesQuery(limit=1000))
    listed: Callable[[str], set[int]] = lambda kind: {  # noqa: E731
        int(d.id.split("/")[1]) for g in result.groups if g.kind == kind for d in g.deals
    }
    assert cases["slipped_no_amount"] in listed("slipped_back") & listed("amount_down")
    assert cases["amount_appeared"] in listed("amount_up")
    assert cases["date_cleared"] not in listed("pushed") | listed("pulled_in")
    assert cases["unknown_stage"] in listed("advanced")
    assert cases["new_no_amount"] in listed("new")
    assert GONE_DEAL not in {int(d.id.split("/")[1]) for g in result.groups for d in g.deals}
    # the generated deals never slip back (seeded): the group holds only the deal without an
    # amount, so its total is the plain zero a sum of Decimal(0)s is, not 0.00
    slipped = next(g for g in result.groups if g.kind == "slipped_back")
    assert slipped.count == 1 and str(slipped.amount) == "0"
