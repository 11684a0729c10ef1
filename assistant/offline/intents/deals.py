"""Questions about deals: stalled and at-risk deals, the pipeline, the largest deals, one deal, the forecast.

"My biggest deals" takes two rounds: the pipeline by stage lists each stage's deals largest
first, then the details of the largest of each stage give names and amounts, and the largest
overall are kept.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from decimal import Decimal

from assistant.offline import answers_deals as answers
from assistant.offline.calls import Call, deal_filters, given
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Phrasing, Rendering, phrasing
from assistant.offline.slots import RULES
from tools.deals.details import DealDetails
from tools.deals.forecasting import Forecast
from tools.deals.pipeline import PipelineSummary
from tools.deals.stalled import StalledDeals
from tools.lexicon import EntityKind, Lexicon

DEALS = r"(?:deals|opportunities|opps)"
#: Stalled deals listed by default: five deals with their evidence fit the toolkit's result cap.
DEFAULT_STALLED = 5
MAX_TOP_DEALS = 10
DEFAULT_TOP_DEALS = 5
#: The names a question about deals narrows them by.
DEAL_NAMES: frozenset[EntityKind] = frozenset({"person", "account", "territory", "product"})


def top_count(frame: Frame) -> int:
    return min(frame.slots.limit or DEFAULT_TOP_DEALS, MAX_TOP_DEALS)


def largest(results: list[ToolResult], wanted: int) -> list[DealDetails]:
    """The largest deals among the details fetched in the second round."""
    deals = [r.output for r in results if isinstance(r.output, DealDetails)]
    return sorted(deals, key=lambda d: (-(d.amount or Decimal(0)), int(d.id.rsplit("/", 1)[-1])))[:wanted]


class _RuleWording:
    """A stall rule's own wording about deals ("which deals haven't I touched in 3 weeks?"); about
    accounts ("accounts with no activity"), the same words ask for an account search."""

    PATTERN = re.compile("|".join(p for p, rule in RULES if rule not in ("next_step", "single_thread")))
    ACCOUNTS = re.compile(r"\b(?:accounts?|customers?|compan(?:y|ies)|clients?|entaccount)\b")

    def search(self, text: str, /) -> bool:
        return bool(self.PATTERN.search(text)) and not self.ACCOUNTS.search(text)


def _stalled(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots = frame.slots
    filters = {**deal_filters(slots), **given(rule=slots.rule, limit=slots.limit or DEFAULT_STALLED)}
    if slots.rule == "no_activity" and slots.inactive_days:
        filters["no_activity_days"] = slots.inactive_days  # "no activity for over 30 days": 30, as asked
    return [Call("stalled_deals", filters)]


def _pipeline(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("pipeline_summary", {**deal_filters(frame.slots), **given(group_by=frame.slots.group_by)})]


def _top_deals(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("pipeline_summary", {**deal_filters(frame.slots), "group_by": "stage"})]


def _largest_details(frame: Frame, results: list[ToolResult]) -> list[Call]:
    """The second round of "top deals": the details of the largest deals of each stage."""
    if any(r.name == "deal_details" for r in results):
        return []
    summary = next((r.output for r in results if isinstance(r.output, PipelineSummary)), None)
    if summary is None:
        return []
    wanted = top_count(frame)
    ids = [rid for group in summary.groups for rid in group.record_ids[:wanted]]
    return [Call("deal_details", {"deal": rid}) for rid in dict.fromkeys(ids)]


#: "is the Cedar Works deal stalled?", "is it at risk?": the stall rules' verdict on that one deal too.
STALL_ASKED = re.compile(
    r"\b(?:stall(?:ed|ing)?|stuck|at[- ]risk|risky|slipp(?:ed|ing)|stale|dormant|in trouble"
    r"|(?:gone|going|went) (?:dark|quiet)|red flags?|flag(?:ged|s)?|what'?s wrong|problems?|issues?)\b"
)


def _deal(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """A deal by its id or name, else by its account (and product) as written; with the stall
    rules' verdict on it when the question asks whether it is stalled or at risk."""
    slots = frame.slots
    text = slots.deal or (f"{slots.account} - {slots.product}" if slots.product else slots.account)
    calls = [Call("deal_details", {"deal": text})]
    # "what should the rep do about it?": the deal's flags, each with the playbook's step for it
    if (STALL_ASKED.search(frame.question.casefold()) or frame.advice) and "stalled_deals" in tools:
        calls.append(Call("stalled_deals", {"deal": text}))
    return calls


