"""Answers about proposed CRM changes: the proposal, and how to ask for one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from assistant.offline.render import render
from assistant.proposals import FIELD_NAMES, ProposedChange

if TYPE_CHECKING:
    from assistant.offline.intents.spec import Answering

SOURCES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}


@dataclass
class ProposalView:
    record: str
    external_id: str
    field: str
    old: str
    new: str
    crm: str
    confirm: list[str]
    cancel: str


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "(empty)"
    if field == "close_date":
        day = dt.date.fromisoformat(value)
        return f"{day:%a} {day:%b} {day.day}, {day.year} ({value})"
    if field == "amount":
        amount = Decimal(value)
        return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"
    return value


def proposal(change: ProposedChange, answering: Answering) -> str:
    view = ProposalView(
        record=change.record,
        external_id=change.external_id,
        field=FIELD_NAMES.get(change.field, change.field),
        old=_shown(change.field, change.old),
        new=_shown(change.field, change.new),
        crm=SOURCES.get(change.source, change.source),
        confirm=change.confirm,
        cancel=change.cancel[0] if change.cancel else "",
    )
    return render("proposal", view)


@dataclass
class HowView:
    example: str


def how_to_ask(example_deal: str | None) -> str:
    """The reply to a change request that names no deal, field or readable value."""
    deal = f"the {example_deal} close date" if example_deal else "the close date of a deal"
    return render("change_how", HowView(f"push {deal} to Jan 15"))
