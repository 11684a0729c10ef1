"""Questions about the team's knowledge: what the playbook says, terms, and how each metric is defined.

A "what is X?" question about a term ("what's BANT?") counts towards the playbook, with less
weight than any data keyword in X ("what is the forecast?" asks for the forecast). Metric
definitions are the metric registry's fixed text (no figures), so they need no tool call.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant.offline import replies
from assistant.offline.calls import Call, Direct
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Phrasing, Rendering, phrasing
from assistant.offline.measures import read_metric_question
from assistant.offline.vocabulary import BUSINESS_TERMS, is_common
from assistant.toolkit import MetricDefinitions
from tools.lexicon import Lexicon
from tools.playbook import PlaybookResults

PLAYBOOK_PASSAGES = 3
#: Qualification methods by name ("bant or meddicc?": which one to use is the playbook's call).
METHODS = r"bant|meddicc?|meddpicc|spiced|spin|challenger|sandler|gpct|champ"
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
    # someone's figure ("the team's average sales cycle") or a figure of a group or a period
    r"|\w's\b|\b(?:team|teams|company|org|organisation|organization|office|region|everyone|everybody"
    r"|last|next|ytd|qtd|q[1-4]|today|20\d\d|so far|right now|currently|at the moment)\b"
    # "what's sitting in negotiation?", "what is open in proposal": what is in a stage now
    r"|^(?:sitting|open|left|pending|closing|stuck|parked|still|in|on)\b"
    # "what's the playbook say about X" asks the playbook about X
    r"|\b(?:playbook|say|says|said|recommend|recommends|suggest|suggests)\b"
)
#: "what's the <measure>": the article asks for the figure itself.
THE_FIGURE = re.compile(r"^(?:so |and |ok |okay )?what(?:'s| is| was) the ", re.I)
#: Phrases that look like terms but ask how things stand ("what's up?", "what is going on?").
IDIOMS = frozenset({"up", "new", "next", "going on", "happening", "wrong", "the matter", "left", "latest"})
DEFINITION_WEIGHT = 3
#: "How should I…", "best practice", "tips": the question asks what to do.
#: "what coverage should my team be targeting?", "what's a healthy win rate?": the norm the playbook
#: sets, not a figure of the data.
NORM_ASKED = (
    r"\bshould (?:i|we|my team|the team|our team|they|reps) (?:be )?(?:target(?:ing)?|aim(?:ing)? for"
    r"|shoot(?:ing)? for)\b",
    r"\bwhat(?:'s| is) (?:a )?(?:good|healthy|typical|normal|reasonable) (?:\w+ ){0,2}?"
    r"(?:rate|coverage|ratio|size|cycle)\b",
)
HOW_TO = (
    r"\bhow (?:should|do|can|would|could) (?:i|we)\b",
    r"\bhow to\b",
    r"\bbest practices?\b",
    r"\btips?\b",
    r"\badvice\b",
    r"\bguidance\b",
    r"\bwhat(?:'s| is) the (?:right|best) way\b",
    r"\bwhat should (?:i|we) do\b",
    r"\bwhat should (?:i|we) (?:cover|discuss|bring|include|prepare)\b",
    r"\bshould (?:i|we) (?:track|measure|watch|monitor|say|ask(?! you| salesplan)|use|run|structure"
    r"|set up|report)\b",
    r"\bany ideas\b",
    # "what's the play for these?", "what's my move", "what would you do first with it"
    r"\bwhat(?:'s| is|s)? (?:the|my|our|your) (?:play|game ?plan|move|next move)\b",
    r"\bwhat (?:would|do|should) (?:you|i|we) (?:do|suggest|recommend)(?: first)? (?:with|about|on|for)\b",
    r"\bhow (?:do|can|could|would) (?:i|we) (?:save|rescue|revive|unstick|unblock|recover)\b",
    *NORM_ASKED,
    # "good discovery questions for a first call", "questions to ask a CFO", "walk me through MEDDICC"
    r"\b(?:good|best|great|key|smart|right|killer|strong)\s+(?:\w+\s+){0,2}(?:questions|openers?|talk tracks?"
    r"|tactics|plays|approach(?:es)?|ways? to)\b",
    r"\bquestions (?:to|i should|should i|we should|should we) (?:ask|cover|use)\b",
    r"\b(?:walk me through|teach me|explain .{1,40} like i'?m (?:new|five|5))\b",
    r"\bwhat (?:do|should|can) (?:i|we) say\b",
)


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
    if THE_FIGURE.match(text) and read_metric_question(lower) is not None:
        return None  # "what's the average sale price?" asks for the figure; "what is win rate?" the term
    if NOT_A_TERM.search(lower) or lower in IDIOMS:
        return None
    words = re.findall(r"[\w-]+", lower)
    if not any(w == "entunknown" or w in BUSINESS_TERMS or not is_common(w) for w in words):
        return None
    return term


class TermQuestion:
    """Matches a "what is X?" question about a term (see :func:`definition_term`)."""

    def search(self, text: str, /) -> str | None:
        return definition_term(text)


#: A question about the norm ("how often should…", "when is a rep allowed to…", "what's a healthy
#: coverage ratio?") asks for the playbook's rule, unless it is about the asker's own data or a name.
NORM = re.compile(
    r"\b(?:should|shall|supposed to|allowed|permitted|need to|needs to|have to|has to|must|ought to"
    r"|healthy|ideal|normal|acceptable|benchmarks?|rules?|polic(?:y|ies)|criteria|standards?|sla"
    r"|recommended|required|requirements?|expected to|how often|how fast|how soon|how quickly"
    r"|what counts as|what makes)\b|\bwhat(?:'s| is) (?:a )?good\b"
)
#: "what's the difference between cross-sell and upsell?": two terms, not two figures.
DIFFERENCE = re.compile(r"\bdifference between\b|\bhow (?:is|does) .{2,30} differ from\b")
#: Figures of the asker's own data ("my deals", "our pipeline", a name, "this quarter"): a data question.
_OWN_DATA = (
    r"\b(?:my|our|mine|ours) (?:\w+ )?(?:deals?|pipeline|pipe|accounts?|quota|numbers?|forecast"
    r"|territor(?:y|ies)|team|book|opps?|opportunit(?:y|ies)|reps?|bookings?|revenue|win rate"
    r"|quarter|year|month|week|customers?)\b"
)
DATA_NOUNS = re.compile(
    _OWN_DATA + r"|\bent(?:account|person|territory|region|product)\b|\bthis (?:week|month|quarter|year)\b"
)
ABOUT_DATA = re.compile(
    r"\b(?:ent(?:account|person|territory|region|product)|this (?:week|month|quarter|year)"
    r"|which of|today|tomorrow|prioriti[sz]e|focus on|work on|chase)\b"
    # "any at-risk deals I should worry about?": deals of the asker's, in the data
    r"|\b(?:any|which|what) (?:\w+ ){0,3}(?:deals|opps|opportunities)\b"
    # "how much more do I need to close to hit quota?": what is left, a figure
    r"|\bhow (?:much|many) more\b|\bleft to (?:close|win|book|hit|reach|go)\b|\bstill (?:need|have) to\b|"
    + _OWN_DATA
)


#: The company's own rules, asked after by name ("our discount policy", "the process for…"): the playbook.
RULEBOOK = re.compile(
    r"\b(?:polic(?:y|ies)|process(?:es)?|procedures?|guidelines?|rules? of engagement|sla|slas|framework"
    r"|methodology|approv(?:e|es|ed|al|als|ing)|sign[- ]off|escalat(?:e|ion)|playbook)\b"
)


class NormQuestion:
    """Matches a question about what the norm is, not about figures in the data."""

    def search(self, text: str, /) -> bool:
        if RULEBOOK.search(text) and not DATA_NOUNS.search(text):
            return True
        return bool(NORM.search(text) or DIFFERENCE.search(text)) and not ABOUT_DATA.search(text)


def _playbook(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("search_playbook", {"query": frame.slots.topic or frame.question, "k": PLAYBOOK_PASSAGES})]


def _write_playbook(output: PlaybookResults, answering: Answering) -> str:
    slots = answering.frame.slots
    return replies.playbook(output, slots.topic or answering.frame.question, slots.term)


def _write_metrics(output: MetricDefinitions, answering: Answering) -> str:
    return replies.metrics(output, answering.frame.slots.metric)


PLAYBOOK = IntentSpec(
    Intent.PLAYBOOK,
    example="What does our playbook say about multi-threading?",
    route=_playbook,
    renders=(Rendering(PlaybookResults, _write_playbook),),
    phrasings=(
        phrasing(6, r"\bplaybook\b"),
        phrasing(4.5, *HOW_TO),
        # "how long can a deal sit in negotiation before it gets flagged?": the threshold, a norm
        phrasing(
            12,
            r"\bhow long (?:can|should|may|is) (?:a |an |the )?(?:deal|opp|opportunity) "
            r"(?:sit|stay|be|remain)\b(?!.*\b(?:my|our|entperson)\b)",
        ),
        # "what are our stage thresholds for stuck deals?", "bant or meddicc for a 40k deal?": the
        # norm itself, or which of two methods; not the deals it applies to
        phrasing(
            8,
            r"\bwhat (?:are|is|'s|s) (?:our|the) (?:\w+ ){0,2}(?:thresholds?|cut-?offs?|rules?|criteria"
            r"|polic(?:y|ies)|guidelines?|benchmarks?|definitions?)\b",
            # "what do we need for a deal to be in commit?", "what makes a deal best case?": the criteria
            r"\bwhat (?:do|does) (?:we|i|you|a deal|an opp|it) (?:need|have to have|require)\b.{0,30}"
            r"\b(?:to be|before|for)\b",
            r"\bwhat (?:makes|qualifies|counts as) (?:a |an )?(?:deal|opp|opportunity)\b",
            r"\bwhen (?:should|can|do) (?:we|i|you) (?:put|move|call) (?:a |an )?(?:deal|opp)\b",
            rf"\b(?:{METHODS}) (?:or|vs\.?|versus) (?:{METHODS})\b",
        ),
        Phrasing(5, NormQuestion()),
        phrasing(
            2,
            r"\bmulti[- ]?thread",
            r"\bmeddicc?\b|\bbant\b|\bsmart goals?\b|\bmutual action plan",
            r"\bobjections?\b|\bqualification framework"
            r"|\bdiscovery call|\bsegmentation\b|\bterritory design\b",
        ),
        Phrasing(DEFINITION_WEIGHT, TermQuestion()),
    ),
)

METRICS = IntentSpec(
    Intent.METRICS,
    example="How is win rate calculated?",
    # Definitions are the metric registry's fixed text (no figures), so the planner reads the
    # registry directly instead of spending a tool call on it.
    route=Direct.DEFINITIONS,
    renders=(Rendering(MetricDefinitions, _write_metrics),),
    phrasings=(
        phrasing(
            6,
            r"\b(?:what|how) (?:does|do|is|are) .{0,40}\b(?:calculated|computed|measured)\b",
            # "what does win rate mean?" (a metric); "what does the Engaging stage mean?" is a term
            rf"\b(?:what|how) (?:does|do|is|are) (?:the |our |a )?(?:{METRIC_TERMS}) (?:mean|defined)\b",
            rf"\bdefinitions?\b|\bdefine (?:the |our |your )?(?:metrics?|kpis?|terms|{METRIC_TERMS})\b",
            r"\bhow do you (?:calculate|compute|measure|define|work out)\b",
            r"\bwhat metrics\b|\bformulas?\b",
            rf"^explain\b.{{0,40}}\b(?:{METRIC_TERMS}|metrics?|figures?|numbers?|calculations?)\b",
            # "what is win rate?" asks what it is; "what's the win rate?" asks for the figure
            rf"^(?:so |and |ok |okay )?what(?:'s| is| are) (?:a |an )?(?:{METRIC_TERMS})\W*$",
        ),
    ),
)

SPECS = (PLAYBOOK, METRICS)
