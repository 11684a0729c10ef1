"""``/v1/changes``: the caller's proposed CRM changes; ``POST …/{id}/confirm`` writes one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.problems import error_responses
from tools.store.sync.changes import Change

router = APIRouter(tags=["changes"])
ChangeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The change's number.")]


class ChangeList(BaseModel):
    changes: list[Change] = Field(description="The caller's changes waiting for confirmation.")


@router.get(
    "/v1/changes",
    response_model=ChangeList,
    summary="Proposed changes",
    responses=error_responses(401, 429, 503),
)
def pending(viewer: ViewerDep, state: StateDep) -> ChangeList:
    """The caller's proposed changes that wait for a yes, oldest first."""
    return ChangeList(changes=state.context.changes.pending(viewer))


@router.post(
    "/v1/changes/{change_id}/confirm",
    response_model=Change,
    summary="Confirm a proposed change",
    responses=error_responses(400, 401, 404, 409, 422, 429, 503),
)
def confirm(change_id: ChangeId, viewer: ViewerDep, state: StateDep) -> Change:
    """Write the caller's own proposed change to the CRM. 409 when the record changed since it was
    proposed (nothing is written); 404 for a change that is not the caller's or not waiting."""
    return state.context.changes.confirm(viewer, change_id, channel="api")


@router.post(
    "/v1/changes/{change_id}/cancel",
    response_model=Change,
    summary="Cancel a proposed change",
    responses=error_responses(400, 401, 404, 422, 429, 503),
)
def cancel(change_id: ChangeId, viewer: ViewerDep, state: StateDep) -> Change:
    """Drop the caller's own proposed change; nothing is written to the CRM."""
    return state.context.changes.cancel(viewer, change_id, channel="api")
