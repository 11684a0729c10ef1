"""1:1 prep for one rep (named a manager: their team): pace to quota this period, their deals at
risk by money at stake, and coaching topics drawn from the numbers, each citing the playbook
passage it comes from.

Coaching topics (at most four, in this order, each only when the numbers call for it):

- **pace**: behind quota with open pipeline covering less than 3x of the quota still to book (the
  playbook's healthy coverage, kpis.md#pipeline-coverage), else behind with enough pipeline: work
  back from quota (smart-goals.md#working-back-from-quota);
- **the two most common stall rules** among their flagged deals, with the rule's recovery play
  (stalled-deal-recovery.md);
- **economic buyer**: large open deals (the stalled rules' large-deal amount, default $50,000) with no
  economic buyer engaged (qualification.md#economic-buyer; only when the data has contacts);
- **win rate**: over the last 365 days, five points or more below the other reps in the viewer's
  scope (kpis.md#win-rate).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, true

from tools.deals.stalled import StalledQuery, stalled_deals
from tools.deals.stalled_evidence import StalledDeal
from tools.deals.stalled_rules import RULES, Rule
from tools.evidence import record_id
from tools.filters import team_of
from tools.manager.pace import QuotaRiskQuery, RepPace, quota_risk, team_pace
from tools.manager.qualification import QualificationQuery, qualification_scorecard
from tools.periods import Period
from tools.resolve import resolve_user
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, Role, User

#: The coverage of the quota still to book the playbook calls healthy (kpis.md#pipeline-coverage).
HEALTHY_COVERAGE = 3.0
WIN_RATE_GAP = 0.05
#: The playbook passage each coaching topic cites (the stall rules cite their own recovery plays).
PASSAGES = {
    "coverage": "kpis.md#pipeline-coverage",
    "quota": "smart-goals.md#working-back-from-quota",
    "economic_buyer": "qualification.md#economic-buyer",
    "win_rate": "kpis.md#win-rate",
}
WIN_RATE_DAYS = 365


class OneOnOneQuery(BaseModel):
    rep: str | None = Field(
        default=None,
        description="The rep's name (a manager's: their team); default you (your team; everyone for RevOps).",
    )
    period: str | None = Field(default="this quarter", description="The period (default this quarter).")
    limit: int = Field(default=5, ge=1, le=25, description="Deals at risk listed (all are counted).")


class CoachingTopic(BaseModel):
    topic: str
    why: str = Field(description="The numbers that make it a topic.")
    playbook: str = Field(description="The playbook passage (citation id) the coaching comes from.")


class OneOnOnePrep(BaseModel):
    rep: str
    rep_id: str = Field(description="The person (empty when the prep covers everyone in scope).")
    period: Period
    days_total: int
    days_gone: int
    days_left: int
    pace: RepPace
    probability: str
    open_deals: int
    flagged: int
    flagged_amount: Decimal
    value_at_risk: Decimal
    deals_at_risk: list[StalledDeal] = Field(description="Largest value at risk first.")
    win_rate: float | None = Field(description=f"Won / closed over the last {WIN_RATE_DAYS} days.")
    peers_win_rate: float | None = Field(description="The same for the other reps in your scope.")
    coaching: list[CoachingTopic]
    filters: list[str]


def one_on_one_prep(repo: Repository, viewer: ViewerLike, params: OneOnOneQuery) -> OneOnOnePrep:
    """Prep for a 1:1 with a rep: pace to quota (booked, quota, days gone and left, the run-rate
    needed), their deals at risk by money at stake, and coaching topics from the playbook, cited.

    Args:
        rep: The rep's name (a manager's: their team); default you (your team; everyone for RevOps).
        period: The period (default this quarter).
        limit: Deals at risk listed (all are counted).
    """
    whole = params.rep is None and viewer.role in (Role.ADMIN, Role.REVOPS)
    person = resolve_user(repo, viewer, params.rep) if params.rep else None
    rep_id = person.id if person else viewer.user_id
    owner: str | None = None
    if not whole:
        with repo.connect() as connection:
            owner = connection.execute(repo.users(viewer, User.name).where(User.id == rep_id)).scalar_one()
    pace = quota_risk(repo, viewer, QuotaRiskQuery(owner=owner, period=params.period))
    label = f"{owner}'s team" if owner else "Everyone in your scope"
    own = team_pace(label, rep_id, pace.reps, pace.days_gone, pace.days_left)
    risk = stalled_deals(repo, viewer, StalledQuery(owner=owner, limit=params.limit))
    rates = _win_rates(repo, viewer, team_of(repo, viewer, owner)[1] if owner else None)
    coaching = _pace_topic(own) + _rule_topics(risk.by_rule)
    coaching += _buyer_topic(repo, viewer, owner) + _win_rate_topic(*rates)
    return OneOnOnePrep(
        rep=own.rep,
        rep_id="" if whole else record_id("user", rep_id),
        period=pace.period,
        days_total=pace.days_total,
        days_gone=pace.days_gone,
        days_left=pace.days_left,
        pace=own,
        probability=pace.probability,
        open_deals=risk.open_deals,
        flagged=int(risk.flagged.value or 0),
        flagged_amount=Decimal(risk.flagged_amount.value or 0),
        value_at_risk=risk.value_at_risk,
        deals_at_risk=risk.deals,
        win_rate=rates[0],
        peers_win_rate=rates[1],
        coaching=coaching[:4],
        filters=[
            f"rep: {owner or 'everyone in scope'}",
            f"period: {pace.period.label}",
            f"as of {repo.as_of}",
        ],
    )


def _pace_topic(pace: RepPace) -> list[CoachingTopic]:
    if pace.status != "at_risk" or pace.quota is None:
        return []
    remaining = pace.quota - pace.booked
    coverage = float(pace.open_amount / remaining) if remaining > 0 else None
    if coverage is not None and coverage < HEALTHY_COVERAGE:
        return [
            CoachingTopic(
                topic="Pipeline coverage",
                why=f"${pace.open_amount:,.0f} open closing this period covers {coverage:.1f}x of the "
                f"${remaining:,.0f} still to book; the playbook looks for about {HEALTHY_COVERAGE:.0f}x",
                playbook=PASSAGES["coverage"],
            )
        ]
    return [
        CoachingTopic(
            topic="Working back from quota",
            why=f"expected ${pace.expected:,.0f} against a ${pace.quota:,.0f} quota: "
            f"${pace.needed_per_week or 0:,.0f} a week is needed, "
            f"${pace.booked_per_week or 0:,.0f} a week booked so far",
            playbook=PASSAGES["quota"],
        )
    ]


def _rule_topics(by_rule: dict[str, int]) -> list[CoachingTopic]:
    common = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    topics = []
    for rule, count in common:
        title, action, passage = RULES[Rule(rule)]
        topics.append(
            CoachingTopic(
                topic=title,
                why=f"{count} flagged deal{'s' if count != 1 else ''}: {action[0].lower()}{action[1:]}",
                playbook=passage,
            )
        )
    return topics


def _buyer_topic(repo: Repository, viewer: ViewerLike, name: str | None) -> list[CoachingTopic]:
    large = Decimal(str(repo.stages.stall_rules.large_deal_amount))
    cards = qualification_scorecard(
        repo, viewer, QualificationQuery(owner=name, missing="economic buyer", min_amount=large, limit=1)
    )
    if "Economic buyer" in cards.not_recorded or not cards.matched:
        return []
    return [
        CoachingTopic(
            topic="Economic buyer",
            why=f"{cards.matched} of {cards.open_deals} open deals of ${large:,.0f} or more "
            f"{'has' if cards.matched == 1 else 'have'} no economic buyer engaged",
            playbook=PASSAGES["economic_buyer"],
        )
    ]


def _win_rates(
    repo: Repository, viewer: ViewerLike, owners: list[int] | None
) -> tuple[float | None, float | None]:
    """Won / closed over the last :data:`WIN_RATE_DAYS` days: the rep's (or team's; everyone's in
    scope when ``owners`` is None), and the other reps' in the viewer's scope."""
    since = repo.as_of - dt.timedelta(days=WIN_RATE_DAYS)
    mine = Opportunity.owner_id.in_(owners) if owners is not None else true()
    closed = [Opportunity.is_closed, Opportunity.closed_at > since, Opportunity.closed_at <= repo.as_of]
    reps = repo.users(viewer, User.id).where(User.role == Role.REP.value)
    with repo.connect() as connection:
        row = connection.execute(
            repo.opportunities(
                viewer,
                func.count().filter(mine),
                func.count().filter(mine & Opportunity.is_won),
                func.count().filter(~mine),
                func.count().filter(~mine & Opportunity.is_won),
            ).where(*closed, Opportunity.owner_id.in_(reps))
        ).one()
    return (row[1] / row[0] if row[0] else None), (row[3] / row[2] if row[2] else None)


def _win_rate_topic(rate: float | None, peers: float | None) -> list[CoachingTopic]:
    if rate is None or peers is None or rate > peers - WIN_RATE_GAP:
        return []
    return [
        CoachingTopic(
            topic="Win rate",
            why=f"{rate:.0%} of deals closed in the last {WIN_RATE_DAYS} days were won, against {peers:.0%} "
            "for the other reps",
            playbook=PASSAGES["win_rate"],
        )
    ]
