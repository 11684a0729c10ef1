"""The SQL side of the stalled-deal rules: one pass over the open deals in scope.

Every rule becomes a severity column (0 none, 2 medium, 3 high) computed in the database from
the deal's own columns (``ix_opportunities_open`` covers them all), so counting flags and ranking
deals by risk never leaves SQL; Python only formats the deals that are listed.

:func:`scan_once` evaluates the rules once per open deal, in one statement: a materialised CTE
scores every open deal in scope, and it returns, from that CTE, one row per owner (open deals,
flagged deals, amount at risk and its estimated part, flags per rule) and the riskiest flagged
deals. (Window functions over the scored deals, tried first, were slower: each distinct window
sorts every open deal.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Float,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)

from tools.deals.stalled_rules import Rule, Severity
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity
from tools.store.schema_scores import DealScore
from tools.store.sqlfuncs import days_between

NONE, MEDIUM, HIGH = 0, 2, 3
SEVERITY = {MEDIUM: Severity.MEDIUM, HIGH: Severity.HIGH}
#: With a learned win score, a deal breaking the rules is at risk only when its score is at most
#: this share of its stage's probability (the model gives it at most half its stage's odds).
SCORE_BELOW_STAGE = 0.5
#: How much a deal's value at risk counts by when it should close: within 30 days (or already
#: past), within 90 days, later or undated.
URGENCY = ((30, 1.0), (90, 0.6))
LATER = 0.3


def _over(value: ColumnElement[Any], limit: Any) -> ColumnElement[int]:
    """High beyond twice the limit, medium beyond it."""
    return case((value > 2 * limit, HIGH), (value > limit, MEDIUM), else_=NONE)


@dataclass
class Scan:
    """The rules as SQL: the numbers each open deal is judged on (``measures``, computed once per
    deal), how they are judged (:meth:`severities`, over those numbers), and the facts behind a
    listed deal's flags."""

    measures: dict[str, Any]
    rules: list[Rule]
    limits: dict[str, float | None]
    skipped: set[Rule]
    facts: Sequence[ColumnElement[Any]]
    #: The deal scores are the current ones of a model that beat the stage probability.
    scored: bool = False

    def material(self, c: Any, severities: dict[Rule, ColumnElement[int]]) -> ColumnElement[bool]:
        """Whether a deal breaking the rules is at risk: a rule broken twice over (high) or two
        rules broken, and, with a learned win score in use, a score at most
        :data:`SCORE_BELOW_STAGE` of its stage's probability (a deal the model has not scored yet,
        opened since it was trained, is judged on the rules alone)."""
        broken = sum((case((column > NONE, 1), else_=0) for column in severities.values()), literal(0))
        evidence = or_(*(column == HIGH for column in severities.values()), broken >= 2)
        if not self.scored:
            return evidence
        weak: ColumnElement[bool] = or_(
            c.unscored == 1, c.probability <= SCORE_BELOW_STAGE * c.stage_probability
        )
        return evidence & weak

    def severities(self, c: Any) -> dict[Rule, ColumnElement[int]]:
        """Each rule's severity over the measures ``c`` (columns named as :attr:`measures`)."""
        limits = self.limits
        pushes = limits["pushes"] or 0
        judged: dict[Rule, ColumnElement[int]] = {
            Rule.STAGE_AGE: case(
                (c.stage_days > 2 * c.threshold, HIGH), (c.stage_days > c.threshold, MEDIUM), else_=NONE
            ),
            Rule.NO_ACTIVITY: _over(c.activity_days, limits["no_activity"]),
            Rule.PAST_CLOSE: case((c.past_close == 1, HIGH), else_=NONE),
            Rule.PUSHED: case((c.pushes >= 2 * pushes, HIGH), (c.pushes >= pushes, MEDIUM), else_=NONE),
            Rule.NEXT_STEP: case(
                (c.step_missing == 1, MEDIUM),
                (c.step_overdue > 14, HIGH),
                (c.step_overdue > 0, MEDIUM),
                else_=NONE,
            ),
            Rule.SINGLE_THREAD: case(
                ((c.large == 1) & (c.contacts == 0), HIGH),
                ((c.large == 1) & (c.contacts == 1), MEDIUM),
                else_=NONE,
            ),
            Rule.AGED: _over(c.age, limits["aged"]) if limits["aged"] else literal(NONE),
        }
        return {rule: literal(NONE) if rule in self.skipped else judged[rule] for rule in self.rules}

    @staticmethod
    def score(severities: dict[Rule, ColumnElement[int]]) -> ColumnElement[int]:
        return sum((func.coalesce(column, NONE) for column in severities.values()), literal(NONE))


