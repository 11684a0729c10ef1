"""Handing an account over: what the rep who gains it must know, and the CRM file that moves it.

Per moved account (read through the viewer's scoped selects, for all moved accounts at once):

* open deals: stage, amount, close date, next step and its date, and whether the deal moves with
  the account (the old owner's deals do; a colleague's stay with them);
* contacts: name, title, buying role, last engaged — most recently engaged first;
* recent activity: the last :data:`RECENT_ACTIVITIES` activities logged on the account;
* risks: a close date already past, a missing or overdue next step, a deal longer in its stage
  than the stage's stall threshold, no activity for :data:`QUIET_DAYS` days, no contact engaged
  in :data:`CONTACT_DAYS` days or only one contact, and a customer's ARR changing hands.

The CRM file (:func:`moves_csv`) is one row per account whose owner changes, in the shape CRM
import tools take for an update: the account's id in the source CRM (``Id``, its external id)
and the new owner's id there (``OwnerId``), then readable columns for the person checking it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from pydantic import BaseModel

from tools.evidence import record_id
from tools.rebalance.models import Move
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import Activity, Contact, Opportunity, User
from tools.viewer import Viewer

RECENT_ACTIVITIES = 5
QUIET_DAYS = 30
CONTACT_DAYS = 90
CSV_COLUMNS = (
    "Id",
    "OwnerId",
    "Account",
    "PreviousOwnerId",
    "PreviousOwner",
    "NewOwner",
    "NewOwnerEmail",
    "EffectiveDate",
    "Scenario",
)


class HandoverDeal(BaseModel):
    id: str
    name: str
    stage: str
    amount: Decimal
    close_date: dt.date | None
    next_step: str | None
    next_step_date: dt.date | None
    moves_with_account: bool


class HandoverContact(BaseModel):
    name: str
    title: str | None
    buying_role: str | None
    last_engaged_at: dt.date | None


class HandoverActivity(BaseModel):
    day: dt.date
    kind: str
    subject: str | None


class Handover(BaseModel):
    """One account's hand-over checklist."""

    move: Move
    deals: list[HandoverDeal]
    contacts: list[HandoverContact]
    activities: list[HandoverActivity]
    last_touch: dt.date | None
    risks: list[str]


def handovers(repo: Repository, viewer: Viewer, moves: Sequence[Move]) -> list[Handover]:
    """The checklist of every moved account, in the order of ``moves``."""
    ids = [int(m.id.split("/", 1)[1]) for m in moves]
    deals: dict[int, list[tuple[HandoverDeal, dt.date | None, int | None]]] = defaultdict(list)
    contacts: dict[int, list[HandoverContact]] = defaultdict(list)
    activities: dict[int, list[HandoverActivity]] = defaultdict(list)
    owners = {int(m.id.split("/", 1)[1]): int(m.from_id.split("/", 1)[1]) for m in moves}
    stall = {s.name: s.stall_days for s in repo.stages.open_stages}
    with repo.connect() as connection:
        for chunk in _chunks(ids):
            open_deals = repo.opportunities(
                viewer,
                Opportunity.id,
                Opportunity.account_id,
                Opportunity.owner_id,
                Opportunity.name,
                Opportunity.stage,
                Opportunity.amount,
                Opportunity.close_date,
                Opportunity.next_step,
                Opportunity.next_step_date,
                Opportunity.stage_entered_at,
                Opportunity.last_activity_at,
            ).where(~Opportunity.is_closed, Opportunity.account_id.in_(chunk))
            for d in connection.execute(open_deals.order_by(Opportunity.close_date, Opportunity.id)):
                entered = d.stage_entered_at.date() if isinstance(d.stage_entered_at, dt.datetime) else None
                deals[int(d.account_id)].append(
                    (
                        HandoverDeal(
                            id=record_id("opportunity", d.id),
                            name=d.name,
                            stage=d.stage,
                            amount=money(d.amount),
                            close_date=d.close_date,
                            next_step=d.next_step,
                            next_step_date=d.next_step_date,
                            moves_with_account=d.owner_id == owners[int(d.account_id)],
                        ),
                        entered if entered is not None else d.stage_entered_at,
                        stall.get(d.stage),
                    )
                )
            people = repo.contacts(
                viewer,
                Contact.account_id,
                Contact.name,
                Contact.title,
                Contact.buying_role,
                Contact.last_engaged_at,
            ).where(Contact.account_id.in_(chunk))
            for c in connection.execute(
                people.order_by(Contact.last_engaged_at.desc().nulls_last(), Contact.name)
            ):
                contacts[int(c.account_id)].append(
                    HandoverContact(
                        name=c.name,
                        title=c.title,
                        buying_role=c.buying_role,
                        last_engaged_at=c.last_engaged_at,
                    )
                )
            logged = repo.activities(
                viewer, Activity.account_id, Activity.occurred_at, Activity.kind, Activity.subject
            ).where(Activity.account_id.in_(chunk))
            for a in connection.execute(logged.order_by(Activity.occurred_at.desc(), Activity.id.desc())):
                mine = activities[int(a.account_id)]
                if len(mine) < RECENT_ACTIVITIES:
                    mine.append(HandoverActivity(day=a.occurred_at.date(), kind=a.kind, subject=a.subject))
    found = []
    for move, key in zip(moves, ids, strict=True):
        last = max((a.day for a in activities[key]), default=None)
        found.append(
            Handover(
                move=move,
                deals=[d for d, _, _ in deals[key]],
                contacts=contacts[key],
                activities=activities[key],
                last_touch=last,
                risks=_risks(repo.as_of, move, deals[key], contacts[key], last),
            )
        )
    return found


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _risks(
    as_of: dt.date,
    move: Move,
    deals: list[tuple[HandoverDeal, dt.date | None, int | None]],
    contacts: list[HandoverContact],
    last_touch: dt.date | None,
) -> list[str]:
    found = []
    for deal, entered, stall_days in deals:
        if deal.close_date is not None and deal.close_date < as_of:
            found.append(f"{deal.name}: close date {deal.close_date} has passed")
        if not deal.next_step:
            found.append(f"{deal.name}: no next step")
        elif deal.next_step_date is not None and deal.next_step_date < as_of:
            found.append(f"{deal.name}: next step overdue since {deal.next_step_date}")
        if entered is not None and stall_days is not None and (as_of - entered).days > stall_days:
            found.append(
                f"{deal.name}: {(as_of - entered).days} days in {deal.stage} (stalled after {stall_days})"
            )
    if last_touch is None or (as_of - last_touch).days > QUIET_DAYS:
        found.append(
            f"no activity in {QUIET_DAYS} days (last {last_touch})" if last_touch else "no activity logged"
        )
    engaged = [c for c in contacts if c.last_engaged_at and (as_of - c.last_engaged_at).days <= CONTACT_DAYS]
    if len(contacts) <= 1:
        found.append(f"single-threaded: {len(contacts)} contact")
    elif not engaged:
        found.append(f"no contact engaged in {CONTACT_DAYS} days")
    if move.arr > 0:
        found.append(f"customer: ${move.arr:,.0f} ARR changes hands; introduce the new rep before renewal")
    return found


