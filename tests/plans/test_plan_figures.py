"""Every section of a drafted plan is there, and its figures equal an independent computation.

The independent figures are computed here with SQL straight over the tables (and, for the Maven
export, from its CSV files), not through the tools the plans are built from.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import Connection, and_, func, select

from assistant import formatting as fmt
from assistant.plans.models import AccountPlan, TerritoryPlan
from tests.offline.conftest import MAVEN, World, pick_cast
from tools.store.schema import Account, AccountProduct, Activity, Opportunity, Quota, Role, User
from tools.viewer import Viewer

ACCOUNT_SECTIONS = [
    "Summary",
    "Account",
    "History: year to date and the last four quarters",
    "Relationship map",
    "Products and whitespace",
    "Open opportunities",
    "Engagement",
    "Objectives for the next two quarters",
    "Action plan",
    "Risks and mitigations",
    "Playbook references",
]
TERRITORY_SECTIONS = [
    "Summary",
    "Territory",
    "Performance: year to date and the last four quarters",
    "Pipeline and forecast",
    "Key accounts",
    "Coverage",
    "Stalled deals to act on",
    "Reps: scorecard and balance",
    "Rebalancing",
    "SMART goals",
    "Action plan by rep",
    "Risks and mitigations",
    "Playbook references",
]


def _sections(markdown: str) -> list[str]:
    """The section headings, without their period and without "About the data" (present only when
    the data lacks something)."""
    found = [line[3:].split(" (")[0] for line in markdown.splitlines() if line.startswith("## ")]
    return [name for name in found if name != "About the data"]


def _team(connection: Connection, manager_id: int) -> set[int]:
    team, frontier = {manager_id}, {manager_id}
    while frontier:
        frontier = (
            set(connection.execute(select(User.id).where(User.manager_id.in_(frontier))).scalars()) - team
        )
        team |= frontier
    return team


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def test_account_plan_on_demo_data_matches_sql(demo: World) -> None:
    cast = pick_cast(demo)
    draft = demo.service.plan_account(cast.rep, cast.account)
    plan = draft.plan
    assert isinstance(plan, AccountPlan)
    assert _sections(draft.markdown) == ACCOUNT_SECTIONS
    facts = plan.facts
    as_of = demo.repository.as_of
    with demo.engine.connect() as connection:
        account_id = connection.execute(select(Account.id).where(Account.name == cast.account)).scalar_one()
        open_rows = connection.execute(
            select(Opportunity.id, Opportunity.amount, Opportunity.close_date).where(
                Opportunity.account_id == account_id,
                ~Opportunity.is_closed,
                Opportunity.owner_id == cast.rep.user_id,
            )
        ).all()
        arr = connection.execute(
            select(func.sum(AccountProduct.arr)).where(
                AccountProduct.account_id == account_id, AccountProduct.status == "active"
            )
        ).scalar_one()
        since = dt.datetime.combine(as_of - dt.timedelta(days=90), dt.time(), dt.UTC)
        recent = connection.execute(
            select(func.count(Activity.id)).where(
                Activity.account_id == account_id,
                Activity.owner_id == cast.rep.user_id,
                Activity.occurred_at >= since,
            )
        ).scalar_one()
    assert facts.account.name == cast.account
    assert _money(facts.open_pipeline.value) == _money(sum(r.amount or 0 for r in open_rows))
    assert _money(facts.active_arr.value) == _money(arr)
    assert facts.engagement.recent.value == recent
    assert {d.deal.id for d in facts.open_deals} == {f"opportunity/{r.id}" for r in open_rows}
    # the pipeline objective's target is what the trailing win rate says the open pipeline due by
    # the end of next quarter brings (the account's rate with five closed deals and a win, else the rep's)
    due = [r for r in open_rows if r.close_date is None or r.close_date <= facts.horizon.next_quarter_end]
    since = as_of - dt.timedelta(days=364)
    with demo.engine.connect() as connection:
        closed = connection.execute(
            select(Opportunity.account_id, Opportunity.is_won).where(
                Opportunity.owner_id == cast.rep.user_id,
                Opportunity.is_closed,
                Opportunity.closed_at >= since,
                Opportunity.closed_at <= as_of,
            )
        ).all()
    on_account = [c for c in closed if c.account_id == account_id]
    basis = on_account if len(on_account) >= 5 and any(c.is_won for c in on_account) else closed
    rate = round(sum(1 for c in basis if c.is_won) / len(basis), 4)
    total = sum((Decimal(str(r.amount)) for r in due if r.amount is not None), Decimal(0))
    pipeline_goal = next(o for o in plan.objectives if o.measure.startswith("bookings from"))
    assert _money(pipeline_goal.target.value) == _money(total * Decimal(str(rate)))
    assert _money(pipeline_goal.target.value) < _money(total)  # never the whole pipeline
    assert fmt.money(pipeline_goal.target.value) in draft.markdown
    # a cross-sell opportunity is aimed at a deal size, never at the probability-weighted estimate
    for goal in plan.objectives:
        assert not goal.target.name.startswith("Expected")
        assert goal.target.formula in draft.markdown
    # every open deal and every action's record is in the document, and only the rep's deals are cited
    for row in open_rows:
        assert f"opportunity/{row.id}" in draft.citations
    for action in plan.actions:
        assert action.owner and action.due >= as_of
        assert action.link is None or action.link in draft.citations
    cited = {int(c.split("/")[1]) for c in draft.citations if c.startswith("opportunity/")}
    with demo.engine.connect() as connection:
        owners = set(
            connection.execute(select(Opportunity.owner_id).where(Opportunity.id.in_(cited))).scalars()
        )
    assert owners <= {cast.rep.user_id}
    assert draft.model == "offline" and draft.fallback_reason is None


def _quarter(as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    first = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    end = dt.date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    return first, end, f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def test_territory_plan_for_a_managers_team_on_demo_data_matches_sql(demo: World) -> None:
    cast = pick_cast(demo)
    draft = demo.service.plan_territory(cast.manager, "my team")
    plan = draft.plan
    assert isinstance(plan, TerritoryPlan)
    assert _sections(draft.markdown) == TERRITORY_SECTIONS
    facts = plan.facts
    start, end, label = _quarter(demo.repository.as_of)
    with demo.engine.connect() as connection:
        team = _team(connection, cast.manager.user_id)
        territories = set(
            connection.execute(select(User.territory_id).where(User.id.in_(team))).scalars()
        ) - {None}
        accounts = connection.execute(
            select(func.count(Account.id)).where(Account.territory_id.in_(territories))
        ).scalar_one()
        in_book = and_(
            Opportunity.owner_id.in_(team),
            Opportunity.account_id.in_(select(Account.id).where(Account.territory_id.in_(territories))),
        )
        won = connection.execute(
            select(func.sum(Opportunity.amount)).where(
                in_book, Opportunity.is_won, Opportunity.closed_at >= start, Opportunity.closed_at < end
            )
        ).scalar_one()
        closed = connection.execute(
            select(func.count(Opportunity.id)).where(
                in_book, Opportunity.is_closed, Opportunity.closed_at >= start, Opportunity.closed_at < end
            )
        ).scalar_one()
        won_count = connection.execute(
            select(func.count(Opportunity.id)).where(
                in_book, Opportunity.is_won, Opportunity.closed_at >= start, Opportunity.closed_at < end
            )
        ).scalar_one()
        created = connection.execute(
            select(func.sum(Opportunity.amount)).where(
                in_book, Opportunity.created_at >= start, Opportunity.created_at < end
            )
        ).scalar_one()
        quota = connection.execute(
            select(func.sum(Quota.amount))
            .join(User, User.id == Quota.user_id)
            .where(User.territory_id.in_(territories), User.id.in_(team), Quota.period == label)
        ).scalar_one()
        reps = connection.execute(
            select(func.count(User.id)).where(
                User.id.in_(team), User.role == Role.REP.value, User.territory_id.in_(territories)
            )
        ).scalar_one()
    quarter = facts.history.quarters[-1]
    assert {int(t.id.split("/")[1]) for t in facts.scope.territories} == territories
    assert facts.summary.accounts.value == accounts
    assert _money(facts.outlook.won.value) == _money(won) == _money(quarter.bookings.value)
    assert _money(facts.outlook.quota.value) == _money(quota)
    assert _money(quarter.pipeline_created.value) == _money(created)
    assert quarter.win_rate.value == pytest.approx(won_count / closed, abs=5e-5)
    assert len(facts.reps) == len(facts.focus) == reps
    # the headline figures appear in the document as the planner formats them
    for figure in (facts.outlook.won, facts.outlook.quota, quarter.pipeline_created, quarter.win_rate):
        assert fmt.figure(figure) in draft.markdown
    # the rebalancing section proposes moves among the team's own reps, of the team's own accounts
    proposal = facts.rebalance
    assert proposal is not None and proposal.status in ("proposed", "balanced", "infeasible")
    with demo.engine.connect() as connection:
        moved = [int(m.id.split("/")[1]) for m in proposal.moves]
        homes = set(connection.execute(select(Account.territory_id).where(Account.id.in_(moved))).scalars())
    assert homes <= territories
    assert {m.to_id for m in proposal.moves} <= {r.rep_id for r in facts.reps}
    for move in proposal.moves:
        assert move.id in draft.citations
    # the team's new hire is balanced toward their ramped share, and the plan says so
    assert proposal.ramping and {r.id for r in proposal.ramping} <= {r.rep_id for r in facts.reps}
    for ramping in proposal.ramping:
        said = f"{ramping.name} {fmt.percent(ramping.share)} (hired {ramping.hire_date}"
        assert said in draft.markdown
    # one action block per rep with something to act on; each action links a record
    owners = {a.owner for a in plan.actions}
    assert owners <= {r.rep for r in facts.reps}
    assert all(a.link for a in plan.actions)


def _maven_csv(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _maven_viewer(world: World, name: str) -> Viewer:
    return world.viewer(name)


def test_territory_plan_for_central_by_its_manager_matches_the_maven_csv(maven: World) -> None:
    teams = _maven_csv("sales_teams.csv")
    manager = next(t["manager"] for t in teams if t["regional_office"] == "Central")
    agents = {t["sales_agent"] for t in teams if t["manager"] == manager}
    deals = [d for d in _maven_csv("sales_pipeline.csv") if d["sales_agent"] in agents]
    q4 = [d for d in deals if d["close_date"].startswith("2017-1") and d["deal_stage"] in ("Won", "Lost")]
    q4 = [d for d in q4 if d["close_date"] >= "2017-10-01"]
    won = [d for d in q4 if d["deal_stage"] == "Won"]
    accounts = {d["account"] for d in deals if d["account"]}

    draft = maven.service.plan_territory(_maven_viewer(maven, manager), "Central")
    plan = draft.plan
    assert isinstance(plan, TerritoryPlan)
    assert _sections(draft.markdown) == TERRITORY_SECTIONS
    facts = plan.facts
    quarter = facts.history.quarters[-1]
    assert facts.scope.label == "Central"
    assert _money(quarter.bookings.value) == _money(sum(Decimal(d["close_value"]) for d in won))
    assert quarter.win_rate.value == pytest.approx(len(won) / len(q4), abs=5e-5)
    assert facts.summary.accounts.value == len(accounts)
    assert {r.rep for r in facts.reps} == agents
    assert "no quota is recorded" in plan.summary
    assert fmt.figure(quarter.bookings) in draft.markdown


def test_account_plan_on_maven_lists_the_agents_open_deals(maven: World) -> None:
    deals = _maven_csv("sales_pipeline.csv")
    by_pair: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for deal in deals:
        if deal["account"] and deal["deal_stage"] in ("Prospecting", "Engaging"):
            by_pair[(deal["sales_agent"], deal["account"])].append(deal)
    (agent, account), open_deals = max(by_pair.items(), key=lambda item: (len(item[1]), item[0]))
    draft = maven.service.plan_account(_maven_viewer(maven, agent), account)
    plan = draft.plan
    assert isinstance(plan, AccountPlan)
    assert _sections(draft.markdown) == ACCOUNT_SECTIONS
    assert len(plan.facts.open_deals) == len(open_deals)
    ids = [int(d.deal.id.split("/")[1]) for d in plan.facts.open_deals]
    with maven.engine.connect() as connection:
        external = set(
            connection.execute(select(Opportunity.external_id).where(Opportunity.id.in_(ids))).scalars()
        )
    assert external == {d["opportunity_id"] for d in open_deals}
