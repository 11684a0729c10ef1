"""The records measures read, and the aggregations measures are declared with.

A :class:`Fact` is one deal, activity or quota row, already scoped, filtered and windowed. The
functions here turn the facts of one group into a value; measures
(:mod:`tools.semantic.measures`) are declared by combining them.

Deals with no amount: sums and averages skip them, counts include them. A sum over records none
of which has an amount is unknown (``None``), never $0.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tools import metrics
from tools.store.types import to_money

Value = Decimal | float | int | None


class Basis(StrEnum):
    """The records a measure reads, each anchored on its own date."""

    CLOSED = "closed"  # closed deals (won or lost), by closed_at
    OPEN = "open"  # open deals, by expected close_date
    CREATED = "created"  # every deal, by created_at
    ACTIVITY = "activity"  # activities, by occurred_at
    QUOTA = "quota"  # quota rows, by the quarter they are set for
    PEOPLE = "people"  # the reps on the team today (no date)
    ACCOUNTS = "accounts"  # the accounts in scope today (no date)
    INSTALLED = "installed"  # the products accounts run or ran, with their ARR, today (no date)


@dataclass(frozen=True)
class Fact:
    """One record a measure reads: a deal, an activity or a quota row."""

    ref: str
    amount: Decimal | None = None
    #: The amount is an estimate the import filled in (e.g. the product's list price).
    estimated: bool = False
    probability: float | None = None
    won: bool = False
    created: dt.date | None = None
    closed: dt.date | None = None
    stage_entered: dt.date | None = None
    day: dt.date | None = None
    #: An installed product still running (not churned).
    active: bool = False
    #: The account a deal or activity is at (``None``: none recorded).
    account: int | None = None


Inputs = Mapping[Basis, Sequence[Fact]]
Pick = Callable[[Inputs], list[Fact]]
Compute = Callable[[Inputs, dt.date], Value]


def of(basis: Basis) -> Pick:
    """Every record of ``basis``."""
    return lambda inputs: list(inputs.get(basis, ()))


def won(inputs: Inputs) -> list[Fact]:
    return [f for f in inputs.get(Basis.CLOSED, ()) if f.won]


def lost(inputs: Inputs) -> list[Fact]:
    return [f for f in inputs.get(Basis.CLOSED, ()) if not f.won]


def running(inputs: Inputs) -> list[Fact]:
    """Installed products still active."""
    return [f for f in inputs.get(Basis.INSTALLED, ()) if f.active]


def churned(inputs: Inputs) -> list[Fact]:
    """Installed products the account has stopped using."""
    return [f for f in inputs.get(Basis.INSTALLED, ()) if not f.active]


def amounts(facts: Sequence[Fact]) -> list[Decimal]:
    return [f.amount for f in facts if f.amount is not None]


def total_amount(facts: Sequence[Fact]) -> Decimal | None:
    """Sum of the known amounts; unknown when there are records but none has an amount."""
    known = amounts(facts)
    return None if facts and not known else to_money(sum(known, Decimal(0)))


def weighted(facts: Sequence[Fact]) -> Decimal | None:
    """Sum of amount x probability (as :func:`tools.rollup.probability` rounds it; none counts 0)."""
    known = [(f.amount, f.probability) for f in facts if f.amount is not None]
    if facts and not known:
        return None
    return to_money(sum((a * Decimal(str(round(p or 0.0, 4))) for a, p in known), Decimal(0)))


def median_amount(facts: Sequence[Fact]) -> Decimal | None:
    known = amounts(facts)
    return to_money(statistics.median(known)) if known else None


def cycles(facts: Sequence[Fact]) -> list[int]:
    """Days from created to closed of each record that has both dates."""
    return [(f.closed - f.created).days for f in facts if f.closed and f.created]


def mean_days(days: list[int]) -> float | None:
    return round(statistics.fmean(days), 1) if days else None


def days_in_stage(facts: Sequence[Fact], as_of: dt.date) -> list[int]:
    return [(as_of - f.stage_entered).days for f in facts if f.stage_entered]


def ages(facts: Sequence[Fact], as_of: dt.date) -> list[int]:
    """Days since each record was created (open deals without a created date are left out)."""
    return [(as_of - f.created).days for f in facts if f.created]


def quota(inputs: Inputs) -> Decimal:
    return to_money(sum(amounts(inputs.get(Basis.QUOTA, ())), Decimal(0)))


def attainment(inputs: Inputs, as_of: dt.date) -> Value:
    booked = total_amount(won(inputs))
    return None if booked is None else metrics.ratio(booked, quota(inputs))


def coverage(inputs: Inputs, as_of: dt.date) -> Value:
    due, booked = total_amount(inputs.get(Basis.OPEN, ())), total_amount(won(inputs))
    return None if due is None or booked is None else metrics.coverage(due, quota(inputs), booked)


def count(pick: Pick) -> Compute:
    return lambda inputs, as_of: len(pick(inputs))


def accounts_in(pick: Pick) -> Compute:
    """How many distinct accounts the picked records are at (a record with no account counts none)."""
    return lambda inputs, as_of: len({f.account for f in pick(inputs) if f.account is not None})


def money(pick: Pick) -> Compute:
    return lambda inputs, as_of: total_amount(pick(inputs))
