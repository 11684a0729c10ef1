"""What a route is made of: tool calls to make, or a reply that needs no tool.

A route (:mod:`assistant.offline.routing`) is either a list of :class:`Call` for this round or a
:class:`Direct` reply. The argument helpers keep calls small: an argument the question did not
give is left out, so the tool applies its own default, and amounts are plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from assistant.offline.frame import Ambiguity, Slots


class Direct(StrEnum):
    """Replies that need no tool."""

    CLARIFY = "clarify"
    ASK_FOR = "ask_for"
    HELP = "help"
    SMALL_TALK = "small_talk"
    DECLINE = "decline"
    UNKNOWN = "unknown"
    DEFINITIONS = "definitions"
    #: "why?" with nothing before it: there are no figures to explain yet.
    EXPLAIN = "explain"
    #: A request to act (write, log, update, schedule): "I can't do that yet", and what can be done.
    CANNOT = "cannot"
    #: The question reads two ways about equally: "Do you mean … or …?"
    WHICH_READING = "which_reading"
    #: A follow-up that changed nothing that was understood: what can be changed, asked.
    UNCHANGED = "unchanged"


@dataclass
class Call:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Route:
    """The calls to make now, or the direct reply to give."""

    calls: list[Call] = field(default_factory=list)
    direct: Direct | None = None
    #: For CLARIFY: what to ask about; for ASK_FOR: the kind of name that is missing.
    ambiguity: Ambiguity | None = None
    missing: str | None = None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def given(**values: Any) -> dict[str, Any]:
    """The arguments that have a value, amounts as plain numbers."""
    return {k: _number(v) if isinstance(v, Decimal) else v for k, v in values.items() if v is not None}


def deal_filters(slots: Slots, with_period: bool = True) -> dict[str, Any]:
    """The filters every deal tool takes (owner, territory, account, product, stage, amounts, period)."""
    return given(
        owner=slots.owner,
        territory=slots.territory,
        account=slots.account,
        product=slots.product,
        stage=slots.stage,
        min_amount=slots.min_amount,
        max_amount=slots.max_amount,
        period=slots.period if with_period else None,
        forecast_category=slots.forecast_category,
        industry=slots.industry,
        segment=slots.segment,
        country=slots.country,
        state=slots.state,
        city=slots.city,
    )
