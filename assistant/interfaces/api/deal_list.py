"""``GET /v1/deals``: a list of deals, read through the tools the agent uses.

No single tool lists deals by stage, owner and period, so the list is composed of tool results,
each call audited and scoped like any other read:

* the semantic layer's ``query_metrics`` broken down by ``deal`` (a row per deal, its label
  ``<name> [opportunity/<id>]``), then by ``stage`` and, in a second query, by ``rep``: open
  deals by their open amount, won or lost deals by their amount, the largest first;
* ``stalled_deals`` with the same filters: which of the open deals a stall rule flags, and by
  which rules. It lists at most 500 flagged deals (it counts them all); when more are flagged, a
  second call asks about the deals at least as large as the smallest one listed, which holds
  every listed deal. A deal whose answer is still not known is marked ``stalled: null``.
  ``stalled=true`` lists the flagged deals themselves, riskiest first (the order of that tool);
  ``stalled=false`` keeps the open deals no rule flags among the 50 largest (a 400 asking for
  narrower filters when that cannot be told).

The filters are the deal filters every deal tool takes (:class:`~tools.filters.DealFilter`):
``owner`` is the metric query's ``rep``, the rest have the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from assistant.interfaces.api.params import QUERY
from assistant.reads import ReadService
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.errors import InputError
from tools.filters import DealFilter
from tools.semantic.models import MetricQuery, MetricResult, MetricRow
from tools.store.stages import StageConfig
from tools.viewer import Viewer

Status = Literal["open", "won", "lost"]
#: What each status lists deals by (their amount) and counts them with.
MEASURES: dict[Status, tuple[str, str]] = {
    "open": ("open_pipeline", "open_deals"),
    "won": ("won_revenue", "won_deals"),
    "lost": ("lost_revenue", "lost_deals"),
}
#: The most groups a metric query ranks (``MetricQuery.top``).
MAX_LISTED = 50
#: The most deals ``stalled_deals`` lists (``StalledQuery.limit``).
MAX_FLAGGED = 500
#: A row of a deal breakdown: ``<name> [opportunity/<id>] · <second breakdown>``
#: (the deal dimension's label, :data:`tools.semantic.dimensions.DIMENSIONS`).
ROW = re.compile(r"(?P<name>.*) \[opportunity/(?P<id>\d+)\](?: · (?P<then>.*))?", re.DOTALL)
NONE_LABELS = frozenset({"(no stage)", "(no owner)"})


class DealListParams(DealFilter):
    """The deal filters, with what to list."""

    model_config = QUERY

    status: Status | None = Field(
        default=None,
        description="open, won or lost deals (default: open, or what a closed `stage` is). Won and "
        "lost deals are those closed in `period` (default the year to date); open ones those "
        "closing in it (default all).",
    )
    stalled: bool | None = Field(
        default=None,
        description="true: only open deals a stall rule flags (riskiest first); false: only open "
        "deals none flags; default both, each marked.",
    )
    limit: int = Field(default=25, ge=1, le=MAX_LISTED, description="How many deals to list.")


class ListedDeal(BaseModel):
    id: str = Field(description="The deal's id (`opportunity/<n>`; its details at /v1/deals/{id}).")
    name: str
    stage: str | None
    owner: str | None
    amount: Decimal | None = Field(description="Empty when the deal has no amount (unknown, not $0).")
    stalled: bool | None = Field(
        description="Whether a stall rule flags the open deal; empty for a closed deal (or not known)."
    )
    flags: list[str] = Field(default_factory=list, description="The stall rules that flag it.")


class DealList(BaseModel):
    status: Status
    period: str = Field(description="Which deals the period takes in.")
    filters: list[str]
    order: str = Field(description="How the list is ordered.")
    matched: int = Field(description="How many deals match (the list shows at most `limit`).")
    deals: list[ListedDeal]


def _status(params: DealListParams, stages: StageConfig) -> Status:
    stage = stages.find(params.stage) if params.stage else None
    implied: Status = "open" if stage is None or not stage.closed else "won" if stage.won else "lost"
    status = params.status or implied
    if stage is not None and status != implied:
        raise InputError(f"stage {stage.name!r} holds {implied} deals, not {status} ones")
    if params.stalled is not None and status != "open":
        raise InputError("stalled applies to open deals; leave it out for won or lost deals")
    return status


def _filters(params: DealListParams) -> dict[str, object]:
    given = params.model_dump(include=set(DealFilter.model_fields), exclude_none=True)
    if "owner" in given:
        given["rep"] = given.pop("owner")
    return given


def _rows(result: MetricResult) -> list[tuple[int, str, str | None, MetricRow]]:
    found = []
    for row in result.rows:
        match = ROW.fullmatch(row.group)
        if match is not None:
            then = match["then"]
            found.append((int(match["id"]), match["name"], None if then in NONE_LABELS else then, row))
    return found


@dataclass(frozen=True)
class Flagged:
    """The flagged deals listed (id -> the rules that flag it) and how many are flagged in all."""

    rules: dict[int, list[str]]
    count: int

    @property
    def complete(self) -> bool:
        return self.count <= len(self.rules)

    def of(self, deal: int) -> bool | None:
        """Whether ``deal`` is flagged (None: not known, when not every flagged deal was listed)."""
        return True if deal in self.rules else False if self.complete else None


class DealLister:
    """Lists deals for one viewer through ``reads`` (every tool call audited under ``channel``)."""

    def __init__(self, reads: ReadService, stages: StageConfig, viewer: Viewer, channel: str = "api") -> None:
        self.reads, self.stages, self.viewer, self.channel = reads, stages, viewer, channel

    def deals(self, params: DealListParams) -> DealList:
        status = _status(params, self.stages)
        if params.stalled:
            return self._stalled(params)
        measure, count = MEASURES[status]
        top = MAX_LISTED if params.stalled is False else params.limit
        query = {**_filters(params), "measure": measure, "also": [count], "group_by": "deal", "top": top}
        by_stage = self._metrics({**query, "then_by": "stage"})
        owners = {deal: then for deal, _, then, _ in _rows(self._metrics({**query, "then_by": "rep"}))}
        rows = _rows(by_stage)
        flagged, stalled_total = (
            self._flags(params, [_amount(r) for *_, r in rows]) if status == "open" else (None, 0)
        )
        deals = [
            ListedDeal(
                id=f"opportunity/{deal}",
                name=name,
                stage=stage,
                owner=owners.get(deal),
                amount=_amount(row),
                stalled=None if flagged is None else flagged.of(deal),
                flags=flagged.rules.get(deal, []) if flagged else [],
            )
            for deal, name, stage, row in rows
        ]
        matched = int(by_stage.total[1].value or 0)
        if params.stalled is False and flagged is not None:
            deals = [d for d in deals if not d.stalled][: params.limit]
            matched -= stalled_total
        return DealList(
            status=status,
            period=by_stage.period.label,
            filters=by_stage.filters,
            order="largest amount first",
            matched=matched,
            deals=deals[: params.limit],
        )

    def _metrics(self, query: dict[str, object]) -> MetricResult:
        return self.reads.run_tool(
            self.viewer,
            "query_metrics",
            MetricQuery.model_validate(query),
            returns=MetricResult,
            channel=self.channel,
        )

    def _stalled_deals(self, params: DealListParams, limit: int) -> StalledDeals:
        query = StalledQuery(**params.model_dump(include=set(DealFilter.model_fields)), limit=limit)
        return self.reads.run_tool(
            self.viewer, "stalled_deals", query, returns=StalledDeals, channel=self.channel
        )

    def _flags(self, params: DealListParams, amounts: list[Decimal | None]) -> tuple[Flagged, int]:
        """Which of the listed open deals (of ``amounts``) a stall rule flags, and how many deals
        are flagged in all. When more are flagged than one call lists, a second call asks about
        the deals at least as large as the smallest listed one only (every listed deal among
        them); ``stalled=false`` needs every listed deal's answer."""
        result = self._stalled_deals(params, MAX_FLAGGED)
        total = int(result.flagged.record_count)
        flagged = Flagged(_rules(result), total)
        if not flagged.complete and amounts and None not in amounts:
            floor = min(a for a in amounts if a is not None)
            if params.min_amount is None or floor > params.min_amount:
                band = self._stalled_deals(params.model_copy(update={"min_amount": floor}), MAX_FLAGGED)
                flagged = Flagged(_rules(band), int(band.flagged.record_count))
        if params.stalled is False and not flagged.complete:
            raise InputError(
                f"{total:,} deals matching these filters are stalled, more than can be checked "
                f"at once ({MAX_FLAGGED}); narrow the filters (owner, territory, stage, period, amount)"
            )
        return flagged, total

    def _stalled(self, params: DealListParams) -> DealList:
        result = self._stalled_deals(params, params.limit)
        return DealList(
            status="open",
            period=params.period or "all open deals, whatever their close date",
            filters=result.filters,
            order="riskiest first (value at risk)",
            matched=int(result.flagged.record_count),
            deals=[
                ListedDeal(
                    id=deal.id,
                    name=deal.name,
                    stage=deal.stage,
                    owner=deal.owner,
                    amount=deal.amount,
                    stalled=True,
                    flags=[flag.rule.value for flag in deal.flags],
                )
                for deal in result.deals
            ],
        )


def _rules(result: StalledDeals) -> dict[int, list[str]]:
    """The flagged deals ``result`` lists, by id, with the rules that flag each."""
    return {_number(d.id): [f.rule.value for f in d.flags] for d in result.deals}


def _number(record: str) -> int:
    return int(record.rsplit("/", 1)[-1])


def _amount(row: MetricRow) -> Decimal | None:
    value = row.figures[0].value if row.figures else None
    return None if value is None else Decimal(str(value))
