"""Changes to CRM records: proposed by the assistant, written only on the proposer's yes.

A proposal names one field of one deal the proposer can see (the same scope every read uses,
:func:`tools.store.scope.build_scope`; the deal is found as :mod:`tools.store.sync.deal_lookup`
says), the value it holds now (``old``) and the value asked for (``new``), both normalised (a date
as ``YYYY-MM-DD``, an amount with two decimals, a stage by its name). A next step may come with the
day it is due (``details["due"]``). Nothing is written to the CRM when it is proposed. Logging a
call, meeting, email or note is a proposal too (:mod:`tools.store.sync.activity_changes`).

On confirmation, by the same user only (anyone else's change is "not found", as a record out of
scope is), the deal must still be in the proposer's scope and still hold ``old`` — here and in the
CRM, read just before the write. A change made since (a sync, a colleague in the CRM) makes the
proposal stale: it is **refused**, never forced. Then the CRM gets exactly one write of ``new``
(a Salesforce ``PATCH``), the local deal takes the value at once (the next sync brings the rest),
and the org stamp moves so cached scopes are rebuilt. A next step's due day is written as an open
task on the deal, due that day (standard CRMs have no next-step date field): a Salesforce ``Task``
with status "Not Started", a HubSpot task ``NOT_STARTED``. The caller records the outcome in the audit
log with the old and new values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from tools.errors import DataError, InputError
from tools.store.schema import Account, Opportunity, Role, User, table_of
from tools.store.scope import Sharing, build_scope, touch_org
from tools.store.stages import StageConfig
from tools.store.sync.activity_changes import confirm_activity
from tools.store.sync.change_records import (
    Change,
    ChangeRefused,
    Clock,
    UnknownChange,
    as_change,
    cancel,
    changes_of,
    decide,
    own,
    pending_change,
    record_proposal,
    utc_now,
)
from tools.store.sync.deal_lookup import visible_deal
from tools.store.sync.source import ActivityWrite, CrmSource

__all__ = [
    "Change",
    "ChangeRefused",
    "UnknownChange",
    "cancel",
    "changes_of",
    "confirm",
    "normalise",
    "pending_change",
    "propose",
]

DEALS = table_of(Opportunity)
ACCOUNTS = table_of(Account)
USERS = table_of(User)
#: Deal fields a change may set.
FIELDS = ("close_date", "stage", "amount", "next_step")
#: Stages named by the outcome they mean (True: won).
OUTCOMES = {"won": True, "closed won": True, "win": True, "lost": False, "closed lost": False, "loss": False}


def normalise(field: str, value: Any, stages: StageConfig) -> str | None:
    """``value`` of ``field`` as a change stores and compares it.

    Raises:
        InputError: not a value of that field.
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if field == "close_date":
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise InputError(f"a close date is a date like 2027-01-15, got {text!r}") from None
    if field == "amount":
        try:
            amount = Decimal(text.replace(",", "").lstrip("$"))
        except InvalidOperation:
            raise InputError(f"an amount is a number like 135000, got {text!r}") from None
        if amount < 0 or not amount.is_finite():
            raise InputError(f"an amount is a number of at least 0, got {text!r}")
        return str(amount.quantize(Decimal("0.01")))
    if field == "stage":
        stage = stages.find(text)
        outcome = OUTCOMES.get(" ".join(text.casefold().replace("-", " ").split()))
        if stage is None and outcome is not None:  # "won": the data set's won stage, whatever its name
            stage = next((s for s in stages.stages if s.closed and s.won is outcome), None)
        if stage is None:
            raise InputError(f"unknown stage {text!r}; stages are {', '.join(stages.names)}")
        return stage.name
    if field == "next_step":
        return text
    raise InputError(f"a change can set {', '.join(FIELDS)}, not {field!r}")


def propose(
    engine: Engine,
    *,
    user_id: int,
    role: Role,
    sharing: Sharing,
    source: str,
    deal: str,
    field: str,
    new: str,
    stages: StageConfig,
    clock: Clock = utc_now,
    due: str | None = None,
) -> Change:
    """Record a proposed change of ``field`` on ``deal`` to ``new`` (a next step with the day it is
    ``due``, if given); nothing reaches the CRM.

    Raises:
        InputError: an unknown field or value, or no such deal in the user's scope
            (``AmbiguousDeal`` when several match).
    """
    value = normalise(field, new, stages)
    if value is None:
        raise InputError(f"give the new {field.replace('_', ' ')}")
    day = _due(field, due)
    with engine.begin() as conn:
        row = visible_deal(conn, build_scope(conn, user_id, role, sharing), deal)
        if not row["external_id"]:
            raise InputError(f"{row['name']} is not a {source} record (it has no CRM id)")
        old = normalise(field, row[field], stages)
        old_due = row["next_step_date"].isoformat() if row["next_step_date"] else None
        if old == value and (day is None or day == old_due):
            raise InputError(
                f"the {field.replace('_', ' ')} of {row['name']} is already {value}: nothing to change"
            )
        values = {
            "source": source,
            "kind": "opportunity",
            "record_id": row["id"],
            "record_name": row["name"],
            "external_id": row["external_id"],
            "field": field,
            "old": old,
            "new": value,
            "user_id": user_id,
            "created_at": clock(),
        }
        return record_proposal(conn, values, {"due": day, "old_due": old_due} if day else None)


