"""Rebalancing: a proposal of account moves that evens out territories' money and workload."""

from tools.rebalance.charts import write_report
from tools.rebalance.models import Move, RebalanceInput, RebalanceProposal, RepLine
from tools.rebalance.proposal import RebalancePlan, plan_rebalance, propose_rebalance

__all__ = [
    "Move",
    "RebalanceInput",
    "RebalancePlan",
    "RebalanceProposal",
    "RepLine",
    "plan_rebalance",
    "propose_rebalance",
    "write_report",
]
