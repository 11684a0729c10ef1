"""Numbers as answers show them, read back: $1.2M, $45,300, 38%, 2.3x, 45 days, 1,234.

An answer rounds what it shows ($1.2M stands for anything from $1.15M to $1.25M), so each number
read carries half a unit of its last shown digit as its precision, and an expected value matches
a shown number when it is within that precision (plus any relative tolerance the case allows).
Dates (2026-11-20), quarters (2026-Q4) and record ids (opportunity/42) are not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from evals.schema import Unit

SUFFIX = {"": 0, "k": 3, "K": 3, "m": 6, "M": 6, "b": 9, "B": 9, "bn": 9}
MONEY = re.compile(
    r"(?P<sign>-)?\$\s?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?\s?(?P<suffix>bn|[KkMmBb])?(?![A-Za-z])"
)
PERCENT = re.compile(r"(?<![\w.])(?P<sign>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?\s?%")
MULTIPLE = re.compile(r"(?<![\w.$])(?P<int>\d+)(?:\.(?P<dec>\d+))?x\b")
DAYS = re.compile(r"(?<![\w.$])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?\s+days?\b")
#: Spans that look numeric but are not quantities.
NOT_NUMBERS = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # dates
    r"|\d{4}-Q\d"  # quarters
    r"|\b[a-z_]+/\d+(?::[\w-]+)?"  # record ids
    r"|#\d+"  # "#42"
    r"|\b[A-Za-z]+\d[\w-]*"  # codes such as Q4 or HAXMC4IX
)
PLAIN = re.compile(r"(?<![\w.$/#-])(?P<sign>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?(?![\w%$/])")


@dataclass(frozen=True)
class Shown:
    """A number as it appears in an answer."""

    value: Decimal
    unit: Unit
    #: Half a unit of the last digit shown.
    precision: Decimal
    text: str

    def matches(self, expected: Decimal, tolerance: float = 0.0) -> bool:
        slack = self.precision + abs(expected) * Decimal(str(tolerance)) + Decimal("1e-9")
        return abs(self.value - expected) <= slack


def _number(match: re.Match[str], shift: int = 0) -> tuple[Decimal, Decimal]:
    digits = match["int"].replace(",", "")
    decimals = match["dec"] or ""
    value = Decimal(f"{digits}.{decimals}" if decimals else digits).scaleb(shift)
    precision = Decimal(5).scaleb(shift - len(decimals) - 1)
    if match.groupdict().get("sign"):
        value = -value
    return value, precision


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def read_numbers(text: str) -> list[Shown]:
    """Every number shown in ``text``, with its unit and precision."""
    found: list[Shown] = []
    text = _blank(text, [m.span() for m in NOT_NUMBERS.finditer(text)])
    taken: list[tuple[int, int]] = []
    for match in MONEY.finditer(text):
        value, precision = _number(match, SUFFIX[match["suffix"] or ""])
        found.append(Shown(value, Unit.MONEY, precision, match[0].strip()))
        taken.append(match.span())
    text = _blank(text, taken)
    taken = []
    for match in PERCENT.finditer(text):
        value, precision = _number(match, -2)
        found.append(Shown(value, Unit.PERCENT, precision, match[0]))
        taken.append(match.span())
    for match in MULTIPLE.finditer(text):
        value, precision = _number(match)
        found.append(Shown(value, Unit.MULTIPLE, precision, match[0]))
        taken.append(match.span())
    for match in DAYS.finditer(text):
        value, precision = _number(match)
        found.append(Shown(value, Unit.DAYS, precision, match[0]))
        taken.append(match.span())
    text = _blank(text, taken)
    for match in PLAIN.finditer(text):
        value, precision = _number(match)
        found.append(Shown(value, Unit.COUNT, precision, match[0]))
    return found


def accepts(unit: Unit, shown: Unit) -> bool:
    """Whether a fact of ``unit`` may be matched by a number shown as ``shown`` (``any``: by all)."""
    return unit is Unit.ANY or unit is shown


def find(text: str, expected: Decimal, unit: Unit = Unit.ANY, tolerance: float = 0.0) -> Shown | None:
    """The first number in ``text`` that shows ``expected`` (in ``unit``), if any."""
    for shown in read_numbers(text):
        if accepts(unit, shown.unit) and shown.matches(expected, tolerance):
            return shown
    return None


def show(value: Decimal, unit: Unit) -> str:
    """``value`` written plainly, for failure messages."""
    if unit is Unit.MONEY:
        return f"${value:,.2f}".replace(".00", "")
    if unit is Unit.PERCENT:
        return f"{value * 100:.1f}%"
    if unit is Unit.MULTIPLE:
        return f"{value:.2f}x"
    if unit is Unit.DAYS:
        return f"{value:,.1f} days"
    return f"{value:,}" if value == value.to_integral_value() else f"{value:,.3f}"
