"""How every figure a tool returns explains itself: value, formula, filters and the records behind it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from tools.store.types import to_money

#: At most this many record ids are listed per figure; ``record_count`` always has the full count.
MAX_RECORD_IDS = 50
#: The kinds of record a citation can name, and the shapes of record and playbook citation ids.
RECORD_KINDS = "account|account_product|opportunity|user|contact|activity|territory|product|quota"
RECORD_ID = re.compile(rf"^({RECORD_KINDS})/[\w:.-]+$")
PLAYBOOK_ID = re.compile(r"^[\w./-]+\.md#[\w-]+$")


class Unit(StrEnum):
    USD = "usd"
    COUNT = "count"
    RATIO = "ratio"
    DAYS = "days"
    KM = "km"


def record_id(kind: str, key: int | str) -> str:
    """A stable record reference such as ``opportunity/42`` or ``account/7``."""
    return f"{kind}/{key}"


class Figure(BaseModel):
    """One number, with how it was computed."""

    name: str
    value: Decimal | float | int | None
    unit: Unit
    formula: str = Field(description="How the value is computed, e.g. 'sum(amount) of open opportunities'.")
    filters: list[str] = Field(default_factory=list, description="The filters applied to the records.")
    record_ids: list[str] = Field(default_factory=list, description="The records behind the value (capped).")
    record_count: int = 0
    estimated: Decimal | None = Field(
        default=None,
        description="The part of an amount that is estimated (deals whose amount the import filled "
        "in, e.g. from the product's list price); absent when none is.",
    )

    @model_serializer(mode="wrap")
    def _drop_unestimated(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if data.get("estimated") is None:
            data.pop("estimated", None)
        return data

    def with_estimate(self, part: Decimal | float | int | None) -> Figure:
        """This figure, saying how much of it is estimated (nothing when ``part`` is zero or None)."""
        if not part:
            return self
        return self.model_copy(update={"estimated": to_money(part)})

    @classmethod
    def of(
        cls,
        name: str,
        value: Decimal | float | int | None,
        unit: Unit,
        formula: str,
        filters: Iterable[str] = (),
        records: Iterable[str] = (),
        count: int | None = None,
    ) -> Figure:
        """A figure; ``count`` is the number of records behind it when ``records`` lists only some."""
        ids = list(records)
        return cls(
            name=name,
            value=value,
            unit=unit,
            formula=formula,
            filters=list(filters),
            record_ids=ids[:MAX_RECORD_IDS],
            record_count=len(ids) if count is None else count,
        )

    def display(self) -> str:
        """The value formatted for people: $1,234, 37.5%, 42 days, 12; "$1,234 (estimated)"."""
        shown = format_value(self.value, self.unit)
        part = self.estimated
        return mark_estimated(shown, self.value, part, format_value(part, self.unit) if part else "")


def mark_estimated(text: str, value: Decimal | float | int | None, part: object, shown_part: str) -> str:
    """``text`` (an amount as shown) saying how much of ``value`` is estimated: "(estimated)" when
    all of it, "(of which ``shown_part`` estimated)" when some; unchanged when none or unknown.
    The one wording of estimates, for the tools' evidence and every answer."""
    if not part or value is None:
        return text
    if Decimal(str(part)) >= Decimal(str(value)):
        return f"{text} (estimated)"
    return f"{text} (of which {shown_part} estimated)"


def format_value(value: Decimal | float | int | None, unit: Unit) -> str:
    if value is None:
        return "n/a"
    if unit is Unit.USD:
        return f"${Decimal(value):,.0f}"
    if unit is Unit.RATIO:
        return f"{float(value) * 100:.1f}%"
    if unit is Unit.DAYS:
        return f"{float(value):,.0f} days"
    if unit is Unit.KM:
        return f"{float(value):,.0f} km"
    return f"{value:,}"
