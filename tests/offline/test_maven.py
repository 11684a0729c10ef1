"""The same intents on the public Maven CRM export, with every expected figure computed here from
the CSV files (``sales_pipeline.csv``, ``sales_teams.csv``, ``accounts.csv``).

In the export a deal's ``close_date`` is the day it was won or lost; ``Prospecting`` and
``Engaging`` deals are open (they have no amount: the import estimates it as the product's list
price in ``products.csv``); a manager sees their own team only.
"""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import pytest

from assistant import formatting as fmt
from tests.offline.conftest import MAVEN, World
from tools.store.schema import Role
from tools.viewer import Viewer

OPEN = ("Prospecting", "Engaging")


@dataclass(frozen=True)
class Deal:
    agent: str
    product: str
    account: str
    stage: str
    close_date: str
    value: Decimal | None


class Export:
    """The Maven CSV files, read with nothing but the csv module."""

    @cached_property
    def deals(self) -> list[Deal]:
        with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8-sig") as handle:
            return [
                Deal(
                    r["sales_agent"],
                    r["product"],
                    r["account"],
                    r["deal_stage"],
                    r["close_date"],
                    Decimal(r["close_value"]) if r["close_value"] else None,
                )
                for r in csv.DictReader(handle)
            ]

    @cached_property
    def list_prices(self) -> dict[str, Decimal]:
        """product -> sales_price, also under the spelling the pipeline uses for GTX Pro."""
        with (MAVEN / "products.csv").open(newline="", encoding="utf-8-sig") as handle:
            prices = {r["product"]: Decimal(r["sales_price"]) for r in csv.DictReader(handle)}
        return {**prices, "GTXPro": prices["GTX Pro"]}

    @cached_property
    def teams(self) -> dict[str, tuple[str, str]]:
        """agent -> (manager, office)"""
        with (MAVEN / "sales_teams.csv").open(newline="", encoding="utf-8-sig") as handle:
            return {r["sales_agent"]: (r["manager"], r["regional_office"]) for r in csv.DictReader(handle)}

    @cached_property
    def accounts(self) -> dict[str, dict[str, str]]:
        with (MAVEN / "accounts.csv").open(newline="", encoding="utf-8-sig") as handle:
            return {r["account"]: r for r in csv.DictReader(handle)}

    def closed_in(self, agents: set[str], year: str) -> list[Deal]:
        return [
            d
            for d in self.deals
            if d.agent in agents and d.stage in ("Won", "Lost") and d.close_date[:4] == year
        ]

    def team_of(self, manager: str) -> set[str]:
        return {a for a, (m, _) in self.teams.items() if m == manager}

    def office(self, name: str) -> set[str]:
        return {a for a, (_, o) in self.teams.items() if o == name}


@pytest.fixture(scope="module")
def export() -> Export:
    return Export()


@pytest.fixture(scope="module")
def star(export: Export) -> str:
    """The agent who won the most in 2017 (whoever that is in the file)."""
    won: dict[str, Decimal] = defaultdict(Decimal)
    for deal in export.deals:
        if deal.stage == "Won" and deal.close_date.startswith("2017"):
            won[deal.agent] += deal.value or 0
    return max(won, key=lambda agent: (won[agent], agent))


def _bookings(deals: list[Deal]) -> tuple[Decimal, int, int]:
    won = [d for d in deals if d.stage == "Won"]
    return sum((d.value or Decimal(0) for d in won), Decimal(0)), len(won), len(deals) - len(won)


def test_an_agents_won_revenue_and_win_rate(maven: World, export: Export, star: str) -> None:
    manager = maven.viewer(export.teams[star][0])
    booked, won, lost = _bookings(export.closed_in({star}, "2017"))
    answer = maven.ask(manager, f"How much did {star} win in 2017?")
    assert [c.name for c in answer.tool_calls] == ["rep_performance"]
    # the export keys people by name: the name is the source id, shown once
    assert f"**{star} booked {fmt.money(booked)} in 2017**" in answer.answer
    assert [r.external_id for r in answer.records if r.id.startswith("user/")][:1] == [star]
    assert f"win rate {fmt.percent(Decimal(won) / (won + lost))}" in answer.answer
    assert f"({won:,} won, {lost:,} lost)" in answer.answer


def test_an_offices_win_rate(maven: World, export: Export, star: str) -> None:
    office = export.teams[star][1]
    agents = export.office(office)
    booked, won, lost = _bookings(export.closed_in(agents, "2017"))
    everyone = Viewer(user_id=0, role=Role.REVOPS, name="RevOps Analyst")
    answer = maven.ask(everyone, f"How is the {office} office doing in 2017?")
    assert {c.args["rep"] for c in answer.tool_calls} == agents
    total = f"**All {len(agents)} reps together**: {fmt.money(booked)} booked"
    assert total in answer.answer
    assert (
        f"win rate {fmt.percent(Decimal(won) / (won + lost))} ({won:,} won, {lost:,} lost)" in answer.answer
    )


