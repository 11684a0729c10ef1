"""What the win score learns from: closed deals as they stood on past days, read from the store.

A closed deal is observed on every day of a fortnightly grid (``as_of`` minus multiples of
:data:`GRID_DAYS`) on which it was open, as it stood that day: its stage and the day it entered it
(from ``opportunity_history``), amount, planned close date and close-date pushes so far, and the
activities logged up to that day. The label is how it ended. Open deals are scored the same way on
``as_of`` (from their own columns, which the writers keep equal to what the history says), so the
model is trained on exactly what it later sees. Observing on calendar days, never at a point
chosen from the close date, keeps the outcome out of the features.

Without stage history (an export with final stages only) a closed deal is taken to have been in
the last open stage since it was created; the history-only measures (close-date pushes, days to
the planned close) are then left out for every deal. Without activities, the activity measures
are left out.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, func, select

from tools.store.schema import Account, Activity, Contact, Opportunity, OpportunityHistory
from tools.store.stages import StageConfig

GRID_DAYS = 14
#: Closed deals of the last two years are learnt from (at most :data:`MAX_DEALS`, a fixed sample).
WINDOW_DAYS = 730
MAX_DEALS = 30_000
#: The trailing window and prior weight of a rep's win rate (shrunk toward the team's rate).
REP_WINDOW_DAYS = 365
REP_PRIOR_DEALS = 10
ECONOMIC_BUYER = "economic buyer"


@dataclass(slots=True)
class Deal:
    id: int
    owner_id: int
    product_id: int | None
    segment: str | None
    amount: float | None
    created: dt.date
    closed: dt.date | None
    won: bool
    history: list[tuple[dt.date, str, float | None, dt.date | None]] = field(default_factory=list)
    #: (day, contact id, buying role) per activity, in day order.
    activities: list[tuple[dt.date, int | None, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class State:
    """A deal as it stood on a day: what every feature is computed from."""

    day: dt.date
    stage: str
    stage_entered: dt.date
    created: dt.date
    amount: float | None
    close_date: dt.date | None
    pushes: int | None
    last_activity: dt.date | None
    activities: int | None
    recent_activities: int | None
    contacts: int | None
    economic_buyer: bool | None
    owner_id: int
    product_id: int | None
    segment: str | None


@dataclass
class RepRecord:
    """Deals closed per rep and day, for win rates as they stood on any day."""

    days: dict[int, list[dt.date]]
    cumulative: dict[int, list[tuple[int, int]]]
    team_rate: float

    def win_rate(self, owner: int, day: dt.date) -> float:
        """The rep's win rate over the :data:`REP_WINDOW_DAYS` before ``day`` (deals closed
        strictly before it), shrunk toward the team's rate by :data:`REP_PRIOR_DEALS` deals."""
        days = self.days.get(owner)
        if not days:
            return self.team_rate
        sums = self.cumulative[owner]
        end = bisect.bisect_left(days, day)
        start = bisect.bisect_left(days, day - dt.timedelta(days=REP_WINDOW_DAYS))
        closed = (sums[end - 1][0] if end else 0) - (sums[start - 1][0] if start else 0)
        won = (sums[end - 1][1] if end else 0) - (sums[start - 1][1] if start else 0)
        return (won + REP_PRIOR_DEALS * self.team_rate) / (closed + REP_PRIOR_DEALS)


def grid(as_of: dt.date, since: dt.date) -> list[dt.date]:
    """The observation days from ``since`` to ``as_of``, oldest first (``as_of`` is the last)."""
    count = (as_of - since).days // GRID_DAYS
    return [as_of - dt.timedelta(days=GRID_DAYS * k) for k in range(count, -1, -1)]


def rep_record(connection: Connection) -> RepRecord:
    day = Opportunity.closed_at
    rows = connection.execute(
        select(Opportunity.owner_id, day, func.count(), func.count().filter(Opportunity.is_won))
        .where(Opportunity.is_closed, day.is_not(None))
        .group_by(Opportunity.owner_id, day)
        .order_by(Opportunity.owner_id, day)
    ).all()
    days: dict[int, list[dt.date]] = defaultdict(list)
    cumulative: dict[int, list[tuple[int, int]]] = defaultdict(list)
    total = won_total = 0
    for owner, closed_on, count, won in rows:
        assert closed_on is not None  # filtered in the query
        running = cumulative[owner][-1] if cumulative[owner] else (0, 0)
        days[owner].append(closed_on)
        cumulative[owner].append((running[0] + count, running[1] + (won or 0)))
        total, won_total = total + count, won_total + (won or 0)
    return RepRecord(dict(days), dict(cumulative), won_total / total if total else 0.5)


