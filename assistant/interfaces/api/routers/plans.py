"""``POST /v1/plans/account`` and ``POST /v1/plans/territory``: drafted plans, as the caller may
see the data (an account or territory outside the caller's scope is 404, like a missing one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.problems import error_responses
from assistant.plans.models import PlanDraft

router = APIRouter(tags=["plans"])
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ERRORS = error_responses(400, 401, 404, 413, 422, 429, 503)


class AccountPlanRequest(BaseModel):
    name: Name = Field(description="The account's name; close spellings are matched.", examples=["Acme"])


class TerritoryPlanRequest(BaseModel):
    name: Name | None = Field(
        default=None,
        description="A territory, or a person (their team); leave it out for your own territory or team.",
        examples=["West Enterprise"],
    )


@router.post("/v1/plans/account", response_model=PlanDraft, summary="Draft an account plan", responses=ERRORS)
async def account_plan(body: AccountPlanRequest, viewer: ViewerDep, state: StateDep) -> PlanDraft:
    """A drafted account plan: SMART objectives, actions with owners and dates, risks, the facts
    behind them, and the whole plan in Markdown. Every figure comes from the CRM."""
    async with state.turns:
        return await state.context.assistant.aplan_account(viewer, body.name, channel="api")


@router.post(
    "/v1/plans/territory", response_model=PlanDraft, summary="Draft a territory plan", responses=ERRORS
)
async def territory_plan(body: TerritoryPlanRequest, viewer: ViewerDep, state: StateDep) -> PlanDraft:
    """A drafted territory plan for a territory, a person's team, or the caller's own territory or
    team, with the whole plan in Markdown. Every figure comes from the CRM."""
    async with state.turns:
        return await state.context.assistant.aplan_territory(viewer, body.name, channel="api")
