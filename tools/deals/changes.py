"""What changed in the open pipeline since a day: new, advanced, slipped back, close date pushed
or pulled in, amount up or down, won, lost — and the waterfall from the start value to the end.

The start is the pipeline snapshot of the asked day (:mod:`tools.store.snapshots`; the nearest
earlier one when that day has none, and the answer says which); the end is the pipeline as it
stands on ``as_of`` (its deals' own columns, with their win scores). Both sides are read in the
viewer's scope. A deal open at the start and closed since is won or lost (or ``removed`` when it
is neither, e.g. deleted); one open now and not then is new. A deal in both can be in several
groups (advanced *and* amount up). The waterfall adds up exactly: start + new + increased -
decreased - won - lost - removed = end (deals without an amount count as 0).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, case, func, select

from tools.deals.pipeline import describe
from tools.errors import DataError, InputError
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.filters import DealFilter, deal_conditions
from tools.scoring.store import scores_in_use
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Opportunity, User
from tools.store.schema_scores import DealScore, DigestItem, PipelineSnapshot

GROUPS = {
    "new": "New",
    "advanced": "Advanced",
    "slipped_back": "Slipped back a stage",
    "pushed": "Close date pushed",
    "pulled_in": "Close date pulled in",
    "amount_up": "Amount up",
    "amount_down": "Amount down",
    "won": "Won",
    "lost": "Lost",
    "removed": "No longer in the pipeline",
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ChangesQuery(BaseModel):
    since: str = Field(
        default="last week",
        description="Start of the period: 'last week', 'yesterday', 'monday' (or another weekday), "
        "'my last digest', 'N days ago' or a date (YYYY-MM-DD).",
    )
    owner: str | None = Field(
        default=None, description="A rep's or manager's name (a manager means the team)."
    )
    territory: str | None = Field(default=None, description="Territory name.")
    limit: int = Field(
        default=10, ge=1, le=1000, description="Deals listed per group, largest first (all counted)."
    )


class ChangedDeal(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    owner: str
    stage_before: str | None
    stage: str | None
    amount_before: Decimal | None
    amount: Decimal | None
    close_date_before: dt.date | None
    close_date: dt.date | None
    probability_before: float | None
    probability: float | None


class ChangeGroup(BaseModel):
    kind: str
    title: str
    count: int
    amount: Decimal = Field(description="Pipeline value this change moved (new: their amount; won: theirs…).")
    deals: list[ChangedDeal]


class Step(BaseModel):
    label: str
    amount: Decimal


class PipelineChanges(BaseModel):
    asked: str
    start: dt.date = Field(description="The snapshot day the period starts from.")
    end: dt.date
    note: str | None = None
    start_value: Decimal
    end_value: Decimal
    start_deals: int
    end_deals: int
    groups: list[ChangeGroup]
    waterfall: list[Step]
    filters: list[str]


def start_day(repo: Repository, viewer: ViewerLike, since: str) -> dt.date:
    """The day ``since`` names, relative to ``as_of``."""
    text = " ".join(since.lower().replace("since", " ").split())
    as_of = repo.as_of
    if text in ("last week", "a week ago", "week", "this week", "7 days ago"):
        return as_of - dt.timedelta(days=7)
    if text == "yesterday":
        return as_of - dt.timedelta(days=1)
    if text.removeprefix("last ") in WEEKDAYS:
        back = (as_of.weekday() - WEEKDAYS.index(text.removeprefix("last "))) % 7 or 7
        return as_of - dt.timedelta(days=back)
    if (days := re.fullmatch(r"(?:last )?(\d{1,4}) days?(?: ago)?", text)) is not None:
        return as_of - dt.timedelta(days=int(days.group(1)))
    if "digest" in text:
        with repo.connect() as connection:
            last = connection.execute(
                select(func.max(DigestItem.day)).where(DigestItem.user_id == viewer.user_id)
            ).scalar()
        if last is None:
            raise InputError("no digest has been sent to you yet; ask since a day instead (e.g. 'last week')")
        return last
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"cannot tell which day {since!r} means; try 'last week', 'yesterday', 'monday', "
            "'my last digest', '10 days ago' or a date like 2026-11-01"
        ) from None


def snapshot_day(connection: Connection, asked: dt.date) -> tuple[dt.date, str | None]:
    """The snapshot a period starting on ``asked`` starts from (the nearest earlier one, else the
    first), and a note when it is not of that day."""
    day = connection.execute(
        select(func.max(PipelineSnapshot.day)).where(PipelineSnapshot.day <= asked)
    ).scalar()
    if day is not None:
        return (
            day,
            None if day == asked else f"no snapshot on {asked}: the nearest earlier one, {day}, is the start",
        )
    day = connection.execute(select(func.min(PipelineSnapshot.day))).scalar()
    if day is None:
        raise DataError("the data set has no pipeline snapshots yet (regenerate or re-import it)")
    return day, f"the pipeline's first snapshot is from {day}, after {asked}"


def pipeline_changes(repo: Repository, viewer: ViewerLike, params: ChangesQuery) -> PipelineChanges:
    """What changed in the open pipeline since a day: new, advanced, slipped back, close date pushed,
    amount up or down, won, lost, with the waterfall from the start value to today's.

    Args:
        since: Start of the period: 'last week', 'yesterday', 'monday' (or another weekday), 'my last
            digest', 'N days ago' or a date (YYYY-MM-DD).
        owner: A rep's or manager's name (a manager means the team).
        territory: Territory name.
        limit: Deals listed per group, largest first (all counted).
    """
    asked = start_day(repo, viewer, params.since)
    resolved = deal_conditions(repo, viewer, DealFilter(owner=params.owner, territory=params.territory))
    with repo.connect() as connection:
        day, note = snapshot_day(connection, asked)
        snap = PipelineSnapshot
        # today's chance as a snapshot records it: the stored win score while it is current (made
        # for the data as it is now, by a model in use), else the stage's probability
        stage_probability = case(
            {s.name: s.probability for s in repo.stages.stages}, value=Opportunity.stage, else_=None
        )
        chance = (
            func.coalesce(DealScore.probability, stage_probability)
            if scores_in_use(connection, repo.as_of)
            else stage_probability
        )
        before = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer, Opportunity.id, snap.stage, snap.amount, snap.close_date, snap.probability
                )
                .join(snap, (snap.opportunity_id == Opportunity.id) & (snap.day == day))
                .where(*resolved.conditions)
            )
        }
        now = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(
                    viewer,
                    Opportunity.id,
                    Opportunity.stage,
                    Opportunity.amount,
                    Opportunity.close_date,
                    chance.label("probability"),
                )
                .outerjoin(DealScore, DealScore.opportunity_id == Opportunity.id)
                .where(~Opportunity.is_closed, *resolved.conditions)
            )
        }
        gone = [deal for deal in before if deal not in now]
        closed = {
            row.id: row
            for row in connection.execute(
                select(Opportunity.id, Opportunity.is_closed, Opportunity.is_won).where(
                    Opportunity.id.in_(gone)
                )
            )
        }
    kinds = _classify(repo, before, now, closed)
    return _result(repo, viewer, params, asked, day, note, before, now, kinds, describe(resolved))


def _value(row: Any) -> Decimal:
    return Decimal(row.amount) if row is not None and row.amount is not None else Decimal(0)


def _classify(
    repo: Repository, before: dict[int, Any], now: dict[int, Any], closed: dict[int, Any]
) -> dict[str, dict[int, Decimal]]:
    """Each group's deals with the value each moved."""
    order = {name: i for i, name in enumerate(repo.stages.names)}
    kinds: dict[str, dict[int, Decimal]] = {kind: {} for kind in GROUPS}
    for deal, row in now.items():
        if deal not in before:
            kinds["new"][deal] = _value(row)
            continue
        old = before[deal]
        position, old_position = order.get(row.stage, -1), order.get(old.stage, -1)
        if position != old_position:
            kinds["advanced" if position > old_position else "slipped_back"][deal] = _value(row)
        if row.close_date and old.close_date and row.close_date != old.close_date:
            kinds["pushed" if row.close_date > old.close_date else "pulled_in"][deal] = _value(row)
        delta = _value(row) - _value(old)
        if delta:
            kinds["amount_up" if delta > 0 else "amount_down"][deal] = abs(delta)
    for deal, old in before.items():
        if deal in now:
            continue
        state = closed.get(deal)
        kind = "removed" if state is None or not state.is_closed else "won" if state.is_won else "lost"
        kinds[kind][deal] = _value(old)
    return kinds


