"""The measures of a territory plan that the territory tools do not already give.

Computed for the plan's viewer over the plan's territories (see :mod:`tools.plans.territory`):

* rep scorecards of the reps based in the territories;
* KPIs: pipeline created = sum(amount) of the book's deals created (``created_at``) this quarter;
  open pipeline closing next quarter; win rate = won / (won + lost) and sales cycle = median days
  from created to closed, over the book's deals closed this quarter;
* next quarter's quota of the territories' reps;
* whitespace of an account = max(0, potential - active ARR), the spend not yet captured;
* geography = accounts and potential by state (or country when no state is recorded);
* each rep's focus: their scorecard, stalled deals and largest account with no open pipeline.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func

from tools.accounts.whitespace import ACTIVE
from tools.deals.forecasting import PerformanceQuery, RepPerformance, rep_performance
from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import Figure, Unit, record_id
from tools.metrics import median_days, win_rate
from tools.plans.basis import PlanHorizon
from tools.rollup import money, period_of
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Opportunity, Quota, Role, User
from tools.territory.book import accounts_in, deals_in
from tools.territory.summary import TerritorySummary
from tools.viewer import Viewer

THIS_QUARTER = "this quarter"
KEY_ACCOUNTS = 10
GEOGRAPHY_ROWS = 8


class GeoLine(BaseModel):
    place: str
    accounts: int
    potential: Decimal


class WhitespaceAccount(BaseModel):
    id: str
    name: str
    owner: str | None
    potential: Decimal
    active_arr: Decimal
    whitespace: Figure


class KPIs(BaseModel):
    pipeline_created: Figure
    open_pipeline: Figure
    pipeline_next_quarter: Figure
    coverage: Figure
    win_rate: Figure
    sales_cycle: Figure
    bookings: Figure
    quota: Figure
    attainment: Figure


class RepFocus(BaseModel):
    """A rep's line in the plan: scorecard figures, stalled deals and accounts to work."""

    rep: str
    rep_id: str
    attainment: Figure
    open_pipeline: Figure
    win_rate: Figure
    stalled: int
    top_stalled: str | None
    uncovered_account: str | None
    uncovered_account_name: str | None = None


def reps(repo: Repository, subject: Viewer, tids: list[int]) -> list[RepPerformance]:
    report = rep_performance(repo, subject, PerformanceQuery(period=THIS_QUARTER))
    with repo.connect() as connection:
        placed = set(
            connection.execute(
                repo.users(subject, User.id).where(User.territory_id.in_(tids), User.role == Role.REP.value)
            ).scalars()
        )
    return [r for r in report.reps if int(r.rep_id.rsplit("/", 1)[1]) in placed]


def kpis(repo: Repository, subject: Viewer, tids: list[int], summary: TerritorySummary) -> KPIs:
    period = period_of(repo, THIS_QUARTER)
    following = period_of(repo, "next quarter")
    deals = deals_in(repo, subject, tids)
    where = [f"territory: {', '.join(t.name for t in summary.territories)}", "your scope"]
    with repo.connect() as connection:
        due_next = connection.execute(
            deals.with_only_columns(Opportunity.id, Opportunity.amount).where(
                ~Opportunity.is_closed,
                Opportunity.close_date >= following.start,
                Opportunity.close_date < following.end,
            )
        ).all()
        created = connection.execute(
            deals.with_only_columns(Opportunity.id, Opportunity.amount).where(
                Opportunity.created_at >= period.start, Opportunity.created_at < period.end
            )
        ).all()
        closed = connection.execute(
            deals.with_only_columns(
                Opportunity.id, Opportunity.is_won, Opportunity.created_at, Opportunity.closed_at
            ).where(
                Opportunity.is_closed,
                Opportunity.closed_at >= period.start,
                Opportunity.closed_at < period.end,
            )
        ).all()
    won = [d for d in closed if d.is_won]
    cycles = [(d.closed_at - d.created_at).days for d in won if d.created_at and d.closed_at]
    in_period = [*where, f"closed (closed_at) in {period.label}"]
    return KPIs(
        pipeline_created=Figure.of(
            "Pipeline created",
            money(sum((money(d.amount) for d in created), money(0))),
            Unit.USD,
            "sum(amount) of deals created (created_at) in the period",
            [*where, f"created in {period.label}"],
            [record_id("opportunity", d.id) for d in created],
        ),
        open_pipeline=summary.open_pipeline,
        pipeline_next_quarter=Figure.of(
            f"Open pipeline closing in {following.label}",
            money(sum((money(d.amount) for d in due_next), money(0))),
            Unit.USD,
            "sum(amount) of open deals with a close date in the period",
            [*where, f"close date in {following.label}"],
            [record_id("opportunity", d.id) for d in due_next],
        ),
        coverage=summary.pipeline_coverage,
        win_rate=Figure.of(
            "Win rate",
            win_rate(len(won), len(closed) - len(won)),
            Unit.RATIO,
            "won / (won + lost) of deals closed in the period",
            in_period,
            [record_id("opportunity", d.id) for d in closed],
        ),
        sales_cycle=Figure.of(
            "Sales cycle",
            median_days(cycles),
            Unit.DAYS,
            "median days from created to closed of deals won in the period",
            in_period,
            [record_id("opportunity", d.id) for d in won],
        ),
        bookings=summary.bookings,
        quota=summary.quota,
        attainment=summary.attainment,
    )


