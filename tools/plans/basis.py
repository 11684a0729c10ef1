"""The facts of a drafted plan: every figure and list a plan shows, and the grounded candidates.

A plan is drafted in two layers. This layer (tools) builds the facts — the figures and records of
an account or a territory, and *candidates* for the plan's objectives, actions and risks, each
computed from the data and tied to a record or a playbook passage. The assistant layer
(``assistant/plans``) chooses among the candidates and writes the narrative: the summary and the
wording of each objective, action and mitigation, with the configured model or with the offline
planner's templates. The targets, owners, due dates and links of the candidates never come from
the model, so a plan's figures are always the tools' figures.

Candidate keys (``O1``, ``A3``, ``R2``) are stable within one draft; a narrative refers to them.

* :func:`tools.plans.account.account_plan_facts` — an account;
* :func:`tools.plans.territory.territory_plan_facts` — a territory, a manager's team or "my territory".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from tools.evidence import Figure
from tools.periods import Period, quarter_containing
from tools.playbook import PlaybookQuery, PlaybookSearcher, search_playbook

#: Passages kept per playbook query, and in all, for a plan's references.
PASSAGES_PER_TOPIC = 1
MAX_PLAYBOOK_REFS = 5


class PlaybookRef(BaseModel):
    """A playbook passage a plan draws on."""

    citation: str
    heading: str
    topic: str = Field(description="Why the plan cites it (the situation it speaks to).")


class Candidate(BaseModel):
    #: ``O1``, ``A2``, ``R3``: set by :func:`keyed` once the candidates are in order.
    key: str = ""


class ObjectiveBasis(Candidate):
    """A SMART objective candidate: a measure, where it stands, the target and the deadline."""

    theme: str = Field(description="What the objective is about, e.g. 'close open pipeline'.")
    measure: str = Field(description="How progress is measured.")
    baseline: Figure
    target: Figure
    due: dt.date
    links: list[str] = Field(default_factory=list, description="Records or playbook passages behind it.")


class ActionBasis(Candidate):
    """An action candidate: what, for which record, by whom and when, and why (the evidence)."""

    action: str = Field(description="The action in plain words (the offline wording).")
    owner: str
    due: dt.date
    link: str | None = Field(default=None, description="The record the action is about.")
    link_label: str | None = None
    reason: str = Field(description="The data that calls for it.")
    playbook: str | None = None


class RiskBasis(Candidate):
    """A risk candidate: what the data shows, the record behind it, and a suggested mitigation."""

    risk: str
    evidence: Figure | None = None
    link: str | None = None
    mitigation: str = Field(description="The offline wording of the mitigation.")
    playbook: str | None = None


class PlanHorizon(BaseModel):
    """The two quarters a plan covers: this one and the next."""

    this_quarter: str
    this_quarter_end: dt.date
    next_quarter: str
    next_quarter_end: dt.date


def horizon(as_of: dt.date, fy_start_month: int) -> PlanHorizon:
    this = quarter_containing(as_of, fy_start_month)
    following: Period = quarter_containing(this.end, fy_start_month)
    return PlanHorizon(
        this_quarter=this.label,
        this_quarter_end=this.last_day,
        next_quarter=following.label,
        next_quarter_end=following.last_day,
    )


#: A goal due "this quarter" needs at least this many days; with fewer left it is due next quarter.
MIN_DAYS_LEFT = 14


def near_term(span: PlanHorizon, as_of: dt.date) -> dt.date:
    """The due date of a this-quarter goal: this quarter's end, or next quarter's when it is too close."""
    if (span.this_quarter_end - as_of).days >= MIN_DAYS_LEFT:
        return span.this_quarter_end
    return span.next_quarter_end


def playbook_refs(
    searcher: PlaybookSearcher | None, topics: Sequence[tuple[str, str]]
) -> tuple[list[PlaybookRef], str | None]:
    """The best passage for each ``(topic, query)``, without repeats; and a note when unavailable."""
    refs: list[PlaybookRef] = []
    for topic, query in topics:
        found = search_playbook(searcher, PlaybookQuery(query=query, k=PASSAGES_PER_TOPIC + 1))
        if not found.available:
            return [], found.note
        fresh = [p for p in found.passages if p.citation not in {r.citation for r in refs}]
        refs.extend(
            PlaybookRef(citation=p.citation, heading=p.heading, topic=topic)
            for p in fresh[:PASSAGES_PER_TOPIC]
        )
    return refs[:MAX_PLAYBOOK_REFS], None


def cite_for(refs: Iterable[PlaybookRef], topic: str) -> str | None:
    """The citation the plan uses for ``topic``, if any."""
    return next((r.citation for r in refs if r.topic == topic), None)


def keyed(prefix: str, items: Sequence[Candidate]) -> None:
    """Number candidates ``O1``, ``O2``… in order."""
    for number, item in enumerate(items, start=1):
        item.key = f"{prefix}{number}"
