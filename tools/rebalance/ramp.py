"""A new hire's ramp: the share of a full book a rep carries while they learn the job.

A rep hired less than ``months`` (default :data:`RAMP_MONTHS`) before a day carries a share of a
full book that grows linearly from their hire date to 1 at ``months``: hired three months before,
half a book. The share is never below :data:`MIN_SHARE`, so a rep in their first weeks keeps a
small book rather than none. A rep without a hire date (``users.hire_date`` empty) is fully
ramped, and so is everyone when ``months`` is 0.

A rebalance measures the ramp on the day its moves take effect (the books are set for the quarter
that starts then); a rep's profile (``territory assign``) on the data's as-of date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

#: Months from the hire date to a full book.
RAMP_MONTHS = 6
#: The smallest share a ramping rep is given.
MIN_SHARE = 0.25
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Ramp:
    """A ramping rep on one day: when they were hired, how long they have been in the seat, and
    the share of a full book they carry."""

    hire_date: dt.date
    months_in_seat: float
    share: float

    def describe(self, name: str) -> str:
        """ "Sofia Fischer 58% (hired 2026-09-14, 3.5 months in)"."""
        return f"{name} {self.share:.0%} (hired {self.hire_date}, {self.months_in_seat:g} months in)"


def ramp_on(hire_date: dt.date | None, day: dt.date, months: int = RAMP_MONTHS) -> Ramp | None:
    """The rep's ramp on ``day``; None when they are fully ramped (or have no hire date)."""
    if hire_date is None or months <= 0:
        return None
    elapsed = max(0.0, (day - hire_date).days / DAYS_PER_MONTH)
    if elapsed >= months:
        return None
    return Ramp(hire_date, round(elapsed, 1), round(max(MIN_SHARE, elapsed / months), 2))


def full_on(hire_date: dt.date, months: int = RAMP_MONTHS) -> dt.date:
    """The day a rep hired on ``hire_date`` carries a full book."""
    return hire_date + dt.timedelta(days=round(months * DAYS_PER_MONTH))


def ramps_on(
    hire_dates: Mapping[int, dt.date | None], day: dt.date, months: int = RAMP_MONTHS
) -> dict[int, Ramp]:
    """Per rep id, the ramp of those still ramping on ``day``."""
    found = {rep: ramp_on(hired, day, months) for rep, hired in hire_dates.items()}
    return {rep: r for rep, r in found.items() if r is not None}


def policy(months: int) -> str:
    """How the ramp is worked out, in one phrase."""
    return (
        f"a rep hired less than {months} months before the moves take effect carries a share of a "
        f"full book growing linearly from the hire date (at least {MIN_SHARE:.0%})"
    )