def _result(
    repo: Repository,
    viewer: ViewerLike,
    params: ChangesQuery,
    asked: dt.date,
    day: dt.date,
    note: str | None,
    before: dict[int, Any],
    now: dict[int, Any],
    kinds: dict[str, dict[int, Decimal]],
    filters: list[str],
) -> PipelineChanges:
    listed = {
        deal
        for found in kinds.values()
        for deal, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[: params.limit]
    }
    with repo.connect() as connection:
        names = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(viewer, Opportunity.id, Opportunity.name, User.name.label("owner"))
                .outerjoin(User, User.id == Opportunity.owner_id)
                .where(Opportunity.id.in_(listed))
            )
        }

    def deal_of(deal: int) -> ChangedDeal:
        old, new = before.get(deal), now.get(deal)
        return ChangedDeal(
            id=record_id("opportunity", deal),
            name=names[deal].name,
            owner=names[deal].owner,
            stage_before=old.stage if old else None,
            stage=new.stage if new else None,
            amount_before=old.amount if old else None,
            amount=new.amount if new else None,
            close_date_before=old.close_date if old else None,
            close_date=new.close_date if new else None,
            probability_before=old.probability if old else None,
            probability=new.probability if new else None,
        )

    groups = [
        ChangeGroup(
            kind=kind,
            title=GROUPS[kind],
            count=len(found),
            amount=sum(found.values(), Decimal(0)),
            deals=[
                deal_of(d) for d, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[: params.limit]
            ],
        )
        for kind, found in kinds.items()
    ]
    total = {g.kind: g.amount for g in groups}
    start_value = sum((_value(r) for r in before.values()), Decimal(0))
    end_value = sum((_value(r) for r in now.values()), Decimal(0))
    steps = [("Start", start_value), ("New", total["new"]), ("Increased", total["amount_up"])]
    steps += [("Decreased", -total["amount_down"]), ("Won", -total["won"]), ("Lost", -total["lost"])]
    steps += [("Removed", -total["removed"]), ("End", end_value)]
    return PipelineChanges(
        asked=params.since,
        start=day,
        end=repo.as_of,
        note=note,
        start_value=start_value,
        end_value=end_value,
        start_deals=len(before),
        end_deals=len(now),
        groups=groups,
        waterfall=[Step(label=label, amount=amount) for label, amount in steps],
        filters=[*filters, f"open pipeline on {day} (snapshot) and on {repo.as_of}"],
    )
