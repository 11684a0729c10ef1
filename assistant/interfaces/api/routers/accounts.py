"""``GET /v1/accounts/{account_id}``: one account's profile, as the caller may see it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.links import account_plan_links
from assistant.interfaces.api.problems import error_responses
from tools.accounts.profile import AccountProfile, AccountProfileInput
from tools.resolve import AmbiguousName
from tools.store.schema import Account

router = APIRouter(tags=["accounts"])
MAX_ID = 2_147_483_647


@router.get(
    "/v1/accounts/{account_id}",
    response_model=AccountProfile,
    summary="Account profile",
    responses={
        200: {"description": "The account profile.", "links": account_plan_links("/firmographics/name")},
        **error_responses(401, 404, 409, 422, 429, 503),
    },
)
def account(
    account_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The account's id (`account/<id>`).")],
    viewer: ViewerDep,
    state: StateDep,
) -> AccountProfile:
    """Firmographics, buying committee, products, deals, recent activity and health. An account
    outside the caller's scope is reported exactly like one that does not exist (404)."""
    repository = state.context.repository
    with repository.connect() as connection:
        name = connection.execute(
            repository.accounts(viewer, Account.name).where(Account.id == account_id)
        ).scalar_one_or_none()
    if name is None:
        raise HTTPException(404, f"no account with id {account_id}")
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
