"""``POST /v1/plans/account`` and ``POST /v1/plans/territory``: drafted plans, as the caller may
see the data (an account or territory outside the caller's scope is 404, like a missing one).
An account plan is asked for by the account's name or by its id (``account/528`` or ``528``).

``POST /v1/plans/account/chart`` and ``POST /v1/plans/territory/chart`` take the same body and
return the plan's history chart (bookings, pipeline created and win rate by quarter) as a PNG, to
attach beside the plan's Markdown. In the Markdown only links to allowed hosts stay links
(:mod:`assistant.link_policy`)."""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from assistant.interfaces.api.deps import ApiState, StateDep, ViewerDep
from assistant.interfaces.api.problems import error_responses
from assistant.interfaces.api.records import AccountIdField, account_name, namesakes
from assistant.link_policy import allowed_links_only
from assistant.plans.chart import draw_history
from assistant.plans.models import AccountPlan, PlanDraft
from tools.resolve import AmbiguousName
from tools.viewer import Viewer

router = APIRouter(tags=["plans"])
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ERRORS = error_responses(400, 401, 404, 408, 413, 422, 429, 503)
#: An account asked for by id can be one of several of the same name (409).
ACCOUNT_ERRORS = error_responses(400, 401, 404, 408, 409, 413, 422, 429, 503)


class AccountPlanRequest(BaseModel):
    name: Name | None = Field(
        default=None, description="The account's name; close spellings are matched.", examples=["Acme"]
    )
    account_id: AccountIdField | None = Field(
        default=None, description="Or the account's id: `account/528` or `528`.", examples=["account/1"]
    )

    @model_validator(mode="after")
    def _one_account(self) -> AccountPlanRequest:
        if (self.name is None) == (self.account_id is None):
            raise PydanticCustomError(
                "one_account", "give the account's name or its account_id (one of them)"
            )
        return self


class TerritoryPlanRequest(BaseModel):
    name: Name | None = Field(
        default=None,
        description="A territory, or a person (their team); leave it out for your own territory or team.",
        examples=["West Enterprise"],
    )


async def _account_plan(body: AccountPlanRequest, viewer: Viewer, state: ApiState) -> PlanDraft:
    """The drafted plan of the account the body names (by name, or by id within the caller's scope)."""
    if body.account_id is None:
        async with state.turns:
            return await state.context.assistant.aplan_account(viewer, body.name or "", channel="api")
    repository = state.context.repository
    name = await asyncio.to_thread(account_name, repository, viewer, body.account_id)
    clash = HTTPException(409, f"several accounts you can see are named {name!r}; ask by name to choose")
    if await asyncio.to_thread(namesakes, repository, viewer, name) > 1:
        raise clash
    try:
        async with state.turns:
            draft = await state.context.assistant.aplan_account(viewer, name, channel="api")
    except AmbiguousName as exc:
        raise clash from exc
    plan = draft.plan
    if not isinstance(plan, AccountPlan) or plan.facts.account.id != f"account/{body.account_id}":
        raise clash
    return draft


def _linked(draft: PlanDraft, state: ApiState) -> PlanDraft:
    """The draft with only links to allowed hosts left in its Markdown (:mod:`assistant.link_policy`)."""
    return draft.model_copy(update={"markdown": allowed_links_only(draft.markdown, state.links)})


@router.post(
    "/v1/plans/account", response_model=PlanDraft, summary="Draft an account plan", responses=ACCOUNT_ERRORS
)
async def account_plan(body: AccountPlanRequest, viewer: ViewerDep, state: StateDep) -> PlanDraft:
    """A drafted account plan: SMART objectives, actions with owners and dates, risks, the facts
    behind them, and the whole plan in Markdown. Every figure comes from the CRM."""
    return _linked(await _account_plan(body, viewer, state), state)


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
    responses={**ACCOUNT_ERRORS, **PNG},
)
async def account_plan_chart(body: AccountPlanRequest, viewer: ViewerDep, state: StateDep) -> Response:
    """Your bookings, pipeline created and win rate on the account for the last four quarters and
    the year to date, as in the plan's history table."""
    return await _png(await _account_plan(body, viewer, state))


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
