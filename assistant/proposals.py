"""The ``propose_change`` tool: a change to one field of one deal, proposed and never applied.

The tool records the proposal through :class:`~assistant.changes.ChangeDesk` (audited as
``change_propose``) and returns it with the ways to confirm it; nothing reaches the CRM until
the proposer confirms it (``salesplan changes confirm``, ``POST /v1/changes/{id}/confirm`` or the
Confirm button in Slack). Without a CRM connection the tool says so and records nothing.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

from tools.errors import DataError
from tools.viewer import Viewer

ChangeField = Literal["close_date", "stage", "amount", "next_step"]
FIELD_NAMES = {"close_date": "close date", "stage": "stage", "amount": "amount", "next_step": "next step"}


class ChangeProposer(Protocol):
    """What the tool needs of :class:`~assistant.changes.ChangeDesk`."""

    @property
    def connected(self) -> str | None: ...

    def propose(self, viewer: Viewer, deal: str, field: str, new: str, *, channel: str) -> BaseModel: ...


class ChangeRequest(BaseModel):
    deal: str = Field(
        min_length=1,
        max_length=200,
        description="The deal: its name (or part of it, or its account's name), id or CRM id.",
    )
    field: ChangeField = Field(description="The field to change: close_date, stage, amount or next_step.")
    value: str = Field(
        min_length=1,
        max_length=1000,
        description="The new value: a date as YYYY-MM-DD, an amount as a number, a stage's name, or text.",
    )


class ProposedChange(BaseModel):
    """A proposed change waiting for the proposer's confirmation, and how to give it."""

    id: int
    source: str
    record: str
    record_id: int
    external_id: str
    field: str
    old: str | None
    new: str
    state: str
    #: The ways to confirm (the CLI command, the API call, the Slack button).
    confirm: list[str]
    cancel: list[str]


def propose_change(
    desk: ChangeProposer | None, viewer: Viewer, params: ChangeRequest, channel: str = "cli"
) -> ProposedChange:
    """Propose a change to one field of one deal. Nothing is written to the CRM: the user confirms
    it themselves (CLI, API or the Slack button); tell them the change and how to confirm it.

    Args:
        deal: The deal: its name (or part of it, or its account's name), id or CRM id.
        field: The field to change: close_date, stage, amount or next_step.
        value: The new value: a date as YYYY-MM-DD, an amount as a number, a stage's name, or text.
    """
    if desk is None or desk.connected is None:
        raise DataError("no CRM connection is configured, so changes cannot be proposed (README, Live CRM)")
    deal = params.deal.removeprefix("opportunity/")
    change = desk.propose(viewer, deal, params.field, params.value, channel=channel)
    proposed = ProposedChange.model_validate(
        {**change.model_dump(exclude={"detail"}), "confirm": [], "cancel": []}
    )
    number, user = proposed.id, viewer.name
    proposed.confirm = [
        f"salesplan changes confirm {number} --user {user!r}",
        f"POST /v1/changes/{number}/confirm",
        "the Confirm button in Slack",
    ]
    proposed.cancel = [
        f"salesplan changes cancel {number} --user {user!r}",
        f"POST /v1/changes/{number}/cancel",
    ]
    return proposed
