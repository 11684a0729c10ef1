"""Plans hold together: their history matches the source, and this quarter's figures agree.

* On the Maven export, the East territory plan's year to date and last four quarters equal the
  figures recomputed here from the CSV files with the csv module; no line reads "n/a"; what the
  export lacks (activities, potential, segments, quotas, open-deal amounts) is said once, never
  printed as a table of blanks or as every account failing a rule.
* On the demo data, a territory plan's coverage, forecast and gap are recomputed from the store
  with SQL and agree with each other and with what the document says.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, and_, func, or_, select

from assistant import formatting as fmt
from assistant.plans.chart import with_chart
from assistant.plans.models import TerritoryPlan
from tests.offline.conftest import MAVEN, World, pick_cast
from tools.store.schema import Account, Opportunity, Quota, Role, Territory, User
from tools.viewer import Viewer

CENT = Decimal("0.01")


def _csv(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _quarters(year: int) -> list[tuple[str, str, str]]:
    """(label, first day, first day after) of each quarter of ``year``, ISO dates."""
    starts = [f"{year}-01-01", f"{year}-04-01", f"{year}-07-01", f"{year}-10-01", f"{year + 1}-01-01"]
    return [(f"{year}-Q{i + 1}", starts[i], starts[i + 1]) for i in range(4)]


def _list_prices() -> dict[str, Decimal]:
    """Product list prices by name, spaces ignored (the pipeline writes 'GTXPro' for 'GTX Pro')."""
    return {p["product"].replace(" ", ""): Decimal(p["sales_price"]) for p in _csv("products.csv")}


def _expected(deals: list[dict[str, str]], start: str, end: str, estimated: bool) -> dict[str, object]:
    """Bookings, won, lost and pipeline created of ``deals`` in ``[start, end)``, from the CSV."""
    closed = [d for d in deals if d["deal_stage"] in ("Won", "Lost") and start <= d["close_date"] < end]
    won = [d for d in closed if d["deal_stage"] == "Won"]
    created = [d for d in deals if d["engage_date"] and start <= d["engage_date"] < end]
    # the Maven mapping reads a lost deal's 0 as no amount recorded, like an empty one
    missing = ("", "0") if estimated else ("",)
    unknown = [d for d in created if d["close_value"] in missing]
    amount = sum((Decimal(d["close_value"]) for d in created if d["close_value"] not in missing), Decimal(0))
    if estimated:  # imports that fill a missing amount with the product's list price, marked estimated
        prices = _list_prices()
        amount += sum((prices[d["product"].replace(" ", "")] for d in unknown), Decimal(0))
    return {
        "bookings": _money(sum(Decimal(d["close_value"]) for d in won)),
        "won": len(won),
        "lost": len(closed) - len(won),
        "created": len(created),
        "created_amount": _money(amount),
        "without_amount": 0 if estimated else len(unknown),
    }


def _east_viewer(world: World, who: str) -> tuple[Viewer, set[str]]:
    """The viewer of the East plan and the sales agents whose deals they see (from the CSV)."""
    teams = [t for t in _csv("sales_teams.csv") if t["regional_office"] == "East"]
    if who == "revops":
        # the export names no RevOps user: an unrestricted viewer sees every East agent's deals
        manager = world.viewer(teams[0]["manager"])
        return Viewer(manager.user_id, Role.REVOPS, "RevOps"), {t["sales_agent"] for t in teams}
    manager_name = teams[0]["manager"]
    return world.viewer(manager_name), {t["sales_agent"] for t in teams if t["manager"] == manager_name}


@pytest.mark.parametrize("who", ["manager", "revops"])
def test_the_east_plan_on_maven_shows_the_year_and_four_quarters_of_the_csv(
    maven: World, who: str, tmp_path: Path
) -> None:
    viewer, agents = _east_viewer(maven, who)
    deals = [d for d in _csv("sales_pipeline.csv") if d["sales_agent"] in agents]
    estimated = hasattr(Opportunity, "amount_estimated")
    draft = maven.service.plan_territory(viewer, "East")
    plan = draft.plan
    assert isinstance(plan, TerritoryPlan)
    history, text = plan.facts.history, draft.markdown
    year = maven.repository.as_of.year
    assert maven.repository.as_of == dt.date(2017, 12, 31)
    assert [q.period for q in history.quarters] == [label for label, _, _ in _quarters(year)]
    lines = [*history.quarters, history.year_to_date]
    periods = [(s, e) for _, s, e in _quarters(year)] + [(f"{year}-01-01", f"{year + 1}-01-01")]
    for line, (start, end) in zip(lines, periods, strict=True):
        want = _expected(deals, start, end, estimated)
        got = {
            "bookings": _money(line.bookings.value),
            "won": line.won_deals,
            "lost": line.lost_deals,
            "created": line.deals_created,
            "created_amount": _money(line.pipeline_created.value),
            "without_amount": line.created_without_amount,
        }
        assert got == want, line.period
        assert line.win_rate.value == pytest.approx(
            int(want["won"]) / (int(want["won"]) + int(want["lost"])), abs=5e-5
        )
        # the row is in the document as the plan formats it
        row = f"| {line.period} | {fmt.money(line.bookings.value)} | {line.won_deals} | {line.lost_deals} |"
        assert row in text
    # nothing reads n/a; what the export lacks is said once, not printed as blanks or failing rules
    assert "n/a" not in text
    assert "(not set)" not in text
    assert "no activity in 60 days" not in text
    assert text.count("no activity records") == 1
    assert "## About the data" in text
    assert "amount unknown" in text or estimated
    assert "$0 of open pipeline" not in text
    # key accounts are ranked by what the export has: annual revenue, the largest first
    revenue = {a["account"]: Decimal(a["revenue"]) for a in _csv("accounts.csv")}
    seen = {d["account"] for d in deals if d["account"]}
    key = plan.facts.key_accounts
    assert key.basis == "annual_revenue" and "By annual revenue" in text
    assert key.accounts[0].name == max(seen, key=lambda name: revenue[name])
    assert key.total == len(seen) == plan.facts.summary.accounts.value
    # the chart of the same figures is written and linked
    charted = with_chart(draft, tmp_path / "east.png", "east.png")
    assert (tmp_path / "east.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Bookings, win rate and pipeline created by quarter](east.png)" in charted.markdown
    assert charted.chart == str(tmp_path / "east.png")


def _territory_deals(territory_id: int) -> object:
    """A deal's territory: its account's, else its owner's home territory."""
    home = select(User.territory_id).where(User.id == Opportunity.owner_id).scalar_subquery()
    return or_(
        Account.territory_id == territory_id,
        and_(or_(Account.id.is_(None), Account.territory_id.is_(None)), home == territory_id),
    )


