"""``GET /v1/deals`` (a list of deals), ``GET /v1/deals/stalled`` (stalled and at-risk deals, riskiest
first) and ``GET /v1/deals/{id}`` (one deal), as the caller may see them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from assistant.interfaces.api.deal_list import DealList, DealLister, DealListParams
from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.links import account_plan_links, deal_links
from assistant.interfaces.api.params import MAX_AMOUNT, QUERY
from assistant.interfaces.api.problems import error_responses
from assistant.interfaces.api.records import DealId, deal_exists
from tools.deals.details import DealDetails, DealQuery
from tools.deals.stalled import StalledDeals, StalledQuery

router = APIRouter(tags=["deals"])


class StalledParams(StalledQuery):
    """The stalled-deal filters, with amounts bounded to what the money columns hold."""

    model_config = QUERY

    min_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at least this amount."
    )
    max_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at most this amount."
    )


@router.get(
    "/v1/deals",
    response_model=DealList,
    summary="List deals",
    responses={
        200: {"description": "The deals.", "links": deal_links("/deals/0/id")},
        **error_responses(400, 401, 404, 422, 429, 503),
    },
)
def deals(params: Annotated[DealListParams, Query()], viewer: ViewerDep, state: StateDep) -> DealList:
    """Deals in the caller's scope by stage, owner, period and the other deal filters, open ones by
    default, the largest first; each open deal says whether a stall rule flags it. `stalled=true`
    lists only flagged deals (riskiest first), `stalled=false` only the others. A rep sees their own
    deals; a name outside the caller's scope (another rep's, say) is a 404."""
    lister = DealLister(state.context.reads, state.context.repository.stages, viewer)
    return lister.deals(params)


@router.get(
    "/v1/deals/stalled",
    response_model=StalledDeals,
    summary="Stalled and at-risk deals",
    responses={
        200: {
            "description": "The stalled deals.",
            "links": {**account_plan_links("/deals/0/account"), **deal_links("/deals/0/id")},
        },
        **error_responses(400, 401, 404, 422, 429, 503),
    },
)
def stalled(params: Annotated[StalledParams, Query()], viewer: ViewerDep, state: StateDep) -> StalledDeals:
    """Open deals in the caller's scope that break a stall rule, with the evidence for each flag and
    the suggested next action; the filters narrow the caller's scope (a name outside it is 404)."""
    return state.context.reads.run_tool(viewer, "stalled_deals", params, returns=StalledDeals, channel="api")


@router.get(
    "/v1/deals/{deal_id:path}",
    response_model=DealDetails,
    summary="Deal details",
    responses={
        200: {"description": "The deal.", "links": account_plan_links("/account")},
        **error_responses(401, 404, 422, 429, 503),
    },
)
def deal(
    deal_id: Annotated[DealId, Path(description="The deal's id: `opportunity/42` or `42`.")],
    viewer: ViewerDep,
    state: StateDep,
) -> DealDetails:
    """Stage, amount, dates, next step, stage history and recent activity of one deal. A deal
    outside the caller's scope is reported exactly like one that does not exist (404)."""
    deal_exists(state.context.repository, viewer, deal_id)
    query = DealQuery(deal=f"opportunity/{deal_id}")
    return state.context.reads.run_tool(viewer, "deal_details", query, returns=DealDetails, channel="api")
