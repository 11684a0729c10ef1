"""The facts of a drafted plan: every figure and list a plan shows, and the grounded candidates.

See :mod:`tools.plans.basis` for how a plan is drafted in two layers.
"""

from tools.plans.account import AccountPlanFacts, AccountPlanInput, account_plan_facts
from tools.plans.basis import ActionBasis, ObjectiveBasis, PlanHorizon, PlaybookRef, RiskBasis
from tools.plans.territory import TerritoryPlanFacts, TerritoryPlanInput, territory_plan_facts

__all__ = [
    "AccountPlanFacts",
    "AccountPlanInput",
    "ActionBasis",
    "ObjectiveBasis",
    "PlanHorizon",
    "PlaybookRef",
    "RiskBasis",
    "TerritoryPlanFacts",
    "TerritoryPlanInput",
    "account_plan_facts",
    "territory_plan_facts",
]
