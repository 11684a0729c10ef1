"""The measures of a territory plan that the territory tools do not already give.

Computed for the plan's viewer over the plan's territories (see :mod:`tools.plans.territory`):

* rep scorecards (this quarter) of the reps based in the territories;
* next quarter's quota of the territories' reps;
* whitespace of an account = max(0, potential - active ARR), the spend not yet captured;
* geography = accounts and potential by state (or country when no state is recorded);
* each rep's focus: their scorecard, their open deals in the plan (every open deal, whatever its
  close date; deals with no amount counted apart), stalled deals and largest account with no open
  pipeline (largest by the plan's ranking measure, see :mod:`tools.plans.key_accounts`).

The history (year to date, the last four quarters) is in :mod:`tools.plans.history`; this and next
quarter against quota in :mod:`tools.plans.outlook`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, case, func, literal

from tools.accounts.whitespace import ACTIVE
from tools.deals.performance import PerformanceQuery, RepPerformance, rep_performance
from tools.deals.stalled_evidence import StalledDeal
from tools.evidence import Figure, Unit, record_id
from tools.plans.basis import PlanHorizon
from tools.plans.key_accounts import OpenBook
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Opportunity, Quota, Role, User
from tools.territory.book import accounts_in
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


class RepFocus(BaseModel):
    """A rep's line in the plan: scorecard figures, stalled deals and accounts to work."""

    rep: str
    rep_id: str
    bookings: Figure
    attainment: Figure
    win_rate: Figure
    open: OpenBook = Field(description="The rep's open deals in the plan, whatever their close date.")
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
        money(sum((money(r.amount) for r in rows), money(0))) if rows else None,
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


def open_by_owner(deals: Select[Any], repo: Repository) -> dict[int, OpenBook]:
    """Each owner's open deals in ``deals`` (scoped): count, known amounts, and amounts unknown."""
    estimated = getattr(Opportunity, "amount_estimated", None)
    one = literal(1)
    query = (
        deals.where(~Opportunity.is_closed)
        .with_only_columns(
            Opportunity.owner_id,
            func.count(Opportunity.id),
            func.sum(Opportunity.amount),
            func.sum(case((Opportunity.amount.is_(None), one), else_=0)),
            func.sum(case((estimated.is_(True), one), else_=0)) if estimated is not None else literal(0),
        )
        .group_by(Opportunity.owner_id)
    )
    with repo.connect() as connection:
        rows = connection.execute(query).all()
    return {
        int(owner): OpenBook(
            deals=int(n),
            amount=Figure.of(
                "Open pipeline",
                money(amount),
                Unit.USD,
                "sum(amount) of the rep's open deals in the plan (known amounts)",
                ["open", "any close date"],
                count=int(n),
            ),
            without_amount=int(unknown or 0),
            estimated=int(guessed or 0),
        )
        for owner, n, amount, unknown, guessed in rows
    }


def focus(
    repo: Repository,
    subject: Viewer,
    tids: list[int],
    deals: Select[Any],
    reps: list[RepPerformance],
    flagged: list[StalledDeal],
    ranked_by: Any,
) -> list[RepFocus]:
    """Each rep's line; ``ranked_by`` orders their accounts with no open pipeline (largest first)."""
    open_accounts = deals.where(
        ~Opportunity.is_closed, Opportunity.account_id.is_not(None)
    ).with_only_columns(Opportunity.account_id)
    with repo.connect() as connection:
        uncovered = connection.execute(
            accounts_in(repo, subject, tids)
            .with_only_columns(Account.id, Account.name, Account.owner_id)
            .where(Account.id.not_in(open_accounts))
            .order_by(ranked_by.desc().nulls_last(), Account.id)
        ).all()
    first_uncovered: dict[int, Any] = {}
    for row in uncovered:
        first_uncovered.setdefault(row.owner_id, row)
    by_owner: dict[str, list[StalledDeal]] = defaultdict(list)
    for deal in flagged:
        by_owner[deal.owner].append(deal)
    books = open_by_owner(deals, repo)
    empty = OpenBook(
        deals=0,
        amount=Figure.of(
            "Open pipeline", money(0), Unit.USD, "sum(amount) of the rep's open deals in the plan"
        ),
        without_amount=0,
    )
    lines = []
    for rep in reps:
        uid = int(rep.rep_id.rsplit("/", 1)[1])
        mine = sorted(by_owner.get(rep.rep, []), key=lambda d: (-d.risk_score, -(d.amount or 0), d.id))
        account = first_uncovered.get(uid)
        lines.append(
            RepFocus(
                rep=rep.rep,
                rep_id=rep.rep_id,
                bookings=rep.bookings,
                attainment=rep.attainment,
                win_rate=rep.win_rate,
                open=books.get(uid, empty),
                stalled=len(mine),
                top_stalled=mine[0].id if mine else None,
                uncovered_account=None if account is None else record_id("account", account.id),
                uncovered_account_name=None if account is None else account.name,
            )
        )
    return lines
