"""``GET /v1/pipeline``, ``GET /v1/forecast`` and ``GET /v1/performance``: the open pipeline, the
forecast and rep scorecards, through the ``pipeline_summary``, ``forecast`` and
``rep_performance`` tools with their own input models as the query parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.params import QUERY
from assistant.interfaces.api.problems import error_responses
from tools.deals.forecasting import Forecast, ForecastQuery
from tools.deals.performance import PerformanceQuery, PerformanceReport
from tools.deals.pipeline import PipelineQuery, PipelineSummary

router = APIRouter(tags=["pipeline"])
ERRORS = error_responses(400, 401, 404, 422, 429, 503)


class PipelineParams(PipelineQuery):
    model_config = QUERY


class ForecastParams(ForecastQuery):
    model_config = QUERY


class PerformanceParams(PerformanceQuery):
    model_config = QUERY


@router.get("/v1/pipeline", response_model=PipelineSummary, summary="Pipeline summary", responses=ERRORS)
def pipeline(
    params: Annotated[PipelineParams, Query()], viewer: ViewerDep, state: StateDep
) -> PipelineSummary:
    """The caller's open pipeline, total and weighted, broken down by `group_by` (stage, owner,
    product, territory, month or forecast category), each group with the deals behind it. The
    filters narrow the caller's scope; a name outside it is a 404."""
    return state.context.reads.run_tool(
        viewer, "pipeline_summary", params, returns=PipelineSummary, channel="api"
    )


@router.get("/v1/forecast", response_model=Forecast, summary="Forecast", responses=ERRORS)
def forecast(params: Annotated[ForecastParams, Query()], viewer: ViewerDep, state: StateDep) -> Forecast:
    """Closed won, commit, best case and pipeline for a period (default this quarter), with the
    expected bookings for a period not over. The filters narrow the caller's scope."""
    return state.context.reads.run_tool(viewer, "forecast", params, returns=Forecast, channel="api")


@router.get("/v1/performance", response_model=PerformanceReport, summary="Rep performance", responses=ERRORS)
def performance(
    params: Annotated[PerformanceParams, Query()], viewer: ViewerDep, state: StateDep
) -> PerformanceReport:
    """Scorecards of the reps in the caller's scope (or `rep`, a manager meaning the team) for a
    period (default this quarter): quota, bookings, attainment, win rate, deal size, sales cycle,
    open pipeline and coverage. A rep sees their own."""
    return state.context.reads.run_tool(
        viewer, "rep_performance", params, returns=PerformanceReport, channel="api"
    )
