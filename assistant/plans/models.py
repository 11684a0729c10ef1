"""A drafted plan: the tools' facts, the narrative written over them, and the draft returned to users.

The same structure whoever writes the narrative (the configured model or the offline templates):
every objective, action and risk is one of the facts' candidates (its target, owner, due date and
link come from the data) with its wording from the writer.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tools.evidence import Figure
from tools.plan_account import AccountPlanFacts
from tools.plan_territory import TerritoryPlanFacts

PlanKind = Literal["account", "territory"]


class Objective(BaseModel):
    key: str
    statement: str = Field(description="The SMART objective in words.")
    measure: str
    baseline: Figure
    target: Figure
    due: dt.date
    links: list[str]


class Action(BaseModel):
    key: str
    action: str
    owner: str
    due: dt.date
    link: str | None
    link_label: str | None
    reason: str
    playbook: str | None


class Risk(BaseModel):
    key: str
    risk: str
    mitigation: str
    evidence: Figure | None
    link: str | None
    playbook: str | None


class Narrative(BaseModel):
    """What a writer produces: a summary and the wording of each candidate, by key."""

    summary: str
    objectives: dict[str, str] = Field(default_factory=dict)
    actions: dict[str, str] = Field(default_factory=dict)
    mitigations: dict[str, str] = Field(default_factory=dict)


class PlanBody(BaseModel):
    title: str
    summary: str
    objectives: list[Objective]
    actions: list[Action]
    risks: list[Risk]
    written_by: str = Field(description="The model that wrote the narrative ('offline' for the templates).")
    notes: list[str] = Field(default_factory=list, description="What the drafter changed or could not do.")


class AccountPlan(PlanBody):
    kind: Literal["account"] = "account"
    facts: AccountPlanFacts


class TerritoryPlan(PlanBody):
    kind: Literal["territory"] = "territory"
    facts: TerritoryPlanFacts


class PlanDraft(BaseModel):
    """One drafted plan, as ``salesplan plan … --json`` prints it and the API returns it."""

    kind: PlanKind
    title: str
    markdown: str = Field(description="The whole plan in Markdown.")
    plan: AccountPlan | TerritoryPlan = Field(discriminator="kind")
    citations: list[str] = Field(description="Playbook citation ids and record ids the plan draws on.")
    model: str = Field(description="The model that wrote the narrative.")
    latency_ms: int
    fallback_reason: str | None = None
