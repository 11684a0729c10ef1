"""Words: tokenising questions, the common words that are never names, and typo correction.

Typo correction only ever rewrites a word into one of the planner's own keywords ("stalld" ->
"stalled", "pipline" -> "pipeline", "forcast" -> "forecast"), and only words that are not common
English, not part of a name found in the data, and at least five letters long. Names are matched
separately, with their own fuzzy matching, against the loaded data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.stemming import porter_stem

#: A word in any script (names may be "Café Rockets" or "شركة الصحراء"), with the marks names use.
WORD = re.compile(r"(?:[^\W_]|\$)(?:[^\W_]|[$'’&.-])*")
POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")


def _words(text: str) -> list[str]:
    return text.split()


#: Keywords the intent rules are written with; misspellings of these are corrected.
KEYWORDS = _words(
    "account accounts activity amount analytics attainment average balance balanced bookings briefing "
    "business buying champion closing commit committee contacts coverage customers definition define "
    "discovery economic expansion forecast forecasting multithreading negotiation opportunities "
    "opportunity performance performing pipeline playbook potential products profile proposal "
    "prospecting qualification quarter quota rebalance region revenue scorecard segment single "
    "stalled summarise summarize summary territories territory threaded upsell weighted whitespace "
    "workload biggest largest smallest deals stuck average industry sector sectors vertical "
    "verticals segments regions office offices stages series family product products month months "
    "state states city cities cycle cycles"
)

#: Numbers written as words ("top three", "older than six months", "a week").
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}

#: Words that are never taken for a name on their own (unless capitalised mid-sentence).
COMMON = frozenset(
    _words(
        "a about above across after again against all also am an and any are as ask at be because been "
        "before being below best between big biggest both but by can could did do does doing done down "
        "during each else ever every few for from get give go going good got great had has have having "
        "he her here hers him his how i if in into is it its just know last least less let like list "
        "lot many me mine more most much must my need new next no not now of off on once one only or "
        "other our ours out over own per please pro plus basic special advanced quick same she should "
        "show so some still such summer tell than thanks that the their them then there these they this "
        "those through to too under until up us very was we well were what when where which while who "
        "whom whose why will with within without would year years you your yours "
        "today tomorrow week month quarter day days team deals deal data support call calls meeting "
        "number numbers status update open closed close closing won lost win wins stage stages "
        "rep reps manager managers people person account accounts territory territories region "
        "product products pipeline forecast quota plan plans playbook help hi hello hey cheers thank "
        "ok okay cool fine yes yeah nope sure top bottom largest smallest total overall new old "
        "high low large small main key core value amount amounts worth revenue size cycle rate "
        "health risk risky stalled stuck commit case best worst ones one two three first second "
        "third any anything something nothing everything everyone someone anyone "
        "what's who's how's where's that's it's let's i'm i'd i've we're you're don't doesn't "
        "customer customers company companies client clients business segment industry tier "
        "contact contacts owner owners owned own sell buy bought selling buying much "
        "enterprise commercial contract contracts started starting current count counts"
    )
)
#: Business shorthand written in capitals ("ARR", "QBR"): words, never names of something in the
#: data, yet terms a "what is…?" question can ask about.
BUSINESS_TERMS = frozenset(
    _words("arr mrr cac ltv nrr grr csat nps pto kpi kpis qbr roi crm csv yoy qoq mom")
)


def _playbook_terms() -> frozenset[str]:
    """The acronyms the shipped playbook and its glossary use ("MEDDICC", "BANT", "QBR"): terms a
    question asks about, never names (those that are also words, "MAP", "SAM", count only there)."""
    from knowledge.documents import PLAYBOOK_DIR
    from knowledge.glossary import ACRONYMS, AMBIGUOUS_ACRONYMS

    found = {
        word.lower()
        for path in PLAYBOOK_DIR.glob("*.md")
        for word in ACRONYM.findall(path.read_text("utf-8"))
    }
    return frozenset((found | set(ACRONYMS)) - AMBIGUOUS_ACRONYMS - {"it"})


ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,9}\b(?<!\bQ[1-4])")
BUSINESS_TERMS = BUSINESS_TERMS | _playbook_terms()
#: Time grains said as adjectives are words of their own, not misspelt periods ("quarterly" is no "quarter").
GRAIN_WORDS = frozenset({"daily", "weekly", "monthly", "quarterly", "yearly", "annually", "annual"})
COMMON = COMMON | BUSINESS_TERMS | GRAIN_WORDS


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    possessive: bool

    @property
    def key(self) -> str:
        return normalise(self.text)

    @property
    def capitalised(self) -> bool:
        """Starts with a capital, or is written in a script without case (Arabic, Chinese…)."""
        first = self.text[:1]
        return first.isupper() or (first.isalpha() and not first.islower())


def normalise(text: str) -> str:
    """Case-folded words without accents, separated by single spaces; possessives and punctuation
    dropped. Letters of every script are kept ("Café" and "Cafe" are one word)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = re.sub(r"['](s\b)?", "", folded)
    return " ".join(re.sub(r"(?:[^\w$]|_)+", " ", folded).split())


