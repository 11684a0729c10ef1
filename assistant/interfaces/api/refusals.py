"""A request refused by validation (422) leaves an audit entry like any other request.

FastAPI refuses a body or query that fails validation before the route runs, so neither the
assistant nor a read ever sees it; the problem handlers call :func:`audit_refusal` instead. The
entry is filed under the token's user (kept on the request once the token was checked; for a
body that is not even JSON, read before the token is checked, the token is checked here), with
the outcome ``rejected`` and the first validation error as the detail. The request is what was
asked where the body says it (``question`` for ``/v1/ask``, ``name`` for a plan), else the method
and path. A request with no valid token is not audited: it has no user (it is a 401).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from assistant.interfaces.api.deps import ApiState
from assistant.interfaces.api.tokens import Caller, TokenRefused

#: The audit kind of a refused request, by path (other paths are ``request``).
KINDS = {
    "/v1/ask": "ask",
    "/v1/plans/account": "plan_account",
    "/v1/plans/account/chart": "plan_account",
    "/v1/plans/territory": "plan_territory",
    "/v1/plans/territory/chart": "plan_territory",
}


def _caller(request: Request, state: ApiState) -> Caller | None:
    caller = getattr(request.state, "caller", None)
    if isinstance(caller, Caller):
        return caller
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return state.tokens.check(token.strip())
    except TokenRefused:
        return None


def _asked(request: Request, body: Any) -> str:
    for field in ("question", "name"):
        value = body.get(field) if isinstance(body, dict) else getattr(request.state, field, None)
        if isinstance(value, str) and value.strip():
            return value
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.method} {request.url.path}{query}"


async def audit_refusal(request: Request, detail: str, body: Any = None) -> None:
    """Write the ``rejected`` audit entry of a request refused with 422 (``body`` as received)."""
    state = getattr(request.app.state, "salesplan", None)
    if not isinstance(state, ApiState):
        return
    caller = await asyncio.to_thread(_caller, request, state)
    if caller is None:
        return
    await asyncio.to_thread(
        state.context.reads.record_refusal,
        caller.viewer,
        channel="api",
        kind=KINDS.get(request.url.path, "request"),
        question=_asked(request, body),
        detail=detail,
    )
