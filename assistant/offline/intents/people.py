"""Questions about people: how a rep, a team or an office is doing (scorecards against quota).

A team's scorecards are asked for one rep per call: a whole team's report exceeds the toolkit's
result cap and would be cut. Above :data:`MAX_REP_CALLS` reps, one call covers everyone.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from assistant.offline import answers_people as answers
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from tools.deals.performance import PerformanceReport
from tools.lexicon import Lexicon

MAX_REP_CALLS = 30


#: Performance measures that, asked with no period, mean the fiscal year to date.
YEAR_TO_DATE = frozenset(
    {
        "won_revenue",
        "won_deals",
        "lost_deals",
        "lost_revenue",
        "win_rate",
        "average_deal_size",
        "closed_deals",
    }
)


def _performance(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """Scorecards: one call per rep of a team (see :data:`MAX_REP_CALLS`), else one call."""
    owner, period = frame.slots.owner, frame.slots.period
    if period is None and frame.slots.measure in YEAR_TO_DATE:
        # "what's my win rate?": a performance measure with no period is the fiscal year to date.
        period = "YTD"
    if owner and frame.slots.others and frame.slots.others_slot in (None, "owner"):
        named = [owner, *(o for o in frame.slots.others if o != owner)]
        return [Call("rep_performance", given(rep=name, period=period)) for name in named]
    reps = lexicon.reps_under(owner) if owner is None or lexicon.person(owner) is not None else []
    if owner is None and (frame.slots.territory or frame.slots.region):
        reps = lexicon.reps_in(frame.slots.territory, frame.slots.region)
        if not reps:
            return [
                Call("rep_performance", given(rep=frame.slots.territory or frame.slots.region, period=period))
            ]
    if 1 < len(reps) <= MAX_REP_CALLS:
        return [Call("rep_performance", given(rep=rep.name, period=period)) for rep in reps]
    return [Call("rep_performance", given(rep=owner, period=period))]


def _write(output: PerformanceReport, answering: Answering) -> str:
    return answers.performance(answering.outputs(PerformanceReport), answering.frame, answering.notes)


PERFORMANCE = IntentSpec(
    Intent.PERFORMANCE,
    example="How is my team doing this quarter?",
    route=_performance,
    renders=(Rendering(PerformanceReport, _write),),
    takes=frozenset({"person"}),
    named_alone="person",
    periodic=True,
    phrasings=(
        phrasing(
            4,
            r"\bperform(?:ance|ing)?\b|\bwin rates?\b|\battainment\b|\bscorecards?\b|\bleaderboard\b",
            r"\bbookings?\b|\bbooked\b|\bwon revenue\b|\bdeal sizes?\b"
            r"|\bsales cycle\b|\bcycle (?:length|time)\b",
            r"\btop (?:reps?|performers?|sellers?)\b|\bbehind (?:on )?(?:quota|plan|target)\b",
            r"\bwho (?:is|are|was) (?:behind|ahead|leading|lagging|struggling|the best|the top)\b",
        ),
        phrasing(
            3,
            r"\bhow (?:is|are|am|was|were|did|has|have) .{0,40}"
            r"\b(?:doing|going|performing|tracking|do|done)\b",
            r"\bhow (?:much|many) (?:\w+ )?(?:did|has|have|had) .{0,40}"
            r"\b(?:win|won|book|booked|sell|sold|close|closed|lose|lost)\b",
            r"\bwhat did (?:we|i|entperson|the team) (?:win|close|book|sell)\b",
            r"\bcompare\b|\bversus\b|\bvs\.?\b",
            r"\b(?:won|closed|sold) (?:this|last|in)\b",
        ),
        phrasing(1, r"\bquota\b|\brevenue\b|\bwon\b|\bwins?\b"),
        phrasing(
            5,
            r"\b(?:entterritory|entregion)(?:'s)? (?:team|office|reps|sellers)\b",
            r"\b(?:team|office|reps|sellers) (?:in|of) (?:the )?(?:entterritory|entregion)\b",
        ),
    ),
)

SPECS = (PERFORMANCE,)