def test_a_managers_open_deals_and_stalled_share(maven: World, export: Export, star: str) -> None:
    manager_name = export.teams[star][0]
    team = export.team_of(manager_name)
    open_deals = [d for d in export.deals if d.agent in team and d.stage in OPEN]
    manager = maven.viewer(manager_name)
    pipeline = maven.ask(manager, "what's in our pipeline?")
    assert all(d.value is None for d in open_deals)  # every amount is an estimate: the list price
    amount = sum((export.list_prices[d.product] for d in open_deals), Decimal(0))
    shown = f"open pipeline is {fmt.money(amount)} (estimated) across {len(open_deals)} deals"
    assert shown in pipeline.answer
    assert "Amounts marked estimated are the product's list price" in pipeline.answer
    stalled = maven.ask(manager, "which deals are stalled?")
    assert f"of your team's {len(open_deals)} open deals" in stalled.answer
    assert "Not checked:" in stalled.answer  # the export has no activities, history or next steps


def test_possessive_first_name_and_product_filter(maven: World, export: Export, star: str) -> None:
    manager = maven.viewer(export.teams[star][0])
    first = star.split()[0]
    mine = [d for d in export.deals if d.agent == star and d.stage in OPEN]
    answer = maven.ask(manager, f"What's {first}'s pipeline?")
    assert answer.tool_calls[0].args == {"owner": star}
    assert f"{star}'s open pipeline is" in answer.answer and f"across {len(mine)} deals" in answer.answer
    team = export.team_of(export.teams[star][0])
    gtx_pro = [
        d for d in export.deals if d.agent in team and d.stage in OPEN and d.product in ("GTX Pro", "GTXPro")
    ]
    products = maven.ask(manager, "GTX Pro deals")
    assert products.tool_calls[0].args == {"product": "GTX Pro"}
    assert f"across {len(gtx_pro)} deals" in products.answer


def test_an_account_profile_from_the_export(maven: World, export: Export, star: str) -> None:
    manager_name = export.teams[star][0]
    team = export.team_of(manager_name)
    account = sorted({d.account for d in export.deals if d.agent in team and d.account in export.accounts})[0]
    row = export.accounts[account]
    answer = maven.ask(maven.viewer(manager_name), f"tell me about {account}")
    assert answer.tool_calls[0].args == {"account": account}
    assert f"employees: {int(row['employees']):,}" in answer.answer
    assert f"Annual revenue: {fmt.money(Decimal(row['revenue']) * 1_000_000)}" in answer.answer


def test_a_team_forecast_for_a_year(maven: World, export: Export, star: str) -> None:
    manager_name = export.teams[star][0]
    booked, _, _ = _bookings(export.closed_in(export.team_of(manager_name), "2017"))
    answer = maven.ask(maven.viewer(manager_name), "forecast for 2017")
    # the year is not over and no open deal has a close date: what is won so far, and that the open
    # deals cannot be placed in it
    first = answer.answer.splitlines()[0]
    assert f"closed won so far: {fmt.money(booked)}" in first and "has a close date" in first
    assert "no quota is set" in answer.answer


def test_a_follow_up_chain_on_the_export(maven: World, export: Export, star: str) -> None:
    manager_name = export.teams[star][0]
    others = sorted(export.team_of(manager_name) - {star})
    other = next(o for o in others if sum(1 for a in export.teams if a.split()[0] == o.split()[0]) == 1)
    booked, _, _ = _bookings(export.closed_in({other}, "2017"))
    manager, thread = maven.viewer(manager_name), uuid.uuid4().hex[:8]
    maven.ask(manager, f"How much did {star} win in 2017?", thread)
    second = maven.ask(manager, f"what about {other.split()[0]}?", thread)
    assert second.tool_calls[0].args == {"rep": other, "period": "2017"}
    assert f"booked {fmt.money(booked)} in 2017" in second.answer
    third = maven.ask(manager, "and their open deals?", thread)
    assert third.tool_calls[0].name == "pipeline_summary" and third.tool_calls[0].args["owner"] == other


def test_another_offices_agent_is_unknown(maven: World, export: Export, star: str) -> None:
    office = export.teams[star][1]
    outsider = next(m for a, (m, o) in sorted(export.teams.items()) if o != office)
    answer = maven.ask(maven.viewer(outsider), f"What's {star.split()[0]}'s pipeline?")
    assert "no person named" in answer.answer


def test_account_facts_and_purchases_come_from_the_export(maven: World) -> None:
    """A subsidiary's employees, parent and founding year as accounts.csv has them; what it bought
    as its won deals in sales_pipeline.csv."""
    with (MAVEN / "accounts.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["subsidiary_of"])
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, f"how many employees does {row['account']} have and who is the parent?")
    assert [c.name for c in answer.tool_calls] == ["account_facts"]
    assert f"{int(row['employees']):,}" in answer.answer and row["subsidiary_of"] in answer.answer
    assert row["year_established"] in answer.answer
    with (MAVEN / "sales_pipeline.csv").open(newline="") as handle:
        won = [
            r for r in csv.DictReader(handle) if r["account"] == row["account"] and r["deal_stage"] == "Won"
        ]
    bought = maven.ask(revops, f"what has {row['account']} bought from us?")
    assert [c.name for c in bought.tool_calls] == ["account_purchases"]
    assert fmt.money(sum(Decimal(r["close_value"]) for r in won)) in bought.answer


