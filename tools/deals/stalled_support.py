"""What the stalled-deal rules need from the loaded data beyond each deal's own columns: which
rules the data can support at all, and the median won sales cycle the ``aged`` rule measures
against (both over the viewer's scope)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from tools.deals.stalled_rules import Rule
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Activity, Opportunity, OpportunityHistory
from tools.store.sqlfuncs import days_between


def median_won_cycle(
    connection: Connection, repo: Repository, viewer: ViewerLike
) -> tuple[float | None, int]:
    """Median days from created to closed of won deals in scope, and how many deals it is over."""
    days = days_between(Opportunity.closed_at, Opportunity.created_at)
    base = repo.opportunities(viewer, days.label("days")).where(
        Opportunity.is_closed,
        Opportunity.is_won,
        Opportunity.created_at.is_not(None),
        Opportunity.closed_at.is_not(None),
    )
    count = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    if count == 0:
        return None, 0
    middle = (
        connection.execute(base.order_by(days).offset((count - 1) // 2).limit(2 - count % 2)).scalars().all()
    )
    return float(sum(float(m) for m in middle) / len(middle)), int(count)


def unsupported_rules(connection: Connection, repo: Repository, viewer: ViewerLike) -> dict[Rule, str]:
    """Rules the loaded data cannot support, with the reason."""

    def exists(query: Any) -> bool:
        return connection.execute(query.limit(1)).first() is not None

    missing: dict[Rule, str] = {}
    if not exists(repo.activities(viewer, Activity.id)) and not exists(
        repo.opportunities(viewer, Opportunity.id).where(Opportunity.last_activity_at.is_not(None))
    ):
        missing[Rule.NO_ACTIVITY] = "the data has no activities or last-activity dates"
    if not exists(repo.activities(viewer, Activity.id).where(Activity.contact_id.is_not(None))):
        missing[Rule.SINGLE_THREAD] = "the data has no activities linked to contacts"
    if not exists(repo.history(viewer, OpportunityHistory.id)):
        missing[Rule.PUSHED] = "the data has no opportunity history to count close-date changes"
    if not exists(repo.opportunities(viewer, Opportunity.id).where(Opportunity.next_step.is_not(None))):
        missing[Rule.NEXT_STEP] = "the data records no next steps"
    if not exists(
        repo.opportunities(viewer, Opportunity.id).where(Opportunity.stage_entered_at.is_not(None))
    ):
        missing[Rule.STAGE_AGE] = "the data has no stage-entry dates"
    dated = repo.opportunities(viewer, Opportunity.id).where(
        ~Opportunity.is_closed, Opportunity.close_date.is_not(None)
    )
    if not exists(dated):
        missing[Rule.PAST_CLOSE] = "no open deal in the data has a close date"
    return missing
