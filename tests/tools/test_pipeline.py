"""Pipeline summary and deal details on the hand-built CRM (figures worked out by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.tools.conftest import MAX, OLGA, RAVI, RITA, SAM, VERA
from tools.deals.details import DealQuery, deal_details
from tools.deals.pipeline import GroupBy, PipelineQuery, pipeline_summary
from tools.errors import InputError
from tools.resolve import UnknownName
from tools.store.repository import Repository


def test_open_pipeline_by_stage_for_revops(repo: Repository) -> None:
    result = pipeline_summary(repo, OLGA, PipelineQuery())
    # open: 1 (120k Negotiation), 2 (30k Proposal), 3 (60k Discovery), 4 (40k Qualification), 9 (8k Prosp.)
    assert [g.key for g in result.groups] == [
        "Prospecting",
        "Qualification",
        "Discovery",
        "Proposal",
        "Negotiation",
    ]
    assert result.open_pipeline.value == Decimal("258000.00")
    # weighted: 8k*.05 + 40k*.15 + 60k*.30 + 30k*.55 + 120k*.80 = 400 + 6,000 + 18,000 + 16,500 + 96,000
    assert result.weighted_pipeline.value == Decimal("136900.00")
    assert result.deal_count.value == 5
    assert sorted(result.open_pipeline.record_ids) == sorted(f"opportunity/{i}" for i in (1, 2, 3, 4, 9))
    assert "open" in result.open_pipeline.formula.lower()


def test_pipeline_by_owner_for_a_manager_and_by_month_in_a_period(repo: Repository) -> None:
    by_owner = pipeline_summary(repo, MAX, PipelineQuery(group_by=GroupBy.OWNER))
    # Rita: 120k + 30k; Ravi: 60k + 8k; Sam is not Max's
    assert {g.key: g.amount for g in by_owner.groups} == {
        "Rita Ruiz": Decimal("150000.00"),
        "Ravi Rao": Decimal("68000.00"),
    }
    by_month = pipeline_summary(repo, MAX, PipelineQuery(group_by=GroupBy.MONTH, period="this quarter"))
    # closing in Q4 2026: deal 2 (Nov, 30k), deals 1 and 9 (Dec, 120k + 8k); deal 3 closes in January 2027
    assert [(g.key, g.amount) for g in by_month.groups] == [
        ("2026-11", Decimal("30000.00")),
        ("2026-12", Decimal("128000.00")),
    ]
    assert any("2026-Q4" in f for f in by_month.open_pipeline.filters)


def test_filters_by_owner_name_amount_and_territory(repo: Repository) -> None:
    ritas = pipeline_summary(repo, VERA, PipelineQuery(owner="Rita", min_amount=Decimal(50000)))
    assert ritas.open_pipeline.value == Decimal("120000.00") and ritas.deal_count.value == 1
    team = pipeline_summary(repo, VERA, PipelineQuery(owner="Max Stone"))
    assert team.open_pipeline.value == Decimal("218000.00")
    east = pipeline_summary(repo, OLGA, PipelineQuery(territory="East Commercial"))
    assert east.open_pipeline.value == Decimal("40000.00")
    assert "territory: East Commercial" in east.filters


def test_a_rep_cannot_name_another_reps_deals(repo: Repository) -> None:
    with pytest.raises(UnknownName, match="no person named 'Sam'"):
        pipeline_summary(repo, RITA, PipelineQuery(owner="Sam"))
    with pytest.raises(UnknownName) as nonexistent:
        pipeline_summary(repo, RITA, PipelineQuery(owner="Zed Nobody"))
    assert "did you mean" not in str(nonexistent.value)


def test_deal_details_with_history_and_activity(repo: Repository) -> None:
    deal = deal_details(repo, RITA, DealQuery(deal="Acme Core"))
    assert deal.id == "opportunity/1" and deal.account == "Acme Corporation" and deal.owner == "Rita Ruiz"
    assert deal.days_in_stage == 10  # 2026-11-10 -> 2026-11-20
    assert deal.age_days == 111  # 2026-08-01 -> 2026-11-20
    assert [h.stage for h in deal.history] == ["Prospecting", "Proposal", "Negotiation"]
    assert deal.contacts_engaged == ["Ann Buyer"]
    assert deal_details(repo, RITA, DealQuery(deal="opportunity/2")).name == "Acme - Analytics"


def test_deal_outside_scope_looks_missing(repo: Repository) -> None:
    for text in ("Globex - Core", "4", "opportunity/4", "O4"):
        with pytest.raises(InputError, match="no deal"):
            deal_details(repo, RITA, DealQuery(deal=text))
    assert deal_details(repo, SAM, DealQuery(deal="opportunity/4")).name == "Globex - Core"
    with pytest.raises(InputError, match="no deal"):
        deal_details(repo, RAVI, DealQuery(deal="Acme - Core"))
