"""What changed in the open pipeline since a day: new, advanced, slipped back, close date pushed
or pulled in, amount up or down, won, lost — and the waterfall from the start value to the end.

The start is the pipeline snapshot of the asked day (:mod:`tools.store.snapshots`; the nearest
earlier one when that day has none, and the answer says which); the end is the pipeline as it
stands on ``as_of`` (its deals' own columns, with their win scores). Both sides are read in the
viewer's scope. A deal open at the start and closed since is won or lost (or ``removed`` when it
is neither, e.g. deleted); one open now and not then is new. A deal in both can be in several
groups (advanced *and* amount up). The waterfall adds up exactly: start + new + increased -
decreased - won - lost - removed = end (deals without an amount count as 0). The deals are
compared by the database (:mod:`tools.deals.changes_compare`); only the groups' totals and the
deals they list come back.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import Connection, case, func, select

from tools.deals.changes_compare import END, START, Compared, Pairing, compare
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
        # today's chance as a snapshot records it: the latest stored win score (from a model in
        # use), else the stage's probability
        stage_probability = case(
            {s.name: s.probability for s in repo.stages.stages}, value=Opportunity.stage, else_=None
        )
        chance = (
            func.coalesce(DealScore.probability, stage_probability)
            if scores_in_use(connection)
            else stage_probability
        )
        pairing = Pairing(repo, viewer, resolved.conditions, day, chance)
        compared = compare(connection, pairing, params.limit)
    return _result(repo, viewer, params, day, note, compared, describe(resolved))


def _result(
    repo: Repository,
    viewer: ViewerLike,
    params: ChangesQuery,
    day: dt.date,
    note: str | None,
    compared: Compared,
    filters: list[str],
) -> PipelineChanges:
    with repo.connect() as connection:
        names = {
            row.id: row
            for row in connection.execute(
                repo.opportunities(viewer, Opportunity.id, Opportunity.name, User.name.label("owner"))
                .outerjoin(User, User.id == Opportunity.owner_id)
                .where(Opportunity.id.in_(compared.deals))
            )
        }

    def deal_of(deal: int) -> ChangedDeal:
        row = compared.deals[deal]
        now = row.in_now == 1  # a deal closed since has no columns now
        return ChangedDeal(
            id=record_id("opportunity", deal),
            name=names[deal].name,
            owner=names[deal].owner,
            stage_before=row.stage_before,
            stage=row.stage if now else None,
            amount_before=row.amount_before,
            amount=row.amount if now else None,
            close_date_before=row.close_date_before,
            close_date=row.close_date if now else None,
            probability_before=row.probability_before,
            probability=row.probability if now else None,
        )

    groups = [
        ChangeGroup(
            kind=kind,
            title=title,
            count=compared.total(kind).count,
            amount=compared.total(kind).amount,
            deals=[deal_of(deal) for deal in compared.listed.get(kind, [])],
        )
        for kind, title in GROUPS.items()
    ]
    total = {g.kind: g.amount for g in groups}
    start, end = compared.total(START), compared.total(END)
    steps = [("Start", start.amount), ("New", total["new"]), ("Increased", total["amount_up"])]
    steps += [("Decreased", -total["amount_down"]), ("Won", -total["won"]), ("Lost", -total["lost"])]
    steps += [("Removed", -total["removed"]), ("End", end.amount)]
    return PipelineChanges(
        asked=params.since,
        start=day,
        end=repo.as_of,
        note=note,
        start_value=start.amount,
        end_value=end.amount,
        start_deals=start.count,
        end_deals=end.count,
        groups=groups,
        waterfall=[Step(label=label, amount=amount) for label, amount in steps],
        filters=[*filters, f"open pipeline on {day} (snapshot) and on {repo.as_of}"],
    )