def closed_deals(connection: Connection, as_of: dt.date) -> list[Deal]:
    """Closed deals of the learning window (a fixed sample when there are more than
    :data:`MAX_DEALS`), with their history and activities."""
    since = as_of - dt.timedelta(days=WINDOW_DAYS)
    where = [
        Opportunity.is_closed,
        Opportunity.closed_at.is_not(None),
        Opportunity.created_at.is_not(None),
        Opportunity.closed_at >= since,
        Opportunity.closed_at <= as_of,
    ]
    count = connection.execute(select(func.count()).where(*where)).scalar_one()
    if count > MAX_DEALS:
        where.append(Opportunity.id % (count // MAX_DEALS + 1) == 0)
    ids = select(Opportunity.id).where(*where)
    deals = {
        row.id: Deal(
            row.id,
            row.owner_id,
            row.product_id,
            row.segment,
            float(row.amount) if row.amount is not None and not row.amount_estimated else None,
            row.created_at,
            row.closed_at,
            bool(row.is_won),
        )
        for row in connection.execute(
            select(
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.product_id,
                Account.segment,
                Opportunity.amount,
                Opportunity.amount_estimated,
                Opportunity.created_at,
                Opportunity.closed_at,
                Opportunity.is_won,
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .where(*where)
        )
    }
    _attach(connection, deals, ids)
    return list(deals.values())


def _attach(connection: Connection, deals: dict[int, Deal], ids: Any) -> None:
    history = OpportunityHistory
    for opp, changed, stage, amount, close in connection.execute(
        select(history.opportunity_id, history.changed_at, history.stage, history.amount, history.close_date)
        .where(history.opportunity_id.in_(ids))
        .order_by(history.opportunity_id, history.changed_at, history.id)
    ):
        deals[opp].history.append((changed, stage, float(amount) if amount is not None else None, close))
    for opp_id, occurred, contact, role in connection.execute(
        select(Activity.opportunity_id, Activity.occurred_at, Activity.contact_id, Contact.buying_role)
        .outerjoin(Contact, Contact.id == Activity.contact_id)
        .where(Activity.opportunity_id.in_(ids))
        .order_by(Activity.opportunity_id, Activity.occurred_at)
    ):
        if opp_id is not None:
            deals[opp_id].activities.append((occurred.date(), contact, role))


def state_on(deal: Deal, day: dt.date, stages: StageConfig, activities: bool) -> State:
    """``deal`` as it stood at the end of ``day`` (from its history and activities)."""
    upto = [row for row in deal.history if row[0] <= day]
    if upto:
        stage, entered = upto[-1][1], upto[-1][0]
        for changed, name, _, _ in reversed(upto):
            if name != stage:
                break
            entered = changed
        amount = upto[-1][2] if upto[-1][2] is not None else deal.amount
        close_date = upto[-1][3]
        dates = [row[3] for row in upto if row[3] is not None]
        pushes: int | None = sum(1 for a, b in pairwise(dates) if b > a)
    else:
        stage, entered, amount = stages.open_stages[-1].name, deal.created, deal.amount
        close_date, pushes = None, None
    seen = deal.activities[: bisect.bisect_right([a[0] for a in deal.activities], day)]
    recent = day - dt.timedelta(days=30)
    return State(
        day=day,
        stage=stage,
        stage_entered=entered,
        created=deal.created,
        amount=amount,
        close_date=close_date,
        pushes=pushes,
        last_activity=seen[-1][0] if seen else None,
        activities=len(seen) if activities else None,
        recent_activities=sum(1 for a in seen if a[0] > recent) if activities else None,
        contacts=len({a[1] for a in seen if a[1] is not None}) if activities else None,
        economic_buyer=any((a[2] or "").lower() == ECONOMIC_BUYER for a in seen) if activities else None,
        owner_id=deal.owner_id,
        product_id=deal.product_id,
        segment=deal.segment,
    )


def open_states(connection: Connection, as_of: dt.date, where: list[Any]) -> list[tuple[int, State]]:
    """Every open deal matching ``where`` as it stands on ``as_of``, from its own columns and its
    activities (counted in SQL)."""
    recent = dt.datetime.combine(as_of - dt.timedelta(days=29), dt.time(0), dt.UTC)
    open_ids = select(Opportunity.id).where(~Opportunity.is_closed, *where)
    counts = {
        opp: (int(total), int(recent_count or 0), bool(buyer))
        for opp, total, recent_count, buyer in connection.execute(
            select(
                Activity.opportunity_id,
                func.count(),
                func.count().filter(Activity.occurred_at >= recent),
                func.count().filter(func.lower(Contact.buying_role) == ECONOMIC_BUYER),
            )
            .outerjoin(Contact, Contact.id == Activity.contact_id)
            .where(Activity.opportunity_id.in_(open_ids))
            .group_by(Activity.opportunity_id)
        )
    }
    states = []
    for row in connection.execute(
        select(
            Opportunity.id,
            Opportunity.owner_id,
            Opportunity.product_id,
            Account.segment,
            Opportunity.stage,
            Opportunity.stage_entered_at,
            Opportunity.created_at,
            Opportunity.amount,
            Opportunity.amount_estimated,
            Opportunity.close_date,
            Opportunity.close_date_pushes,
            Opportunity.last_activity_at,
            Opportunity.contacts_engaged,
        )
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .where(~Opportunity.is_closed, *where)
    ):
        total, recent_count, buyer = counts.get(row.id, (0, 0, False))
        created = row.created_at or row.stage_entered_at or as_of
        states.append(
            (
                row.id,
                State(
                    day=as_of,
                    stage=row.stage,
                    stage_entered=row.stage_entered_at or created,
                    created=created,
                    amount=float(row.amount) if row.amount is not None and not row.amount_estimated else None,
                    close_date=row.close_date,
                    pushes=row.close_date_pushes,
                    last_activity=row.last_activity_at,
                    activities=total,
                    recent_activities=recent_count,
                    contacts=row.contacts_engaged,
                    economic_buyer=buyer,
                    owner_id=row.owner_id,
                    product_id=row.product_id,
                    segment=row.segment,
                ),
            )
        )
    return states