def build_scan(
    repo: Repository,
    skipped: dict[Rule, str],
    aged_limit: float | None,
    stall_days: dict[str, int],
    scored: bool = False,
) -> Scan:
    """The rules as SQL; ``scored``: join the stored win scores (current, from a model in use)."""
    rules = repo.stages.stall_rules
    as_of = literal(repo.as_of, Date)
    stage_probability = case(
        {s.name: s.probability for s in repo.stages.open_stages}, value=Opportunity.stage, else_=0.0
    )
    probability = func.coalesce(DealScore.probability, stage_probability) if scored else stage_probability
    until_close = days_between(Opportunity.close_date, as_of)
    urgency = case(*((until_close <= days, weight) for days, weight in URGENCY), else_=LATER)
    threshold = case(stall_days, value=Opportunity.stage, else_=None)
    stage_days = days_between(as_of, Opportunity.stage_entered_at)
    activity_days = days_between(as_of, func.coalesce(Opportunity.last_activity_at, Opportunity.created_at))
    overdue = days_between(as_of, Opportunity.close_date)
    step_missing = or_(Opportunity.next_step.is_(None), func.trim(Opportunity.next_step) == "")
    step_overdue = days_between(as_of, Opportunity.next_step_date)
    age = days_between(as_of, Opportunity.created_at)
    large = Opportunity.amount >= Decimal(str(rules.large_deal_amount))
    measures: dict[str, Any] = {
        "stage_days": stage_days,
        "threshold": threshold,
        "activity_days": activity_days,
        "past_close": case((Opportunity.close_date < as_of, 1), else_=0),
        "pushes": Opportunity.close_date_pushes,
        "step_missing": case((step_missing, 1), else_=0),
        "step_overdue": step_overdue,
        "large": case((large, 1), else_=0),
        "contacts": Opportunity.contacts_engaged,
        "age": age,
        "probability": probability,
        "stage_probability": stage_probability,
        "urgency": urgency,
    }
    if scored:
        measures["unscored"] = case((DealScore.probability.is_(None), 1), else_=0)
    facts = [
        stage_days.label("stage_days"),
        threshold.label("threshold"),
        activity_days.label("activity_days"),
        overdue.label("overdue_days"),
        Opportunity.close_date_pushes.label("pushes"),
        step_overdue.label("next_step_overdue"),
        Opportunity.contacts_engaged.label("contacts"),
        age.label("age_days"),
    ]
    limits = {"no_activity": rules.no_activity_days, "pushes": rules.close_date_pushes, "aged": aged_limit}
    return Scan(measures, list(Rule), limits, set(skipped), facts, scored)


@dataclass
class Found:
    """What one scan found: the totals, flagged deals per owner, and the riskiest deals first."""

    open_deals: int = 0
    open_amount: Any = 0
    at_risk: Any = 0
    flagged: int = 0
    #: Open deals breaking at least one rule, at risk or not.
    breaking: int = 0
    amount: Any = 0
    estimated: Any = 0
    per_rule: list[int] = field(default_factory=list)
    per_owner: list[tuple[int, int]] = field(default_factory=list)
    top: list[Any] = field(default_factory=list)


OWNER, DEAL = 0, 1