def _deals(connection: Connection, territory_id: int, *where: object) -> list[object]:
    return list(
        connection.execute(
            select(
                Opportunity.amount, Opportunity.probability, Opportunity.is_won, Opportunity.forecast_category
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .where(_territory_deals(territory_id), *where)
        ).all()
    )


def test_a_demo_territory_plans_coverage_forecast_and_gap_agree_with_the_store(demo: World) -> None:
    cast = pick_cast(demo)
    draft = demo.service.plan_territory(cast.revops, cast.territory)
    plan = draft.plan
    assert isinstance(plan, TerritoryPlan)
    as_of = demo.repository.as_of
    start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    end = dt.date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
    label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    with demo.engine.connect() as connection:
        tid = connection.execute(select(Territory.id).where(Territory.name == cast.territory)).scalar_one()
        quota = _money(
            connection.execute(
                select(func.sum(Quota.amount))
                .join(User, User.id == Quota.user_id)
                .where(User.territory_id == tid, Quota.period == label)
            ).scalar_one()
        )
        won = _deals(
            connection, tid, Opportunity.is_won, Opportunity.closed_at >= start, Opportunity.closed_at < end
        )
        due = _deals(
            connection,
            tid,
            ~Opportunity.is_closed,
            Opportunity.close_date >= start,
            Opportunity.close_date < end,
        )
        every_open = _deals(connection, tid, ~Opportunity.is_closed)
        last_year = _deals(
            connection,
            tid,
            Opportunity.is_closed,
            Opportunity.closed_at >= as_of - dt.timedelta(days=364),
            Opportunity.closed_at <= as_of,
        )
    booked = _money(sum(Decimal(str(d.amount)) for d in won))
    due_total = _money(sum(Decimal(str(d.amount)) for d in due))
    weighted = sum(Decimal(str(d.amount)) * Decimal(str(d.probability or 0)) for d in due)
    o = plan.facts.outlook
    assert o.period == label and quota > 0
    assert _money(o.quota.value) == quota
    assert _money(o.won.value) == booked
    assert _money(o.pipeline_due.value) == due_total
    assert sum(_money(c.value) for c in o.categories.values()) == due_total
    # coverage = pipeline due in the quarter / the quarter's quota still to win
    assert o.coverage.value == pytest.approx(float(due_total / (quota - booked)), abs=1e-4)
    assert o.attainment.value == pytest.approx(float(booked / quota), abs=1e-4)
    # forecast = won + weighted pipeline due; gap = quota - forecast; they agree with each other
    assert _money(o.forecast.value) == pytest.approx(booked + weighted, abs=Decimal(1))
    assert _money(o.gap.value) == quota - _money(o.forecast.value)
    assert o.forecast_attainment.value == pytest.approx(float(_money(o.forecast.value) / quota), abs=1e-4)
    text = draft.markdown
    gap = _money(o.gap.value)
    if gap > 0:
        assert f"{fmt.money(gap)} short" in text
        assert any("short of quota" in r.risk for r in plan.risks)
    else:
        assert f"{fmt.money(-gap)} above quota" in text
        assert not any("short of quota" in r.risk for r in plan.risks)
    # each figure names its period; all open pipeline is not passed off as the quarter's
    assert f"Open pipeline due in {label} is {fmt.money(due_total)}" in plan.summary
    still = fmt.money(o.remaining_quota.value)
    assert (
        f"{fmt.multiple(o.coverage.value)} coverage of the {still} of {label} quota still to win"
        in plan.summary
    )
    open_total = _money(sum(Decimal(str(d.amount)) for d in every_open if d.amount is not None))
    assert f"whatever its close date: {fmt.money(open_total)} on" in text
    assert "coverage of the remaining quota" not in text
    # no goal's target is the whole open pipeline; next quarter's pipeline goal is quota / win rate
    for goal in plan.objectives:
        assert _money(goal.target.value) != open_total
    trailing = plan.facts.history.trailing
    wins = sum(1 for d in last_year if d.is_won)
    assert trailing.win_rate.value == pytest.approx(wins / len(last_year), abs=5e-5)
    pipeline_goal = next((g for g in plan.objectives if g.theme == "build next quarter's pipeline"), None)
    if pipeline_goal is not None and plan.facts.next_outlook.quota.value:
        needed = _money(plan.facts.next_outlook.quota.value) / Decimal(str(trailing.win_rate.value))
        assert _money(pipeline_goal.target.value) == _money(needed)
        assert "win rate over" in pipeline_goal.target.formula and pipeline_goal.target.formula in text
