"""Errors as RFC 9457 problem details (``application/problem+json``), with the right status.

=========================================== ======================================================
cause                                       status
=========================================== ======================================================
no or bad bearer token                      401 (``WWW-Authenticate: Bearer``)
a record or name the caller cannot see      404 — the same as one that does not exist
a name matching several records             422, with the candidates
a request that fails validation             422, with each error's location and message (and an
                                            audit entry, :mod:`~assistant.interfaces.api.refusals`)
other input errors (bad period, stage…)     400
a request the caller may not make at all    403 (e.g. a rep asking for a rebalance)
request body over the limit                 413
rate limit                                  429 (``Retry-After``)
database or index unavailable, bad config   503
anything else (a bug, a ``UsageError``)     500, with no internals shown
=========================================== ======================================================
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.interfaces.api.refusals import audit_refusal
from tools.errors import Conflict, DataError, InputError, NotFound, NotPermitted, SalesplanError
from tools.resolve import AmbiguousName, UnknownName
from tools.store.db import DatabaseOutage

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("salesplan.api")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the error is: body, query or path, then the field.")
    msg: str
    type: str


class Problem(BaseModel):
    """A problem detail (RFC 9457)."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem (the HTTP status phrase).")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong, for a person to read.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(default=None, description="Validation errors, one per field.")
    candidates: list[str] | None = Field(default=None, description="The records an ambiguous name matches.")


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def status_of(exc: SalesplanError) -> int:
    if isinstance(exc, UnknownName | NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, AmbiguousName):
        return 422
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, NotPermitted):
        return 403
    return 503 if isinstance(exc, DataError) else 500


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route can return (the schema is
    moved under ``application/problem+json`` by :func:`documented_as_problems`)."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase, "content": {PROBLEM_JSON: {}}}
        for status in statuses
    }


def documented_as_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each error response's schema under ``application/problem+json``, the media
    type the errors are sent as (FastAPI files a response model under ``application/json``), so a
    client or a contract test checks error bodies against :class:`Problem` too."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in "45" and PROBLEM_JSON in content and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return document


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app returns becomes a problem detail."""

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 422:
            await audit_refusal(request, detail or "invalid request")
        return problem_response(exc.status_code, detail, request=request, headers=dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            FieldError(
                loc=[p for p in e.get("loc", ()) if isinstance(p, str | int)], msg=e["msg"], type=e["type"]
            )
            for e in exc.errors()
        ]
        first = errors[0] if errors else None
        detail = f"{'.'.join(str(p) for p in first.loc)}: {first.msg}" if first else "invalid request"
        await audit_refusal(request, detail, exc.body)
        return problem_response(422, detail, request=request, errors=errors)

    async def salesplan_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SalesplanError)
        candidates = [c.name for c in exc.candidates] if isinstance(exc, AmbiguousName) else None
        return problem_response(status_of(exc), str(exc), request=request, candidates=candidates)

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return problem_response(503, "the database is unavailable", request=request)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "an unexpected error occurred", request=request)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(SalesplanError, salesplan_error)
    app.add_exception_handler(DatabaseOutage, database_error)
    app.add_exception_handler(Exception, unexpected)
