"""Numbers and records the way people read them: $1.2M, $45,300, 38%, 45 days, "Acme [account/7]"
(a record reference, shown to people with its source CRM id by :mod:`assistant.references`).

Shared by every writer of answers: the offline planner's templates, the drafted plans and the Slack
messages, so a figure reads the same wherever it appears.

Decisions:

* money below one million is shown to the dollar with thousands separators ($45,300); from one
  million up with one decimal and a suffix ($1.2M, $3.4B), which is how sales teams say it;
* ratios are whole percentages (38%); a pipeline coverage ratio is a multiple (2.3x), because
  "230% coverage" is not how anyone talks about coverage;
* days are rounded to whole days; dates are ISO (2026-12-15), the same as the tools' evidence;
* an amount the import estimated (a Maven deal's product list price) is always marked: one deal's
  reads "$5,482 (estimated)", a total that includes estimates "$1.2M (of which $0.9M estimated)",
  a total made only of estimates "$1.2M (estimated)"; a deal with no amount at all reads "amount
  unknown", never $0.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tools.evidence import Figure, Unit, mark_estimated

Number = Decimal | float | int

NOT_AVAILABLE = "n/a"
AMOUNT_UNKNOWN = "amount unknown"


def _decimal(value: Number | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Number | str | None) -> str:
    """$45,300 below one million; $1.2M and $3.4B above."""
    if value is None:
        return NOT_AVAILABLE
    amount = _decimal(value)
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if size >= Decimal("999950000"):
        return f"{sign}${size / Decimal(1_000_000_000):,.1f}B"
    if size >= Decimal("999950"):
        return f"{sign}${size / Decimal(1_000_000):,.1f}M"
    return f"{sign}${size:,.0f}"


def percent(ratio: Number | str | None) -> str:
    """A ratio (0.38) as a whole percentage (38%)."""
    if ratio is None:
        return NOT_AVAILABLE
    return f"{_decimal(ratio) * 100:,.0f}%"


def multiple(ratio: Number | str | None) -> str:
    """A coverage ratio (2.31) as a multiple (2.3x)."""
    if ratio is None:
        return NOT_AVAILABLE
    return f"{_decimal(ratio):,.1f}x"


def days(value: Number | str | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    whole = round(_decimal(value))
    return f"{whole:,} day" if whole == 1 else f"{whole:,} days"


def count(value: Number | str | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return f"{round(_decimal(value)):,}"


def plural(number: int, singular: str, many: str | None = None) -> str:
    """``3 deals``, ``1 deal``."""
    return f"{number:,} {singular if number == 1 else many or plural_of(singular)}"


def plural_of(noun: str) -> str:
    """``deals``, ``countries``, ``boxes``: the regular English plural of ``noun``."""
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def close_date(value: dt.date | None) -> str:
    """``close date 2026-11-21``, or ``no close date`` for a deal without one (never "n/a")."""
    return f"close date {date(value)}" if value is not None else "no close date"


def record(name: str | None, record_id: str | None) -> str:
    """``Acme - Core [opportunity/42]``: the reference the service rewrites for people as the name
    with the source CRM id, or a link (:mod:`assistant.references`); a record without a name is
    the reference alone, which becomes the record's name."""
    if not record_id:
        return name or NOT_AVAILABLE
    return f"{name} [{record_id}]" if name else f"[{record_id}]"


def estimated(text: str, value: Number | str | None, part: Number | str | None) -> str:
    """``text`` (an amount as shown) marked with how much of ``value`` is estimated."""
    whole = None if value is None else _decimal(value)
    return mark_estimated(text, whole, part, money(part) if part else "")


def deal_amount(value: Number | str | None, is_estimate: bool = False, basis: str | None = None) -> str:
    """One deal's amount: "$5,482", "$5,482 (estimated)" (with ``basis``: "$5,482 (estimated from
    the product's list price)") or "amount unknown" (never $0)."""
    if value is None:
        return AMOUNT_UNKNOWN
    shown = estimated(money(value), value, value if is_estimate else None)
    return shown.replace("(estimated)", f"(estimated from {basis})") if is_estimate and basis else shown


def figure(value: Figure, coverage: bool = False) -> str:
    """A tool's figure in the unit it was computed in; an amount says how much of it is estimated."""
    if value.value is None:
        return AMOUNT_UNKNOWN if value.unit is Unit.USD else NOT_AVAILABLE
    if value.unit is Unit.USD:
        return estimated(money(value.value), value.value, value.estimated)
    if value.unit is Unit.RATIO:
        return multiple(value.value) if coverage else percent(value.value)
    if value.unit is Unit.DAYS:
        return days(value.value)
    if value.unit is Unit.KM:
        return f"{round(_decimal(value.value)):,} km"
    return count(value.value)


def amount_of(value: Figure) -> Decimal:
    """A figure's value as a number (0 when missing), for ordering."""
    return Decimal(0) if value.value is None else _decimal(value.value)


def or_list(items: list[str], word: str = "or") -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
