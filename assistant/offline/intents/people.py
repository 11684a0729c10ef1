"""Questions about people: how a rep, a team or an office is doing (scorecards against quota).

A team's scorecards are asked for one rep per call: a whole team's report exceeds the toolkit's
result cap and would be cut. Above :data:`MAX_REP_CALLS` reps, one call covers everyone.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from assistant.offline import answers_people as answers
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Phrasing, Rendering, phrasing
from tools.deals.performance import PerformanceReport
from tools.lexicon import Lexicon
from tools.store.schema import Role
from tools.territory.roster import Roster

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
    if period is None and (frame.slots.measure in YEAR_TO_DATE or not lexicon.has_quotas):
        # "what's my win rate?": a performance measure with no period is the fiscal year to date; so
        # is "how is Rosie doing?" on data with no quotas (no quarter's target to be measured against)
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
            # "show me how everyone on my team is doing": the question inside a request
            r"\bhow\b.{0,50}\b(?:is|are|am|'s|'re) (?:doing|going|performing|tracking)\b",
            r"\bhow (?:much|many) (?:\w+ )?(?:did|has|have|had) .{0,40}"
            r"\b(?:win|won|book|booked|sell|sold|close|closed|lose|lost)\b",
            r"\bwhat did (?:we|i|entperson|the team) (?:win|close|book|sell)\b",
            r"\bcompare\b|\bversus\b|\bvs\.?\b",
            r"\b(?:won|closed|sold) (?:this|last|in)\b",
        ),
        phrasing(1, r"\bquota\b|\brevenue\b|\bwon\b|\bwins?\b"),
        phrasing(
            5,
            # (not "the west team's pipeline": what the team has, asked for)
            r"\b(?:entterritory|entregion)(?:'s)? (?:team|office|reps|sellers)\b"
            r"(?!'s\b|'|\s+(?:pipeline|pipe|deals|opps|opportunities|forecast|accounts)\b)",
            r"\b(?:team|office|reps|sellers) (?:in|of) (?:the )?(?:entterritory|entregion)\b",
        ),
    ),
)

#: The people a question is about are a team under someone ("who is on Harper's team", "who reports
#: to Morgan", "how many reps does Jamie have"), not those people themselves ("who does Lucas report
#: to", "what territory is Kenji in").
TEAM = re.compile(
    r"\bteam\b|\bwho (?:all )?(?:reports?|rolls? up|works?|sits?) (?:in)?to\b"
    r"|\bwho (?:works?|sits?) (?:for|under)\b|\bunder\b|\breports\b(?! to)|\bhow many\b|\borg\b",
    re.I,
)
#: The role a list is of: "who are the managers", "list the reps in the East".
ROLES = (
    ("manager", re.compile(r"\bmanagers\b", re.I)),
    ("rep", re.compile(r"\breps\b|\bsellers\b|\baes\b", re.I)),
)


@dataclass(frozen=True)
class _NamesNoAccount:
    """Finds ``pattern`` in a question that names no account: "where are they based?" of a company
    is its facts, not the org chart."""

    pattern: re.Pattern[str]

    def search(self, text: str) -> object:
        return None if "entaccount" in text else self.pattern.search(text)


def without_account(weight: float, *alternatives: str) -> Phrasing:
    return Phrasing(weight, _NamesNoAccount(re.compile("|".join(f"(?:{a})" for a in alternatives))))


def _roster(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """Who is who: the people named (or the asker), a team under someone, or everyone in a place."""
    slots, question = frame.slots, frame.question
    listed = (slots.any_of or {}).get("rep")
    if listed:  # "who are their managers?" after a list of reps
        return [Call("team_roster", {"people": listed})]
    named = [n for n in (slots.owner, *(slots.others or [])) if n]
    place = given(territory=slots.territory, region=slots.region)
    role = None
    if not named or TEAM.search(question):
        # "the reps of Harper's team": the list's role; "who is his manager" names no role
        role = next((r for r, words in ROLES if words.search(question)), None)
    if not named and place:
        return [Call("team_roster", place | given(job=role))]
    if TEAM.search(question) and (named or lexicon.viewer.role is not Role.REP):
        # a rep's "my team" is their manager's, which they cannot list: their own line says who
        return [Call("team_roster", given(team=named[0] if named else "me", job=role))]
    if named:
        return [Call("team_roster", {"people": named})]
    return [Call("team_roster", given(people=None if role else ["me"], job=role))]


def _write_roster(output: Roster, answering: Answering) -> str:
    return answers.roster(
        output, answering.viewer, answering.notes, bool(TEAM.search(answering.frame.question))
    )


ROSTER = IntentSpec(
    Intent.ROSTER,
    example="Who is on my team?",
    route=_roster,
    renders=(Rendering(Roster, _write_roster),),
    takes=frozenset({"person", "territory", "region"}),
    phrasings=(
        without_account(
            14,
            r"\bwho(?: else)?(?: is| are|'s| s|s)? (?:all |else )?(?:on|in) "
            r"(?:entperson|entunknown|my|our|his|her|their|the|this|that) (?:team|org|group)"
            r"(?: (?:now|today|right now|these days))?\W*$",
            r"^(?:list|show|name)(?: me)? (?:all )?(?:of )?(?:entperson|entunknown|my|his|her|their) "
            r"(?:direct reports|reports|team members|reps|team)\W*$",
            r"\bwho (?:all )?(?:reports?|rolls? up|works?) (?:to|for|under|into) (?:entperson|me)\b",
            r"\bwho (?:manages|runs|leads|supervises) (?:entperson|entunknown|me)\b",
            r"\b(?:who|what)(?: is| are|'s| s|s)? (?:entperson|entunknown|my|his|her|their|your) (?:line )?"
            r"(?:manager|boss|managers|bosses|direct reports|reports|team members)\b",
            # "what's Lucas's role?", "what is her job title": their place in the org chart
            r"\bwhat(?: is| are|'s| s|s)? (?:entperson|his|her|their|my) (?:role|roles|job|job title|title"
            r"|position)\b",
            r"\bwho do(?:es)? (?:entperson|entunknown|i|he|she) (?:report|roll up) (?:in)?to\b",
            r"\b(?:what|which) (?:territory|region|office|team|patch|area)s? (?:is|are|am|does|do) "
            r"(?:entperson|entunknown|i|he|she) (?:in|on|cover|work|sit|belong|own)\b",
            r"\bwhere (?:is|am|does|do) (?:entperson|entunknown|i|he|she) "
            r"(?:sit|work|based|located)\b",
            r"\bhow many (?:reps|people|sellers|aes|direct reports|reports) (?:does|do) (?:entperson|i) "
            r"(?:have|manage|run|lead)\b",
            r"\borg chart\b|\breporting lines?\b|\bchain of command\b",
            r"\bwho(?:'s| s|s)? (?:covers|works|sells|is in|are in|in|handles|based in) (?:the )?"
            r"(?:entterritory|entregion)\b",
            r"^(?:list|show|name)(?: me)? (?:all )?(?:the |my |our )?(?:reps|managers|sellers|team members)"
            r"(?: (?:in|on|of) (?:the )?(?:entterritory|entregion|my team|the team))?\W*$",
            r"^who are (?:all )?(?:the |my |our )?(?:reps|managers|sellers|team members)"
            r"(?: (?:in|on|of) (?:the )?(?:entterritory|entregion|my team|the team))?\W*$",
        ),
    ),
)

SPECS = (PERFORMANCE, ROSTER)
