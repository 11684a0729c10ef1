"""Filters on a record's own fields rather than on a name: the amount (known, bounded, or estimated),
the size of the account, a deal field left empty, the deal's age and days in its stage, how long
since its last activity, how often its close date was pushed, and whether it is past due.

Each is a :class:`~tools.semantic.filters.Narrowing`, read and described like a filter on a name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from tools.errors import InputError
from tools.semantic.filters import Narrowing
from tools.semantic.joined import Expr, Joined, Link
from tools.store.schema import Opportunity


def amount_unknown() -> Narrowing:
    """Deals whose amount is not known: none recorded, or one the import estimated."""
    return Narrowing(
        "without_amount",
        "amount unknown: none recorded, or estimated",
        frozenset({Link.DEAL}),
        (),
        lambda joined: or_(joined.column("amount").is_(None), joined.column("amount_estimated") == true()),
    )


#: Deal fields a question can ask to be empty, and how each reads in a filter line.
MISSING = {
    "account": "no account",
    "product": "no product",
    "close_date": "no close date",
    "next_step": "no next step",
    "created": "no created date",
}


def missing_field(field: str) -> Narrowing:
    """Deals whose ``field`` is empty: "deals with no account", "opps missing a close date"."""
    key = field.strip().casefold().replace(" ", "_")
    if key not in MISSING:
        raise InputError(f"no deal field {field!r} to find empty; use one of {', '.join(MISSING)}")

    def empty(joined: Joined) -> ColumnElement[bool]:
        if key in ("account", "product", "created"):
            return joined.column("created" if key == "created" else f"{key}_id").is_(None)
        if key == "close_date":
            unset = select(Opportunity.id).where(Opportunity.close_date.is_(None))
        else:
            step = Opportunity.next_step
            unset = select(Opportunity.id).where(or_(step.is_(None), func.trim(step) == ""))
        return joined.column("deal_id").in_(unset)

    return Narrowing("missing", MISSING[key], frozenset({Link.DEAL}), (), empty)


Value = Callable[[Joined], Expr]


def _between(
    field: str,
    label: str,
    currency: str,
    where: tuple[frozenset[Link], tuple[str, ...]],
    value: Value,
    low: Any,
    high: Any,
) -> list[Narrowing]:
    """``min_<field>`` and ``max_<field>`` bounds on ``value`` (a record without it is outside any)."""
    links, joins = where
    return [
        Narrowing(
            f"{'min' if above else 'max'}_{field}",
            f"{label} {sign} {currency}{bound:,.0f}",
            links,
            joins,
            _bounded(value, bound, above),
        )
        for bound, sign, above in ((low, ">=", True), (high, "<=", False))
        if bound is not None
    ]


def _bounded(value: Value, bound: Any, above: bool) -> Callable[[Joined], ColumnElement[bool]]:
    def condition(joined: Joined) -> ColumnElement[bool]:
        kept: ColumnElement[bool] = value(joined) >= bound if above else value(joined) <= bound
        return kept

    return condition


def amount_between(low: Decimal | None, high: Decimal | None) -> list[Narrowing]:
    """Deal amount bounds (a deal without an amount is outside any bound)."""
    return _between(
        "amount", "amount", "$", (frozenset({Link.DEAL}), ()), lambda j: j.column("amount"), low, high
    )


def account_size(
    employees: tuple[int | None, int | None], revenue: tuple[Decimal | None, Decimal | None]
) -> list[Narrowing]:
    """Bounds on the account's size, its employees or its own annual revenue ("accounts with 5k+
    employees"): a record whose account has no figure recorded is outside any bound."""
    account = (frozenset({Link.ACCOUNT}), ("account",))
    return [
        *_between("employees", "account employees", "", account, lambda j: j.account.employees, *employees),
        *_between(
            "annual_revenue",
            "account annual revenue",
            "$",
            account,
            lambda j: j.account.annual_revenue,
            *revenue,
        ),
    ]


def _days_before(field: str, column: str, description: str, cutoff: dt.date, oldest: bool) -> Narrowing:
    """Deals whose ``column`` date is on or before ``cutoff`` (``oldest``), or after it."""
    return Narrowing(
        field,
        description,
        frozenset({Link.DEAL}),
        (),
        lambda joined: joined.column(column) <= cutoff if oldest else joined.column(column) > cutoff,
    )


def _deals_where(field: str, text: str, condition: ColumnElement[bool]) -> Narrowing:
    """Deals their own row's ``condition`` keeps (read by id, whatever else the measure joins)."""
    kept = select(Opportunity.id).where(condition)
    return Narrowing(field, text, frozenset({Link.DEAL}), (), lambda j: j.column("deal_id").in_(kept))


def inactive(today: dt.date, days: int) -> Narrowing:
    """Deals with no activity in the ``days`` before ``today`` (none ever recorded included)."""
    last = Opportunity.last_activity_at
    quiet = or_(last.is_(None), last < today - dt.timedelta(days=days))
    return _deals_where("inactive_days", f"no activity in the last {days} days", quiet)


def pushed(times: int, at_most: bool = False) -> Narrowing:
    """Deals whose close date was pushed out at least ``times`` times (or, ``at_most``, no more often:
    "take out the deals pushed 2+ times" keeps those pushed at most once)."""
    if at_most:
        said = {0: "never pushed", 1: "close date pushed at most once"}.get(
            times, f"close date pushed at most {times} times"
        )
        return _deals_where("max_pushes", said, Opportunity.close_date_pushes <= times)
    return _deals_where(
        "min_pushes", f"close date pushed {times}+ times", Opportunity.close_date_pushes >= times
    )


def past_due(today: dt.date) -> Narrowing:
    """Open deals whose close date has passed ("past due"): still open after the day they were to close."""
    overdue = and_(~Opportunity.is_closed, Opportunity.close_date < today)
    return _deals_where("past_due", f"past due: open, close date before {today}", overdue)


def ages(
    today: dt.date, min_age: int | None, max_age: int | None, min_in_stage: int | None
) -> list[Narrowing]:
    """Deal age bounds (days since created) and time in the current stage, counted to ``today``."""
    found = []
    if min_age is not None:
        cutoff = today - dt.timedelta(days=min_age)
        found.append(_days_before("min_age_days", "created", f"created {min_age}+ days ago", cutoff, True))
    if max_age is not None:
        cutoff = today - dt.timedelta(days=max_age)
        text = f"created in the last {max_age} days"
        found.append(_days_before("max_age_days", "created", text, cutoff, False))
    if min_in_stage is not None:
        cutoff = today - dt.timedelta(days=min_in_stage)
        text = f"in the current stage {min_in_stage}+ days"
        found.append(_days_before("min_days_in_stage", "stage_entered", text, cutoff, True))
    return found
