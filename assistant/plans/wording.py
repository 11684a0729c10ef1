"""How a plan words what the data does not say: unknown and estimated amounts, missing values.

Used by the plan templates (``prompts/plan_*.md.j2``, passed as ``w``) and the narrative, so every
section says it the same way:

* a deal with no amount reads "amount unknown", never $0; an amount the import estimated (the
  store's ``amount_estimated``) reads "$4,821 (estimated)";
* a set of open deals reads "$1.2M on 14 deals", "$1.2M on 14 deals (3 amount unknown)" or
  "14 deals, amount unknown" — the known amounts are summed, the unknown ones counted;
* a win rate with no closed deal reads "no deals closed", not "n/a".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant import formatting as fmt
from tools.evidence import Figure
from tools.plans.key_accounts import OpenBook

UNKNOWN = "amount unknown"


def amount(deal: Any) -> str:
    """A deal's amount: ``$45,300``, ``$4,821 (estimated)`` or ``amount unknown``."""
    value = getattr(deal, "amount", None)
    if isinstance(value, Figure):
        value = value.value
    if value is None:
        return UNKNOWN
    text = fmt.money(value)
    return f"{text} (estimated)" if getattr(deal, "amount_estimated", False) else text


def deals(count: int, total: Decimal | float | int | None, unknown: int, estimated: int = 0) -> str:
    """Open deals and their amounts, with the unknown and estimated ones said."""
    if not count:
        return "none"
    many = fmt.plural(count, "deal")
    if unknown >= count:
        return f"{many}, {UNKNOWN}"
    notes = [f"{unknown:,} {UNKNOWN}" if unknown else "", f"{estimated:,} estimated" if estimated else ""]
    said = "; ".join(n for n in notes if n)
    return f"{fmt.money(total or 0)} on {many}" + (f" ({said})" if said else "")


def worth(count: int, total: Decimal | float | int | None, unknown: int) -> str:
    """What deals are worth: ``worth $1.2M``, ``worth $1.2M (3 amount unknown)``, ``amounts unknown``."""
    if unknown >= count:
        return "amounts unknown" if count > 1 else UNKNOWN
    return f"worth {fmt.money(total or 0)}" + (f" ({unknown:,} {UNKNOWN})" if unknown else "")


def book(open_book: OpenBook) -> str:
    return deals(open_book.deals, open_book.amount.value, open_book.without_amount, open_book.estimated)


def rate(value: Figure, closed: int) -> str:
    """A win rate, or 'no deals closed' when nothing closed in the period."""
    return fmt.figure(value) if closed and value.value is not None else "no deals closed"


def signed_gap(gap: Figure) -> str:
    """``$281,300 short`` or ``$829,950 above quota``."""
    if gap.value is None:
        return fmt.NOT_AVAILABLE
    value = Decimal(str(gap.value))
    return f"{fmt.money(value)} short" if value > 0 else f"{fmt.money(-value)} above quota"
