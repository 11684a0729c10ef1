"""Changes to CRM records: proposed by the assistant, written only on the proposer's yes.

A proposal names one field of one deal the proposer can see (the same scope every read uses,
:func:`tools.store.scope.build_scope`), the value it holds now (``old``) and the value asked for
(``new``), both normalised (a date as ``YYYY-MM-DD``, an amount with two decimals, a stage by its
name). Nothing is written to the CRM when it is proposed.

On confirmation, by the same user only (anyone else's change is "not found", as a record out of
scope is), the deal must still be in the proposer's scope and still hold ``old`` — here and in the
CRM, read just before the write. A change made since (a sync, a colleague in the CRM) makes the
proposal stale: it is **refused**, never forced. Then the CRM gets exactly one write of ``new``
(a Salesforce ``PATCH``), the local deal takes the value at once (the next sync brings the rest),
and the org stamp moves so cached scopes are rebuilt. The caller records the outcome in the audit
log with the old and new values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, func, insert, or_, select, update

from tools.errors import Conflict, DataError, InputError, NotFound
from tools.store.crm_tables import ProposedChange
from tools.store.schema import Account, Opportunity, Role, table_of
from tools.store.scope import Sharing, build_scope, touch_org
from tools.store.stages import StageConfig
from tools.store.sync.source import CrmSource

CHANGES = table_of(ProposedChange)
DEALS = table_of(Opportunity)
ACCOUNTS = table_of(Account)
#: Deals listed when a name matches several.
MAX_MATCHES = 8
#: Deal fields a change may set.
FIELDS = ("close_date", "stage", "amount", "next_step")
Clock = Callable[[], dt.datetime]


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

    def describe(self) -> str:
        return f"{self.record} ({self.external_id}) {self.field}: {self.old or '(empty)'} → {self.new}"


class ChangeRefused(Conflict):
    """The change was not written (stale, out of scope, refused by the CRM); the message says why."""


class UnknownChange(NotFound):
    """No such proposed change of this user."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        if stage is None:
            raise InputError(f"unknown stage {text!r}; stages are {', '.join(stages.names)}")
        return stage.name
    if field == "next_step":
        return text
    raise InputError(f"a change can set {', '.join(FIELDS)}, not {field!r}")


def _visible_deal(conn: Connection, user_id: int, role: Role, sharing: Sharing, deal: str) -> Any:
    """The deal the user can see named by id, CRM id or exact name (case ignored); else the one
    deal whose name, or whose account's name, contains ``deal`` (open deals first).

    Raises:
        InputError: no such deal, or several (``'Acme' matches several deals: …``, each with its id).
    """
    scope = build_scope(conn, user_id, role, sharing)
    named = [DEALS.c.external_id == deal, func.lower(DEALS.c.name) == deal.casefold()]
    if deal.isdigit():
        named.append(DEALS.c.id == int(deal))
    found = conn.execute(select(DEALS).where(or_(*named), scope.opportunities()).limit(3)).mappings().all()
    if not found:
        words = "%" + re.sub(r"([%_\\])", r"\\\1", deal.casefold().strip()) + "%"
        containing = or_(
            func.lower(DEALS.c.name).like(words, escape="\\"),
            func.lower(ACCOUNTS.c.name).like(words, escape="\\"),
        )
        query = (
            select(DEALS)
            .outerjoin(ACCOUNTS, ACCOUNTS.c.id == DEALS.c.account_id)
            .where(containing, scope.opportunities())
            .order_by(DEALS.c.is_closed, DEALS.c.close_date, DEALS.c.id)
            .limit(MAX_MATCHES)
        )
        found = list(conn.execute(query).mappings().all())
        found = [r for r in found if not r["is_closed"]] or found
    if not found:
        raise InputError(f"no deal {deal!r} that you can see")
    if len(found) > 1:
        names = [f"{r['name']} (id {r['id']})" for r in found]
        raise InputError(f"{deal!r} matches several deals: {', '.join(names[:-1])} or {names[-1]}")
    return found[0]


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
    clock: Clock = _utc_now,
) -> Change:
    """Record a proposed change of ``field`` on ``deal`` to ``new``; nothing reaches the CRM.

    Raises:
        InputError: an unknown field or value, or no such deal in the user's scope.
    """
    value = normalise(field, new, stages)
    if value is None:
        raise InputError(f"give the new {field.replace('_', ' ')}")
    with engine.begin() as conn:
        row = _visible_deal(conn, user_id, role, sharing, deal)
        if not row["external_id"]:
            raise InputError(f"{row['name']} is not a {source} record (it has no CRM id)")
        old = normalise(field, row[field], stages)
        if old == value:
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
            "state": "proposed",
            "created_at": clock(),
        }
        ident = conn.execute(insert(CHANGES).values(values)).inserted_primary_key
        assert ident is not None
        return _change({**values, "id": ident[0]})


def _change(row: Any) -> Change:
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
    )


def changes_of(engine: Engine, user_id: int, *, state: str | None = "proposed") -> list[Change]:
    """The user's changes (those waiting for a yes by default), oldest first."""
    query = select(CHANGES).where(CHANGES.c.user_id == user_id).order_by(CHANGES.c.id)
    if state is not None:
        query = query.where(CHANGES.c.state == state)
    with engine.connect() as conn:
        return [_change(row) for row in conn.execute(query).mappings()]


def _own(conn: Connection, user_id: int, change_id: int) -> Any:
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
        return _change(_own(conn, user_id, change_id))


def _decide(conn: Connection, change_id: int, state: str, detail: str | None, clock: Clock) -> None:
    conn.execute(
        update(CHANGES)
        .where(CHANGES.c.id == change_id)
        .values(state=state, detail=detail, decided_at=clock())
    )


def cancel(engine: Engine, *, user_id: int, change_id: int, clock: Clock = _utc_now) -> Change:
    """Drop a proposed change of the user's; nothing is written to the CRM."""
    with engine.begin() as conn:
        row = _own(conn, user_id, change_id)
        _decide(conn, change_id, "cancelled", None, clock)
    return _change({**row, "state": "cancelled"})


def confirm(
    engine: Engine,
    *,
    user_id: int,
    role: Role,
    sharing: Sharing,
    change_id: int,
    crm: CrmSource,
    stages: StageConfig,
    clock: Clock = _utc_now,
) -> Change:
    """Write the user's proposed change to the CRM, if it is still what was proposed.

    Raises:
        UnknownChange: no such proposed change of the user's.
        ChangeRefused: the deal left the user's scope or changed since (here or in the CRM), or
            the CRM refused the write; the change is marked ``refused`` with the reason.
    """
    with engine.connect() as conn:
        row = _own(conn, user_id, change_id)
    change = _change(row)
    reason = _stale(engine, change, user_id, role, sharing, crm, stages)
    if reason is None:
        try:
            crm.write(change.external_id, change.field, change.new)
        except DataError as exc:
            reason = f"{crm.name} refused the write: {exc}"
    with engine.begin() as conn:
        if reason is not None:
            _decide(conn, change_id, "refused", reason, clock)
        else:
            _decide(conn, change_id, "applied", None, clock)
            _refresh_local(conn, change, stages)
            touch_org(conn)
    if reason is not None:
        raise ChangeRefused(f"change {change_id} was not written: {reason}")
    return change.model_copy(update={"state": "applied"})


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
    conn.execute(update(DEALS).where(DEALS.c.id == change.record_id).values(values))