def test_the_export_s_own_stage_name_is_a_stage_not_a_stall_rule(maven: World) -> None:
    """Maven's "Engaging" contains "aging": asked about deals in it, the answer is the stage's pipeline."""
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "how many deals are in Engaging?")
    assert [(c.name, c.args.get("stage")) for c in answer.tool_calls] == [("pipeline_summary", "Engaging")]


def test_a_breakdown_the_export_cannot_give_and_a_member_it_does_not_have_are_said(maven: World) -> None:
    """Maven records no loss reasons and no commit deals: a line says so, not a one-row table."""
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    why = maven.ask(revops, "how many deals did we lose in Q2 and why?")
    assert "records no loss reason" in why.answer and "(no reason recorded)" not in why.answer
    commit = maven.ask(revops, "what % of pipeline is in commit?")
    assert "commit: none of the total" in commit.answer


def test_a_series_is_a_product_family_and_its_won_revenue_is_the_exports(
    maven: World, export: Export
) -> None:
    """ "the MG series vs GTX": two product families side by side, each the sum of its products' wins
    (the export names families only through product names, so they are read from products.csv)."""
    with (MAVEN / "products.csv").open(newline="", encoding="utf-8-sig") as handle:
        series = {r["product"]: r["series"] for r in csv.DictReader(handle)}
    series.setdefault("GTXPro", series.get("GTX Pro", "GTX"))
    won: dict[str, Decimal] = defaultdict(Decimal)
    for deal in export.deals:
        if deal.stage == "Won" and deal.value is not None:
            won[series[deal.product]] += deal.value
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    answer = maven.ask(revops, "bookings from the MG series vs GTX in 2017")
    call = answer.tool_calls[0]
    assert call.args["group_by"] == "product_family"
    for family in ("MG", "GTX"):
        assert fmt.money(won[family]) in answer.answer, family


def test_a_deal_of_the_threads_account_then_it(maven: World, export: Export, star: str) -> None:
    """ "tell me about X", "the GTX Pro one", "when did it close?": the deal at that account, then it."""
    mine = [d for d in export.deals if d.agent == star and d.product != "GTXPro"]
    pairs = defaultdict(int)
    for d in mine:
        pairs[d.account, d.product] += 1
    deal = next(d for d in mine if d.stage == "Won" and pairs[d.account, d.product] == 1)
    viewer = maven.viewer(star)
    t = uuid.uuid4().hex[:10]
    maven.ask(viewer, f"tell me about {deal.account}", t)
    picked = maven.ask(viewer, f"the {deal.product} one", t)
    assert picked.tool_calls[0].name == "deal_details"
    assert f"{deal.account} - {deal.product}" in picked.answer.splitlines()[0]
    again = maven.ask(viewer, "when did it close", t)
    assert [c.name for c in again.tool_calls] == ["deal_details"]


def test_an_industry_is_read_in_short_form_and_despite_the_datas_own_typo(
    maven: World, export: Export
) -> None:
    """The export spells its technology sector its own way: "tech accounts" and "technology deals"
    still mean it, and the count is the export's."""
    industries = {row["sector"] for row in export.accounts.values()}
    [tech] = [value for value in industries if value.startswith("tech")]
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    short = maven.ask(revops, "how many tech accounts do we have")
    assert [(c.name, c.args.get("industry")) for c in short.tool_calls] == [("search_accounts", tech)]
    count = sum(1 for row in export.accounts.values() if row["sector"] == tech)
    assert f"{count} accounts match" in short.answer
    rate = maven.ask(revops, "win rate for technology deals in 2017")
    assert rate.tool_calls[0].args.get("industry") == tech


def test_a_deal_asked_for_by_its_id_in_the_export(maven: World, star: str) -> None:
    """ "status of deal 4XLLUO6J": the export's own opportunity id finds the deal."""
    with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if r["sales_agent"] == star and r["deal_stage"] == "Won")
    agent = maven.viewer(star)
    for question in (
        f"status of deal {row['opportunity_id']}",
        f"what's going on with #{row['opportunity_id']}",
    ):
        answer = maven.ask(agent, question)
        assert [(c.name, c.args) for c in answer.tool_calls] == [
            ("deal_details", {"deal": row["opportunity_id"]})
        ]
        assert row["account"] in answer.answer and "won" in answer.answer


def test_a_forecast_by_rep_without_quotas_or_commit_shows_no_empty_columns(
    maven: World, export: Export
) -> None:
    """The export has no quotas and no deal in commit: no column of $0 or "no quota"."""
    manager = sorted({m for m, _ in export.teams.values()})[0]
    answer = maven.ask(maven.viewer(manager), "forecast by rep")
    assert {c.name for c in answer.tool_calls} == {"forecast"} and len(answer.tool_calls) > 1
    assert "| Rep | Closed won |\n" in answer.answer and "most closed won first" in answer.answer
    assert "| Quota |" not in answer.answer and "| Commit |" not in answer.answer
