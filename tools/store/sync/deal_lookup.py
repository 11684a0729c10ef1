"""The deal (or account, or contact) a change request names, inside the proposer's scope.

People name a deal as they remember it: its id or CRM id, its name ("Acme Renewal"), part of it or
of its account's name ("the Acme deal"), spaced or punctuated differently from the CRM ("warephase
gtx pro" for "Warephase - GTXPro"). :func:`visible_deal` finds it in this order:

1. the deal whose id, CRM id or exact name (case ignored) it is;
2. else the deals whose name, or whose account's name, contains it, compared with spaces and
   punctuation left out on both sides (:func:`squashed`).

Among several, the open ones win: a change is almost always to a deal still being worked, and a
deal name repeats across years ("Cedar Works - Data Connectors" won, lost, and open again). When
several remain, :class:`AmbiguousDeal` lists each with what tells them apart (stage, amount, close
date, owner) and its reference ``opportunity/ID``, which the caller can give back to pick it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select

from tools.errors import InputError
from tools.store.schema import Account, Contact, Opportunity, User, table_of
from tools.store.scope import Scope

DEALS = table_of(Opportunity)
ACCOUNTS = table_of(Account)
CONTACTS = table_of(Contact)
USERS = table_of(User)
#: Deals listed when a name matches several.
MAX_MATCHES = 8
#: Characters left out when names are compared ("Warephase - GTXPro" is "warephasegtxpro").
SQUASHED = (" ", "-", "_", ".", ",", "/", "'", "&", "(", ")", ":")
#: How a candidate is written in an :class:`AmbiguousDeal` message (and read back by the planner).
CANDIDATE = re.compile(r"(?P<name>[^;]+?) \[opportunity/(?P<id>\d+)\] \((?P<facts>[^()]*)\)")


class AmbiguousDeal(InputError):
    """Several deals in scope match the name: the message lists them, each with its reference."""

    def __init__(self, asked: str, candidates: list[Any]) -> None:
        listed = "; ".join(describe(row) for row in candidates)
        super().__init__(f"{asked!r} matches several deals — say which: {listed}")
        self.asked = asked
        self.ids = [int(row["id"]) for row in candidates]


def describe(row: Any) -> str:
    """``Name [opportunity/ID] (stage, amount, closing YYYY-MM-DD, owner, CRM id X)``."""
    facts = [str(row["stage"])]
    if row["amount"] is not None:
        facts.append(f"${row['amount']:,.0f}")
    if row["close_date"] is not None:
        facts.append(f"{'closed' if row['is_closed'] else 'closing'} {row['close_date']}")
    if row.get("owner"):
        facts.append(str(row["owner"]))
    if row.get("external_id"):
        facts.append(f"CRM id {row['external_id']}")
    facts = [fact.replace("(", "[").replace(")", "]").replace(";", ",") for fact in facts]
    return f"{str(row['name']).replace(';', ',')} [opportunity/{row['id']}] ({', '.join(facts)})"


def squashed(column: Any) -> Any:
    """``lower(column)`` with :data:`SQUASHED` left out (SQLite and PostgreSQL alike)."""
    value = func.lower(column)
    for character in SQUASHED:
        value = func.replace(value, character, "")
    return value


def squash(text: str) -> str:
    value = text.casefold()
    for character in SQUASHED:
        value = value.replace(character, "")
    return value


def _like(text: str) -> str:
    return "%" + re.sub(r"([%_\\])", r"\\\1", text) + "%"


def _open_first(rows: list[Any]) -> list[Any]:
    return [r for r in rows if not r["is_closed"]] or rows


def visible_deal(conn: Connection, scope: Scope, deal: str) -> Any:
    """The deal ``deal`` names among those the scope shows (see the module docstring).

    Raises:
        InputError: no such deal that the user can see.
        AmbiguousDeal: several, listed.
    """
    deal = deal.strip().removeprefix("opportunity/")
    columns = [*DEALS.c, USERS.c.name.label("owner")]
    base = (
        select(*columns)
        .outerjoin(USERS, USERS.c.id == DEALS.c.owner_id)
        .outerjoin(ACCOUNTS, ACCOUNTS.c.id == DEALS.c.account_id)
        .where(scope.opportunities())
        .order_by(DEALS.c.is_closed, DEALS.c.close_date, DEALS.c.id)
        .limit(MAX_MATCHES)
    )
    named: list[ColumnElement[bool]] = [
        DEALS.c.external_id == deal,
        func.lower(DEALS.c.name) == deal.casefold(),
    ]
    if deal.isdigit():
        named.append(DEALS.c.id == int(deal))
    found = _open_first(list(conn.execute(base.where(or_(*named))).mappings()))
    key = squash(deal)
    if not found and len(key) >= 2:
        containing = or_(squashed(DEALS.c.name).like(_like(key)), squashed(ACCOUNTS.c.name).like(_like(key)))
        found = _open_first(list(conn.execute(base.where(containing)).mappings()))
    if not found:
        raise InputError(f"no deal {deal!r} that you can see")
    if len(found) > 1:
        raise AmbiguousDeal(deal, found)
    return found[0]


def visible_account(conn: Connection, scope: Scope, account: str) -> Any:
    """The account ``account`` names (exact name, else the one whose name contains it).

    Raises:
        InputError: none in scope, or several (listed).
    """
    base = select(ACCOUNTS).where(scope.accounts()).order_by(ACCOUNTS.c.name).limit(MAX_MATCHES)
    exact = list(conn.execute(base.where(func.lower(ACCOUNTS.c.name) == account.casefold())).mappings())
    containing = squashed(ACCOUNTS.c.name).like(_like(squash(account)))
    found = exact or list(conn.execute(base.where(containing)).mappings())
    if not found:
        raise InputError(f"no account {account!r} that you can see")
    if len(found) > 1:
        names = ", ".join(str(r["name"]) for r in found)
        raise InputError(f"{account!r} matches several accounts: {names}; name one of them")
    return found[0]


def visible_contact(conn: Connection, scope: Scope, contact: str, account_id: int | None) -> Any:
    """The contact ``contact`` names, at ``account_id`` when it is known, else at any account in scope.

    Raises:
        InputError: none, or several (listed with their accounts).
    """
    where: list[ColumnElement[bool]] = [
        squashed(CONTACTS.c.name).like(_like(squash(contact))),
        CONTACTS.c.account_id.in_(select(ACCOUNTS.c.id).where(scope.accounts())),
    ]
    if account_id is not None:
        where.append(CONTACTS.c.account_id == account_id)
    query = (
        select(*CONTACTS.c, ACCOUNTS.c.name.label("account"))
        .join(ACCOUNTS, ACCOUNTS.c.id == CONTACTS.c.account_id)
        .where(*where)
        .order_by(CONTACTS.c.name, CONTACTS.c.id)
        .limit(MAX_MATCHES)
    )
    found = list(conn.execute(query).mappings())
    exact = [r for r in found if str(r["name"]).casefold() == contact.casefold()]
    found = exact or found
    where_said = f" at {found[0]['account']}" if found and account_id is not None else ""
    if not found:
        at = " at that account" if account_id is not None else ""
        raise InputError(f"no contact {contact!r}{at} that you can see")
    if len(found) > 1:
        names = ", ".join(f"{r['name']} ({r['account']})" for r in found)
        raise InputError(f"{contact!r} matches several contacts{where_said}: {names}; name one of them")
    return found[0]


def open_deals_of(conn: Connection, scope: Scope, account_id: int) -> list[Any]:
    """The open deals of an account that the scope shows."""
    query = (
        select(*DEALS.c, USERS.c.name.label("owner"))
        .outerjoin(USERS, USERS.c.id == DEALS.c.owner_id)
        .where(DEALS.c.account_id == account_id, ~DEALS.c.is_closed, scope.opportunities())
        .order_by(DEALS.c.close_date, DEALS.c.id)
        .limit(MAX_MATCHES)
    )
    return list(conn.execute(query).mappings())
