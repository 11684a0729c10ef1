"""Manager views: forecast-call prep, 1:1 prep for a rep, who is at risk of missing their number
(pace to quota), and a qualification scorecard per deal from a methodology file."""

from tools.manager.forecast_call import ForecastCallPrep, ForecastCallQuery, forecast_call_prep
from tools.manager.one_on_one import OneOnOnePrep, OneOnOneQuery, one_on_one_prep
from tools.manager.pace import QuotaPace, QuotaRiskQuery, quota_risk
from tools.manager.qualification import QualificationQuery, Scorecards, qualification_scorecard

__all__ = [
    "ForecastCallPrep",
    "ForecastCallQuery",
    "OneOnOnePrep",
    "OneOnOneQuery",
    "QualificationQuery",
    "QuotaPace",
    "QuotaRiskQuery",
    "Scorecards",
    "forecast_call_prep",
    "one_on_one_prep",
    "qualification_scorecard",
    "quota_risk",
]
