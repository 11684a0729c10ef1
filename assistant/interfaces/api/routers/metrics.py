"""``GET /v1/metrics`` and ``POST /v1/metrics``: the semantic layer's ``query_metrics`` query.

The GET takes the tool's input model as query parameters: a list is a repeated parameter
(``?measure=win_rate&also=open_pipeline&also=won_deals``), and ``exclude``, a mapping in the tool,
is a repeated ``filter:value`` pair (``?exclude=country:United States``), as is ``any_of``
(``?any_of=product:GTK 500&any_of=product:GTX Plus Pro``). The POST takes the
tool's input model as a JSON body, as the agent's tool call does (``exclude`` as an object); use
it for long queries or values awkward in a URL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.params import QUERY
from assistant.interfaces.api.problems import error_responses
from tools.errors import InputError
from tools.semantic.models import MetricQuery, MetricResult

router = APIRouter(tags=["metrics"])
ERRORS = error_responses(400, 401, 404, 422, 429, 503)
#: A body can also be too large (413) or too slow to arrive (408).
BODY_ERRORS = error_responses(400, 401, 404, 408, 413, 422, 429, 503)
MAX_EXCLUSIONS = 10
#: The most names ``any_of`` takes (the tool's own limit).
MAX_MEMBERS = 50


class MetricParams(MetricQuery):
    """The ``query_metrics`` query as query parameters."""

    model_config = QUERY

    exclude: list[str] | None = Field(  # type: ignore[assignment]  # the tool's mapping, as pairs
        default=None,
        max_length=MAX_EXCLUSIONS,
        description="Leave out what a filter would keep, as `filter:value` (repeatable): "
        "`country:United States` is everything outside the US; the filters are rep, team, territory, "
        "region, product, product_family, account, industry, segment, country…",
        examples=[["country:United States"]],
    )

    any_of: list[str] | None = Field(  # type: ignore[assignment]  # the tool's mapping, as pairs
        default=None,
        max_length=MAX_MEMBERS,
        description="Keep what any of several names of one filter would keep, as `filter:value` "
        "(repeatable): `product:GTK 500&any_of=product:GTX Plus Pro`.",
        examples=[["product:GTK 500", "product:GTX Plus Pro"]],
    )

    def query(self) -> MetricQuery:
        """The tool's input: the pairs of ``exclude`` and ``any_of`` as its mappings."""
        excluded = dict(_pairs("exclude", self.exclude))
        members: dict[str, list[str]] = {}
        for field, value in _pairs("any_of", self.any_of):
            members.setdefault(field, []).append(value)
        fields = self.model_dump(exclude={"exclude", "any_of"}, exclude_unset=True)
        return MetricQuery(**fields, exclude=excluded or None, any_of=members or None)


def _pairs(name: str, given: list[str] | None) -> list[tuple[str, str]]:
    """``filter:value`` pairs, each checked: a one-line error names the bad one."""
    found = []
    for pair in given or []:
        field, colon, value = pair.partition(":")
        if not colon or not field.strip() or not value.strip():
            raise InputError(f"{name} takes filter:value pairs, e.g. 'country:United States'; got {pair!r}")
        found.append((field.strip(), value.strip()))
    return found


class MetricBody(MetricQuery):
    """The ``query_metrics`` query as a JSON body."""

    model_config = QUERY


def _run(query: MetricQuery, viewer: ViewerDep, state: StateDep) -> MetricResult:
    return state.context.reads.run_tool(viewer, "query_metrics", query, returns=MetricResult, channel="api")


DESCRIPTION = """Any declared measure (won revenue, win rate, open pipeline, attainment, sales cycle…),
broken down by a dimension or time grain, filtered, ranked and compared with an earlier period,
over the records the caller may see. Each figure says how it is computed, over which records;
`period_note` says which period applies when none is given. A filter naming something outside the
caller's scope is a 404; an unknown measure or breakdown a 400 that lists the known ones."""


@router.get(
    "/v1/metrics",
    response_model=MetricResult,
    summary="Query metrics",
    description=DESCRIPTION,
    responses=ERRORS,
)
def metrics(params: Annotated[MetricParams, Query()], viewer: ViewerDep, state: StateDep) -> MetricResult:
    return _run(params.query(), viewer, state)


@router.post(
    "/v1/metrics",
    response_model=MetricResult,
    summary="Query metrics (JSON body)",
    description=DESCRIPTION + "\n\nThe same query as `GET /v1/metrics`, as a JSON body.",
    responses=BODY_ERRORS,
)
def metrics_body(body: MetricBody, viewer: ViewerDep, state: StateDep) -> MetricResult:
    return _run(body, viewer, state)
