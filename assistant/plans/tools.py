"""The agent's plan tools: asking in a chat drafts the same plan as ``salesplan plan …``.

The tool returns the drafted plan's Markdown, so the answer is the plan document itself; the
drafter (with the turn's model as narrative writer) arrives in the agent's run context.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from assistant.plans.models import PlanDraft
from tools.plans.account import AccountPlanInput
from tools.plans.territory import TerritoryPlanInput
from tools.viewer import Viewer


class PlanMaker(Protocol):
    def account(self, viewer: Viewer, name: str) -> PlanDraft: ...

    def territory(self, viewer: Viewer, name: str | None) -> PlanDraft: ...


class PlanResult(BaseModel):
    kind: str
    title: str
    markdown: str = Field(description="The drafted plan; show it to the user as it is.")
    citations: list[str]
    written_by: str


def _result(draft: PlanDraft) -> PlanResult:
    return PlanResult(
        kind=draft.kind,
        title=draft.title,
        markdown=draft.markdown,
        citations=draft.citations,
        written_by=draft.model,
    )


def account_plan(drafter: PlanMaker, viewer: Viewer, params: AccountPlanInput) -> PlanResult:
    """Draft an account plan: relationships, whitespace, open deals and risks, objectives, actions.

    Every figure comes from the data; objectives, actions and risks are tied to records and
    playbook passages. Returns the plan as Markdown to show as it is.

    Args:
        account: The account's name; close spellings are matched.
    """
    return _result(drafter.account(viewer, params.account))


def territory_plan(drafter: PlanMaker, viewer: Viewer, params: TerritoryPlanInput) -> PlanResult:
    """Draft a territory plan: performance vs quota, key accounts, coverage, stalled deals, rep balance,
    SMART goals, an action plan per rep and risks.

    Returns the plan as Markdown to show as it is.

    Args:
        territory: A territory's name, a person's name (their team), or empty / 'my territory' for yours.
    """
    return _result(drafter.territory(viewer, params.territory))
