"""Territory tools: list territories, summarise one, and compare how evenly they and their reps are loaded."""

from tools.territory.balance import TerritoryBalance, TerritoryBalanceInput, territory_balance
from tools.territory.listing import TerritoryLine, TerritoryList, TerritoryListInput, list_territories
from tools.territory.summary import TerritorySummary, TerritorySummaryInput, territory_summary

__all__ = [
    "TerritoryBalance",
    "TerritoryBalanceInput",
    "TerritoryLine",
    "TerritoryList",
    "TerritoryListInput",
    "TerritorySummary",
    "TerritorySummaryInput",
    "list_territories",
    "territory_balance",
    "territory_summary",
]