def markdown(items: Sequence[Handover], title: str, effective: str) -> str:
    """The checklists as one Markdown document, grouped by the rep who gains the accounts."""
    out = [f"# Hand-over: {title}", "", f"{len(items)} accounts change owner; {effective}.", ""]
    by_rep: dict[str, list[Handover]] = defaultdict(list)
    for item in items:
        by_rep[item.move.to_rep].append(item)
    for rep in sorted(by_rep):
        out += [f"## {rep} takes {len(by_rep[rep])} accounts", ""]
        for h in by_rep[rep]:
            m = h.move
            ext = f", {m.external_id}" if m.external_id else ""
            out += [
                f"### {m.account} ({m.id}{ext}) — from {m.from_rep}",
                "",
                f"Potential ${m.potential:,.0f}; ARR ${m.arr:,.0f}; last touch {h.last_touch or 'none'}.",
                "",
                "- [ ] Introduction call: old and new owner with the main contact",
            ]
            for d in h.deals:
                step = d.next_step or "no next step"
                when = f" by {d.next_step_date}" if d.next_step_date else ""
                owner = "moves with the account" if d.moves_with_account else "stays with its owner"
                out.append(
                    f"- [ ] Deal {d.name} ({d.id}): {d.stage}, ${d.amount:,.0f}, closes {d.close_date}; "
                    f"next step: {step}{when} ({owner})"
                )
            for c in h.contacts[:5]:
                role = f", {c.buying_role}" if c.buying_role else ""
                out.append(
                    f"- [ ] Contact {c.name} ({c.title or 'no title'}{role}): last engaged "
                    f"{c.last_engaged_at or 'never'}"
                )
            if h.activities:
                out += ["", "Recent activity:"]
                out += [f"- {a.day} {a.kind}: {a.subject or ''}".rstrip(": ") for a in h.activities]
            out += ["", "Risks:"]
            out += [f"- {r}" for r in h.risks] or ["- none found"]
            out.append("")
    return "\n".join(out) + "\n"


def moves_csv(repo: Repository, viewer: Viewer, moves: Sequence[Move], effective: dt.date, name: str) -> str:
    """One row per owner change, in a CRM import's shape (``Id``, ``OwnerId``, then readable columns)."""
    people = {int(m.to_id.split("/", 1)[1]) for m in moves} | {int(m.from_id.split("/", 1)[1]) for m in moves}
    with repo.connect() as connection:
        users = {
            int(row.id): row
            for row in connection.execute(
                repo.users(viewer, User.id, User.external_id, User.email).where(User.id.in_(list(people)))
            )
        }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in sorted(moves, key=lambda m: (m.account, m.id)):
        old, new = users.get(int(m.from_id.split("/", 1)[1])), users.get(int(m.to_id.split("/", 1)[1]))
        writer.writerow(
            [
                m.external_id or m.id,
                (new.external_id if new is not None else None) or m.to_id,
                m.account,
                (old.external_id if old is not None else None) or m.from_id,
                m.from_rep,
                m.to_rep,
                (new.email if new is not None else None) or "",
                effective.isoformat(),
                name,
            ]
        )
    return buffer.getvalue()