def tokens(text: str) -> list[Token]:
    found = []
    for match in WORD.finditer(text):
        word = match.group().rstrip(".-'’")
        possessive = bool(POSSESSIVE.search(word)) and len(word) > 2
        core = POSSESSIVE.sub("", word) if possessive else word
        if core:
            found.append(Token(core, match.start(), match.start() + len(core), possessive))
    return found


def is_common(word: str) -> bool:
    key = normalise(word)
    return not key or key in COMMON or key.isdigit() or len(key) < 2


#: Zipf frequency (log10 of uses per billion words) from which an English word is among the few
#: thousand most used: "board", "getting", "account" (people's names rarely reach it: "smith" 4.9).
FREQUENT_ZIPF = 4.95


@cache
def is_frequent_english(word: str) -> bool:
    """A word English uses so often that, written in lower case, it is a word and not a name."""
    from wordfreq import zipf_frequency  # its word lists load on first use, only when needed

    return zipf_frequency(word, "en", wordlist="small") >= FREQUENT_ZIPF


def is_unknown_word(word: str) -> bool:
    """A word that is neither common, nor a keyword, nor a misspelt keyword: in "lucas duarte", the
    surname of someone not in scope, whatever its case."""
    key = normalise(word)
    return len(key) >= 3 and key.isalpha() and not is_common(key) and correct_typos(key, set()) == key


@cache
def _planner_words() -> frozenset[str]:
    """Every word the planner's own patterns spell out ("pipe", "opps", "attainment"): not names.
    Read from every module of the planner (all imported first, so the set never depends on which
    were loaded when it was first asked for)."""
    import sys

    import assistant.offline.planner  # noqa: F401  (imports every module the patterns live in)
    from assistant.offline.intents.registry import SPECS

    patterns = [
        value.pattern
        for name, module in list(sys.modules.items())
        if name.startswith(("assistant.offline", "tools.periods"))
        for value in vars(module).values()
        if isinstance(value, re.Pattern)
    ]
    patterns += [getattr(p.pattern, "pattern", "") for spec in SPECS for p in spec.phrasings]
    from assistant.offline.actions import ACTIONS, GAPS

    patterns += [action.pattern.pattern for action in (*ACTIONS, *GAPS)]
    return frozenset(word for pattern in patterns for word in re.findall(r"[a-z]{3,}", str(pattern)))


@cache
def _long_planner_words() -> list[str]:
    # a pattern's "commissions?" spells "commissions": the singular is a word of the planner too
    words = _planner_words()
    return sorted({w for w in words if len(w) >= 6} | {w[:-1] for w in words if len(w) >= 8 and w[-1] == "s"})


def knows_word(word: str) -> bool:
    key = normalise(word)
    return key in _planner_words() or key.rstrip("s") in _planner_words()


#: Short words typed without their vowels ("wht ws our win rte"): each word's skeleton, its first
#: letter and its consonants, is read as the word when no other word of the list shares it.
SHORT_WORDS = _words(
    "what was were rate win won wins lost loss deal deals much many team year week month quota open "
    "avg which total last"
)


def _skeleton(word: str) -> str:
    return word[0] + re.sub(r"[aeiou]", "", word[1:])


@cache
def _by_skeleton() -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for word in SHORT_WORDS:
        found.setdefault(_skeleton(word), []).append(word)
    return {key: words[0] for key, words in found.items() if len(words) == 1}


def correct_typos(text: str, protected: set[str]) -> str:
    """Rewrite misspelt keywords in lower-case ``text``; words in ``protected`` (names) stay."""

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if word in COMMON or word in KEYWORDS or word in protected:
            return word
        if len(word) < 5:
            # "wht ws our win rte": a short word with its vowels left out, when only one word fits
            bare = _by_skeleton().get(_skeleton(word)) if not knows_word(word) else None
            return bare if bare is not None and len(bare) > len(word) else word
        same_start = [k for k in KEYWORDS if k[0] == word[0]]
        best = process.extractOne(word, same_start, scorer=fuzz.ratio, score_cutoff=86)
        if best is not None:
            return str(best[0])
        if len(word) >= 6:
            # "secter", "pipleine": one letter wrong, doubled, missing or swapped in a longer word
            near = process.extractOne(word, same_start, scorer=OSA.distance, score_cutoff=1)
            if near:
                return str(near[0])
        # "cycel", "cylce": two letters swapped in a shorter word (the same letters, one swap apart)
        swapped = [k for k in same_start if sorted(k) == sorted(word) and OSA.distance(word, k) == 1]
        if len(swapped) == 1:
            return swapped[0]
        if len(word) >= 7 and not knows_word(word):
            # "commision", "attainmnet": any longer word the planner's patterns spell, one edit away
            longer = [k for k in _long_planner_words() if k[0] == word[0]]
            close = [str(c[0]) for c in process.extract(word, longer, scorer=OSA.distance, score_cutoff=1)]
            # of words one edit away, the most alike: "loosing" is "losing", not "looking"
            nearest = max(close, key=lambda candidate: (fuzz.ratio(word, candidate), candidate), default=None)
            # "touched" is not a misspelt "touches": another form of the same word stays as written
            if nearest and porter_stem(word) != porter_stem(nearest):
                return nearest
        return word

    return re.sub(r"[a-z]+", fix, text)


