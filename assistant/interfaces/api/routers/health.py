"""``GET /healthz`` (the process answers) and ``GET /readyz`` (the database and the playbook index
can be reached). Neither needs a token; neither reveals data."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from assistant.bootstrap import AppContext
from assistant.interfaces.api.deps import StateDep
from tools.errors import SalesplanError
from tools.store.db import ping

router = APIRouter(tags=["health"])
log = logging.getLogger("salesplan.api")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="`ok`, or why the dependency cannot be used, per dependency.")


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    """The process is up and serving requests."""
    return Health()


def _database(context: AppContext) -> str:
    try:
        ping(context.engine)
    except SalesplanError as exc:
        return str(exc)
    except Exception as exc:  # a readiness probe reports any failure, it never raises
        log.warning("readiness: database check failed: %s", exc)
        return "the database cannot be reached"
    return "ok"


def _index(context: AppContext) -> str:
    if context.knowledge.indexing:
        return "the playbook is being indexed (first use)"
    try:
        context.knowledge.index.open()
    except SalesplanError as exc:
        return str(exc)
    except Exception as exc:  # a readiness probe reports any failure, it never raises
        log.warning("readiness: index check failed: %s", exc)
        return "the playbook index cannot be reached"
    return "ok"


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness",
    responses={503: {"model": Readiness, "description": "A dependency cannot be used."}},
)
def readyz(state: StateDep) -> JSONResponse:
    """Ready when the CRM database answers and the playbook index opens."""
    checks = {"database": _database(state.context), "index": _index(state.context)}
    ready = all(value == "ok" for value in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
