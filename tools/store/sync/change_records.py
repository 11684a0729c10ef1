"""The rows of ``crm_changes`` as the interfaces see them, and the steps every kind of change shares:
recording a proposal, finding the proposer's own change, deciding it (applied, refused, cancelled).

Anyone else's change reads as "not found", exactly as a record outside one's scope does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, insert, select, update

from tools.errors import Conflict, NotFound
from tools.store.crm_tables import ProposedChange
from tools.store.schema import table_of

CHANGES = table_of(ProposedChange)
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Change(BaseModel):
    """A proposed change as the interfaces show it."""

    id: int
    source: str
    record: str
    record_id: int
    external_id: str
    field: str
    old: str | None
    new: str
    state: str
    detail: str | None = None
    #: ``opportunity`` (a field of a deal) or ``activity`` (a call, meeting, email or note to log).
    kind: str = "opportunity"
    #: The activity to log, or a next step's due day (``due``, and the ``old_due`` it replaces).
    details: dict[str, Any] | None = None

    @property
    def due(self) -> str | None:
        """The day a proposed next step is due, if one was given."""
        return None if self.kind != "opportunity" else (self.details or {}).get("due")

    def describe(self) -> str:
        old = self.old or ("(none)" if self.kind == "activity" else "(empty)")
        due = f" (due {self.due})" if self.due else ""
        return f"{self.record} ({self.external_id}) {self.field}: {old} → {self.new}{due}"


class ChangeRefused(Conflict):
    """The change was not written (stale, out of scope, refused by the CRM); the message says why."""


class UnknownChange(NotFound):
    """No such proposed change of this user."""


def as_change(row: Any) -> Change:
    details = row.get("details")
    return Change(
        id=row["id"],
        source=row["source"],
        record=row["record_name"],
        record_id=row["record_id"],
        external_id=row["external_id"],
        field=row["field"],
        old=row["old"],
        new=row["new"],
        state=row["state"],
        detail=row.get("detail"),
        kind=row.get("kind") or "opportunity",
        details=json.loads(details) if details else None,
    )


def record_proposal(conn: Connection, values: dict[str, Any], details: dict[str, Any] | None) -> Change:
    """Insert a proposal (``values`` are the row's columns but ``details``, the state and ids)."""
    row = {**values, "state": "proposed", "details": json.dumps(details) if details else None}
    ident = conn.execute(insert(CHANGES).values(row)).inserted_primary_key
    assert ident is not None
    return as_change({**row, "id": ident[0]})


def changes_of(engine: Engine, user_id: int, *, state: str | None = "proposed") -> list[Change]:
    """The user's changes (those waiting for a yes by default), oldest first."""
    query = select(CHANGES).where(CHANGES.c.user_id == user_id).order_by(CHANGES.c.id)
    if state is not None:
        query = query.where(CHANGES.c.state == state)
    with engine.connect() as conn:
        return [as_change(row) for row in conn.execute(query).mappings()]


def own(conn: Connection, user_id: int, change_id: int) -> Any:
    """The user's change ``change_id`` that still waits for a yes.

    Raises:
        UnknownChange: no such change of the user's, or it is no longer waiting.
    """
    row = (
        conn.execute(select(CHANGES).where(CHANGES.c.id == change_id, CHANGES.c.user_id == user_id))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownChange(f"no change {change_id} of yours")
    if row["state"] != "proposed":
        raise UnknownChange(f"change {change_id} is already {row['state']}")
    return row


def pending_change(engine: Engine, user_id: int, change_id: int) -> Change:
    """The user's change ``change_id`` that waits for a yes.

    Raises:
        UnknownChange: no such change of the user's, or it is no longer waiting.
    """
    with engine.connect() as conn:
        return as_change(own(conn, user_id, change_id))


def decide(conn: Connection, change_id: int, state: str, detail: str | None, clock: Clock) -> None:
    conn.execute(
        update(CHANGES)
        .where(CHANGES.c.id == change_id)
        .values(state=state, detail=detail, decided_at=clock())
    )


def cancel(engine: Engine, *, user_id: int, change_id: int, clock: Clock = utc_now) -> Change:
    """Drop a proposed change of the user's; nothing is written to the CRM."""
    with engine.begin() as conn:
        row = own(conn, user_id, change_id)
        decide(conn, change_id, "cancelled", None, clock)
    return as_change({**row, "state": "cancelled"})
