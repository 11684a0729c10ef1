"""``GET /v1/accounts`` (search the accounts the caller may see) and ``GET /v1/accounts/{id}`` (one
account's profile), through the ``search_accounts`` and ``account_profile`` tools."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import Field

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.links import account_plan_links, parameter_link
from assistant.interfaces.api.params import MAX_AMOUNT, MAX_COUNT, QUERY
from assistant.interfaces.api.problems import error_responses
from assistant.interfaces.api.records import AccountId, account_name
from tools.accounts.profile import AccountProfile, AccountProfileInput
from tools.accounts.search import AccountSearch, AccountSearchResult
from tools.resolve import AmbiguousName

router = APIRouter(tags=["accounts"])


class AccountSearchParams(AccountSearch):
    """The ``search_accounts`` filters, with the numbers bounded to what the columns hold."""

    model_config = QUERY

    min_potential: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, description="Only accounts with at least this potential."
    )
    min_employees: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Only accounts with at least this many employees."
    )
    min_annual_revenue: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT,
        description="Only accounts whose own annual revenue is at least this.",
    )


@router.get(
    "/v1/accounts",
    response_model=AccountSearchResult,
    summary="Search accounts",
    responses={
        200: {
            "description": "The matching accounts.",
            "links": {
                **account_plan_links("/accounts/0/name"),
                "Account": parameter_link(
                    "The account's profile.",
                    "get",
                    "/v1/accounts/{account_id}",
                    {"account_id": "$response.body#/accounts/0/id"},
                ),
            },
        },
        **error_responses(400, 401, 404, 422, 429, 503),
    },
)
def search(
    params: Annotated[AccountSearchParams, Query()], viewer: ViewerDep, state: StateDep
) -> AccountSearchResult:
    """Accounts the caller may see, by part of their name and any of the filters, largest potential
    first (or `sort_by`); `matched` counts them all, the list shows the first `limit`. A name the
    filters mention (territory, owner, parent, product) outside the caller's scope is a 404."""
    return state.context.reads.run_tool(
        viewer, "search_accounts", params, returns=AccountSearchResult, channel="api"
    )


@router.get(
    "/v1/accounts/{account_id:path}",
    response_model=AccountProfile,
    summary="Account profile",
    responses={
        200: {"description": "The account profile.", "links": account_plan_links("/firmographics/name")},
        **error_responses(401, 404, 409, 422, 429, 503),
    },
)
def account(
    account_id: Annotated[AccountId, Path(description="The account's id: `account/528` or `528`.")],
    viewer: ViewerDep,
    state: StateDep,
) -> AccountProfile:
    """Firmographics, buying committee, products, deals, recent activity and health. An account
    outside the caller's scope is reported exactly like one that does not exist (404)."""
    name = account_name(state.context.repository, viewer, account_id)
    try:
        profile = state.context.reads.run_tool(
            viewer,
            "account_profile",
            AccountProfileInput(account=name),
            returns=AccountProfile,
            channel="api",
        )
    except AmbiguousName as exc:
        raise HTTPException(409, f"several accounts you can see are named {name!r}") from exc
    if profile.firmographics.id != f"account/{account_id}":
        raise HTTPException(409, f"several accounts you can see are named {name!r}")
    return profile