def scan_once(
    connection: Connection,
    repo: Repository,
    viewer: ViewerLike,
    conditions: Sequence[ColumnElement[bool]],
    scan: Scan,
    rule: Rule | None,
    limit: int,
) -> Found:
    """Judge every open deal in scope matching ``conditions`` once; the ``limit`` riskiest flagged
    (by ``rule`` when given) come back with the totals.

    One statement: a materialised CTE computes the numbers every open deal is judged on (days in
    stage, since activity, past the next step, open; pushes, contacts…: each date difference
    once), and two selects judge them and are returned together (``UNION ALL``, same columns):
    one row per owner with their open and flagged deals, amounts at risk and flags per rule, and
    the riskiest flagged deals. The facts behind the listed deals' flags are then read by id.
    """
    rules = scan.rules
    deals = repo.opportunities(
        viewer,
        Opportunity.id,
        Opportunity.owner_id,
        Opportunity.amount,
        case((Opportunity.amount_estimated, 1), else_=0).label("estimated"),
        *(expression.label(name) for name, expression in scan.measures.items()),
    )
    if scan.scored:
        deals = deals.outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
    measured = (
        deals.where(*conditions)
        .cte("measured")
        # each deal's numbers computed once; inlined, every rule would compute its dates again
        .prefix_with("MATERIALIZED")
    )
    m = measured.c
    severities = scan.severities(m)
    judged = (
        select(
            m.id,
            m.owner_id,
            m.amount,
            m.estimated,
            m.probability,
            (func.coalesce(m.amount, 0) * (1 - m.probability) * m.urgency).label("at_risk"),
            case((scan.material(m, severities), 1), else_=0).label("material"),
            scan.score(severities).label("score"),
            *(severities[r].label(f"rule_{r.value}") for r in rules),
        )
        .cte("judged")
        # each rule judged once per deal; the totals below only add up its columns
        .prefix_with("MATERIALIZED")
    )
    c = judged.c
    # every deal breaking the asked rule; without one, the deals at risk (:meth:`Scan.material`)
    hit = (c.score > 0) & (c.material == 1) if rule is None else c[f"rule_{rule.value}"] > 0
    owners = select(
        literal(OWNER).label("part"),
        c.owner_id,
        func.count().label("n"),
        func.sum(case((hit, 1), else_=0)),
        func.sum(case((hit, c.amount), else_=0)),
        func.sum(case((hit & (c.estimated == 1), c.amount), else_=0)),
        # typed by this first select of the UNION: the deal rows carry the win probability here
        type_coerce(func.sum(c.amount), Float),
        func.sum(case((hit, c.at_risk), else_=0)),
        func.sum(case((c.score > 0, 1), else_=0)),
        *(func.sum(case((hit & (c[f"rule_{r.value}"] > 0), 1), else_=0)) for r in rules),
    ).group_by(c.owner_id)
    riskiest = (
        select(
            literal(DEAL).label("part"),
            c.owner_id,
            c.id,
            c.score,
            c.amount,
            c.estimated,
            c.probability,
            c.at_risk,
            literal(0),  # the owners' count of deals breaking a rule
            *(c[f"rule_{r.value}"] for r in rules),
        )
        .where(hit)
        .order_by(c.at_risk.desc(), c.score.desc(), c.id)
        .limit(limit)
        .subquery()
    )
    rows = connection.execute(union_all(owners, select(riskiest))).all()
    found = Found(per_rule=[0] * len(rules))
    for part, owner, *values in rows:
        if part != OWNER:
            continue
        opened, flagged, amount, estimated, open_amount, at_risk, breaking, *per_rule = values
        found.open_deals += int(opened)
        found.open_amount += open_amount or 0
        found.at_risk += at_risk or 0
        found.flagged += int(flagged or 0)
        found.breaking += int(breaking or 0)
        found.amount += amount or 0
        found.estimated += estimated or 0
        found.per_rule = [a + int(b or 0) for a, b in zip(found.per_rule, per_rule, strict=True)]
        if flagged:
            found.per_owner.append((int(owner), int(flagged)))
    # less the column only the owners' rows fill (deals breaking a rule)
    top = [values[:6] + values[7:] for part, _, *values in rows if part == DEAL]
    found.top = _with_facts(connection, repo, viewer, scan, rules, top)
    return found


def _with_facts(
    connection: Connection,
    repo: Repository,
    viewer: ViewerLike,
    scan: Scan,
    rules: list[Rule],
    top: list[list[Any]],
) -> list[SimpleNamespace]:
    """The listed deals, riskiest first, as the evidence reads them: id, stage, amount, score, each
    rule's severity (``rule_<name>``) and the facts behind them (read here for these deals only)."""
    if not top:
        return []
    judged = {int(values[0]): values for values in top}
    query = repo.opportunities(viewer, Opportunity.id, Opportunity.stage, *scan.facts).where(
        Opportunity.id.in_(list(judged))
    )
    facts = {int(row.id): row._asdict() for row in connection.execute(query)}
    listed = []
    for deal, (_, score, amount, estimated, probability, at_risk, *severities) in judged.items():
        listed.append(
            SimpleNamespace(
                **facts[deal],
                amount=amount,
                amount_estimated=bool(estimated),
                score=score,
                probability=probability,
                at_risk=at_risk,
                **{f"rule_{r.value}": severity for r, severity in zip(rules, severities, strict=True)},
            )
        )
    return listed
