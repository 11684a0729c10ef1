"""What the data set can show of a qualification letter, and how one deal scores on it.

:class:`DataShows` says whether the data has contacts with buying roles and activities linked to
contacts; :func:`evidenced` is a letter's "scores 2" as SQL (counted and filtered in the
database); :func:`engagement` reads the roles engaged on the listed deals and at their accounts;
:func:`score` scores one piece of evidence for one deal, with what it saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, false, func, or_

from tools.manager.methodology import Evidence, Letter
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Activity, Contact, Opportunity

COLUMNS = Opportunity.__table__.columns
#: Per deal: each buying role (lower case) engaged on it, by whom and the last activity day.
Engaged = dict[int, dict[str, tuple[str, dt.date | None]]]


class DataShows:
    """What the data set can show: contacts with buying roles, activities linked to contacts."""

    def __init__(self, connection: Connection, repo: Repository, viewer: ViewerLike) -> None:
        # read in the viewer's scope, as every rule's support is (a record outside it is no record)
        self.repo, self.viewer = repo, viewer
        self.roles = connection.execute(
            repo.contacts(viewer, Contact.id).where(Contact.buying_role.is_not(None)).limit(1)
        ).first()
        self.linked = connection.execute(
            repo.activities(viewer, Activity.id)
            .where(Activity.contact_id.is_not(None), Activity.opportunity_id.is_not(None))
            .limit(1)
        ).first()

    def why_not(self, letter: Letter) -> str | None:
        """Why the data cannot show ``letter`` at all (None: it can)."""
        reasons = [self._why_not(e) for e in letter.evidence]
        return None if any(r is None for r in reasons) else "; ".join(dict.fromkeys(r for r in reasons if r))

    def ceiling(self, letter: Letter) -> int:
        """The best score the data can give ``letter`` (an amount the rep typed is at most partly known)."""
        best = 0
        for e in letter.evidence:
            if e.contact_roles is not None and self.roles:
                best = max(best, 2 if self.linked else 1)
            elif known(e.field):
                best = max(best, e.credit)
        return best

    def _why_not(self, evidence: Evidence) -> str | None:
        if evidence.contact_roles is not None:
            return None if self.roles else "the data has no contacts with buying roles"
        return None if known(evidence.field) else f"the data has no {evidence.field} field"


def known(field: str | None) -> bool:
    """Whether the data model has this field on deals."""
    return field is not None and field in set(COLUMNS.keys())


def _engaged(data: DataShows, roles: list[str]) -> ColumnElement[bool]:
    return exists(
        data.repo.activities(data.viewer, Activity.id)
        .join(Contact, Contact.id == Activity.contact_id)
        .where(
            Activity.opportunity_id == Opportunity.id,
            func.lower(Contact.buying_role).in_([r.lower() for r in roles]),
        )
    )


def _filled(evidence: Evidence, as_of: dt.date) -> ColumnElement[bool]:
    column = COLUMNS[str(evidence.field)]
    condition: ColumnElement[bool] = column.is_not(None)
    if evidence.future:
        condition = and_(condition, column >= as_of)
    return condition


def evidenced(letter: Letter, data: DataShows, as_of: dt.date) -> ColumnElement[bool]:
    """SQL: the deal scores 2 on ``letter``."""
    found: list[ColumnElement[bool]] = []
    for evidence in letter.evidence:
        if evidence.contact_roles is not None and data.roles and data.linked:
            found.append(_engaged(data, evidence.contact_roles))
        elif known(evidence.field) and evidence.credit == 2:
            found.append(_filled(evidence, as_of))
    return or_(*found) if found else false()


def engagement(
    connection: Connection, rows: Sequence[Any], data: DataShows
) -> tuple[Engaged, dict[int, dict[str, str]]]:
    """For the listed deals: each role's contact engaged on the deal (with the last activity day),
    and each role's contact at the deal's account."""
    engaged: Engaged = {}
    at_account: dict[int, dict[str, str]] = {}
    if not rows or not data.roles:
        return engaged, at_account
    deal_ids = [r.id for r in rows]
    role = func.lower(Contact.buying_role)
    for opp, kind, name, last in connection.execute(
        data.repo.activities(
            data.viewer, Activity.opportunity_id, role, Contact.name, func.max(Activity.occurred_at)
        )
        .join(Contact, Contact.id == Activity.contact_id)
        .where(Activity.opportunity_id.in_(deal_ids), Contact.buying_role.is_not(None))
        .group_by(Activity.opportunity_id, role, Contact.name)
        .order_by(func.max(Activity.occurred_at))
    ):
        engaged.setdefault(int(opp), {})[str(kind)] = (str(name), last.date() if last else None)
    accounts = {r.account_id for r in rows if r.account_id is not None}
    for account, kind, name in connection.execute(
        data.repo.contacts(data.viewer, Contact.account_id, role, Contact.name)
        .where(Contact.account_id.in_(accounts), Contact.buying_role.is_not(None))
        .order_by(Contact.id)
    ):
        at_account.setdefault(int(account), {}).setdefault(str(kind), str(name))
    return engaged, at_account


def score(
    evidence: Evidence,
    row: Any,
    data: DataShows,
    engaged: Engaged,
    at_account: dict[int, dict[str, str]],
    as_of: dt.date,
) -> tuple[int | None, str]:
    """One piece of evidence's score for the deal and what it saw (None: the data cannot show it)."""
    if evidence.contact_roles is not None:
        if not data.roles:
            return None, "not recorded: the data has no contacts with buying roles"
        roles = [r.lower() for r in evidence.contact_roles]
        title = evidence.contact_roles[0]
        on_deal = [engaged.get(row.id, {}).get(r) for r in roles]
        hit = next((found for found in on_deal if found), None)
        if hit is not None:
            last = f", last on {hit[1]}" if hit[1] else ""
            return 2, f"{hit[0]} ({title}) engaged on the deal{last}"
        named = next((n for r in roles if (n := at_account.get(row.account_id, {}).get(r))), None)
        if named is not None:
            if not data.linked:
                return (
                    1,
                    f"{named} is {row.account_name}'s {title}; the data does not link activities to contacts",
                )
            return 1, f"{named} is {row.account_name}'s {title} but has not been engaged on this deal"
        where = f"at {row.account_name}" if row.account_name else "(the deal has no account)"
        return 0, f"no {title} contact {where}"
    field = str(evidence.field)
    if not known(field):
        return None, f"not recorded: the data has no {field} field"
    value = getattr(row, field)
    label = field.replace("_", " ")
    if value is None or value == "":
        return 0, f"no {label} recorded"
    if field == "amount" and row.amount_estimated:
        return 0, "no amount recorded (the import estimated one)"
    if evidence.future and isinstance(value, dt.date) and value < as_of:
        return 0, f"{label} {value} has passed"
    shown = f"${value:,.0f}" if isinstance(value, Decimal) else str(value)[:80]
    return evidence.credit, f"{label}: {shown}" + (
        " (the rep's figure, not confirmed)" if evidence.credit < 2 else ""
    )
