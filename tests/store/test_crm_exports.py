"""The packaged Salesforce and HubSpot mappings, on fixture exports written to their documented
column names with the quirks real exports have, and the deal tools over what they import."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tools.deals.pipeline import PipelineQuery, pipeline_summary
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_rules import Rule
from tools.store.db import ensure_schema, make_engine
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import ImportReport, ImportValidationError, import_dataset
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import ForecastCategory, dataset_stages, load_stages
from tools.viewer import Viewer

EXPORTS = Path(__file__).with_name("exports")
REVOPS = Viewer(user_id=10_000, role=Role.REVOPS, name="Analyst")


def _import(engine: Engine, directory: Path, mapping: str) -> ImportReport:
    return import_dataset(engine, directory, load_mapping(mapping), stages=load_stages())


def _engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    return engine


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, ImportReport]]:
    engine = _engine(tmp_path_factory.mktemp("sf") / "crm.db")
    yield engine, _import(engine, EXPORTS / "salesforce", "salesforce")
    engine.dispose()


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, ImportReport]]:
    engine = _engine(tmp_path_factory.mktemp("hs") / "crm.db")
    yield engine, _import(engine, EXPORTS / "hubspot", "hubspot")
    engine.dispose()


def repository(engine: Engine, report: ImportReport) -> Repository:
    assert report.as_of is not None
    return Repository(engine, dataset_stages(engine, load_stages()), report.as_of)


# --- Salesforce -----------------------------------------------------------------------------------


def test_salesforce_stages_keep_their_labels_with_semantics_from_the_deals(
    salesforce: tuple[Engine, ImportReport],
) -> None:
    engine, report = salesforce
    stages = dataset_stages(engine, load_stages())
    assert stages.names == [
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
    ]
    assert stages.won_stage.name == "Closed Won" and stages.lost_stage.name == "Closed Lost"
    # Probability 75% and 90 read as 0.75 and 0.9; "BestCase" (the API value) is best case
    assert stages.get("Proposal/Price Quote").probability == 0.75
    assert stages.get("Negotiation/Review").forecast_category is ForecastCategory.COMMIT
    assert stages.get("Value Proposition").forecast_category is ForecastCategory.BEST_CASE
    assert all(s.stall_days == 30 for s in stages.open_stages)
    assert report.as_of == dt.date(2024, 6, 28)  # the last task; planned close dates do not count


def test_salesforce_records_keep_their_ids_links_and_quirks(salesforce: tuple[Engine, ImportReport]) -> None:
    engine, report = salesforce
    assert report.errors == []
    assert rows(engine, "SELECT name, role, hire_date FROM users ORDER BY name") == [
        ("Dana Whitfield", "manager", "2019-03-01"),  # managers of others are managers
        ("Marcus Lee", "rep", "2024-04-15"),  # the export's date formats, as every date
        ("Priya Nair", "rep", None),  # no hire date: fully ramped
        ("Tom Becker", "rep", "2021-06-01"),
    ]
    assert rows(
        engine,
        "SELECT a.name, p.name, a.annual_revenue, a.city FROM accounts a "
        "LEFT JOIN accounts p ON p.id = a.parent_account_id WHERE a.external_id = '0018c00002AbC02AAF'",
    ) == [("Northwind Logistics", "Northwind Traders", Decimal("45000000.00"), "Tacoma")]
    assert rows(engine, "SELECT city FROM accounts WHERE name = 'Fabrikam GmbH'") == [
        ("München",)
    ]  # BOM file
    deals = {
        r[0]: r[1:]
        for r in rows(
            engine,
            "SELECT external_id, stage, amount, probability, forecast_category, is_closed, is_won "
            "FROM opportunities",
        )
    }
    assert deals["0068c00000Op001AAA"] == ("Closed Won", Decimal("120000.00"), 1.0, "closed", 1, 1)
    assert deals["0068c00000Op002AAA"] == ("Closed Lost", Decimal("35000.00"), 0.0, "omitted", 1, 0)
    assert deals["0068c00000Op004AAA"] == (
        "Proposal/Price Quote",
        Decimal("48500.00"),
        0.75,
        "best_case",
        0,
        0,
    )
    assert deals["0068c00000Op005AAA"][3] == "best_case"
    assert deals["0068c00000Op006AAA"][1] is None  # no Amount: unknown, not $0
    # contact roles set buying roles; the first role of a contact with two is kept
    assert rows(
        engine, "SELECT name, buying_role FROM contacts WHERE buying_role IS NOT NULL ORDER BY name"
    ) == [
        ("Ana Ortiz", "Decision Maker"),
        ("Chloe Martin", "Economic Buyer"),
    ]
    # a task on a lead and an account keeps no contact and no deal; a task with no date takes its creation
    assert rows(
        engine,
        "SELECT external_id, contact_id, opportunity_id FROM activities WHERE external_id LIKE '00T%2AAA'",
    ) == [("00T8c00000Tk002AAA", None, None)]
    assert rows(
        engine, "SELECT date(occurred_at) FROM activities WHERE external_id = '00T8c00000Tk003AAA'"
    ) == [("2024-06-12",)]
    # history keeps stages as written, even one no current deal is in
    assert ("Id. Decision Makers",) in rows(engine, "SELECT stage FROM opportunity_history")
    assert rows(
        engine, "SELECT close_date_pushes FROM opportunities WHERE external_id = '0068c00000Op003AAA'"
    ) == [(2,)]
    titles = {group.title for group in report.warnings}
    assert {
        "Task.csv WhoId: unknown references left empty",
        "Task.csv WhatId: unknown references left empty",
        "OpportunityContactRole.csv: rows that match no contacts row",
        "OpportunityContactRole.csv: rows that disagree (contacts)",
    } <= titles


def test_salesforce_deals_answer_the_stalled_and_pipeline_tools(
    salesforce: tuple[Engine, ImportReport],
) -> None:
    repo = repository(*salesforce)
    stalled = stalled_deals(repo, REVOPS, StalledQuery())
    # ranked by value at risk (amount x (1 - stage probability) x urgency), not by rules broken
    risks = [d.value_at_risk for d in stalled.deals]
    assert risks == sorted(risks, reverse=True)  # type: ignore[type-var]
    first = next(d for d in stalled.deals if d.name == "Contoso Health - Enterprise Suite")
    assert first.stage == "Negotiation/Review"
    assert {f.rule for f in first.flags} == {
        Rule.STAGE_AGE,
        Rule.NO_ACTIVITY,
        Rule.PUSHED,
        Rule.SINGLE_THREAD,
    }
    # the export has activities, history, next steps and contacts; only two won deals set no normal cycle
    assert [s.rule for s in stalled.skipped_rules] == [Rule.AGED]
    assert "from 2024-04-30 to 2024-06-30" in next(f.evidence for f in first.flags if f.rule is Rule.PUSHED)
    pipeline = pipeline_summary(repo, REVOPS, PipelineQuery())
    by_stage = {g.key: (g.count, g.amount, g.unknown_amounts) for g in pipeline.groups}
    assert list(by_stage) == [
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Proposal/Price Quote",
        "Negotiation/Review",
    ]
    assert by_stage["Prospecting"] == (2, Decimal("15000.00"), 1)
    assert pipeline.open_pipeline.value == Decimal("493500.00") and pipeline.open_pipeline.estimated is None


def test_salesforce_amounts_in_another_currency_are_refused(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORTS / "salesforce", export)
    path = export / "Opportunity.csv"
    path.write_bytes(path.read_bytes().replace(b",90000,USD,", b',"EUR 90.000,00",EUR,'))
    engine = _engine(tmp_path / "crm.db")
    with pytest.raises(ImportValidationError) as failure:
        _import(engine, export, "salesforce")
    assert failure.value.report.error_lines() == [
        "Opportunity.csv:6 Amount 'EUR 90.000,00': amount in EUR, not USD: map the column converted to USD"
    ]


# --- HubSpot --------------------------------------------------------------------------------------


def test_hubspot_stages_come_from_the_pipelines_with_ids_as_aliases(
    hubspot: tuple[Engine, ImportReport],
) -> None:
    engine, report = hubspot
    stages = dataset_stages(engine, load_stages())
    assert [s.name for s in stages.open_stages] == [
        "Appointment Scheduled",
        "Renewal Due",
        "Qualified To Buy",
        "Presentation Scheduled",
        "Decision Maker Bought-In",
        "Contract Sent",
    ]
    won = stages.won_stage  # closed with probability 1: HubSpot's rule; both pipelines' "Closed Won"
    assert won.name == "Closed Won" and set(won.aliases) == {"closedwon", "87654323"}
    assert stages.get("87654322").name == "Renewal Due"
    assert stages.get("Contract Sent").forecast_category is ForecastCategory.COMMIT  # 0.9 probability
    deals = {
        r[0]: r[1:]
        for r in rows(
            engine,
            "SELECT o.external_id, o.stage, o.amount, u.name, a.name, o.forecast_category, o.close_date "
            "FROM opportunities o JOIN users u ON u.id = o.owner_id "
            "LEFT JOIN accounts a ON a.id = o.account_id",
        )
    }
    # a stage named by its label, by its internal id, and by a custom pipeline's numeric id
    assert deals["5550003"][0] == "Presentation Scheduled"
    assert deals["5550002"][0] == "Contract Sent"
    assert deals["5550007"][0] == "Closed Won"
    # amounts in the company currency; the EUR deal's own amount is not read
    assert deals["5550002"][1] == Decimal("27000.00") and deals["5550005"][1] == Decimal("13200.00")
    # owner id 41552 is Jordan's owner id and Lee's user id: owners are matched by owner id
    assert deals["5550001"][2] == "Jordan Blake"
    # the first company of a deal associated with two; a deal with none has no account
    assert deals["5550002"][3] == "Globex Labs" and deals["5550006"][3] is None
    assert deals["5550003"][4:] == ("best_case", "2024-05-15")
    assert report.as_of == dt.date(2024, 6, 27)


def test_an_export_without_hire_dates_leaves_them_as_they_are(
    hubspot: tuple[Engine, ImportReport], tmp_path: Path
) -> None:
    engine, report = hubspot
    assert rows(engine, "SELECT count(*) FROM users WHERE hire_date IS NOT NULL") == [(0,)]
    assert report.warnings and not any("hire_date" in group.kind for group in report.warnings)
    copy = _engine(tmp_path / "crm.db")
    _import(copy, EXPORTS / "hubspot", "hubspot")
    with copy.begin() as connection:
        connection.execute(text("UPDATE users SET hire_date = '2026-05-04' WHERE name = 'Jordan Blake'"))
    again = _import(copy, EXPORTS / "hubspot", "hubspot")
    assert again.errors == []
    # a re-import without the column does not erase a hire date set since
    assert rows(copy, "SELECT hire_date FROM users WHERE name = 'Jordan Blake'") == [("2026-05-04",)]
    copy.dispose()


def test_hubspot_deals_answer_the_stalled_and_pipeline_tools(hubspot: tuple[Engine, ImportReport]) -> None:
    repo = repository(*hubspot)
    stalled = stalled_deals(repo, REVOPS, StalledQuery())
    initech = next(d for d in stalled.deals if d.name == "Initech - Analytics")
    assert initech.stage == "Presentation Scheduled"
    assert {Rule.PAST_CLOSE, Rule.NO_ACTIVITY, Rule.STAGE_AGE} <= {f.rule for f in initech.flags}
    pipeline = pipeline_summary(repo, REVOPS, PipelineQuery())
    assert [(g.key, g.count, g.amount) for g in pipeline.groups] == [
        ("Appointment Scheduled", 1, Decimal("0.00")),
        ("Renewal Due", 1, Decimal("13200.00")),
        ("Presentation Scheduled", 1, Decimal("40000.00")),
        ("Contract Sent", 1, Decimal("27000.00")),
    ]
    assert pipeline.groups[0].unknown_amounts == 1
