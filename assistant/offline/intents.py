"""Intent rules: weighted patterns over the question, with names replaced by their kind.

Before the rules run, every name found in the data is replaced by a placeholder of its kind
(``entaccount``, ``entperson``, ``entterritory``, ``entregion``, ``entproduct``, and
``entunknown`` for a capitalised name that matched nothing), misspelt keywords are corrected
and the text is lower-cased. Each rule adds its weight once when any of its patterns matches;
the intent with the highest score wins, ties going to the intent listed first in :data:`RULES`.
The mentioned names add a small weight to the intent they usually mean (a person alone: how
they are doing; an account alone: its profile), so "Globex?" and "Darcel" are understood, while
any keyword outweighs them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from assistant.offline.frame import Intent
from assistant.offline.vocabulary import is_common
from tools.lexicon import EntityKind


@dataclass(frozen=True)
class Rule:
    intent: Intent
    weight: float
    pattern: re.Pattern[str]


def rule(intent: Intent, weight: float, *alternatives: str) -> Rule:
    return Rule(intent, weight, re.compile("|".join(f"(?:{a})" for a in alternatives)))


DEALS = r"(?:deals|opportunities|opps)"
#: Metrics asked about as concepts ("what is pipeline coverage?"): the registry's definitions answer.
METRIC_TERMS = (
    r"(?:pipeline )?coverage|win rates?|(?:quota )?attainment|weighted pipeline|gap to quota"
    r"|stage conversions?|(?:median )?sales cycle|(?:average )?(?:won )?deal size"
)
#: "what is X?", "what does X stand for?", "define X": X asked about as a term. Read on the
#: prepared text (for the intent) and on the question itself (for the term as written).
DEFINITION = re.compile(
    r"^(?:so |and |ok |okay )?(?:"
    r"(?:what(?:'s| is| are)|define|meaning of|explain the term) (?:a |an |the )?(?:term |word |acronym )?"
    r"(?P<term>[^?!.]{2,40}?)"
    r"|what (?:does|do) (?:a |an |the )?(?:term |word |acronym )?(?P<meant>[^?!.]{2,40}?) "
    r"(?:mean|stand for|refer to))\s*[?!.]*$",
    re.I,
)
#: A term about the asker or a name in the data is a data question ("what is my quota?").
NOT_A_TERM = re.compile(
    r"\b(?:i|me|my|we|us|our|you|your|his|her|their|this|that|these|those|it|they|them"
    r"|ent(?:account|person|territory|region|product))\b"
)
#: Phrases that look like terms but ask how things stand ("what's up?", "what is going on?").
IDIOMS = frozenset({"up", "new", "next", "going on", "happening", "wrong", "the matter", "left", "latest"})
DEFINITION_WEIGHT = 3
#: "How should I…", "best practice", "tips": the question asks what to do.
HOW_TO = (
    r"\bhow (?:should|do|can|would|could) (?:i|we)\b",
    r"\bhow to\b",
    r"\bbest practices?\b",
    r"\btips?\b",
    r"\badvice\b",
    r"\bguidance\b",
    r"\bwhat(?:'s| is) the (?:right|best) way\b",
    r"\bwhat should (?:i|we) do\b",
    r"\bany ideas\b",
)

RULES: tuple[Rule, ...] = (
    rule(
        Intent.SMALL_TALK,
        6,
        r"^(?:(?:hi|hello|hey|yo|hiya|good (?:morning|afternoon|evening)|thanks|thank you|thx|cheers|ok|okay"
        r"|cool|great|nice|perfect|bye|goodbye|see you|there|salesplan|so much|a lot|again)\b[\s!.,]*)+$",
    ),
    rule(Intent.SMALL_TALK, 4, r"\b(?:who are you|how are you|what are you|what's your name|your name)\b"),
    rule(Intent.HELP, 6, r"^(?:help|\?+|menu|commands|options|usage)[\s!?.]*$"),
    rule(
        Intent.HELP,
        5,
        r"\bwhat (?:can|could) you (?:do|help)",
        r"\bwhat (?:can|could|should) i ask\b",
        r"\bhow (?:do|can) i use\b",
        r"\bwhat can you\b",
        r"\bwhat do you (?:know|do)\b\W*$",
        r"\bcapabilit",
        r"\bexamples? (?:of )?questions",
        r"\bwhat are you able\b",
    ),
    rule(
        Intent.OUT_OF_SCOPE,
        6,
        r"\b(?:weather|jokes?|poems?|recipes?|songs?|lyrics|movies?|films?|football|soccer|basketball|baseball)\b",
        r"\b(?:stock price|bitcoin|crypto|politics|election|horoscope|lottery|capital of|translate)\b",
        r"\b(?:homework|vacation|pizza|restaurant|dinner|girlfriend|boyfriend|meaning of life)\b",
    ),
    rule(
        Intent.WHY,
        6,
        r"^(?:why|how come|how so|explain(?: that| this| it| please)?)[\s?!.]*$",
        r"^how did you (?:get|calculate|compute|work out) (?:that|this|those|these)[\s?!.]*$",
        r"^where (?:does|did|do) (?:that|this|these|those) (?:number |figure |numbers |figures )?come from",
        r"^show (?:me )?(?:the |your )?(?:working|math|maths|formula)[\s?!.]*$",
    ),
    rule(Intent.WHY, 5, r"^why (?:is|are|was|were|do|does) (?:that|this|it|they|those|these)\b"),
    rule(
        Intent.ACCOUNT_PLAN,
        8,
        r"\baccount plan",
        r"\bplan (?:for|on) entaccount",
        r"\bentaccount (?:account )?plan\b",
        r"\bplan (?:the )?entaccount",
    ),
    rule(
        Intent.TERRITORY_PLAN,
        8,
        r"\bterritory plan",
        r"\bplan (?:for|on) (?:my |the |our )?(?:territory|entterritory|entregion|patch)",
        r"\bentterritory plan\b",
        r"\bplan (?:my |the |our )?(?:territory|patch)",
    ),
    rule(Intent.PLAYBOOK, 6, r"\bplaybook\b"),
    rule(Intent.PLAYBOOK, 4.5, *HOW_TO),
    rule(
        Intent.PLAYBOOK,
        2,
        r"\bmulti[- ]?thread",
        r"\bmeddicc?\b|\bbant\b|\bsmart goals?\b|\bmutual action plan",
        r"\bobjections?\b|\bqualification framework|\bdiscovery call|\bsegmentation\b|\bterritory design\b",
    ),
    rule(
        Intent.METRICS,
        6,
        r"\b(?:what|how) (?:does|do|is|are) .{0,40}\b(?:mean|defined|calculated|computed|measured)\b",
        rf"\bdefinitions?\b|\bdefine (?:the |our |your )?(?:metrics?|kpis?|terms|{METRIC_TERMS})\b",
        r"\bhow do you (?:calculate|compute|measure|define|work out)\b",
        r"\bwhat metrics\b|\bformulas?\b|^explain\b.+",
        rf"^(?:so |and |ok |okay )?what(?:'s| is| are) (?:a |an |the )?(?:{METRIC_TERMS})\W*$",
    ),
    rule(
        Intent.STALLED,
        4,
        r"\bstall(?:ed|ing|s)?\b|\bstuck\b|\bat[- ]risk\b|\brisk(?:y|iest|s)?\b|\bslipp(?:ed|ing)\b",
        r"\b(?:gone|going|went) (?:dark|quiet)\b|\bneeds? (?:my )?attention\b|\bneglected\b",
        r"\bstale\b|\bdormant\b|\bred flags?\b|\bin trouble\b|\bchase\b|\b(?:only|just) one contact\b",
    ),
    # "who has the most stalled deals?": the stalled deals counted per owner (not the workload balance)
    rule(
        Intent.STALLED,
        7,
        r"\bwho (?:has|have|owns|is carrying) (?:the )?(?:most|fewest|least|more|many) "
        r"(?:stalled|stuck|at[- ]risk|risky)\b",
        r"\b(?:stalled|stuck|at[- ]risk|risky) deals? (?:by|per) (?:rep|owner|person|seller)\b",
    ),
    # "what should I focus on?": the deals that need action, riskiest first, each with its next step
    rule(
        Intent.STALLED,
        4.5,
        r"\bprioriti[sz]e\b|\bpriorities\b|\bfocus (?:on|this)\b|\bwork on (?:today|this week|next|first)\b",
        r"\bwhat should (?:i|we) (?:do|tackle|look at) (?:today|this week|first|next)\b",
    ),
    rule(
        Intent.STALLED,
        3,
        r"\bno (?:recent )?activity\b|\bpushed\b|\bpast (?:their |the )?close|\boverdue\b",
        r"\bsingle[- ]?thread|\bnext steps?\b|\bopen too long\b",
    ),
    # A close date already behind us is a stall rule, even when the question says "pipeline".
    rule(
        Intent.STALLED,
        4.5,
        r"\bclose dates? (?:is |are )?(?:in the past|(?:that )?(?:has |have )?(?:already )?passed)\b",
        r"\bpast (?:their |the |its )?close dates?\b",
    ),
    rule(Intent.PIPELINE, 4, r"\bpipe(?:line)?s?\b|\bfunnel\b"),
    # "what's closing this month?" (a weaker signal than "top 3 deals closing this quarter")
    rule(
        Intent.PIPELINE,
        3,
        r"\b(?:what(?:'s| is| are)|which|anything) (?:\w+ )?"
        r"(?:closing|due to close|expected to close|set to close)\b",
    ),
    rule(
        Intent.PIPELINE,
        2,
        rf"\bopen {DEALS}\b|\bhow many (?:open )?{DEALS}\b|\bweighted\b",
        r"\bby (?:stage|rep|owner|product|territory|month|forecast category)\b",
    ),
    rule(Intent.PIPELINE, 1, rf"\b{DEALS}\b"),
    rule(Intent.PIPELINE, 3, rf"\bentperson (?:open )?(?:{DEALS[3:-1]}|pipeline)\b"),
    rule(
        Intent.TOP_DEALS,
        3.5,
        rf"\b(?:top|biggest|largest|main|key|best|most important)\b(?: \d+| one| two| three| five| ten)?"
        rf" (?:open )?{DEALS}\b",
        rf"\blist (?:all )?(?:of )?(?:my |the |our )?(?:open )?{DEALS}\b",
        rf"\bshow (?:me )?(?:all )?(?:my |the |our |entperson )?(?:open )?{DEALS}\b",
    ),
    rule(Intent.TOP_DEALS, 2.5, r"\bwhich (?:open )?(?:deals|opportunities)\b"),
    rule(Intent.DEAL, 6, r"\bopportunity/\d+", r"\b(?:deal|opportunity|opp) (?:#|no\.? ?|number |id )?\d+\b"),
    rule(
        Intent.DEAL,
        6,
        r"\b(?:the|this|that|our|my)\W+(?:entaccount|entproduct|entunknown)"
        r"(?:\W+(?:entproduct|entaccount|entunknown))?"
        r"\W+(?:deal|opportunity|opp)\b",
        r"\b(?:deal|opportunity) (?:with|for|at|on|named|called) (?:entaccount|entunknown)\b",
    ),
    rule(
        Intent.DEAL,
        1,
        r"\bstatus of\b|\bwhat(?:'s| is) happening with\b|\bupdate on\b|\bwhere are we (?:with|on)\b",
    ),
    rule(
        Intent.FORECAST,
        5,
        r"\bforecast|\bcommit(?:ted|s)?\b|\bbest[- ]case\b|\bgap to (?:quota|target|plan)\b",
        r"\bhit (?:(?:our|my|the|their|his|her) )?(?:number|quota|target|plan)\b",
        r"\bon track\b|\btracking (?:to|against)\b",
        r"\b(?:going to|gonna|likely to|able to) (?:hit|make|reach|close the gap)\b",
        r"\bland the quarter\b|\bwill (?:we|i) (?:hit|make)\b",
        r"\bpipeline coverage\b|\bcoverage (?:ratio|of quota|against quota)\b",
    ),
    rule(
        Intent.PERFORMANCE,
        4,
        r"\bperform(?:ance|ing)?\b|\bwin rates?\b|\battainment\b|\bscorecards?\b|\bleaderboard\b",
        r"\bbookings?\b|\bbooked\b|\bwon revenue\b|\bdeal sizes?\b|\bsales cycle\b|\bcycle (?:length|time)\b",
        r"\btop (?:reps?|performers?|sellers?)\b|\bbehind (?:on )?(?:quota|plan|target)\b",
        r"\bwho (?:is|are|was) (?:behind|ahead|leading|lagging|struggling|the best|the top)\b",
    ),
    rule(
        Intent.PERFORMANCE,
        3,
        r"\bhow (?:is|are|am|was|were|did|has|have) .{0,40}\b(?:doing|going|performing|tracking|do|done)\b",
        r"\bhow (?:much|many) (?:\w+ )?(?:did|has|have|had) .{0,40}"
        r"\b(?:win|won|book|booked|sell|sold|close|closed|lose|lost)\b",
        r"\bwhat did (?:we|i|entperson|the team) (?:win|close|book|sell)\b",
        r"\bcompare\b|\bversus\b|\bvs\.?\b",
        r"\b(?:won|closed|sold) (?:this|last|in)\b",
    ),
    rule(Intent.PERFORMANCE, 1, r"\bquota\b|\brevenue\b|\bwon\b|\bwins?\b"),
    rule(
        Intent.PERFORMANCE,
        5,
        r"\b(?:entterritory|entregion)(?:'s)? (?:team|office|reps|sellers)\b",
        r"\b(?:team|office|reps|sellers) (?:in|of) (?:the )?(?:entterritory|entregion)\b",
    ),
    rule(
        Intent.ACCOUNT,
        4,
        r"\btell me (?:about|more about)\b|\bbrief(?:ing)? (?:me )?(?:on|about)\b",
        r"\bprep(?:are)? (?:me )?for\b",
        r"\bbefore (?:my|the|our) (?:call|meeting|visit)\b|\bprofile\b|\bbuying (?:committee|roles?|group)\b",
        r"\bdecision[- ]makers?\b|\bwho (?:is|are|should i talk to|do i know|do we know) (?:at|in)\b",
        r"\bwhat do (?:we|i|you) know about\b|\boverview of\b|\bhealth\b|\bcontacts?\b|\bkey people\b",
        r"\blook up entaccount\b|\bsummar(?:y|ise|ize) (?:of )?entaccount\b",
        r"\bwhat(?:'s| is) happening (?:with|at) entaccount\b",
    ),
    rule(
        Intent.WHITESPACE,
        5,
        r"\bwhite ?space\b|\bcross[- ]?sell|\bup[- ]?sell|\bexpansion\b|\bexpand\b|\badd[- ]?ons?\b",
        r"\bwhat else (?:could|can|might|should|would|do|does)\b",
        r"\b(?:don't|do not|doesn't|does not|dont|doesnt)\b.{0,40}\b(?:own|have|use|buy)\b",
        r"\bwhat (?:products?|else) (?:could|can|should) (?:we|i) (?:sell|pitch|offer)\b",
        r"\bsell (?:more )?(?:to|into)\b",
    ),
    rule(
        Intent.ACCOUNTS,
        4,
        r"\b(?:which|what|list|show|find|search|get|give me|my|our|all|top|biggest|largest|\d+)\b.{0,30}"
        r"\b(?:accounts|companies|customers|clients|logos)\b",
        r"\b(?:accounts|companies|customers) (?:with|without|in|that|where|over|above|named|called)\b",
        r"\b(?:biggest|largest|top|most valuable|best) (?:\w+ )?(?:account|customer|client|company|logo)\b",
    ),
    rule(Intent.ACCOUNTS, 2, r"\baccounts\b"),
    rule(
        Intent.TERRITORIES,
        5,
        r"\b(?:list|all|which|what|show|how many)\b(?: (?:the|my|our|of the))? territories\b",
        r"\bterritories (?:do|are|can|in|exist)\b",
    ),
    rule(Intent.TERRITORIES, 2, r"\bterritories\b"),
    rule(Intent.TERRITORY, 3, r"\bterritory\b"),
    rule(
        Intent.TERRITORY,
        4,
        r"\bcoverage\b|\bmy (?:territory|patch|region|book(?: of business)?)\b|\bbook of business\b",
        r"\bsummar(?:y|ise|ize) (?:of )?(?:entterritory|entregion)",
        r"\bhow (?:is|are|'s) (?:the )?(?:entterritory|entregion)\b",
        r"\bentterritory (?:summary|overview|doing)\b",
    ),
    rule(
        Intent.BALANCE,
        6,
        r"\bbalanc(?:e|ed|ing)\b|\bworkloads?\b|\bspread\b|\bevenly\b",
        r"\bfair(?:ly)? (?:split|distributed)\b|\boverloaded\b|\bunderloaded\b|\bdistribution of\b",
        r"\bwho has (?:too many|too few|the most|the least)\b",
    ),
    # Asking for changes (moves) rather than a picture of the balance.
    rule(
        Intent.REBALANCE,
        7.5,
        r"\bre-?balanc",
        r"\b(?:propose|suggest|recommend|plan)\b.{0,40}\b(?:moves?|reassign\w*|re-assign\w*)\b",
        r"\b(?:move|reassign|re-assign|redistribute|shift|hand over)\b.{0,25}\baccounts?\b",
        r"\bwhich accounts should (?:i |we )?(?:move|reassign|give|hand)\b",
        r"\b(?:fix|even out|level)\b.{0,25}\b(?:balance|imbalance|workloads?|books?|territor(?:y|ies))\b",
        r"\bmake .{0,30}\b(?:fair|fairer|balanced|even)\b",
    ),
)

ORDER = {intent: i for i, intent in enumerate(dict.fromkeys(r.intent for r in RULES))}
#: Intents whose keywords a question about the playbook's advice on them also contains.
ASKS_THE_PLAYBOOK_TOO = (Intent.REBALANCE, Intent.ACCOUNT_PLAN, Intent.TERRITORY_PLAN)
DRAFTING = re.compile(r"\b(?:draft|write|create|build|make|prepare|generate|put together)\b")
ASKS_WHAT_TO_DO = re.compile("|".join(HOW_TO))

#: The intent a name means on its own, and how much it adds to that intent's score.
ENTITY_INTENT: dict[EntityKind, Intent] = {
    "person": Intent.PERFORMANCE,
    "account": Intent.ACCOUNT,
    "territory": Intent.TERRITORY,
    "region": Intent.TERRITORIES,
    "product": Intent.PIPELINE,
    "deal": Intent.DEAL,
}
ENTITY_WEIGHT = 1.5
SPECIFIC = re.compile(r"\b(?:my|our|mine|ent(?:account|person|territory|region|product|unknown))\b")


def definition_term(text: str) -> str | None:
    """The term a "what is X?" question asks about, or ``None`` when it is not such a question.

    The term must have a word of its own (not only common words such as "what's up?") and must
    not be about the asker or a name in the data; an unknown name ("what's BANT?") is a term.
    """
    match = DEFINITION.match(" ".join(text.replace("’", "'").split()))
    if match is None:
        return None
    term = (match["term"] or match["meant"]).strip()
    lower = term.lower()
    if NOT_A_TERM.search(lower) or lower in IDIOMS:
        return None
    words = re.findall(r"[\w-]+", lower)
    if not any(w == "entunknown" or not is_common(w) for w in words):
        return None
    return term


def score(text: str, kinds: list[EntityKind]) -> dict[Intent, float]:
    """Each intent's score for the prepared ``text`` and the kinds of names it mentions.

    A "what is X?" question about a term adds a little to the playbook: any data keyword in X
    ("what is the forecast?") outweighs it.
    """
    scores: dict[Intent, float] = defaultdict(float)
    for found in RULES:
        if found.pattern.search(text):
            scores[found.intent] += found.weight
    if definition_term(text) is not None:
        scores[Intent.PLAYBOOK] += DEFINITION_WEIGHT
    for kind in dict.fromkeys(kinds):
        scores[ENTITY_INTENT[kind]] += ENTITY_WEIGHT
    return scores


def best(scores: dict[Intent, float], text: str) -> Intent:
    """The winning intent. A "how should I…" question about specific data ("what should I do about
    my stalled deals?") is answered from the data, whose answer carries the playbook's advice."""
    ranked = sorted(
        ((s, i) for i, s in scores.items() if s > 0), key=lambda p: (-p[0], ORDER.get(p[1], len(ORDER)))
    )
    if not ranked:
        return Intent.UNKNOWN
    winner = ranked[0][1]
    # "what does our playbook say about rebalancing / account plans?" asks the playbook;
    # "draft an account plan for Acme following the playbook" still asks for a plan.
    drafting = winner is not Intent.REBALANCE and DRAFTING.search(text)
    if winner in ASKS_THE_PLAYBOOK_TOO and "playbook" in text and Intent.PLAYBOOK in scores and not drafting:
        return Intent.PLAYBOOK
    if winner is Intent.PLAYBOOK and "playbook" not in text and SPECIFIC.search(text):
        runner = next((i for s, i in ranked[1:] if s >= 2 and i is not Intent.PLAYBOOK), None)
        if runner is not None:
            return runner
    return winner
