"""Deal tools: the open pipeline, one deal's details, the forecast, rep performance, stalled deals,
win scores and what changed since a day."""

from tools.deals.changes import ChangesQuery, PipelineChanges, pipeline_changes
from tools.deals.details import DealDetails, DealQuery, deal_details
from tools.deals.forecasting import Forecast, ForecastQuery, forecast
from tools.deals.performance import PerformanceQuery, PerformanceReport, rep_performance
from tools.deals.pipeline import PipelineQuery, PipelineSummary, pipeline_summary
from tools.deals.stalled import StalledDeals, StalledQuery, stalled_deals
from tools.deals.win_scores import WinScoreQuery, WinScores, win_scores

__all__ = [
    "ChangesQuery",
    "DealDetails",
    "DealQuery",
    "Forecast",
    "ForecastQuery",
    "PerformanceQuery",
    "PerformanceReport",
    "PipelineChanges",
    "PipelineQuery",
    "PipelineSummary",
    "StalledDeals",
    "StalledQuery",
    "WinScoreQuery",
    "WinScores",
    "deal_details",
    "forecast",
    "pipeline_changes",
    "pipeline_summary",
    "rep_performance",
    "stalled_deals",
    "win_scores",
]
