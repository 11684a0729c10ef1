"""Stage-by-stage simulation of one opportunity for the demo generator.

A deal is created, then spends a random time in each open stage (log-normal around a median,
longer for larger segments, occasionally stuck for several times the median), advancing with a
stage-specific probability or being lost. When its close date passes while it is open, the rep
usually pushes it out (a history row), sometimes stops updating it. Some deals go dark (activity
stops); some are worked through a single contact. Whatever is still open on ``as_of`` stays open.

Closed deals carry the engagement signals a win score learns from, as in a real book: a deal that
is won had its economic buyer engaged early (its first activity is with them, when the account
has one), and a deal that is lost went quiet first (no activity in the
:data:`QUIET_BEFORE_LOSS_DAYS` days before the loss). Both are applied after the activities are
drawn, drawing nothing more, so the random streams, and every deal's stage, amount and dates,
are what they were without them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from tools.store.demo import reference as ref
from tools.store.stages import StageConfig

#: Median days in each default stage and the chance of advancing out of it.
STAGE_MEDIAN_DAYS = {
    "Prospecting": 9,
    "Qualification": 12,
    "Discovery": 18,
    "Proposal": 14,
    "Negotiation": 10,
}
STAGE_ADVANCE = {
    "Prospecting": 0.80,
    "Qualification": 0.75,
    "Discovery": 0.72,
    "Proposal": 0.68,
    "Negotiation": 0.80,
}
SEGMENT_PACE = {"SMB": 0.7, "Mid-Market": 1.0, "Enterprise": 1.6}
STUCK_CHANCE = 0.10
#: A lost deal has no activity in this many days before the loss.
QUIET_BEFORE_LOSS_DAYS = 14
ECONOMIC_BUYER = "Economic Buyer"
DARK_CHANCE = 0.18
SINGLE_THREAD_CHANCE = 0.30
KEEP_CLOSE_DATE_CURRENT = 0.80
MAX_PUSHES = 4
MAX_ACTIVITIES = 12


@dataclass
class SimulatedDeal:
    created_at: dt.date
    stage: str
    stage_entered_at: dt.date
    close_date: dt.date
    amount: float
    probability: float
    forecast_category: str
    closed_at: dt.date | None = None
    won: bool = False
    loss_reason: str | None = None
    next_step: str | None = None
    next_step_date: dt.date | None = None
    single_threaded: bool = False
    #: (day, stage, amount, close date) per change.
    history: list[tuple[dt.date, str, float, dt.date]] = field(default_factory=list)
    activity_days: list[dt.date] = field(default_factory=list)

    @property
    def last_activity_at(self) -> dt.date | None:
        return self.activity_days[-1] if self.activity_days else None

    def opportunity_row(self, opp_id: int, **links: Any) -> dict[str, Any]:
        return {
            "id": opp_id,
            "external_id": f"O{opp_id:08d}",
            **links,
            "stage": self.stage,
            "amount": self.amount,
            "probability": self.probability,
            "forecast_category": self.forecast_category,
            "created_at": self.created_at,
            "stage_entered_at": self.stage_entered_at,
            "close_date": self.close_date,
            "closed_at": self.closed_at,
            "is_closed": self.closed_at is not None,
            "is_won": self.won,
            "next_step": self.next_step,
            "next_step_date": self.next_step_date,
            "last_activity_at": self.last_activity_at,
            "loss_reason": self.loss_reason,
            "close_date_pushes": self.close_date_pushes,
        }

    @property
    def close_date_pushes(self) -> int:
        """How many times the close date moved later (the history's close dates, in order)."""
        dates = [close for _, _, _, close in self.history]
        return sum(1 for before, after in pairwise(dates) if after > before)

    def history_rows(self, opp_id: int) -> list[dict[str, Any]]:
        return [
            {
                "opportunity_id": opp_id,
                "changed_at": day,
                "stage": stage,
                "amount": amount,
                "close_date": close,
            }
            for day, stage, amount, close in self.history
        ]


class DealSimulator:
    def __init__(self, stages: StageConfig, as_of: dt.date, history_days: int = 730) -> None:
        self.stages, self.as_of, self.history_days = stages, as_of, history_days
        self._next_opp = 0
        self._next_activity = 0

    def next_id(self) -> int:
        self._next_opp += 1
        return self._next_opp

    def simulate(self, rng: random.Random, *, amount: float, segment: str) -> SimulatedDeal:
        pace = SEGMENT_PACE.get(segment, 1.0)
        open_stages = self.stages.open_stages
        created = self.as_of - dt.timedelta(days=rng.randint(1, self.history_days))
        planned = sum(STAGE_MEDIAN_DAYS.get(s.name, 14) for s in open_stages) * pace * rng.uniform(0.8, 1.3)
        first = open_stages[0]
        deal = SimulatedDeal(
            created,
            first.name,
            created,
            created + dt.timedelta(days=round(planned)),
            amount,
            first.probability,
            first.forecast_category.value,
        )
        deal.history.append((created, first.name, amount, deal.close_date))
        maintained, pushes, day = True, 0, created
        for position, stage in enumerate(open_stages):
            if position:
                self._enter(deal, day, stage.name, stage.probability, stage.forecast_category.value)
                if stage.name == "Proposal" and rng.random() < 0.3:
                    deal.amount = round(deal.amount * rng.uniform(0.8, 1.25), -2)
                    deal.history[-1] = (day, stage.name, deal.amount, deal.close_date)
            median = STAGE_MEDIAN_DAYS.get(stage.name, 14) * pace
            days = rng.lognormvariate(0, 0.5) * median
            if rng.random() < STUCK_CHANCE:
                days *= rng.uniform(3, 6)
            leave = day + dt.timedelta(days=max(1, round(days)))
            while maintained and deal.close_date < min(leave, self.as_of):
                if pushes >= MAX_PUSHES or rng.random() >= KEEP_CLOSE_DATE_CURRENT:
                    maintained = False
                    break
                pushed_on = deal.close_date + dt.timedelta(days=rng.randint(0, 3))
                deal.close_date = pushed_on + dt.timedelta(days=rng.randint(21, 60))
                # recorded no later than as_of: the data set's history never runs ahead of its today
                deal.history.append((min(pushed_on, self.as_of), stage.name, deal.amount, deal.close_date))
                pushes += 1
            if leave > self.as_of:
                self._open_next_step(rng, deal)
                break
            day = leave
            if rng.random() >= STAGE_ADVANCE.get(stage.name, 0.75):
                self._close(deal, day, won=False)
                deal.loss_reason = rng.choice(ref.LOSS_REASONS)
                break
        else:
            self._close(deal, day, won=True)
        self._activity_days(rng, deal, pace)
        if deal.next_step is not None and deal.last_activity_at:
            deal.next_step_date = deal.last_activity_at + dt.timedelta(days=rng.randint(2, 14))
        return deal

    def _enter(
        self, deal: SimulatedDeal, day: dt.date, stage: str, probability: float, category: str
    ) -> None:
        deal.stage, deal.stage_entered_at = stage, day
        deal.probability, deal.forecast_category = probability, category
        deal.history.append((day, stage, deal.amount, deal.close_date))

    def _close(self, deal: SimulatedDeal, day: dt.date, *, won: bool) -> None:
        final = self.stages.won_stage if won else self.stages.lost_stage
        deal.close_date = day
        self._enter(deal, day, final.name, final.probability, final.forecast_category.value)
        deal.closed_at, deal.won = day, won

    def _open_next_step(self, rng: random.Random, deal: SimulatedDeal) -> None:
        if rng.random() < 0.85:
            deal.next_step = rng.choice(ref.NEXT_STEPS)

    def _activity_days(self, rng: random.Random, deal: SimulatedDeal, pace: float) -> None:
        end = deal.closed_at or self.as_of
        if rng.random() < DARK_CHANCE and deal.closed_at is None:
            span = (end - deal.created_at).days
            end = deal.created_at + dt.timedelta(days=rng.randint(0, max(0, span)))
        deal.single_threaded = rng.random() < SINGLE_THREAD_CHANCE
        day = deal.created_at
        while day <= end and len(deal.activity_days) < MAX_ACTIVITIES:
            deal.activity_days.append(day)
            day += dt.timedelta(days=max(1, round(rng.expovariate(1 / (6 * pace)))))

    def activities(
        self,
        rng: random.Random,
        deal: SimulatedDeal,
        opp_id: int,
        account_id: int,
        owner: int,
        product: str,
        contacts: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        rows = []
        for day in deal.activity_days:
            contact = contacts[0] if deal.single_threaded or not contacts else rng.choice(contacts)
            kind = rng.choice(ref.ACTIVITY_KINDS)
            template = rng.choice(ref.ACTIVITY_SUBJECTS[kind])
            subject = template.format(contact=contact["name"], product=product)
            at = dt.datetime.combine(day, dt.time(rng.randint(14, 22), rng.choice((0, 15, 30, 45))), dt.UTC)
            self._next_activity += 1
            rows.append(
                {
                    "id": self._next_activity,
                    "external_id": f"E{self._next_activity:09d}",
                    "account_id": account_id,
                    "opportunity_id": opp_id,
                    "contact_id": contact["id"],
                    "owner_id": owner,
                    "kind": kind,
                    "occurred_at": at,
                    "subject": subject,
                    "_template": template,
                }
            )
        return self._engagement(deal, rows, product, contacts)

    def _engagement(
        self, deal: SimulatedDeal, rows: list[dict[str, Any]], product: str, contacts: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The closed-deal signals of the module docstring, on rows already drawn."""
        buyer = next((c for c in contacts if c.get("buying_role") == ECONOMIC_BUYER), None)
        if deal.won and rows and buyer is not None:
            first = rows[0]
            first["contact_id"] = buyer["id"]
            first["subject"] = first["_template"].format(contact=buyer["name"], product=product)
        if deal.closed_at is not None and not deal.won and rows:
            quiet = deal.closed_at - dt.timedelta(days=QUIET_BEFORE_LOSS_DAYS)
            rows = [row for row in rows if row["occurred_at"].date() <= quiet] or rows[:1]
            deal.activity_days = [row["occurred_at"].date() for row in rows]
        for row in rows:
            del row["_template"]
        return rows