#: Words of periods: misspelt, they are corrected before anything else reads the question, so
#: "how much did i win in novmber" and "last quater" name their period.
PERIOD_WORDS = _words(
    "january february march april june july august september october november december "
    "quarter quarters yesterday tomorrow weekend months fiscal"
)


#: The words questions start with, corrected when misspelt by one letter.
QUESTION_WORDS = _words("what which where when show tell about give many much")
#: Shorthand for period words ("lst quarter", "nxt month", "prev qtr").
SHORTHAND = {
    "lst": "last",
    "nxt": "next",
    "prev": "previous",
    "yr": "year",
    "yrs": "years",
    "mth": "month",
    "mo": "month",
    "wk": "week",
    "wks": "weeks",
    "tmrw": "tomorrow",
    "tdy": "today",
    "winrate": "win rate",
    "hav": "have",
    "enuf": "enough",
    "nuff": "enough",
    "havent": "haven't",
    "hasnt": "hasn't",
    "didnt": "didn't",
    "dont": "don't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "cant": "can't",
    "wont": "won't",
    "winrates": "win rates",
    "diff": "difference",
    "rn": "right now",
    "qtrs": "quarters",
    "hows": "how is",
    "acct": "account",
    "accts": "accounts",
    "custs": "customers",
    "whos": "who is",
    "wheres": "where is",
    "whats": "what is",
    "thats": "that is",
    "btwn": "between",
    "betw": "between",
    "amts": "amounts",
    "amt": "amount",
    "mos": "months",
    "mtg": "meeting",
    "mtgs": "meetings",
    "opp": "opportunity",
    "rev": "revenue",
    "avg": "average",
    "qtr": "quarter",
    "rt": "rate",
    "frm": "from",
    "stg": "stage",
    "stgs": "stages",
    "wht": "what",
    "wat": "what",
    "wats": "what is",
    "shld": "should",
    "shd": "should",
    "wld": "would",
    "cld": "could",
    "abt": "about",
    "tmr": "tomorrow",
}


#: Words of chat written as letters, spelt out where they stand alone between spaces.
CHAT = {"r": "are", "u": "you", "ur": "your", "n": "and", "w": "with"}

#: "before the end of the month", "by EOQ": the rest of the current month, quarter or year.
END_OF = re.compile(
    r"\b(?:(?:before|by|until|til|till|through)\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(month|quarter|year)\b"
    # "before year end", "by quarter-end", "ahead of month end"
    r"|\b(?:(?:before|by|until|til|till|through|ahead of)\s+)(?:the\s+)?(month|quarter|year)[- ]?end\b"
    # "for the rest of the quarter": what is left of the current one
    r"|\b(?:(?:for|in|during|over)\s+)?(?:the\s+)?rest\s+of\s+(?:the\s+|this\s+)?(month|quarter|year)\b"
    r"|\b(?:by\s+)?eo([mqy])\b",
    re.I,
)
END_UNIT = {"m": "month", "q": "quarter", "y": "year"}


def _this(match: re.Match[str]) -> str:
    unit = match[1] or match[2] or match[3] or END_UNIT[match[4].lower()]
    return f"this {unit}"


#: A time grain said as an adjective with no measure word after it: "quarterly trend", "monthly?".
GRAIN_SAID = re.compile(
    r"\b(quarterly|monthly|weekly)(?: (?:trends?|trendline|view|breakdown|split|picture)\b|(?=\W*$))", re.I
)
GRAIN_OF = {"quarterly": "quarter", "monthly": "month", "weekly": "week"}


