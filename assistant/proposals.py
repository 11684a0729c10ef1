"""The ``propose_change`` and ``log_activity`` tools: a change to one field of one deal, or a call,
meeting, email or note to log, proposed and never applied.

The tools record the proposal through :class:`~assistant.changes.ChangeDesk` (audited as
``change_propose``) and return it with the ways to confirm it; nothing reaches the CRM until
the proposer confirms it (``salesplan changes confirm``, ``POST /v1/changes/{id}/confirm`` or the
Confirm button in Slack). Without a CRM connection the tools say so and record nothing.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from tools.errors import DataError
from tools.viewer import Viewer

ChangeField = Literal["close_date", "stage", "amount", "next_step"]
FIELD_NAMES = {"close_date": "close date", "stage": "stage", "amount": "amount", "next_step": "next step"}


class ChangeProposer(Protocol):
    """What the tool needs of :class:`~assistant.changes.ChangeDesk`."""

    @property
    def connected(self) -> str | None: ...

    def propose(
        self, viewer: Viewer, deal: str, field: str, new: str, *, channel: str, due: str | None = None
    ) -> BaseModel: ...

    def propose_activity(self, viewer: Viewer, activity: dict[str, Any], *, channel: str) -> BaseModel: ...


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
    due: str | None = Field(
        default=None,
        max_length=10,
        description="A next step only: the day it is due, as YYYY-MM-DD.",
    )


class ActivityRequest(BaseModel):
    kind: Literal["call", "meeting", "email", "note"] = Field(description="What happened.")
    subject: str = Field(
        min_length=1,
        max_length=255,
        description="What it was about, in a few words (e.g. 'discussed pricing').",
    )
    deal: str | None = Field(
        default=None, max_length=200, description="The deal it was about: its name, id or CRM id."
    )
    account: str | None = Field(
        default=None, max_length=200, description="The account (company) it was with."
    )
    contact: str | None = Field(default=None, max_length=200, description="The person it was with.")
    day: str | None = Field(
        default=None, max_length=10, description="When it happened, as YYYY-MM-DD (default: today)."
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
    #: ``opportunity`` (a field of a deal) or ``activity`` (a call, meeting, email or note to log).
    kind: str = "opportunity"
    #: The activity to log, or a next step's due day.
    details: dict[str, Any] | None = None
    #: The ways to confirm (the CLI command, the API call, the Slack button).
    confirm: list[str]
    cancel: list[str]


def propose_change(
    desk: ChangeProposer | None, viewer: Viewer, params: ChangeRequest, channel: str = "cli"
) -> ProposedChange:
    """Propose a change to one field of one deal. Nothing is written to the CRM: the user confirms
    it themselves (CLI, API or the Slack button); tell them the change and how to confirm it. When
    the deal name matches several deals, the error lists them with their references: ask the user
    which one, then call again with deal set to its reference (opportunity/ID).

    Args:
        deal: The deal: its name (or part of it, or its account's name), id or CRM id.
        field: The field to change: close_date, stage, amount or next_step.
        value: The new value: a date as YYYY-MM-DD, an amount as a number, a stage's name, or text.
        due: A next step only: the day it is due, as YYYY-MM-DD.
    """
    deal = params.deal.removeprefix("opportunity/")
    desk = _connected(desk)
    change = desk.propose(viewer, deal, params.field, params.value, channel=channel, due=params.due)
    return _with_ways(change, viewer)


def log_activity(
    desk: ChangeProposer | None, viewer: Viewer, params: ActivityRequest, channel: str = "cli"
) -> ProposedChange:
    """Propose logging a call, meeting, email or note on a deal, account or contact. Nothing is
    written to the CRM until the user confirms it (CLI, API or the Slack button); tell them what
    would be logged, where, and how to confirm it.

    Args:
        kind: What happened.
        subject: What it was about, in a few words (e.g. 'discussed pricing').
        deal: The deal it was about: its name, id or CRM id.
        account: The account (company) it was with.
        contact: The person it was with.
        day: When it happened, as YYYY-MM-DD (default: today).
    """
    asked = params.model_dump()
    if asked["deal"]:
        asked["deal"] = str(asked["deal"]).removeprefix("opportunity/")
    return _with_ways(_connected(desk).propose_activity(viewer, asked, channel=channel), viewer)


def _connected(desk: ChangeProposer | None) -> ChangeProposer:
    if desk is None or desk.connected is None:
        raise DataError("no CRM connection is configured, so changes cannot be proposed (README, Live CRM)")
    return desk


def _with_ways(change: BaseModel, viewer: Viewer) -> ProposedChange:
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