#: A team's forecast is asked one rep per call ("forecast by rep"), up to this many reps.
MAX_FORECAST_CALLS = 30
#: "which deals are in commit?", "show me my best case deals", "what's in commit?": the deals themselves.
CATEGORY_DEALS = re.compile(
    r"\b(?:which|what|list|show|give me)\b.{0,30}\b(?:deals|opps|opportunities)\b"
    r"|\bwhat(?:'s| is) (?:in|sitting in|marked as?) (?:my |our |the )?(?:commit|best[- ]case|upside)\b"
    r"|\b(?:commit|best[- ]case|upside) (?:deals|opps|opportunities)\b"
)


def category_deals(frame: Frame, question: str) -> bool:
    """A forecast question that asks for the deals of one category rather than the forecast."""
    return frame.slots.forecast_category is not None and bool(CATEGORY_DEALS.search(question.lower()))


#: A period "so far" read for a forecast: the whole of it.
WHOLE_PERIOD = {"qtd": "this quarter", "mtd": "this month", "ytd": "this year"}


def _forecast(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    # the forecast shows every category itself: one named ("what's in commit?") is not a filter on it
    filters = deal_filters(frame.slots)
    filters.pop("forecast_category", None)
    if filters.get("period") in WHOLE_PERIOD:
        # "the forecast for Q4: closed so far, commit…": a forecast is of the whole quarter, what has
        # closed so far is one of its lines
        filters["period"] = WHOLE_PERIOD[filters["period"]]
    places = {"region": lexicon.regions, "territory": lexicon.territories}
    place = frame.slots.dimension if frame.slots.dimension in places else None
    if place is None and frame.slots.group_by == "territory":
        # the slot reader groups both "by region" and "by territory" as territory: the word says which
        place = "region" if re.search(r"\bregion", frame.question, re.I) and lexicon.regions else "territory"
    if place is not None and 1 < len(places[place]) <= MAX_FORECAST_CALLS:
        # "q4 forecast, split by region": each region's forecast, side by side
        filters.pop("group_by", None)
        return [Call("forecast", {**filters, place: named.name}) for named in places[place]]
    if frame.slots.group_by == "owner" or frame.slots.dimension == "rep":
        # "forecast by rep": each rep's forecast (the forecast itself has no breakdown)
        filters.pop("group_by", None)
        reps = lexicon.reps_under(frame.slots.owner)
        if 1 < len(reps) <= MAX_FORECAST_CALLS:
            return [Call("forecast", {**filters, "owner": rep.name}) for rep in reps]
    return [Call("forecast", filters)]


def _write_stalled(output: StalledDeals, answering: Answering) -> str:
    if answering.frame.advice and answering.frame.follow_up and output.deals:
        # "what's the play for these?" after the stalled deals: each deal's next actions
        return answers.plays(output, answering.args, answering.viewer, answering.notes)
    text = answers.stalled(output, answering.args, answering.viewer, answering.notes)
    if answering.frame.follow_up and answering.frame.slots.ranking == "top" and len(output.by_owner) > 1:
        # "which rep has the most?" after the stalled deals: the one asked for, said first (the fewest
        # could be someone with none, whom the count per owner does not list)
        count = max(output.by_owner.values())
        leaders = [name for name, n in output.by_owner.items() if n == count]
        who = leaders[0] if len(leaders) == 1 else f"{', '.join(leaders[:-1])} and {leaders[-1]}"
        has = "has" if len(leaders) == 1 else "have"
        each = "" if len(leaders) == 1 else " each"
        text = f"**{who} {has} the most of these: {count:,}{each}.**\n\n{text}"
    return text


def _write_pipeline(output: PipelineSummary, answering: Answering) -> str:
    return answers.pipeline(output, answering.args, answering.viewer, answering.notes)


def _write_top_deals(output: PipelineSummary, answering: Answering) -> str:
    deals = largest(answering.results, top_count(answering.frame))
    return answers.top_deals(output, deals, answering.args, answering.viewer, answering.notes)


def _write_deal(output: DealDetails, answering: Answering) -> str:
    text = answers.deal(output, answering.notes)
    verdict = next((r.output for r in answering.results if isinstance(r.output, StalledDeals)), None)
    if verdict is None:
        return text
    return f"{answers.stall_verdict(output, verdict)}\n\n{text}"


def _write_forecast(output: Forecast, answering: Answering) -> str:
    found = [(r.args, r.output) for r in answering.results if isinstance(r.output, Forecast)]
    if len(found) > 1:
        kind = next((key for key in ("region", "territory") if key in found[0][0]), "owner")
        each = [(str(args.get(kind)), one) for args, one in found]
        return answers.forecast_by_rep(each, answering.notes, {"owner": "rep"}.get(kind, kind))
    return answers.forecast(output, answering.args, answering.viewer, answering.notes)


STALLED = IntentSpec(
    Intent.STALLED,
    example="Which of my deals are stalled?",
    route=_stalled,
    renders=(Rendering(StalledDeals, _write_stalled),),
    takes=DEAL_NAMES,
    phrasings=(
        # the stall rules' own wording ("haven't touched in 3 weeks", "past their close date")
        Phrasing(3.5, _RuleWording()),
        phrasing(
            4,
            r"\bstall(?:ed|ing|s)?\b|\bstuck\b|\bat[- ]risk\b|\brisk(?:y|iest|s)?\b|\bslipp(?:ed|ing)\b",
            r"\b(?:gone|going|went) (?:dark|quiet)\b|\bneeds? (?:my )?attention\b|\bneglected\b",
            r"\bstale\b|\bdormant\b|\bred flags?\b|\bin trouble\b|\bchase\b|\b(?:only|just) one contact\b",
        ),
        # the deals named by their state ("at-risk deals in commit"): over a category or a stage named
        phrasing(2, r"\b(?:stalled|stuck|at[- ]risk|risky|slipping) (?:deals|opps|opportunities)\b"),
        # "who has the most stalled deals?": the stalled deals counted per owner (not the workload balance)
        phrasing(
            7,
            r"\bwho (?:has|have|owns|is carrying) (?:the )?(?:most|fewest|least|more|many) "
            r"(?:stalled|stuck|at[- ]risk|risky)\b",
            r"\bwho (?:has|have|owns|is carrying) (?:the )?(?:most|fewest|least|more|many) "
            r"(?:deals|opportunities|opps) (?:stalled|stuck|at[- ]risk|going dark)\b",
            r"\b(?:stalled|stuck|at[- ]risk|risky) deals? (?:by|per) (?:rep|owner|person|seller)\b",
        ),
        # "what should I focus on?": the deals that need action, riskiest first, each with its next step
        phrasing(
            4.5,
            r"\bprioriti[sz]e\b|\bpriorities\b|\bfocus (?:on|this)\b|\bthings to do\b|\bto-?do(?: list)?\b"
            r"|\baction items\b"
            r"|\bwork on (?:today|this week|next|first)\b",
            r"\bwhat should (?:i|we) (?:do|tackle|look at) (?:today|this week|first|next)\b",
            r"\bwho (?:should|do|must) (?:i|we) (?:call|email|contact|reach out to|ping|chase)\b",
            r"\b(?:should (?:i|we)|(?:i|we) should) (?:close out|close|mark|kill|drop|disqualify)\b",
        ),
        phrasing(
            3,
            r"\bno (?:recent )?activity\b|\bpushed\b|\bpast (?:their |the )?close|\boverdue\b",
            r"\bnext steps?\b|\bopen too long\b",
        ),
        # "any of my 50k+ deals single threaded?": the stall rule's own name
        phrasing(
            4.5,
            r"\bsingle[- ]?thread",
            r"\b(?:only|just) (?:one|1) (?:engaged )?(?:contact|person|stakeholder)\b",
        ),
        # A close date already behind us is a stall rule, even when the question says "pipeline".
        phrasing(
            4.5,
            r"\bclose dates? (?:is |are )?(?:in the past|(?:that )?(?:has |have )?(?:already )?passed)\b",
            r"\bpast (?:their |the |its )?close dates?\b",
        ),
    ),
)

PIPELINE = IntentSpec(
    Intent.PIPELINE,
    example="What's my pipeline by stage this quarter?",
    route=_pipeline,
    renders=(Rendering(PipelineSummary, _write_pipeline),),
    takes=DEAL_NAMES,
    named_alone="product",
    periodic=True,
    phrasings=(
        phrasing(4, r"\bpipe(?:line)?s?\b|\bfunnel\b"),
        # "what's closing this month?" (a weaker signal than "top 3 deals closing this quarter")
        phrasing(
            3,
            r"\b(?:what(?:'s| is| are)?|which|anything) (?:\w+ )?"
            r"(?:closing|closes|close|due to close|expected to close|set to close|should close|will close)"
            r"\b(?! (?:rate|date|reason))",
        ),
        phrasing(
            2,
            rf"\bopen {DEALS}\b|\bhow many (?:open )?{DEALS}\b|\bweighted\b",
            r"\bby (?:stage|rep|owner|product|territory|month|forecast category)\b",
        ),
        phrasing(1, rf"\b{DEALS}\b"),
        phrasing(3, rf"\bentperson (?:open )?(?:{DEALS[3:-1]}|pipeline)\b"),
        # "what do I have open with Bridgeway?": the open deals there
        phrasing(3, r"\b(?:have|got|is|are|anything|something) (?:\w+ )?open (?:with|at|on|for)\b"),
    ),
)

TOP_DEALS = IntentSpec(
    Intent.TOP_DEALS,
    example="What are my top 5 deals?",
    route=_top_deals,
    next_round=_largest_details,
    renders=(Rendering(PipelineSummary, _write_top_deals),),
    takes=DEAL_NAMES,
    phrasings=(
        phrasing(
            3.5,
            rf"\b(?:top|biggest|largest|main|key|best|most important)\b(?: \d+| one| two| three| five| ten)?"
            rf"(?: single)? (?:open )?(?:{DEALS}|deal|opportunity|opp)\b",
            rf"\blist (?:all )?(?:of )?(?:my |the |our )?(?:open )?{DEALS}\b",
            rf"\bshow (?:me )?(?:all )?(?:my |the |our |entperson )?(?:open )?{DEALS}\b",
        ),
        phrasing(2.5, r"\bwhich (?:open )?(?:deals|opportunities)\b"),
        # "the biggest deal on the team and who owns it": the deal list names each deal's owner
        phrasing(
            3,
            r"\b(?:top|biggest|largest)\b.{0,30}\b(?:deals?|opps?|opportunit(?:y|ies))\b.{0,40}"
            r"\bwho (?:owns|has|runs|is on) (?:it|them|that|those)\b",
        ),
    ),
)

DEAL = IntentSpec(
    Intent.DEAL,
    example="What's the status of deal 42?",
    route=_deal,
    # a deal is named by its id or name, or by its account ("the Evergreen deal")
    requires=("deal", "account"),
    renders=(Rendering(DealDetails, _write_deal),),
    takes=frozenset({"deal", "account", "product"}),
    named_alone="deal",
    phrasings=(
        phrasing(6, r"\bopportunity/\d+", r"\b(?:deal|opportunity|opp) (?:#|no\.? ?|number |id )?\d+\b"),
        phrasing(
            6,
            r"\b(?:the|this|that|our|my)\W+(?:entaccount|entproduct|entunknown)"
            r"(?:\W+(?:entproduct|entaccount|entunknown))?"
            r"\W+(?:deal|opportunity|opp)\b",
            r"\b(?:deal|opportunity) (?:with|for|at|on|named|called) (?:entaccount|entunknown)\b",
            # "oakridge supply deal closing tmrw, how much is it?": a deal named by its account, asked about
            r"^\W*(?:entaccount|entunknown)(?:\W+entproduct)?\W+(?:deal|opportunity|opp)\b(?!s)",
            # "status of Keystone Networks - Cobalt Platform?": a deal by its name (account - product)
            r"\b(?:entaccount|entunknown)\s+[-–—]\s+entproduct\b",
            # "what's the next step on Redwood Software?": a fact of the account's deal
            r"\bnext steps? (?:on|for|with|at) (?:the )?(?:entaccount|entunknown)\b",
        ),
        phrasing(
            1,
            r"\bstatus of\b|\bwhat(?:'s| is) happening with\b|\bupdate on\b|\bwhere are we (?:with|on)\b",
        ),
        # "how's the deal going?": one deal, not named (the planner asks which)
        phrasing(
            3,
            r"\b(?:the|this|that) (?:deal|opportunity|opp)\b"
            r"(?!\s+(?:sizes?|values?|counts?|stages?|velocity))",
        ),
    ),
)

FORECAST = IntentSpec(
    Intent.FORECAST,
    example="What's the forecast for this quarter?",
    route=_forecast,
    renders=(Rendering(Forecast, _write_forecast),),
    takes=DEAL_NAMES,
    periodic=True,
    phrasings=(
        phrasing(
            5,
            # "the forecast call" is a meeting (its prep, or the playbook on running it), not the forecast
            r"\bforecast(?! (?:call|meeting|review|sync|cadence)s?\b)|\bcommit(?:ted|s)?\b|\bbest[- ]case\b"
            r"|\bgap to (?:quota|target|plan)\b",
            r"\bhit (?:(?:our|my|the|their|his|her) )?(?:number|quota|target|plan)\b",
            # "how much more do I need to hit it?", "what's left to close?": the gap to the quota
            r"\bhow much more (?:do|does|will|would) (?:i|we|you|he|she|they|entperson|the team) need\b"
            r"|\b(?:what's|what is|how much is) (?:still )?left to (?:close|book|win|hit|go)\b",
            r"\bon track\b|\btracking (?:to|against)\b",
            # "how far off am i?", "how far behind are we", "how close is entperson": to the number
            r"\bhow (?:far (?:off|behind|away|short|out)|close)"
            r" (?:am i|are (?:we|you|they)|is (?:he|she|entperson))\b",
            r"\b(?:going to|gonna|likely to|able to) (?:hit|make|reach|close the gap)\b",
            r"\bland the quarter\b|\bwill (?:we|i) (?:hit|make)\b",
            r"\bpipeline coverage\b|\bcoverage (?:ratio|of quota|against quota)\b",
        ),
        # "what does next quarter look like?", "how is Q1 shaping up?": the period's outlook
        phrasing(
            4,
            r"\b(?:quarter|month|year|q[1-4]|h[12])\b.{0,25}"
            r"\b(?:look(?:s|ing)? like|shaping up|look(?:s|ing)?)\b",
            r"\b(?:outlook|shaping up)\b",
        ),
    ),
)

SPECS = (STALLED, PIPELINE, TOP_DEALS, DEAL, FORECAST)
