"""The learned win score: it beats the stage probability on the demo company's held-out deals,
falls back and says so when it cannot learn, is trained on what it later sees, and is kept with
the data set until the data changes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, insert, select

from tools.deals.win_scores import WinScoreQuery, score_backtest, win_scores
from tools.scoring.features import row
from tools.scoring.model import basis_for
from tools.scoring.store import fingerprint, refresh
from tools.scoring.timeline import Deal, closed_deals, open_states, state_on
from tools.store.repository import Repository
from tools.store.schema import Activity, Opportunity, OpportunityHistory, Role
from tools.store.schema_scores import DealScore, WinModel
from tools.viewer import Viewer

REVOPS = Viewer(user_id=2, role=Role.REVOPS, name="RevOps")


def test_the_model_beats_the_stage_probability_on_deals_closed_after_the_cutoff(
    demo_repo: Repository,
) -> None:
    result, reason = score_backtest(demo_repo.engine, demo_repo.stages, demo_repo.as_of)
    assert result.used == "model", reason
    assert result.auc is not None and result.baseline_auc is not None
    assert result.auc > result.baseline_auc + 0.03
    assert result.cutoff is not None and result.cutoff < demo_repo.as_of
    closed_after = {
        row.id: (row.closed_at, row.is_won)
        for row in demo_repo.engine.connect().execute(
            select(Opportunity.id, Opportunity.closed_at, Opportunity.is_won).where(Opportunity.is_closed)
        )
    }
    assert len(result.deals) > 200
    for deal in result.deals:
        closed_at, won = closed_after[int(deal.id.removeprefix("opportunity/"))]
        assert closed_at >= result.cutoff and deal.won is won and 0 <= deal.probability <= 1
    assert result.trained_on > 1_000


def test_open_deals_are_scored_with_factors_largest_value_at_stake_first(demo_repo: Repository) -> None:
    result = win_scores(demo_repo, REVOPS, WinScoreQuery(limit=20))
    assert result.used == "model" and len(result.deals) == 20
    stakes = [d.value_at_stake for d in result.deals]
    assert stakes == sorted(stakes, reverse=True)
    for d in result.deals:
        assert d.amount is not None and d.value_at_stake is not None
        assert float(d.value_at_stake) == pytest.approx(float(d.amount) * (1 - d.probability), abs=0.01)
    explained = [d for d in result.deals if d.factors]
    assert len(explained) >= 15
    for deal in explained:
        assert len(deal.factors) <= 3
        effects = [abs(f.effect) for f in deal.factors]
        assert effects == sorted(effects, reverse=True)
        assert all(("raises" in f.text) == (f.effect > 0) for f in deal.factors)


def test_the_largest_deals_first_when_asked_by_amount(demo_repo: Repository) -> None:
    by_amount = win_scores(demo_repo, REVOPS, WinScoreQuery(limit=20, sort_by="amount")).deals
    amounts = [d.amount for d in by_amount]
    assert len(amounts) == 20 and amounts == sorted(amounts, reverse=True)  # type: ignore[type-var]
    every = win_scores(demo_repo, REVOPS, WinScoreQuery(limit=500, sort_by="amount")).deals
    assert by_amount[0].amount == max(d.amount or 0 for d in every)


def test_open_deals_are_measured_as_closed_deals_were_when_they_were_open(demo_repo: Repository) -> None:
    """The features of an open deal from its columns equal those rebuilt from its history and
    activities, the way every training observation is built."""
    engine = demo_repo.engine
    with engine.connect() as connection:
        states = dict(open_states(connection, demo_repo.as_of, []))
        deals = closed_deals(connection, demo_repo.as_of)

        ids = sorted(states)[:150]
        rebuilt = {
            i: Deal(
                i,
                states[i].owner_id,
                states[i].product_id,
                states[i].segment,
                states[i].amount,
                states[i].created,
                None,
                False,
            )
            for i in ids
        }
        for opp, changed, stage, amount, close in connection.execute(
            select(
                OpportunityHistory.opportunity_id,
                OpportunityHistory.changed_at,
                OpportunityHistory.stage,
                OpportunityHistory.amount,
                OpportunityHistory.close_date,
            )
            .where(OpportunityHistory.opportunity_id.in_(ids))
            .order_by(OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id)
        ):
            rebuilt[opp].history.append((changed, stage, float(amount), close))
        from tools.store.schema import Contact

        for opp, occurred, contact, role in connection.execute(
            select(Activity.opportunity_id, Activity.occurred_at, Activity.contact_id, Contact.buying_role)
            .outerjoin(Contact, Contact.id == Activity.contact_id)
            .where(Activity.opportunity_id.in_(ids))
            .order_by(Activity.opportunity_id, Activity.occurred_at)
        ):
            rebuilt[opp].activities.append((occurred.date(), contact, role))
    basis = basis_for(deals, demo_repo.stages, list(states.values()), {})
    for deal_id in ids:
        from_columns = row(states[deal_id], basis, 0.5)
        from_history = row(state_on(rebuilt[deal_id], demo_repo.as_of, demo_repo.stages, True), basis, 0.5)
        assert from_columns == pytest.approx(from_history, nan_ok=True), deal_id


def test_the_model_is_kept_until_the_data_changes(demo_repo: Repository) -> None:
    engine: Engine = demo_repo.engine
    first = refresh(engine, demo_repo.stages, demo_repo.as_of)
    with engine.connect() as connection:
        trained_at = connection.execute(select(WinModel.trained_at)).scalar_one()
        key = fingerprint(connection, demo_repo.as_of)
        assert connection.execute(select(WinModel.payload)).scalar_one()  # the model itself is stored
    assert refresh(engine, demo_repo.stages, demo_repo.as_of) == first
    with engine.connect() as connection:
        assert connection.execute(select(WinModel.trained_at)).scalar_one() == trained_at
        scored = connection.execute(select(DealScore.fingerprint).distinct()).scalars().all()
    assert scored == [key]
    # a new activity on an open deal changes the data: the next read retrains and rescores
    with engine.begin() as connection:
        deal = connection.execute(select(Opportunity.id).where(~Opportunity.is_closed).limit(1)).scalar_one()
        connection.execute(
            insert(Activity).values(
                opportunity_id=deal, kind="call", occurred_at=dt.datetime(2026, 11, 19, 15, tzinfo=dt.UTC)
            )
        )
        assert fingerprint(connection, demo_repo.as_of) != key
    refresh(engine, demo_repo.stages, demo_repo.as_of)
    with engine.connect() as connection:
        assert connection.execute(select(WinModel.trained_at)).scalar_one() > trained_at
        assert json.loads(connection.execute(select(WinModel.report)).scalar_one())["used"] == "model"


def test_the_backtest_json_names_each_deal_by_record_id_and_source_id(demo_engine: Engine) -> None:
    from typer.testing import CliRunner

    from assistant.interfaces.cli import app

    url = str(demo_engine.url)
    result = CliRunner().invoke(
        app, ["deals", "score", "--backtest", "--json"], env={"SALESPLAN_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"model", "trained_on", "cutoff", "auc", "baseline_auc", "used", "deals"}
    assert data["used"] == "model" and data["auc"] > data["baseline_auc"]
    dt.date.fromisoformat(data["cutoff"])
    first = data["deals"][0]
    assert set(first) == {"id", "external_id", "probability", "stage_probability", "won"}
    assert first["id"].startswith("opportunity/") and first["external_id"].startswith("O")
