"""A qualification scorecard per deal, from a methodology file (MEDDPICC, BANT:
:mod:`tools.manager.methodology`): for each letter, whether the CRM holds evidence for it, scored
0-2 as the playbook scores qualification (qualification.md#scoring-qualification-strength).

- **contact roles** (economic buyer, champion): 2 ``evidenced`` when a contact with the role had an
  activity logged on the deal; 1 ``partial`` when the deal's account has such a contact who was
  never engaged on it (or the data does not link activities to contacts); 0 ``missing`` otherwise;
- **fields** (metrics, decision criteria…): the field's credit when it holds a value, 0 when it is
  empty (a date in the past is empty);
- **not recorded** when the data cannot show the letter at all: the data model has no such field,
  or the data set (in the viewer's scope) has no contacts with buying roles. Such letters are listed
  once, in ``not_recorded``, and are left out of every card and total: a gap in the data is never a
  gap in the deal.

One deal (``deal``) gets its scorecard. Otherwise the open deals in scope (narrowed by the usual
filters) are scored, largest first, and ``missing`` keeps only the deals where that letter is not
evidenced ("which of my deals have no economic buyer?"); ``matched`` counts them all, in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func

from tools.deals.details import resolve_deal
from tools.deals.pipeline import describe
from tools.evidence import ExternalId, RecordUrl, record_id
from tools.filters import DealFilter, deal_conditions
from tools.manager import qualification_evidence as shows
from tools.manager.methodology import DEFAULT, Methodology, load_methodology
from tools.manager.qualification_evidence import COLUMNS, DataShows, Engaged, engagement, evidenced
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Opportunity, User

Status = Literal["evidenced", "partial", "missing"]


class QualificationQuery(DealFilter):
    deal: str | None = Field(default=None, description="One deal (its name or id): its scorecard.")
    missing: str | None = Field(
        default=None,
        description="Only deals where this letter is not evidenced, e.g. 'economic buyer', 'champion'.",
    )
    methodology: str = Field(default=DEFAULT, description="The methodology: meddpicc or bant.")
    limit: int = Field(default=10, ge=1, le=200, description="How many deals to list (all are counted).")


class LetterScore(BaseModel):
    key: str
    letter: str
    name: str
    status: Status
    score: int = Field(ge=0, le=2, description="0 missing, 1 partly known, 2 evidenced.")
    evidence: str
    playbook: str
    ask: str | None = Field(description="What to find out next, when the letter is not evidenced.")


class DealScorecard(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    account: str | None
    owner: str
    stage: str
    amount: Decimal | None
    close_date: dt.date | None
    letters: list[LetterScore] = Field(
        description="The letters the data can show (see Scorecards.not_recorded)."
    )
    score: int = Field(description="Sum of the scores of the letters the data can show.")
    max_score: int
    gaps: list[str] = Field(
        description="Letters scored below 2, most important first as the file lists them."
    )


class Scorecards(BaseModel):
    methodology: str
    description: str
    playbook: str
    as_of: dt.date
    missing: str | None = Field(description="The letter asked about (its name), if any.")
    matched: int = Field(description="Open deals matching (with `missing`: those lacking the letter).")
    open_deals: int = Field(description="Open deals in scope under the filters.")
    evidenced: dict[str, int] = Field(description="Open deals in scope with each letter evidenced (score 2).")
    not_recorded: dict[str, str] = Field(description="Letters the data cannot show, and why.")
    partly_only: list[str] = Field(
        description="Letters the data can show only as partly known (score 1 at most)."
    )
    deals: list[DealScorecard]
    filters: list[str]


def qualification_scorecard(repo: Repository, viewer: ViewerLike, params: QualificationQuery) -> Scorecards:
    """A qualification scorecard per deal (MEDDPICC or BANT): which letters the CRM evidences (contact
    roles engaged on the deal, fields recorded), scored 0-2, with the gaps and the playbook on each;
    with `missing`, the deals lacking that letter ("which of my deals have no economic buyer?").

    Args:
        deal: One deal (its name or id): its scorecard.
        missing: Only deals where this letter is not evidenced, e.g. 'economic buyer', 'champion'.
        methodology: The methodology: meddpicc or bant.
        owner: A rep's or manager's name (a manager means the team); default everyone in scope.
        territory: Territory name.
        region: Region name: the territories in it.
        account: Account name.
        product: Product name.
        stage: Stage name, or several: 'Proposal, Negotiation'.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        period: Only deals whose close date falls in this period.
        forecast_category: Forecast category: commit, best_case or pipeline.
        industry: The account's industry.
        segment: The account's segment.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        limit: How many deals to list, largest first (all are counted).
    """
    method = load_methodology(params.methodology)
    asked = method.find(params.missing) if params.missing else None
    resolved = deal_conditions(repo, viewer, params)
    conditions = list(resolved.conditions)
    if resolved.period is not None:
        conditions += [
            Opportunity.close_date >= resolved.period.start,
            Opportunity.close_date < resolved.period.end,
        ]
    if params.deal:
        conditions.append(Opportunity.id == resolve_deal(repo, viewer, params.deal))
    else:
        conditions.append(~Opportunity.is_closed)
    with repo.connect() as connection:
        data = DataShows(connection, repo, viewer)
        not_recorded = {
            letter.name: why for letter in method.letters if (why := data.why_not(letter)) is not None
        }
        shown = {
            letter.key: evidenced(letter, data, repo.as_of)
            for letter in method.letters
            if letter.name not in not_recorded
        }
        base = repo.opportunities(viewer, func.count()).where(*conditions)
        counts = connection.execute(
            base.with_only_columns(
                func.count(), *(func.count().filter(condition) for condition in shown.values())
            )
        ).one()
        matching = list(conditions)
        if asked is not None and asked.name not in not_recorded:
            matching.append(~shown[asked.key])
        matched = (
            connection.execute(base.where(*matching)).scalar_one()
            if asked is None or asked.key in shown
            else 0
        )
        rows: Sequence[Any] = []
        if asked is None or asked.key in shown:
            rows = connection.execute(
                repo.opportunities(
                    viewer, *COLUMNS, Account.name.label("account_name"), User.name.label("owner_name")
                )
                .outerjoin(Account, Account.id == Opportunity.account_id)
                .outerjoin(User, User.id == Opportunity.owner_id)
                .where(*matching)
                .order_by(Opportunity.amount.desc().nulls_last(), Opportunity.id)
                .limit(params.limit)
            ).all()
        engaged, at_account = engagement(connection, rows, data)
    deals = [_card(row, method, not_recorded, data, engaged, at_account, repo.as_of) for row in rows]
    return Scorecards(
        methodology=method.name,
        description=method.description,
        playbook=method.playbook,
        as_of=repo.as_of,
        missing=asked.name if asked else None,
        matched=int(matched),
        open_deals=int(counts[0]),
        evidenced={
            letter.name: int(n)
            for letter, n in zip([x for x in method.letters if x.key in shown], counts[1:], strict=True)
            if data.ceiling(letter) == 2
        },
        not_recorded=not_recorded,
        partly_only=[x.name for x in method.letters if x.name not in not_recorded and data.ceiling(x) < 2],
        deals=deals,
        filters=describe(
            resolved, "open opportunities" if not params.deal else "one deal", f"as of {repo.as_of}"
        ),
    )


def _card(
    row: Any,
    method: Methodology,
    not_recorded: dict[str, str],
    data: DataShows,
    engaged: Engaged,
    at_account: dict[int, dict[str, str]],
    as_of: dt.date,
) -> DealScorecard:
    letters = []
    for letter in method.letters:
        if letter.name in not_recorded:
            continue  # listed once, in Scorecards.not_recorded
        found = [shows.score(e, row, data, engaged, at_account, as_of) for e in letter.evidence]
        score, text = max(((n, t) for n, t in found if n is not None), key=lambda pair: pair[0])
        status: Status = "evidenced" if score == 2 else "partial" if score else "missing"
        letters.append(
            LetterScore(
                key=letter.key,
                letter=letter.letter,
                name=letter.name,
                status=status,
                score=score,
                evidence=text,
                playbook=letter.playbook,
                ask=letter.ask if score < 2 else None,
            )
        )
    return DealScorecard(
        id=record_id("opportunity", row.id),
        name=row.name,
        account=row.account_name,
        owner=row.owner_name or "",
        stage=row.stage,
        amount=row.amount,
        close_date=row.close_date,
        letters=letters,
        score=sum(s.score for s in letters),
        max_score=2 * len(letters),
        gaps=[s.name for s in letters if s.score < 2],
    )
