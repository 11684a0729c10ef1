"""What the routes are given: the shared state, and the caller behind the bearer token.

Every ``/v1`` route depends on :data:`ViewerDep`: the token is checked (401 when missing, unknown,
revoked, replaced or expired, saying which), the token's rate limit is taken (429 with
``Retry-After``), and the route runs as the token's user — the scope of every query is that
user's, enforced in the data layer. The caller is also kept on the request (``request.state.caller``),
so a request refused afterwards by validation is audited under its user.

Only :func:`get_caller` blocks (it reads the token and takes the rate limit from the database), so
only it runs in the thread pool; the dependencies that merely hand over an object are coroutines,
as FastAPI runs every plain function dependency in the pool (a thread hop each, per request).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.bootstrap import AppContext
from assistant.interfaces.api.ratelimit import RateLimiter
from assistant.interfaces.api.tokens import Caller, TokenRefused, TokenStore
from assistant.link_policy import LinkPolicy
from tools.viewer import Viewer


@dataclass
class ApiState:
    """The app's shared state. ``turns`` bounds the questions and plans worked on at once
    (``SALESPLAN_MAX_CONCURRENT_TURNS``); requests past it wait their turn instead of piling
    onto the CPU, the model server and the conversation store together."""

    context: AppContext
    turns: asyncio.Semaphore = field(init=False)
    #: The hosts answers' Markdown may link to (``SALESPLAN_LINK_HOSTS`` and the CRM's record host).
    links: LinkPolicy = field(init=False)

    def __post_init__(self) -> None:
        self.turns = asyncio.Semaphore(self.context.settings.max_concurrent_turns)
        self.links = LinkPolicy.of(self.context.settings.allowed_link_hosts)

    @cached_property
    def tokens(self) -> TokenStore:
        return TokenStore(self.context.engine, self.context.settings.token_days)

    @cached_property
    def limiter(self) -> RateLimiter:
        """Per-token limits, shared through the database by every process serving it."""
        return RateLimiter(self.context.engine, self.context.settings.api_rate_limit_per_minute)


async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.salesplan
    return state


StateDep = Annotated[ApiState, Depends(get_state)]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `salesplan users token create --user WHO`.",
)


def get_caller(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        caller = state.tokens.check(credentials.credentials)
    except TokenRefused as refused:
        raise HTTPException(
            401, str(refused), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None
    request.state.caller = caller
    wait = state.limiter.acquire(caller.token_id)
    if wait is not None:
        limit = state.context.settings.api_rate_limit_per_minute
        raise HTTPException(
            429,
            f"rate limit of {limit} requests per minute for this token exceeded",
            headers={"Retry-After": RateLimiter.retry_after(wait)},
        )
    return caller


async def get_viewer(caller: Annotated[Caller, Depends(get_caller)]) -> Viewer:
    return caller.viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
