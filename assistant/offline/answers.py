"""Writing the final answer from this turn's tool results.

The answer is chosen by the tool that produced the main result (the first call of the turn),
not by re-reading the question, so whatever the tools returned is what gets written up. A tool
error that the user can fix (an unknown or ambiguous name, a period the tools do not know) is
answered as such: one short clarifying question listing the candidates, or "no account named …".
A tool without a dedicated answer (a newly added one) is written up from its figures.
"""

from __future__ import annotations

from assistant.offline import answers_accounts as accounts
from assistant.offline import answers_deals as deals
from assistant.offline import answers_people as people
from assistant.offline import answers_rebalance as rebalance
from assistant.offline import replies
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent
from assistant.offline.render import cut_notes
from assistant.offline.routing import largest, top_count
from assistant.plans.tools import PlanResult
from assistant.toolkit import MetricDefinitions
from tools.accounts import AccountSearchResult
from tools.accounts.profile import AccountProfile
from tools.accounts.whitespace import WhitespaceReport
from tools.deals.forecasting import Forecast, PerformanceReport
from tools.deals.pipeline import DealDetails, PipelineSummary
from tools.deals.stalled import StalledDeals
from tools.lexicon import Lexicon
from tools.playbook import PlaybookResults
from tools.rebalance.models import RebalanceProposal
from tools.territory import TerritoryList
from tools.territory.balance import TerritoryBalance
from tools.territory.summary import TerritorySummary

PLAN_INTENTS = (Intent.ACCOUNT_PLAN, Intent.TERRITORY_PLAN)


def _main(frame: Frame, result: ToolResult, results: list[ToolResult], lexicon: Lexicon) -> str:
    output, args, notes, viewer = result.output, result.args, cut_notes(results), lexicon.viewer
    plan = frame.intent in PLAN_INTENTS
    match output:
        case PlanResult():
            return output.markdown
        case PipelineSummary() if frame.intent is Intent.TOP_DEALS:
            return deals.top_deals(output, largest(results, top_count(frame)), args, viewer, notes)
        case PipelineSummary():
            return deals.pipeline(output, args, viewer, notes)
        case StalledDeals():
            return deals.stalled(output, args, viewer, notes)
        case DealDetails():
            return deals.deal(output, notes)
        case Forecast():
            return deals.forecast(output, args, viewer, notes)
        case PerformanceReport():
            reports = [r.output for r in results if isinstance(r.output, PerformanceReport)]
            return people.performance(reports, frame, notes)
        case AccountProfile():
            return accounts.account(output, notes, plan)
        case WhitespaceReport():
            return accounts.whitespace(output, notes)
        case AccountSearchResult():
            return accounts.accounts(output, notes)
        case TerritoryList():
            return accounts.territories(output, args, notes)
        case TerritorySummary():
            return accounts.territory(output, notes, plan, result.total("territories"))
        case TerritoryBalance():
            return accounts.balance(output, notes)
        case RebalanceProposal():
            proposals = [r.output for r in results if isinstance(r.output, RebalanceProposal)]
            return rebalance.proposal(proposals, notes)
        case MetricDefinitions():
            return replies.metrics(output, frame.slots.metric)
        case PlaybookResults():
            return replies.playbook(output, frame.slots.topic or frame.question, frame.slots.term)
    return replies.explain([result])


def compose(frame: Frame, results: list[ToolResult], lexicon: Lexicon) -> str:
    """The answer to ``frame`` from this turn's ``results`` (at least one)."""
    if frame.explain:
        return replies.explain(results)
    main = results[0]
    if not main.ok:
        return replies.tool_error(main)
    text = _main(frame, main, results, lexicon)
    extra = [r.output for r in results[1:] if isinstance(r.output, PlaybookResults)]
    if extra and not isinstance(main.output, PlaybookResults):
        advice = replies.advice(extra[0])
        if advice:
            text = f"{text}\n\n{advice}"
    return text
