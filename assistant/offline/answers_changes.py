"""Answers about proposed CRM changes: the proposals of the turn, which deal a change means when
its name matches several, and how to ask for one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from assistant.offline.render import render
from assistant.proposals import FIELD_NAMES, ProposedChange
from tools.store.sync.deal_lookup import CANDIDATE

if TYPE_CHECKING:
    from assistant.offline.intents.spec import Answering

SOURCES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}
#: A tool's refusal of a deal name that matches several deals (``AmbiguousDeal``).
MESSAGE = re.compile(r"^'(?P<phrase>.+?)' matches several deals — say which: (?P<listed>.+)$", re.S)


@dataclass
class ProposalView:
    line: str
    confirm: list[str]
    cancel: str


@dataclass
class ProposalsView:
    crm: str
    what: str
    proposals: list[ProposalView]
    #: Proposals of the same request that could not be made, and why (which deal, say).
    missed: list[str]


def _day(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day:%a} {day:%b} {day.day}, {day.year} ({value})"


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "(empty)"
    if field == "close_date":
        return _day(value)
    if field == "amount":
        amount = Decimal(value)
        return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"
    return value


def _line(change: ProposedChange, crm: str) -> str:
    """One proposal: the record, what changes, old → new."""
    where = f"**{change.record}** ({crm} id {change.external_id})"
    details = change.details or {}
    if change.kind == "activity":
        kind = str(details.get("kind", "activity"))
        on = [f"on {where}"]
        if details.get("account") and details.get("account") != change.record:
            on.append(f"account {details['account']}")
        with_whom = f", with {details['contact']}" if details.get("contact") else ""
        day = _day(str(details["day"])) if details.get("day") else ""
        article = "an" if kind[:1] in "aeiou" else "a"
        return f"Log {article} **{kind}** {', '.join(on)}: {day}{with_whom} — “{details.get('subject', '')}”"
    field = FIELD_NAMES.get(change.field, change.field)
    line = f"{where}, {field}: {_shown(change.field, change.old)} → **{_shown(change.field, change.new)}**"
    if details.get("due"):
        was = f" (was due {_day(str(details['old_due']))})" if details.get("old_due") else ""
        line += f", due **{_day(str(details['due']))}**{was}"
    return line


def proposal(change: ProposedChange, answering: Answering) -> str:
    """Every change proposed this turn, each with how to confirm or drop it."""
    changes = answering.outputs(ProposedChange) or [change]
    crm = SOURCES.get(change.source, change.source)
    views = [
        ProposalView(
            line=_line(c, crm),
            confirm=c.confirm,
            cancel=c.cancel[0] if c.cancel else "",
        )
        for c in changes
    ]
    activities = all(c.kind == "activity" for c in changes)
    single = "logging this" if activities else "this change"
    what = single if len(changes) == 1 else "these changes"
    missed = [_missed(r.args, r.error or "") for r in answering.results[1:] if not r.ok]
    return render("proposal", ProposalsView(crm=crm, what=what, proposals=views, missed=missed))


def _missed(args: dict[str, object], error: str) -> str:
    """Why a further proposal of the request was not made, and how to ask for it."""
    field = FIELD_NAMES.get(str(args.get("field")), str(args.get("field", "change")))
    several = MESSAGE.match(error)
    if several is None:
        return f"The {field} was not proposed: {error}"
    names = [m["name"].strip() for m in CANDIDATE.finditer(several["listed"])]
    due = f" by {args['due']}" if args.get("due") else ""
    example = f"{field} on {names[0]}: {args.get('value')}{due}"
    listed = ", ".join(names)
    phrase = several["phrase"]
    return (
        f'The {field} was not proposed: "{phrase}" has several deals ({listed}). Say which, e.g. "{example}".'
    )


@dataclass
class HowView:
    example: str


def how_to_ask(example_deal: str | None) -> str:
    """The reply to a change request that names no deal, field or readable value."""
    deal = f"the {example_deal} close date" if example_deal else "the close date of a deal"
    return render("change_how", HowView(f"push {deal} to Jan 15"))


@dataclass
class WhichView:
    phrase: str
    candidates: list[str]


def which_deal(message: str) -> str | None:
    """The question listing the deals a tool's "matches several deals" error names, if it is one."""
    found = MESSAGE.match(message)
    if found is None:
        return None
    candidates = [
        f"{m['name'].strip()} [opportunity/{m['id']}]: {m['facts']}"
        for m in CANDIDATE.finditer(found["listed"])
    ]
    if len(candidates) < 2:
        return None
    return render("which_deal", WhichView(found["phrase"], candidates))
