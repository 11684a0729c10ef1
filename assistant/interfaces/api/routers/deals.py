"""``GET /v1/deals/stalled``: the caller's stalled and at-risk deals, riskiest first."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.links import account_plan_links
from assistant.interfaces.api.problems import error_responses
from tools.deals.stalled import StalledDeals, StalledQuery

router = APIRouter(tags=["deals"])
#: Amounts the money columns can hold (16 digits, two of them cents).
MAX_AMOUNT = Decimal("99999999999999.99")


class StalledParams(StalledQuery):
    """The stalled-deal filters, with amounts bounded to what the money columns hold."""

    min_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at least this amount."
    )
    max_amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only deals of at most this amount."
    )


@router.get(
    "/v1/deals/stalled",
    response_model=StalledDeals,
    summary="Stalled and at-risk deals",
    responses={
        200: {"description": "The stalled deals.", "links": account_plan_links("/deals/0/account")},
        **error_responses(400, 401, 404, 422, 429, 503),
    },
)
def stalled(params: Annotated[StalledParams, Query()], viewer: ViewerDep, state: StateDep) -> StalledDeals:
    """Open deals in the caller's scope that break a stall rule, with the evidence for each flag and
    the suggested next action; the filters narrow the caller's scope (a name outside it is 404)."""
    return state.context.reads.run_tool(viewer, "stalled_deals", params, returns=StalledDeals, channel="api")
