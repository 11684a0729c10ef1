"""A drafted plan: the tools' facts, the narrative written over them, and the draft returned to users.

The same structure whoever writes the narrative (the configured model or the offline templates):
every objective, action and risk is one of the facts' candidates (its target, owner, due date and
link come from the data) with its wording from the writer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.plans import ActionBasis, ObjectiveBasis, RiskBasis
from tools.plans.account import AccountPlanFacts
from tools.plans.territory import TerritoryPlanFacts

PlanKind = Literal["account", "territory"]


class Objective(ObjectiveBasis):
    """An objective candidate with its wording."""

    statement: str = Field(description="The SMART objective in words.")


#: An action and a risk are their candidates with the wording of ``action`` / ``mitigation`` replaced.
Action = ActionBasis
Risk = RiskBasis


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
    chart: str | None = Field(
        default=None,
        description="Where the plan's history chart (PNG) was written, as the Markdown links it.",
    )


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
    chart: str | None = Field(
        default=None, description="Path of the history chart (PNG), when one was written."
    )