def next_quota(repo: Repository, subject: Viewer, tids: list[int], span: PlanHorizon) -> Figure:
    with repo.connect() as connection:
        rows = connection.execute(
            repo.quotas(subject, Quota.user_id, Quota.amount)
            .join(User, User.id == Quota.user_id)
            .where(User.territory_id.in_(tids), Quota.period == span.next_quarter)
            .order_by(Quota.user_id)
        ).all()
    return Figure.of(
        f"Quota, {span.next_quarter}",
        money(sum((money(r.amount) for r in rows), money(0))),
        Unit.USD,
        "sum of the quotas of the territory's reps for the period",
        [f"quota period: {span.next_quarter}"],
        [record_id("quota", f"{r.user_id}:{span.next_quarter}") for r in rows],
    )


def whitespace(repo: Repository, subject: Viewer, tids: list[int]) -> list[WhitespaceAccount]:
    arr = (
        repo.account_products(
            subject, AccountProduct.account_id.label("account_id"), func.sum(AccountProduct.arr).label("arr")
        )
        .where(AccountProduct.status == ACTIVE)
        .group_by(AccountProduct.account_id)
        .subquery()
    )
    gap = Account.potential - func.coalesce(arr.c.arr, 0)
    owners = repo.users(subject, User.id, User.name).subquery()
    query = (
        accounts_in(repo, subject, tids)
        .with_only_columns(
            Account.id, Account.name, Account.potential, arr.c.arr, owners.c.name.label("owner")
        )
        .outerjoin(arr, arr.c.account_id == Account.id)
        .outerjoin(owners, owners.c.id == Account.owner_id)
        .where(Account.potential.is_not(None), gap > 0)
        .order_by(gap.desc(), Account.id)
        .limit(KEY_ACCOUNTS)
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    found = []
    for row in rows:
        potential, active = money(row.potential), money(row.arr)
        rid = record_id("account", row.id)
        found.append(
            WhitespaceAccount(
                id=rid,
                name=row.name,
                owner=row.owner,
                potential=potential,
                active_arr=active,
                whitespace=Figure.of(
                    f"Whitespace, {row.name}",
                    potential - active,
                    Unit.USD,
                    "max(0, potential - active ARR)",
                    ["product status active"],
                    [rid],
                ),
            )
        )
    return found


def geography(repo: Repository, subject: Viewer, tids: list[int]) -> list[GeoLine]:
    place = func.coalesce(Account.state, Account.country, "unknown")
    query = (
        accounts_in(repo, subject, tids)
        .with_only_columns(place.label("place"), func.count(Account.id), func.sum(Account.potential))
        .group_by(place)
        .order_by(func.count(Account.id).desc(), place)
        .limit(GEOGRAPHY_ROWS)
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    return [GeoLine(place=p, accounts=int(n), potential=money(v)) for p, n, v in rows]


def focus(
    repo: Repository, subject: Viewer, tids: list[int], reps: list[RepPerformance], flagged: list[StalledDeal]
) -> list[RepFocus]:
    open_accounts = repo.opportunities(subject, Opportunity.account_id).where(
        ~Opportunity.is_closed, Opportunity.account_id.is_not(None)
    )
    with repo.connect() as connection:
        uncovered = connection.execute(
            accounts_in(repo, subject, tids)
            .with_only_columns(Account.id, Account.name, Account.owner_id)
            .where(Account.id.not_in(open_accounts))
            .order_by(Account.potential.desc(), Account.id)
        ).all()
    first_uncovered: dict[int, Any] = {}
    for row in uncovered:
        first_uncovered.setdefault(row.owner_id, row)
    by_owner: dict[str, list[StalledDeal]] = defaultdict(list)
    for deal in flagged:
        by_owner[deal.owner].append(deal)
    lines = []
    for rep in reps:
        mine = sorted(by_owner.get(rep.rep, []), key=lambda d: (-d.risk_score, -(d.amount or 0), d.id))
        account = first_uncovered.get(int(rep.rep_id.rsplit("/", 1)[1]))
        lines.append(
            RepFocus(
                rep=rep.rep,
                rep_id=rep.rep_id,
                attainment=rep.attainment,
                open_pipeline=rep.open_pipeline,
                win_rate=rep.win_rate,
                stalled=len(mine),
                top_stalled=mine[0].id if mine else None,
                uncovered_account=None if account is None else record_id("account", account.id),
                uncovered_account_name=None if account is None else account.name,
            )
        )
    return lines
