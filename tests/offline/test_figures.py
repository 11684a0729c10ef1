"""The figures in the answers, on the demo data: each expected value is worked out here with plain
SQL over the tables (or, for rule-based results such as stalled flags, by calling the tool
function directly) and must appear, formatted for people, in the answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, func, select

from assistant import formatting as fmt
from tests.offline.conftest import Cast, World
from tools.accounts.whitespace import WhitespaceInput, account_whitespace
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.metrics import METRICS
from tools.store.schema import Account, Contact, Opportunity, Quota, Territory, User


def quarter(day: dt.date, offset: int = 0) -> tuple[dt.date, dt.date, str]:
    index = day.year * 4 + (day.month - 1) // 3 + offset
    year, q = divmod(index, 4)
    start = dt.date(year, q * 3 + 1, 1)
    end = dt.date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
    return start, end, f"{year}-Q{q + 1}"


def team(world: World, manager_id: int) -> list[int]:
    with world.engine.connect() as connection:
        members, frontier = {manager_id}, {manager_id}
        while frontier:
            frontier = set(connection.execute(select(User.id).where(User.manager_id.in_(frontier))).scalars())
            frontier -= members
            members |= frontier
    return sorted(members)


def test_stalled_deals_count_amount_and_advice(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        open_deals = connection.execute(
            select(func.count()).where(Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
        ).scalar_one()
    expected = stalled_deals(demo.repository, cast.rep, StalledQuery(limit=5))
    answer = demo.ask(cast.rep, "Which of my deals are stalled?")
    flagged = int(expected.flagged.value or 0)
    verb = "is" if flagged == 1 else "are"  # how many the rules flag depends on the stored win scores
    assert f"**{flagged} of your {open_deals} open deals {verb} stalled or at risk**" in answer.answer
    assert fmt.money(expected.flagged_amount.value) in answer.answer
    first = expected.deals[0]
    assert demo.shown(first.name, first.id) in answer.answer
    assert first.flags[0].evidence in answer.answer
    assert first.flags[0].playbook in answer.answer and first.flags[0].playbook in answer.citations


def test_pipeline_by_stage_for_the_team_this_quarter(demo: World, cast: Cast) -> None:
    start, end, label = quarter(demo.repository.as_of)
    owners = team(demo, cast.manager.user_id)
    with demo.engine.connect() as connection:
        rows = connection.execute(
            select(Opportunity.stage, func.count(), func.sum(Opportunity.amount))
            .where(
                Opportunity.owner_id.in_(owners),
                ~Opportunity.is_closed,
                Opportunity.close_date >= start,
                Opportunity.close_date < end,
            )
            .group_by(Opportunity.stage)
        ).all()
    answer = demo.ask(cast.manager, "what's our pipeline by stage this quarter?")
    total = sum((Decimal(r[2] or 0) for r in rows), Decimal(0))
    deals = sum(r[1] for r in rows)
    assert f"open pipeline closing in {label} is {fmt.money(total)} across {deals} deals" in answer.answer
    for stage, count, amount in rows:
        assert f"{stage}: {fmt.plural(count, 'deal')}, {fmt.money(amount)}" in answer.answer


def test_team_forecast_against_quota(demo: World, cast: Cast) -> None:
    start, end, label = quarter(demo.repository.as_of)
    owners = team(demo, cast.manager.user_id)
    with demo.engine.connect() as connection:
        won = connection.execute(
            select(func.coalesce(func.sum(Opportunity.amount), 0)).where(
                Opportunity.owner_id.in_(owners),
                Opportunity.is_won,
                Opportunity.closed_at >= start,
                Opportunity.closed_at < end,
            )
        ).scalar_one()
        quota = connection.execute(
            select(func.sum(Quota.amount)).where(Quota.user_id.in_(owners), Quota.period == label)
        ).scalar_one()
    assert quota, "the demo data sets quarterly quotas"
    answer = demo.ask(cast.manager, "what's the team forecast this quarter?")
    ratio = Decimal(won or 0) / Decimal(str(quota))
    assert (
        f"{fmt.money(won)} closed won against a {fmt.money(quota)} quota ({fmt.percent(ratio)}"
        in answer.answer
    )


def test_rep_bookings_and_win_rate_last_quarter(demo: World, cast: Cast) -> None:
    start, end, label = quarter(demo.repository.as_of, -1)
    closed = and_(
        Opportunity.owner_id == cast.rep.user_id,
        Opportunity.is_closed,
        Opportunity.closed_at >= start,
        Opportunity.closed_at < end,
    )
    with demo.engine.connect() as connection:
        won, bookings = connection.execute(
            select(func.count(), func.coalesce(func.sum(Opportunity.amount), 0)).where(
                closed, Opportunity.is_won
            )
        ).one()
        lost = connection.execute(select(func.count()).where(closed, ~Opportunity.is_won)).scalar_one()
    answer = demo.ask(cast.manager, f"How much did {cast.rep.name} win last quarter?")
    assert f"booked {fmt.money(bookings)} in {label}**" in answer.answer
    assert f"win rate {fmt.percent(Decimal(won) / Decimal(won + lost))}" in answer.answer
    assert f"({won} won, {lost} lost)" in answer.answer


def test_team_scorecards_and_total(demo: World, cast: Cast) -> None:
    start, end, _ = quarter(demo.repository.as_of)
    with demo.engine.connect() as connection:
        reps = connection.execute(
            select(User.id, User.name).where(User.manager_id == cast.manager.user_id, User.role == "rep")
        ).all()
        booked = {
            rid: Decimal(amount or 0)
            for rid, amount in connection.execute(
                select(Opportunity.owner_id, func.sum(Opportunity.amount))
                .where(
                    Opportunity.owner_id.in_([r.id for r in reps]),
                    Opportunity.is_won,
                    Opportunity.closed_at >= start,
                    Opportunity.closed_at < end,
                )
                .group_by(Opportunity.owner_id)
            )
        }
    answer = demo.ask(cast.manager, "how is my team doing this quarter?")
    assert len([c for c in answer.tool_calls if c.name == "rep_performance"]) == len(reps)
    for rep in reps:
        shown = demo.shown(rep.name, f"user/{rep.id}")
        assert f"{shown}: {fmt.money(booked.get(rep.id, 0))} booked" in answer.answer
    total = sum(booked.values(), Decimal(0))
    assert f"**All {len(reps)} reps together**: {fmt.money(total)} booked" in answer.answer
    leader = max(reps, key=lambda r: (booked.get(r.id, Decimal(0)), -r.id))
    assert answer.answer.startswith("**Leading") and leader.name in answer.answer.splitlines()[0]


def test_largest_deals_in_order(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        top = connection.execute(
            select(Opportunity.id, Opportunity.name, Opportunity.amount)
            .where(Opportunity.owner_id == cast.rep.user_id, ~Opportunity.is_closed)
            .order_by(Opportunity.amount.desc(), Opportunity.id)
            .limit(3)
        ).all()
    answer = demo.ask(cast.rep, "my 3 biggest deals")
    lines = [line for line in answer.answer.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    for line, deal in zip(lines, top, strict=True):
        assert line.startswith(
            f"- {demo.shown(deal.name, f'opportunity/{deal.id}')}: {fmt.money(deal.amount)}"
        )


def test_account_profile_pipeline_and_buying_committee(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        account_id = connection.execute(select(Account.id).where(Account.name == cast.account)).scalar_one()
        count, amount = connection.execute(
            select(func.count(), func.sum(Opportunity.amount)).where(
                Opportunity.account_id == account_id,
                Opportunity.owner_id == cast.rep.user_id,
                ~Opportunity.is_closed,
            )
        ).one()
        buyers = (
            connection.execute(
                select(Contact.name)
                .where(Contact.account_id == account_id, Contact.buying_role == "Economic Buyer")
                .order_by(Contact.name, Contact.id)
                .limit(3)
            )
            .scalars()
            .all()
        )
    answer = demo.ask(cast.rep, f"brief me on {cast.account}")
    assert answer.answer.startswith(f"**{demo.shown(cast.account, f'account/{account_id}')}**")
    assert f"Open pipeline: {fmt.money(amount)} in {fmt.plural(count, 'deal')}" in answer.answer
    for buyer in buyers:
        assert buyer in answer.answer


def test_whitespace_best_cross_sell(demo: World, cast: Cast) -> None:
    expected = account_whitespace(demo.repository, cast.rep, WhitespaceInput(account=cast.account))
    answer = demo.ask(cast.rep, f"what else could {cast.account} buy?")
    best = expected.cross_sell[0]
    assert (
        f"the best cross-sell is {best.product} (expected {fmt.money(best.expected_value.value)} a year)"
        in (answer.answer)
    )


def test_account_search_counts_and_potential(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        count, potential = connection.execute(
            select(func.count(), func.sum(Account.potential))
            .join(Territory, Territory.id == Account.territory_id)
            .where(Account.industry == "Healthcare", Territory.name == cast.territory)
        ).one()
    answer = demo.ask(cast.revops, f"healthcare accounts in {cast.territory}")
    assert f"**{count} accounts match**" in answer.answer
    assert f"with {fmt.money(potential)} of potential" in answer.answer


def test_territory_list_and_summary(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        territories = connection.execute(
            select(Territory.id, Territory.name, func.count(Account.id))
            .join(Account, Account.territory_id == Territory.id)
            .group_by(Territory.id, Territory.name)
        ).all()
        open_count, open_amount = connection.execute(
            select(func.count(), func.sum(Opportunity.amount))
            .join(Account, Account.id == Opportunity.account_id)
            .join(Territory, Territory.id == Account.territory_id)
            .where(Territory.name == cast.territory, ~Opportunity.is_closed)
        ).one()
    listing = demo.ask(cast.revops, "list all territories")
    assert f"**You can see {len(territories)} territories**" in listing.answer
    for tid, name, accounts in territories:
        assert f"{demo.shown(name, f'territory/{tid}')}: {accounts} accounts" in listing.answer
    summary = demo.ask(cast.revops, f"how is {cast.territory} doing?")
    assert f"{fmt.money(open_amount)} of open pipeline in {open_count} deals" in summary.answer


def test_one_deal(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        deal = connection.execute(select(Opportunity).where(Opportunity.id == cast.deal_id)).one()
    answer = demo.ask(cast.rep, f"what's the status of deal {cast.deal_id}?")
    assert answer.answer.startswith(
        f"**{demo.shown(deal.name, f'opportunity/{deal.id}')}** is in {deal.stage}"
    )
    assert f"closing {deal.close_date.isoformat()}" in answer.answer
    assert f"Amount: {fmt.money(deal.amount)}" in answer.answer


def test_playbook_passages_are_cited(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what does our playbook say about multi-threading?")
    citation = "deal-closure-and-multithreading.md#our-multi-threading-standard"
    assert f"[{citation}]" in answer.answer and citation in answer.citations
    assert demo.playbook.queries[-1] == "multi-threading"


def test_how_to_about_my_deals_adds_playbook_advice(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what should I do about my stalled deals?")
    assert [c.name for c in answer.tool_calls] == ["stalled_deals", "search_playbook"]
    assert "**From the playbook**" in answer.answer


def test_metric_definitions_come_from_the_registry(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, "what does win rate mean?")
    assert METRICS["win_rate"].definition in answer.answer


def test_help_examples_use_names_from_the_viewers_data(demo: World, cast: Cast) -> None:
    members = team(demo, cast.manager.user_id)
    with demo.engine.connect() as connection:
        largest = connection.execute(
            select(Account.name)
            .where(
                Account.owner_id.in_(members)
                | Account.territory_id.in_(select(User.territory_id).where(User.id.in_(members)))
                | Account.id.in_(select(Opportunity.account_id).where(Opportunity.owner_id.in_(members)))
            )
            .order_by(Account.potential.desc(), Account.id)
            .limit(1)
        ).scalar_one()
    answer = demo.ask(cast.manager, "what can you do?")
    assert f'"Tell me about {largest}"' in answer.answer
    assert "How is " in answer.answer and "doing this quarter?" in answer.answer
