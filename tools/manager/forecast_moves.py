"""How the forecast categories of a period moved between a pipeline snapshot and now.

A deal is *in* a category for the period when it is open, in that forecast category, with a close
date in the period. Between the start (the snapshot) and now a deal moves **in** (new, upgraded
from a lower category, downgraded from a higher one, pulled into the period) or **out** (won,
lost, upgraded, downgraded, pushed out of the period, gone), and a deal in it at both ends may
change amount. start + in - out + amount changes = end, exactly (deals without an amount count 0).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from tools.evidence import ExternalId, RecordUrl, record_id
from tools.periods import Period

ZERO = Decimal("0.00")
#: Forecast categories from the highest.
RANK = {"commit": 2, "best_case": 1, "pipeline": 0}
NAMES = {"commit": "commit", "best_case": "best case", "pipeline": "pipeline"}


class MovedDeal(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    owner: str
    how: str = Field(description="What happened: new, upgraded from best case, pushed out of 2026-Q4, won…")
    stage_before: str | None
    stage: str | None
    category_before: str | None
    category: str | None
    amount_before: Decimal | None
    amount: Decimal | None
    close_date_before: dt.date | None
    close_date: dt.date | None
    value: Decimal = Field(description="The value this move added to or took from the category.")


class CategoryMoves(BaseModel):
    category: str
    start_value: Decimal
    start_deals: int
    end_value: Decimal
    end_deals: int
    change: Decimal
    change_share: float | None = Field(description="change / start value.")
    moved_in: Decimal
    moved_in_deals: int
    moved_out: Decimal
    moved_out_deals: int
    amount_changes: Decimal = Field(description="Net change in amount of deals in the category at both ends.")
    moves: list[MovedDeal] = Field(description="The largest moves in, out and in amount, largest first.")


def category_of(row: Any) -> str:
    return str(row.forecast_category or "pipeline")


def _inside(row: Any, category: str, period: Period) -> bool:
    return row is not None and category_of(row) == category and period.contains(row.close_date)


def _value(row: Any) -> Decimal:
    return Decimal(row.amount) if row is not None and row.amount is not None else ZERO


def _out(old: Any, new: Any, period: Period) -> str:
    if new is None:
        return "no longer in the pipeline"
    if new.is_closed:
        return "won" if new.is_won else "lost"
    if category_of(new) != category_of(old):
        verb = "upgraded" if RANK.get(category_of(new), 0) > RANK.get(category_of(old), 0) else "downgraded"
        return f"{verb} to {NAMES.get(category_of(new), category_of(new))}"
    if new.close_date is not None and new.close_date >= period.end:
        return f"pushed out of {period.label}"
    return f"close date moved before {period.label}"


def _in(old: Any, new: Any, period: Period) -> str:
    if old is None:
        return "new"
    if category_of(new) != category_of(old):
        verb = "upgraded" if RANK.get(category_of(new), 0) > RANK.get(category_of(old), 0) else "downgraded"
        return f"{verb} from {NAMES.get(category_of(old), category_of(old))}"
    return f"pulled into {period.label}"


def category_moves(
    category: str,
    period: Period,
    before: dict[int, Any],
    now: dict[int, Any],
    limit: int,
) -> CategoryMoves:
    """The moves of one category between ``before`` (snapshot rows) and ``now`` (current rows)."""
    start = {d: r for d, r in before.items() if _inside(r, category, period)}
    end = {d: r for d, r in now.items() if not r.is_closed and _inside(r, category, period)}
    moves: list[tuple[Decimal, int, str, Decimal]] = []
    for deal, old in start.items():
        if deal not in end:
            moves.append((-_value(old), deal, _out(old, now.get(deal), period), -_value(old)))
    for deal, new in end.items():
        if deal not in start:
            moves.append((_value(new), deal, _in(before.get(deal), new, period), _value(new)))
        elif (delta := _value(new) - _value(start[deal])) != 0:
            moves.append((delta, deal, "amount up" if delta > 0 else "amount down", delta))
    start_value = sum((_value(r) for r in start.values()), ZERO)
    end_value = sum((_value(r) for r in end.values()), ZERO)
    moved_out = [m for m in moves if m[1] in start and m[1] not in end]
    moved_in = [m for m in moves if m[1] in end and m[1] not in start]
    listed = sorted(moves, key=lambda m: (-abs(m[0]), m[1]))[:limit]
    return CategoryMoves(
        category=category,
        start_value=start_value,
        start_deals=len(start),
        end_value=end_value,
        end_deals=len(end),
        change=end_value - start_value,
        change_share=float((end_value - start_value) / start_value) if start_value else None,
        moved_in=sum((m[3] for m in moved_in), ZERO),
        moved_in_deals=len(moved_in),
        moved_out=-sum((m[3] for m in moved_out), ZERO),
        moved_out_deals=len(moved_out),
        amount_changes=sum((m[3] for m in moves if m[1] in start and m[1] in end), ZERO),
        moves=[moved(deal, how, value, before.get(deal), now.get(deal)) for _, deal, how, value in listed],
    )


def moved(deal: int, how: str, value: Decimal, old: Any, new: Any) -> MovedDeal:
    """One deal's move, from its snapshot row and its current row (``now`` rows carry name and owner)."""
    return MovedDeal(
        id=record_id("opportunity", deal),
        name=new.name if new is not None else record_id("opportunity", deal),
        owner=(new.owner or "") if new is not None else "",
        how=how,
        stage_before=old.stage if old is not None else None,
        stage=None if new is None or new.is_closed else new.stage,
        category_before=category_of(old) if old is not None else None,
        category=None if new is None or new.is_closed else category_of(new),
        amount_before=old.amount if old is not None else None,
        amount=new.amount if new is not None else None,
        close_date_before=old.close_date if old is not None else None,
        close_date=new.close_date if new is not None else None,
        value=value,
    )
