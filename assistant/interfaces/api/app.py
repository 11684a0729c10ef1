"""The HTTP API: ``create_app(settings)`` builds the FastAPI application; ``salesplan serve`` runs it.

Every ``/v1`` route runs as the user behind the request's bearer token (see
:mod:`assistant.interfaces.api.deps`), answers errors as problem details
(:mod:`assistant.interfaces.api.problems`), refuses bodies over ``SALESPLAN_API_MAX_BODY_BYTES``
and cuts off clients that take longer than ``SALESPLAN_API_BODY_TIMEOUT`` to send one
(:mod:`assistant.interfaces.api.limits`). The OpenAPI document is at ``/openapi.json`` and the
interactive docs at ``/docs`` (and ``/redoc``); their scripts, styles and icon are served by the
app itself from the ``fastapi-offline`` package (under ``/static-offline-docs``), so the docs work
without internet access and load nothing from a CDN, and Swagger UI's online validator is off.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from assistant.bootstrap import AppContext, load_settings
from assistant.interfaces.api.deps import ApiState
from assistant.interfaces.api.limits import BodyReadTimeout, BodySizeLimit
from assistant.interfaces.api.problems import documented_as_problems, install_problem_handlers
from assistant.interfaces.api.routers import (
    accounts,
    ask,
    changes,
    deals,
    health,
    metrics,
    pipeline,
    plans,
    playbook,
    threads,
)
from assistant.settings import Settings

DESCRIPTION = """\
Ask Salesplan questions, draft account and territory plans, and read deals, the pipeline, the
forecast, rep performance, accounts and any metric over HTTP. Every read runs the same tool the
assistant calls, with the same scope, audit and limits. Authenticate with
`Authorization: Bearer <token>`; tokens are created with `salesplan users token create --user WHO`,
and every request sees exactly what the token's user may see. Record ids are accepted as
`account/528` or `528`. Errors are problem details (`application/problem+json`).
"""


def _version() -> str:
    try:
        return version("salesplan")
    except PackageNotFoundError:
        return "0"


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    """The API application over ``context`` (built from ``settings``, else the environment)."""
    context = context or AppContext(settings or load_settings())
    app = FastAPIOffline(
        title="Salesplan API",
        version=_version(),
        description=DESCRIPTION,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.salesplan = ApiState(context)
    install_problem_handlers(app)
    built = app.openapi
    app.openapi = lambda: documented_as_problems(built())  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit, max_bytes=context.settings.api_max_body_bytes)
    app.add_middleware(BodyReadTimeout, seconds=context.settings.api_body_timeout)
    for module in (health, ask, threads, plans, deals, pipeline, metrics, accounts, changes, playbook):
        app.include_router(module.router)
    return app


def create_worker_app() -> FastAPI:
    """The application of one worker of ``salesplan serve --workers N``: built from the environment,
    with the playbook opened in the background in the worker that searches it (indexed by one
    worker if there is no index yet; the others wait for it), not in the supervising process."""
    context = AppContext(load_settings())
    context.warm_playbook()
    return create_app(context=context)
