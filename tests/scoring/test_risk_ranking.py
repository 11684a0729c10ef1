"""Risk people act on, on the demo company: stage thresholds from its own won deals, at most 30% of
the open pipeline's value flagged, ranked by value at risk."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import statistics
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from tools.deals.stalled import StalledQuery, stalled_deals
from tools.scoring.store import refresh, scores_in_use
from tools.store.db import make_engine
from tools.store.repository import Repository
from tools.store.schema import Opportunity, OpportunityHistory, Role
from tools.store.stages import dataset_stages, load_stages
from tools.viewer import Viewer

AS_OF = dt.date(2026, 11, 20)
REVOPS = Viewer(user_id=2, role=Role.REVOPS, name="RevOps")
#: Measured when the rule was written: 21% on this data set (1,000 accounts), 23% on the default
#: demo (2,000 accounts), where the earlier rules (any rule broken) flagged 76%.
MAX_FLAGGED_SHARE = 0.30


def test_stage_thresholds_are_the_75th_percentile_of_won_deals_time_in_stage(demo_repo: Repository) -> None:
    with demo_repo.connect() as connection:
        won = set(
            connection.execute(
                select(Opportunity.id).where(Opportunity.is_won)
            ).scalars()  # 2 years of history
        )
        rows = connection.execute(
            select(
                OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.stage
            ).order_by(
                OpportunityHistory.opportunity_id, OpportunityHistory.changed_at, OpportunityHistory.id
            )
        ).all()
    spent: dict[str, list[int]] = defaultdict(list)
    by_deal: dict[int, list[tuple[object, str]]] = defaultdict(list)
    for deal, day, stage in rows:
        if deal in won:
            by_deal[deal].append((day, stage))
    for history in by_deal.values():
        entered = [
            (day, stage) for i, (day, stage) in enumerate(history) if i == 0 or history[i - 1][1] != stage
        ]
        for (day, stage), (later, _) in pairwise(entered):
            spent[stage].append((later - day).days)  # type: ignore[operator]
    result = stalled_deals(demo_repo, REVOPS, StalledQuery(limit=1))
    thresholds = result.thresholds["stall_days"]
    for stage in ("Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"):
        expected = math.ceil(statistics.quantiles(spent[stage], n=4, method="inclusive")[2])
        assert thresholds[stage] == expected, stage
    configured = {s.name: s.stall_days for s in demo_repo.stages.open_stages}
    assert thresholds != configured


def test_the_default_flags_at_most_30_percent_of_open_pipeline_value(demo_repo: Repository) -> None:
    refresh(demo_repo.engine, demo_repo.stages, demo_repo.as_of)
    result = stalled_deals(demo_repo, REVOPS, StalledQuery(limit=500))
    share = float(result.flagged_amount.value) / float(result.open_amount)
    assert 0.05 < share <= MAX_FLAGGED_SHARE, share
    assert "learned win score" in result.ranking
    # ranked by value at risk, each deal's being amount x (1 - score) x urgency
    risks = [d.value_at_risk for d in result.deals]
    assert risks == sorted(risks, reverse=True)  # type: ignore[type-var]
    for deal in result.deals:
        assert deal.amount is not None and deal.win_probability is not None and deal.value_at_risk is not None
        amount, kept = float(deal.amount), 1 - deal.win_probability  # the probability shown has 4 decimals
        assert any(
            abs(float(deal.value_at_risk) - amount * kept * u) <= amount * 1e-4 for u in (1.0, 0.6, 0.3)
        )
    assert sum((d.value_at_risk for d in result.deals), Decimal(0)) == result.value_at_risk
    # an $8k deal breaking five rules no longer outranks a $45k one breaking one
    assert any(a.risk_score < b.risk_score for a, b in zip(result.deals, result.deals[1:], strict=False))


def test_asking_for_one_rule_still_lists_every_deal_breaking_it(demo_repo: Repository) -> None:
    from tools.deals.stalled_rules import Rule

    result = stalled_deals(demo_repo, REVOPS, StalledQuery(rule=Rule.PAST_CLOSE, limit=500))
    with demo_repo.connect() as connection:
        past = connection.execute(
            select(Opportunity.id).where(~Opportunity.is_closed, Opportunity.close_date < demo_repo.as_of)
        ).all()
    assert result.flagged.value == len(past)


def test_the_latest_scores_are_used_until_the_next_training(demo_engine: Engine, tmp_path: Path) -> None:
    """The answer does not flip with whether something retrained first: after the data moves on,
    the stored scores still decide, and a deal opened since (no score) is judged on the rules."""
    copy = tmp_path / "crm.db"
    with sqlite3.connect(str(demo_engine.url.database)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    engine = make_engine(f"sqlite:///{copy}")
    repo = Repository(engine, dataset_stages(engine, load_stages()), AS_OF)
    refresh(engine, repo.stages, AS_OF)
    before = stalled_deals(repo, REVOPS, StalledQuery(limit=500))
    assert "learned win score" in before.ranking
    with engine.begin() as connection:
        template = connection.execute(select(Opportunity).where(~Opportunity.is_closed).limit(1)).one()
        new = connection.execute(
            insert(Opportunity)
            .values(
                account_id=template.account_id,
                owner_id=template.owner_id,
                name="Opened after the training",
                stage="Qualification",
                amount=Decimal(30_000),
                created_at=AS_OF - dt.timedelta(days=200),
                stage_entered_at=AS_OF - dt.timedelta(days=150),
                close_date=AS_OF + dt.timedelta(days=10),
                is_closed=False,
                is_won=False,
            )
            .returning(Opportunity.id)
        ).scalar_one()
        assert scores_in_use(connection)  # the data moved on; the stored scores still decide
    after = stalled_deals(repo, REVOPS, StalledQuery(limit=500))
    assert "learned win score" in after.ranking
    assert {d.id for d in after.deals} == {d.id for d in before.deals} | {f"opportunity/{new}"}
    assert after.breaking_rules == before.breaking_rules + 1
    engine.dispose()


def test_the_answer_says_how_many_deals_break_a_rule_without_counting_as_at_risk(
    demo_repo: Repository,
) -> None:
    from assistant.offline.answers_deals import stalled

    refresh(demo_repo.engine, demo_repo.stages, demo_repo.as_of)
    result = stalled_deals(demo_repo, REVOPS, StalledQuery(limit=5))
    every = stalled_deals(demo_repo, REVOPS, StalledQuery(limit=500))
    with demo_repo.connect() as connection:
        open_deals = connection.execute(select(func.count()).where(~Opportunity.is_closed)).scalar_one()
    held = result.breaking_rules - int(result.flagged.value)
    assert 0 < held < open_deals and len(every.deals) == int(result.flagged.value)
    text = stalled(result, {}, REVOPS, [])
    assert f"{held:,} more open deals break a rule but are not counted as at risk" in text
    assert "healthy win score" in text  # a learned score is in use
    asked = stalled(
        stalled_deals(demo_repo, REVOPS, StalledQuery(rule="no_activity")),
        {"rule": "no_activity"},
        REVOPS,
        [],
    )
    assert "not counted as at risk" not in asked  # a rule asked by name lists every deal breaking it
