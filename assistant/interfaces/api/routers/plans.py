"""``POST /v1/plans/account`` and ``POST /v1/plans/territory``: drafted plans, as the caller may
see the data (an account or territory outside the caller's scope is 404, like a missing one).

``POST /v1/plans/account/chart`` and ``POST /v1/plans/territory/chart`` take the same body and
return the plan's history chart (bookings, pipeline created and win rate by quarter) as a PNG, to
attach beside the plan's Markdown. In the Markdown only links to allowed hosts stay links
(:mod:`assistant.link_policy`)."""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from assistant.interfaces.api.deps import ApiState, StateDep, ViewerDep
from assistant.interfaces.api.problems import error_responses
from assistant.link_policy import allowed_links_only
from assistant.plans.chart import draw_history
from assistant.plans.models import AccountPlan, PlanDraft

router = APIRouter(tags=["plans"])
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ERRORS = error_responses(400, 401, 404, 408, 413, 422, 429, 503)


class AccountPlanRequest(BaseModel):
    name: Name = Field(description="The account's name; close spellings are matched.", examples=["Acme"])


class TerritoryPlanRequest(BaseModel):
    name: Name | None = Field(
        default=None,
        description="A territory, or a person (their team); leave it out for your own territory or team.",
        examples=["West Enterprise"],
    )


def _linked(draft: PlanDraft, state: ApiState) -> PlanDraft:
    """The draft with only links to allowed hosts left in its Markdown (:mod:`assistant.link_policy`)."""
    return draft.model_copy(update={"markdown": allowed_links_only(draft.markdown, state.links)})


@router.post("/v1/plans/account", response_model=PlanDraft, summary="Draft an account plan", responses=ERRORS)
async def account_plan(body: AccountPlanRequest, viewer: ViewerDep, state: StateDep) -> PlanDraft:
    """A drafted account plan: SMART objectives, actions with owners and dates, risks, the facts
    behind them, and the whole plan in Markdown. Every figure comes from the CRM."""
    async with state.turns:
        draft = await state.context.assistant.aplan_account(viewer, body.name, channel="api")
    return _linked(draft, state)


@router.post(
    "/v1/plans/territory", response_model=PlanDraft, summary="Draft a territory plan", responses=ERRORS
)
async def territory_plan(body: TerritoryPlanRequest, viewer: ViewerDep, state: StateDep) -> PlanDraft:
    """A drafted territory plan for a territory, a person's team, or the caller's own territory or
    team, with the whole plan in Markdown. Every figure comes from the CRM."""
    async with state.turns:
        draft = await state.context.assistant.aplan_territory(viewer, body.name, channel="api")
    return _linked(draft, state)


PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The history chart as a PNG."}
}


async def _png(draft: PlanDraft) -> Response:
    plan = draft.plan
    name = plan.facts.account.name if isinstance(plan, AccountPlan) else plan.facts.scope.label
    buffer = io.BytesIO()
    title = f"{name}: bookings, pipeline created and win rate"
    await asyncio.to_thread(draw_history, plan.facts.history, title, buffer)
    return Response(content=buffer.getvalue(), media_type="image/png")


@router.post(
    "/v1/plans/account/chart",
    response_class=Response,
    summary="An account plan's history chart (PNG)",
    responses={**ERRORS, **PNG},
)
async def account_plan_chart(body: AccountPlanRequest, viewer: ViewerDep, state: StateDep) -> Response:
    """Your bookings, pipeline created and win rate on the account for the last four quarters and
    the year to date, as in the plan's history table."""
    async with state.turns:
        draft = await state.context.assistant.aplan_account(viewer, body.name, channel="api")
    return await _png(draft)


@router.post(
    "/v1/plans/territory/chart",
    response_class=Response,
    summary="A territory plan's history chart (PNG)",
    responses={**ERRORS, **PNG},
)
async def territory_plan_chart(body: TerritoryPlanRequest, viewer: ViewerDep, state: StateDep) -> Response:
    """The territory's bookings, pipeline created and win rate for the last four quarters and the
    year to date, as in the plan's history table."""
    async with state.turns:
        draft = await state.context.assistant.aplan_territory(viewer, body.name, channel="api")
    return await _png(draft)