def _due(field: str, due: str | None) -> str | None:
    """The due day of a next step, as ``YYYY-MM-DD``.

    Raises:
        InputError: a due day on another field, or not a date.
    """
    if due is None or not due.strip():
        return None
    if field != "next_step":
        raise InputError("only a next step has a due date")
    try:
        return dt.date.fromisoformat(due.strip()[:10]).isoformat()
    except ValueError:
        raise InputError(f"a due date is a date like 2027-01-15, got {due!r}") from None


def confirm(
    engine: Engine,
    *,
    user_id: int,
    role: Role,
    sharing: Sharing,
    change_id: int,
    crm: CrmSource,
    stages: StageConfig,
    clock: Clock = utc_now,
) -> Change:
    """Write the user's proposed change to the CRM, if it is still what was proposed.

    Raises:
        UnknownChange: no such proposed change of the user's.
        ChangeRefused: the record left the user's scope or changed since (here or in the CRM),
            or the CRM refused the write; the change is marked ``refused`` with the reason.
    """
    with engine.connect() as conn:
        change = as_change(own(conn, user_id, change_id))
    if change.kind == "activity":
        return confirm_activity(
            engine, change, user_id=user_id, role=role, sharing=sharing, crm=crm, clock=clock
        )
    reason = _stale(engine, change, user_id, role, sharing, crm, stages)
    note = None
    if reason is None:
        try:
            crm.write(change.external_id, change.field, change.new)
        except DataError as exc:
            reason = f"{crm.name} refused the write: {exc}"
    if reason is None and change.due:
        note = _write_due(engine, change, user_id, crm)
    with engine.begin() as conn:
        if reason is not None:
            decide(conn, change_id, "refused", reason, clock)
        else:
            decide(conn, change_id, "applied", note, clock)
            _refresh_local(conn, change, stages)
            touch_org(conn)
    if reason is not None:
        raise ChangeRefused(f"change {change_id} was not written: {reason}")
    return change.model_copy(update={"state": "applied", "detail": note})


def _write_due(engine: Engine, change: Change, user_id: int, crm: CrmSource) -> str | None:
    """The next step's due day, as an open task on the deal; what went wrong, if anything."""
    with engine.connect() as conn:
        owner = conn.execute(select(USERS.c.external_id).where(USERS.c.id == user_id)).scalar()
        account = conn.execute(
            select(ACCOUNTS.c.external_id)
            .join(DEALS, DEALS.c.account_id == ACCOUNTS.c.id)
            .where(DEALS.c.id == change.record_id)
        ).scalar()
    task = ActivityWrite(
        kind="task",
        subject=f"Next step: {change.new}",
        day=dt.date.fromisoformat(str(change.due)),
        owner=owner,
        account=account,
        deal=change.external_id,
        done=False,
    )
    try:
        crm.create(task)
    except DataError as exc:
        return f"the next step was written, but {crm.name} refused its due-date task: {exc}"
    return None


def _stale(
    engine: Engine,
    change: Change,
    user_id: int,
    role: Role,
    sharing: Sharing,
    crm: CrmSource,
    stages: StageConfig,
) -> str | None:
    """Why the change can no longer be written as proposed, or None."""
    with engine.connect() as conn:
        scope = build_scope(conn, user_id, role, sharing)
        row = (
            conn.execute(select(DEALS).where(DEALS.c.id == change.record_id, scope.opportunities()))
            .mappings()
            .first()
        )
    if row is None or row["external_id"] != change.external_id:
        return "the deal is no longer one you can see"
    old_due = (change.details or {}).get("old_due")
    due_now = row["next_step_date"].isoformat() if row["next_step_date"] else None
    if change.due and due_now != old_due:
        return f"{change.record} changed since it was proposed (its next step is now due {due_now})"
    if normalise(change.field, row[change.field], stages) != change.old:
        return f"{change.record} changed since it was proposed (its {change.field} is no longer {change.old})"
    remote = normalise(change.field, crm.current(change.external_id, change.field), stages)
    if remote != change.old:
        return f"{change.record} changed in {crm.name} since it was proposed ({change.field} is now {remote})"
    return None


def _refresh_local(conn: Connection, change: Change, stages: StageConfig) -> None:
    """The deal takes the new value now (the next sync brings whatever else the CRM derived)."""
    values: dict[str, Any] = {}
    if change.field == "close_date":
        values["close_date"] = dt.date.fromisoformat(change.new)
    elif change.field == "amount":
        values["amount"] = Decimal(change.new)
    elif change.field == "stage":
        stage = stages.get(change.new)
        values |= {
            "stage": stage.name,
            "is_closed": stage.closed,
            "is_won": stage.won,
            "probability": stage.probability,
            "forecast_category": stage.forecast_category.value,
        }
    else:
        values[change.field] = change.new
    if change.due:
        values["next_step_date"] = dt.date.fromisoformat(change.due)
    conn.execute(update(DEALS).where(DEALS.c.id == change.record_id).values(values))
