"""Logging a call, meeting, email or note: proposed like any change, created only on the proposer's yes.

A proposal names what happened (``kind``: call, meeting, email or note), a subject, the day (today
by default) and what it is logged on: a deal, an account, a contact — each found in the proposer's
scope as :mod:`tools.store.sync.deal_lookup` says. A deal gives its account; a contact gives its
account; an account with exactly one open deal in scope gives that deal (the proposal names it, so
the proposer sees where it goes before saying yes). It is stored in ``crm_changes`` with ``kind``
``activity``, field ``activity``, no old value, a one-line ``new`` ("Call on 2026-12-06 with Hannah
Murphy: discussed pricing") and the activity itself in ``details``.

On confirmation the deal (or account) and the contact must still be the proposer's to see; then the
CRM gets one create (a Salesforce ``Task`` or ``Event``, a HubSpot call, meeting, email or note
associated with the records; :mod:`tools.store.sync.activity_writes`), owned by the proposer's CRM
user. The activity is added locally at once with the CRM's id (a later sync updates the same row),
the deal's last activity and engaged contacts and the contact's last engagement follow, and the org
stamp moves so cached answers are rebuilt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from tools.errors import DataError, InputError
from tools.store.schema import Account, Activity, Contact, Opportunity, Role, User, table_of
from tools.store.scope import Scope, Sharing, build_scope, touch_org
from tools.store.sync.change_records import (
    Change,
    ChangeRefused,
    Clock,
    decide,
    record_proposal,
    utc_now,
)
from tools.store.sync.deal_lookup import open_deals_of, visible_account, visible_contact, visible_deal
from tools.store.sync.source import ActivityWrite, CrmSource

DEALS = table_of(Opportunity)
ACCOUNTS = table_of(Account)
CONTACTS = table_of(Contact)
USERS = table_of(User)
ACTIVITIES = table_of(Activity)
#: What can be logged.
LOGGED = ("call", "meeting", "email", "note")
MAX_SUBJECT = 255


def _day(day: str | None, clock: Clock) -> dt.date:
    if day is None or not day.strip():
        return clock().date()
    try:
        return dt.date.fromisoformat(day.strip()[:10])
    except ValueError:
        raise InputError(f"an activity's day is a date like 2026-12-04, got {day!r}") from None


def summary(kind: str, subject: str, day: str, contact: str | None) -> str:
    """``Call on 2026-12-06 with Hannah Murphy: discussed pricing``."""
    with_whom = f" with {contact}" if contact else ""
    return f"{kind.capitalize()} on {day}{with_whom}: {subject}"


def _by_id(conn: Connection, table: Any, ident: int | None) -> Any:
    if ident is None:
        return None
    return conn.execute(select(table).where(table.c.id == ident)).mappings().first()


def propose_activity(
    engine: Engine,
    *,
    user_id: int,
    role: Role,
    sharing: Sharing,
    source: str,
    kind: str,
    subject: str,
    deal: str | None = None,
    account: str | None = None,
    contact: str | None = None,
    day: str | None = None,
    clock: Clock = utc_now,
) -> Change:
    """Record a proposed activity; nothing reaches the CRM.

    Raises:
        InputError: an unknown kind or day; no deal, account or contact named; a name not found
            in the user's scope, or one that matches several.
    """
    kind = kind.strip().casefold()
    if kind not in LOGGED:
        raise InputError(f"an activity is a {', '.join(LOGGED[:-1])} or {LOGGED[-1]}, not {kind!r}")
    if not (deal or account or contact):
        raise InputError(f"say which deal, account or contact the {kind} was with")
    when = _day(day, clock)
    subject = " ".join(subject.split())[:MAX_SUBJECT] or kind.capitalize()
    with engine.begin() as conn:
        scope = build_scope(conn, user_id, role, sharing)
        found = _records(conn, scope, deal, account, contact)
        record = found["deal"] or found["account"]
        if not record["external_id"]:
            raise InputError(f"{record['name']} is not a {source} record (it has no CRM id)")
        person = found["contact"]
        details: dict[str, Any] = {
            "kind": kind,
            "subject": subject,
            "day": when.isoformat(),
            "proposed_on": clock().date().isoformat(),
        }
        for key in ("deal", "account", "contact"):
            row = found[key]
            details[key] = None if row is None else str(row["name"])
            details[f"{key}_id"] = None if row is None else int(row["id"])
            details[f"{key}_external_id"] = None if row is None else row["external_id"]
        values = {
            "source": source,
            "kind": "activity",
            "record_id": record["id"],
            "record_name": record["name"],
            "external_id": record["external_id"],
            "field": "activity",
            "old": None,
            "new": summary(kind, subject, when.isoformat(), person["name"] if person else None),
            "user_id": user_id,
            "created_at": clock(),
        }
        return record_proposal(conn, values, details)


def _records(
    conn: Connection, scope: Scope, deal: str | None, account: str | None, contact: str | None
) -> dict[str, Any]:
    """The deal, account and contact an activity is logged on (see the module docstring)."""
    deal_row = visible_deal(conn, scope, deal) if deal else None
    account_row = _by_id(conn, ACCOUNTS, deal_row["account_id"]) if deal_row else None
    if account_row is None and account:
        account_row = visible_account(conn, scope, account)
    contact_row = (
        visible_contact(conn, scope, contact, account_row["id"] if account_row else None) if contact else None
    )
    if account_row is None and contact_row is not None:
        account_row = _by_id(conn, ACCOUNTS, contact_row["account_id"])
    if deal_row is None and account_row is not None:
        open_deals = open_deals_of(conn, scope, account_row["id"])
        deal_row = open_deals[0] if len(open_deals) == 1 else None
    return {"deal": deal_row, "account": account_row, "contact": contact_row}


def confirm_activity(
    engine: Engine,
    change: Change,
    *,
    user_id: int,
    role: Role,
    sharing: Sharing,
    crm: CrmSource,
    clock: Clock = utc_now,
) -> Change:
    """Create the proposed activity in the CRM and here, if its records are still the user's to see.

    Raises:
        ChangeRefused: a record left the user's scope, or the CRM refused the create; the change
            is marked ``refused`` with the reason.
    """
    details = dict(change.details or {})
    reason = _gone(engine, details, user_id, role, sharing)
    created: str | None = None
    if reason is None:
        with engine.connect() as conn:
            owner = conn.execute(select(USERS.c.external_id).where(USERS.c.id == user_id)).scalar()
        activity = ActivityWrite(
            kind=details["kind"],
            subject=details["subject"],
            day=dt.date.fromisoformat(details["day"]),
            owner=owner,
            account=details.get("account_external_id"),
            deal=details.get("deal_external_id"),
            contact=details.get("contact_external_id"),
        )
        try:
            created = crm.create(activity)
        except DataError as exc:
            reason = f"{crm.name} refused the activity: {exc}"
    note = None if created is None else f"logged in {crm.name} as {created}"
    with engine.begin() as conn:
        if reason is not None:
            decide(conn, change.id, "refused", reason, clock)
        else:
            decide(conn, change.id, "applied", note, clock)
            _add_locally(conn, details, created, user_id, clock)
            touch_org(conn)
    if reason is not None:
        raise ChangeRefused(f"change {change.id} was not written: {reason}")
    return change.model_copy(update={"state": "applied", "detail": note})


def _gone(engine: Engine, details: dict[str, Any], user_id: int, role: Role, sharing: Sharing) -> str | None:
    """Why the activity can no longer be logged as proposed, or None."""
    with engine.connect() as conn:
        scope = build_scope(conn, user_id, role, sharing)
        checks = (
            ("deal", DEALS, scope.opportunities()),
            ("account", ACCOUNTS, scope.accounts()),
            ("contact", CONTACTS, CONTACTS.c.account_id.in_(select(ACCOUNTS.c.id).where(scope.accounts()))),
        )
        for key, table, visible in checks:
            ident = details.get(f"{key}_id")
            if ident is None:
                continue
            row = conn.execute(select(table.c.external_id).where(table.c.id == ident, visible)).first()
            if row is None or row.external_id != details.get(f"{key}_external_id"):
                return f"the {key} {details.get(key)} is no longer one you can see"
    return None


def _add_locally(
    conn: Connection, details: dict[str, Any], created: str | None, user_id: int, clock: Clock
) -> None:
    day = dt.date.fromisoformat(details["day"])
    now = clock()
    when = now if now.date() == day else dt.datetime.combine(day, dt.time(12), dt.UTC)
    # the data set's own spelling of the kind ("call", or "Call" from a Salesforce sync)
    known = conn.execute(
        select(ACTIVITIES.c.kind).where(func.lower(ACTIVITIES.c.kind) == details["kind"]).limit(1)
    ).scalar()
    deal, contact = details.get("deal_id"), details.get("contact_id")
    conn.execute(
        insert(ACTIVITIES).values(
            external_id=created,
            account_id=details.get("account_id"),
            opportunity_id=deal,
            contact_id=contact,
            owner_id=user_id,
            kind=known or details["kind"],
            occurred_at=when,
            subject=details["subject"],
        )
    )
    if deal is not None:
        engaged = (
            select(func.count(func.distinct(ACTIVITIES.c.contact_id)))
            .where(ACTIVITIES.c.opportunity_id == deal)
            .scalar_subquery()
        )
        latest = conn.execute(select(DEALS.c.last_activity_at).where(DEALS.c.id == deal)).scalar()
        conn.execute(
            update(DEALS)
            .where(DEALS.c.id == deal)
            .values(contacts_engaged=engaged, last_activity_at=max(day, latest) if latest else day)
        )
    if contact is not None:
        engaged_on = conn.execute(select(CONTACTS.c.last_engaged_at).where(CONTACTS.c.id == contact)).scalar()
        conn.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id == contact)
            .values(last_engaged_at=max(day, engaged_on) if engaged_on else day)
        )