def correct_before_reading(question: str) -> str:
    """The question as every later step reads it: misspelt lower-case period and question words and
    shorthand corrected (names, often capitalised, stay); "before the end of the month", "by EOQ" and
    "my year" read as the current month, quarter or year."""
    question = END_OF.sub(_this, question)
    # "lost deals last mo and y": "y" for "why", said last
    question = re.sub(r"\b(and|&|n) y\W*$", r"\1 why", question, flags=re.I)
    # "quarterly trend for the top one", "monthly?": that breakdown, as "by quarter" says it
    question = GRAIN_SAID.sub(lambda m: f"by {GRAIN_OF[m[1].lower()]}", question)
    # "a summary of my year", "how was our quarter": the current one
    question = re.sub(
        r"\b(my|our|the team's) (year|quarter|month|week)\b(?!'s| (?:to|so far))", r"\1 this \2", question
    )

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if word in SHORTHAND:
            return SHORTHAND[word]
        if 4 <= len(word) <= 6 and word not in COMMON:
            # "waht about", "hwo many": a question word one edit away
            near = process.extractOne(word, QUESTION_WORDS, scorer=OSA.distance, score_cutoff=1)
            if near:
                return str(near[0])
        if len(word) < 5 or word in PERIOD_WORDS or word in COMMON:
            return word
        best = process.extractOne(word, PERIOD_WORDS, scorer=fuzz.ratio, score_cutoff=85)
        return str(best[0]) if best else word

    question = re.sub(r"(?<![\w/])w/(?=\s)", "with", question)  # "bookings w/ share of total"
    question = re.sub(r"(?<=\s)%(?=\s)", "percent", question)  # "what % of their quota", said as a word
    question = re.sub(r"(?<![\w/])w/o\b", "without", question, flags=re.I)  # "deals w/o a next step"
    # "by amount lost instead of count", "median rather than the average": what is replaced is not asked
    question = re.sub(
        r"\s*\b(?:instead of|rather than)\s+(?:the\s+)?[\w$#%-]+(?:\s+[\w$#%-]+)?\s*(?=[?.!,]|$)",
        " instead",
        question,
        flags=re.I,
    )
    # chat shorthand between spaces: "what r they worth", "how r u tracking", "ur pipeline"
    question = re.sub(r"(?<=\s)(r|u|ur|n|w)(?=\s)", lambda m: CHAT[m[1]], question)
    # "this q", "last q": the quarter
    question = re.sub(
        r"\b(this|last|next|prev|previous|current) q\b(?![-\d])", r"\1 quarter", question, flags=re.I
    )
    # a word alone, or before "'s" ("wht's the pipleine"): not a name's part after an apostrophe
    question = re.sub(r"(?<![\w'’])[a-z]+(?=['’]s\b|(?![\w'’]))", fix, question)
    # "by month for the whole yr": the current year, all of it
    question = re.sub(
        r"\b(?:the )?(?:whole|full|entire) (year|quarter|month)\b(?! of\b)", r"this \1", question
    )
    # "the biggest drop from Q2 to Q3": the later period set against the earlier, not the two together
    if CHANGED.search(question) or ONLY_FROM_TO.match(question):
        # ("and from Q3 to Q4?" alone goes on from a change the thread asked about)
        question = FROM_TO.sub(_later_vs_earlier, question)
    # "before end of yr": the shorthand spelt out names the period too
    return END_OF.sub(_this, question)


def _later_vs_earlier(match: re.Match[str]) -> str:
    later, earlier = match["later"] or match["later2"], match["earlier"] or match["earlier2"]
    return f"{later} vs {earlier}{match['year'] or ''}"


#: A question that is only two periods: "and from Q3 to Q4?".
ONLY_FROM_TO = re.compile(
    r"^\W*(?:and |what about |how about |ok )?(?:from|between) \S+ (?:to|and|through) \S+\W*$", re.I
)
#: Words of a change between two periods: "the biggest drop", "improved the most", "grew".
CHANGED = re.compile(
    r"\b(?:drop(?:ped|s)?|fell|fall(?:en|ing)?|declin(?:e|ed|ing)|gr[eo]w(?:n|th|ing)?|increas(?:e|ed|ing)"
    r"|improv(?:e|ed|ement|ing)|chang(?:e|ed)|moved|r[io]se|jump(?:ed)?|gain(?:ed)?|swing|shift(?:ed)?"
    r"|went (?:up|down))\b",
    re.I,
)
_SPAN = (
    r"(?:q[1-4]|h[12]|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|(?:19|20)\d{2})\b"
)
#: "from Q2 to Q3 2017", "Q2→Q3", "between Q2 and Q3": two periods a change is measured across.
FROM_TO = re.compile(
    rf"\b(?:from|between)\s+(?P<earlier>{_SPAN})\s+(?:to|and|through|thru|->|→)\s+(?P<later>{_SPAN})\b"
    r"(?P<year>\s+(?:19|20)\d{2}\b)?(?:\s+this year\b)?"
    rf"|\b(?P<earlier2>{_SPAN})\s*(?:->|→)\s*(?P<later2>{_SPAN})\b",
    re.I,
)
