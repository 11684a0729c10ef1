"""Is every number in a text one the tools produced? Figures in prose, checked against the data.

A number in text is read the way people write it — ``$1.2M``, ``$45,300``, ``38%``, ``2.3x``,
``45 days``, ``1,234`` — with the precision it was written with: ``$1.2M`` stands for anything from
$1.15M to $1.25M, ``38%`` for a ratio from 0.375 to 0.385. It is *grounded* when some value of the
data falls in that range (a percentage also matches a ratio, 38% ~ 0.38). Dates, record ids
(``opportunity/42``) and small counts (up to :data:`SMALL_NUMBER`: "two quarters", "3 contacts")
are not figures and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

SMALL_NUMBER = 12
SCALE = {"k": Decimal(1_000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_SKIP = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b|\b\d{4}-Q\d\b|\b[a-z_]+/[\w:.-]+|\b[OAR]\d+\b")
_NUMBER = re.compile(
    r"(?P<dollar>\$)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>[kKmMbB])\b)?(?P<percent>\s?%)?(?P<times>x\b)?"
)


@dataclass(frozen=True)
class Written:
    """A number as written: its value, the half-width of the range it stands for, and its text."""

    value: Decimal
    tolerance: Decimal
    text: str
    percent: bool


def _half_unit(number: str) -> Decimal:
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return Decimal(5) / (Decimal(10) ** (decimals + 1))


def numbers_in(text: str) -> list[Written]:
    """The figures written in ``text`` (dates, record ids and candidate keys left out)."""
    cleaned = _SKIP.sub(" ", text)
    found = []
    for match in _NUMBER.finditer(cleaned):
        raw = match["number"]
        try:
            value = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            continue
        scale = SCALE.get((match["scale"] or "").lower(), Decimal(1))
        found.append(
            Written(
                value=value * scale,
                tolerance=_half_unit(raw) * scale,
                text=match[0].strip(),
                percent=bool(match["percent"]),
            )
        )
    return found


def values_of(payload: Any) -> set[Decimal]:
    """Every number in a JSON-like payload, including numbers inside its strings."""
    found: set[Decimal] = set()
    if isinstance(payload, dict):
        for value in payload.values():
            found |= values_of(value)
    elif isinstance(payload, list | tuple):
        for value in payload:
            found |= values_of(value)
    elif isinstance(payload, bool):
        pass
    elif isinstance(payload, int | float | Decimal):
        found.add(Decimal(str(payload)))
    elif isinstance(payload, str):
        try:
            found.add(Decimal(payload))
        except InvalidOperation:
            found |= {w.value for w in numbers_in(payload)}
    return found


def _matches(written: Written, known: Iterable[Decimal]) -> bool:
    for value in known:
        # a ratio may be written as a percentage (0.38 as 38%)
        if any(abs(written.value - c) <= written.tolerance for c in (value, value * 100)):
            return True
    return False


def unverified(text: str, known: set[Decimal]) -> list[str]:
    """The figures in ``text`` that no value in ``known`` accounts for."""
    return [
        w.text
        for w in numbers_in(text)
        if not (w.value <= SMALL_NUMBER and not w.percent and w.tolerance >= Decimal("0.5"))
        and not _matches(w, known)
    ]


UNVERIFIED_NOTE = "_Figures marked (unverified) did not come from a tool in this conversation._"


def mark_unverified(text: str, known: set[Decimal]) -> tuple[str, list[str]]:
    """``text`` with each figure no known value accounts for marked "(unverified)", and those figures."""
    wrong = list(dict.fromkeys(unverified(text, known)))
    for figure in wrong:
        pattern = rf"(?<![\w$.,]){re.escape(figure)}(?![\w%])"
        text = re.sub(pattern, lambda m: f"{m[0]} (unverified)", text)
    if wrong:
        text = f"{text}\n\n{UNVERIFIED_NOTE}"
    return text, wrong
