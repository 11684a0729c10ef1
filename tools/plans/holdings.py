"""What the data holds, so a plan uses what is there and says once what is missing.

A CRM export rarely has everything the demo data has: the Maven export has no account potential,
segments, activities, contacts, products owned or quotas. A plan section or rule whose data is
missing is not drawn as a table of "n/a" or a list of every account failing the rule; it becomes
one line saying what data would fill it (:data:`WHAT_FILLS`).

Account fields (potential, annual revenue, segment) are checked on the plan's own accounts; the
record kinds (activities, contacts, products owned, quotas) over everything the viewer can see.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func

from tools.deals.stalled import SkippedRule
from tools.plans.outlook import Outlook
from tools.store.repository import Repository
from tools.store.schema import Account, AccountProduct, Activity, Contact, Quota
from tools.viewer import Viewer

#: What each missing kind of data would add to a plan, in the plan's words.
WHAT_FILLS = {
    "potential": "account potential (an estimate of what each account could spend)",
    "segments": "an account segment (e.g. SMB, Mid-Market, Enterprise)",
    "activities": "activity records (calls, emails, meetings)",
    "contacts": "contact records with buying roles",
    "owned_products": "what each account owns (account products with ARR)",
    "quotas": "quotas per rep and quarter",
}


class Holdings(BaseModel):
    """Which kinds of data the plan can use."""

    potential: bool
    annual_revenue: bool
    segments: bool
    activities: bool
    contacts: bool
    owned_products: bool
    quotas: bool

    def missing(self) -> list[str]:
        """The kinds of data the plan lacks, as :data:`WHAT_FILLS` keys."""
        return [key for key in WHAT_FILLS if not getattr(self, key)]

    def note(self, key: str) -> str:
        """'The data has no activity records (…)' for a missing kind."""
        return f"the data has no {WHAT_FILLS[key]}"


def holdings(repo: Repository, viewer: Viewer, accounts: Select[Any]) -> Holdings:
    """What the plan's ``accounts`` (a scoped select) and the viewer's data hold."""
    with repo.connect() as connection:
        potential, revenue, segments = connection.execute(
            accounts.with_only_columns(
                func.count(Account.potential), func.count(Account.annual_revenue), func.count(Account.segment)
            )
        ).one()
        return Holdings(
            potential=bool(potential),
            annual_revenue=bool(revenue),
            segments=bool(segments),
            activities=_exists(connection, repo.activities(viewer, Activity.id)),
            contacts=_exists(connection, repo.contacts(viewer, Contact.id)),
            owned_products=_exists(connection, repo.account_products(viewer, AccountProduct.account_id)),
            quotas=_exists(connection, repo.quotas(viewer, Quota.user_id)),
        )


def _exists(connection: Any, query: Select[Any]) -> bool:
    return connection.execute(query.limit(1)).first() is not None


def _deals(count: int) -> str:
    return f"{count:,} open deal{'' if count == 1 else 's'}"


def data_notes(held: Holdings, now: Outlook, ranked_by: str, skipped: list[SkippedRule]) -> list[str]:
    """What the data lacks and what a territory plan leaves out for it, each said once."""
    notes = []
    if not held.potential:
        notes.append(
            f"No account potential is recorded: accounts are ranked by {ranked_by}, and whitespace "
            "and rebalancing (which need potential) are left out."
        )
    if not held.segments:
        notes.append("No account segment is recorded: accounts are not broken down by segment.")
    if not held.activities:
        notes.append(
            "The data has no activity records: coverage by recent activity and the no-activity "
            "rules are skipped."
        )
    if not held.quotas:
        notes.append(
            "No quotas are recorded: attainment, coverage, the gap to quota and quota targets are not "
            "computed; next quarter's pipeline target is set from the average quarter instead."
        )
    total = now.open_deals
    if now.open_without_amount:
        notes.append(
            f"{now.open_without_amount:,} of {_deals(total)} have no amount: they are counted and "
            "shown as 'amount unknown', never summed as $0."
        )
    if now.open_without_close_date:
        notes.append(
            f"{now.open_without_close_date:,} of {_deals(total)} have no close date: they fall in no "
            "quarter's pipeline, coverage or forecast."
        )
    shown = [r for r in skipped if not (r.rule.value == "no_activity" and not held.activities)]
    if shown:
        rules = "; ".join(f"{r.rule.value.replace('_', ' ')} ({r.reason})" for r in shown)
        notes.append(f"Stalled-deal rules the data cannot support are skipped: {rules}.")
    return notes


def account_notes(held: Holdings, open_amounts: list[object]) -> list[str]:
    """What the data lacks and what an account plan leaves out for it, each said once."""
    notes = []
    if not held.contacts:
        notes.append(
            "The data has no contact records: the relationship map, its gaps and the multi-threading "
            "goal are left out."
        )
    if not held.activities:
        notes.append("The data has no activity records: engagement is not assessed.")
    if not held.owned_products:
        notes.append(
            "The data does not record what accounts own: ARR, upsell and cross-sell by peer adoption "
            "are left out."
        )
    unknown = sum(1 for a in open_amounts if a is None)
    if unknown:
        notes.append(
            f"{unknown:,} of {_deals(len(open_amounts))} on the account have no amount: shown as "
            "'amount unknown', never $0."
        )
    return notes
