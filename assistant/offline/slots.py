"""Slots that are not names: periods, amounts, "top 5", "by stage", stall rules, stages, segments.

Each extractor reads the lower-cased question and returns the value plus the character spans it
explained (so those words are not mistaken for unknown names). Periods are checked with
:func:`tools.periods.parse_period` relative to the data's "today", so only phrases the tools
understand are passed on. Amounts accept "50k", "$1.2M", "20,000", "1.5 million"; a number
counts as an amount only next to a comparison ("over", "at least", "under", "between … and …")
or with a currency sign or a k/M suffix.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from rapidfuzz.distance import OSA

from assistant.offline.breakdowns import AMOUNT_BASIS
from assistant.offline.measure_words import said_of
from assistant.offline.period_slots import (
    FOUNDED,
    Extracted,
    Span,
    _periods,
)
from assistant.offline.places import read_places
from assistant.offline.record_filters import LEAVE_OUT_VERBS, read_record_filters
from assistant.offline.vocabulary import NUMBER_WORDS, is_common, knows_word
from tools.lexicon import Lexicon

NUMBER = r"\$?\s?(\d[\d,]*(?:\.\d+)?)\s?(k|m|mm|b|bn|thousand|million|billion)?\b"
ABOVE = r"(?:over|above|more than|greater than|bigger than|larger than|at least|min(?:imum)?|>=?|north of)"
BELOW = r"(?:under|below|less than|smaller than|at most|max(?:imum)?|<=?|up to)"
BETWEEN = re.compile(rf"\bbetween {NUMBER} and {NUMBER}")
COMPARED = re.compile(rf"(?:{ABOVE}|{BELOW})\s*{NUMBER}")
PLUS = re.compile(rf"{NUMBER}\s?\+(?!\s*(?:days?|weeks?|months?|years?|employees|people|staff|reps)\b)")
#: "100+ closed deals": a plain number before deals counts them (with "$" or "k" it is an amount).
COUNTED = re.compile(r"\s*(?:closed|deals|opps|opportunities|wins|won|lost|losses)\b")
#: "$50k or more", "50k and up", "$10k or less", "100k or under": the bound written after the number.
TRAILING = re.compile(
    rf"{NUMBER}\s+(?:(or|and) (?:more|above|up|over|higher|bigger|greater|less|below|under|lower|smaller))\b"
)
SCALE = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000}
SCALE |= {"b": 1_000_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000}
TOP = re.compile(
    r"\b(?:top|biggest|largest|best|worst|bottom)\s+(\d{1,3}|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|twenty)\b|\b(\d{1,3})\s+(?:biggest|largest|top|best|worst)\b"
)
WORD_NUMBERS = NUMBER_WORDS
GROUPS = {
    "stage": "stage",
    "stages": "stage",
    "rep": "owner",
    "reps": "owner",
    "owner": "owner",
    "person": "owner",
    "people": "owner",
    "seller": "owner",
    "sellers": "owner",
    "agent": "owner",
    "agents": "owner",
    "salesperson": "owner",
    "ae": "owner",
    "aes": "owner",
    "product": "product",
    "products": "product",
    "territory": "territory",
    "territories": "territory",
    "region": "territory",
    "month": "month",
    "months": "month",
    "forecast category": "forecast_category",
    "category": "forecast_category",
}
GROUP = re.compile(
    r"\b(?:by|per|for each of (?:my|our|the)|for each|each of (?:my|our|the)|across|broken down by"
    r"|split by)\s+(" + "|".join(GROUPS) + r")\b"
)
RULES = (
    (
        r"(?:no|zero|without(?: any)?) (?:recent )?activit"
        r"|gone dark|going dark|went dark|gone quiet|quiet|no touch|not touched"
        r"|(?:n't|not|never)(?: \w+){0,2} (?:any |an |one )?(?:activit|touch|contact)"
        r"|(?:n't|not|never|nobody|no one|no-one)(?: \w+)? "
        r"(?:touched|contacted|called|visited|engaged|spoken|talked|reached)",
        "no_activity",
    ),
    (
        r"past (?:their |the |its )?close|close dates? (?:in the past|(?:that(?:'s| is)? |which (?:is )?)?"
        r"(?:has |have |is |are )?(?:already )?(?:passed|gone by|behind us|in the past))|overdue close"
        r"|past[- ]due|overdue (?:deals?|opps?|opportunities)",
        "past_close",
    ),
    (r"pushed|slipp|pushes|pushing|moved out", "pushed"),
    # a next step missing or overdue, not the next steps themselves ("next steps for each?")
    (
        r"(?:\bno|without|missing|lack(?:s|ing)?|overdue|stale|expired|past[- ]due|outdated)"
        r"(?: an?| any| the| their| its)?(?: dated)? next steps?"
        r"|next steps?(?: date)? (?:(?:is|are|was|were) )?"
        r"(?:missing|overdue|past[- ]due|stale|out of date|lapsed|blank|empty)"
        r"|next steps?(?: dates?)? (?:that )?(?:(?:has|have) )?(?:expired|lapsed|passed)",
        "next_step",
    ),
    (r"single[- ]?thread|(?:one|1) (?:engaged )?contact|multi[- ]?thread", "single_thread"),
    (
        r"stuck in (?:a |the |their )?stage|too long in (?:a |the )?stage|days in stage"
        # "sitting in negotiation too long", "been in proposal forever"
        r"|(?:stuck|sitting|sat|been|parked|stalled) in (?:\w+ ){1,2}"
        r"(?:too long|forever|for ages|way too long)"
        r"|(?:stuck|sitting|sat|been) in (?:\w+ ){1,2}(?:for )?(?:more than|over|longer than|>) ?\w+ "
        r"(?:days?|weeks?|months?)",
        "stage_age",
    ),
    (r"open too long|too old|\baged\b|\bageing\b|\baging\b|oldest", "aged"),  # "engaging" is not "aging"
)
STAGE_WORDS = re.compile(r"\b(?:in|at|stage|stages|of)\s+$")


def _amount(number: str, scale: str | None) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    return value * SCALE.get((scale or "").lower(), 1)


#: A company's size, not a deal amount: its headcount, or its own yearly revenue.
EMPLOYEE_WORDS = r"(?:employees?|staff|people|workers|headcount|emps|ppl|ftes?)\b"
REVENUE_WORDS = (
    r"(?:in\s+|of\s+)?(?:annual\s+|yearly\s+)?(?:revenue|sales|turnover)\b"
    r"(?!\s+(?:from|with|we|booked|closed|won))"
)
#: The company's revenue said first: "annual revenue above 500m" (never "won revenue over 1m").
REVENUE_FIRST = r"(?<!won )(?<!lost )(?<!booked )\b(?:annual\s+|yearly\s+)?(?:revenue|turnover)\b"
FEWER = rf"(?:{BELOW}|fewer than|no more than)"


def _size_bounds(text: str, noun: str, first: str) -> tuple[Decimal | None, Decimal | None, list[Span]]:
    """The bounds ``text`` puts on a company's size measured by ``noun``: "5k+ employees", "more than
    10,000 staff", "under 500 employees", "1,000-5,000 employees", "headcount over 5k", "revenue
    under $50M" (``first``: the noun written before its bound)."""
    low: Decimal | None = None
    high: Decimal | None = None
    spans: list[Span] = []
    both = re.search(
        rf"\bbetween {NUMBER} and {NUMBER}\s+{noun}|{NUMBER}\s?(?:-|–|to)\s?{NUMBER}\s+{noun}", text
    )
    if both:
        found = [_amount(both[i], both[i + 1]) for i in ((1, 3) if both[1] else (5, 7))]
        return found[0], found[1], [both.span()]
    for pattern, is_low in (
        (rf"(?:{ABOVE})\s*{NUMBER}\s+{noun}", True),
        (rf"{NUMBER}\s?\+\s*{noun}", True),
        (rf"{NUMBER}\s+or (?:more|above|over)\s+{noun}", True),
        (rf"{FEWER}\s*{NUMBER}\s+{noun}", False),
        (rf"{first}\s+(?:of\s+|is\s+|are\s+)?(?:{ABOVE})\s*{NUMBER}", True),
        (rf"{first}\s+(?:of\s+|is\s+|are\s+)?{FEWER}\s*{NUMBER}", False),
    ):
        for match in re.finditer(pattern, text):
            value = _amount(match[1], match[2])
            if value is None:
                continue
            if is_low:
                low = value
            else:
                high = value
            spans.append(match.span())
    return low, high, spans


def _company_size(text: str, out: Extracted) -> bool:
    """Bounds on the accounts' size ("accounts with 5k+ employees", "companies under $50M revenue");
    whether any was found (a number read as a size is never also a deal amount)."""
    low, high, spans = _size_bounds(text, EMPLOYEE_WORDS, rf"\b{EMPLOYEE_WORDS}")
    out.slots.min_employees = int(low) if low is not None else None
    out.slots.max_employees = int(high) if high is not None else None
    if not spans:
        low, high, spans = _size_bounds(text, REVENUE_WORDS, REVENUE_FIRST)
        out.slots.min_revenue, out.slots.max_revenue = low, high
    out.spans.extend(spans)
    out.sized.extend(spans)
    return bool(spans)


def _amounts(text: str, out: Extracted) -> None:
    if _company_size(text, out):
        return
    between = BETWEEN.search(text)
    if between:
        low, high = _amount(between[1], between[2]), _amount(between[3], between[4])
        out.slots.min_amount, out.slots.max_amount = low, high
        out.spans.append(between.span())
        return
    for match in COMPARED.finditer(text):
        value = _amount(match[1], match[2])
        if value is None or (value < 1000 and not match[2] and "$" not in match.group()):
            continue
        # "drop anything under 20k", "exclude deals over $1M": the rest is kept, so the bound flips
        left_out = LEAVE_OUT.search(text[: match.start()]) is not None
        if bool(re.match(ABOVE, match.group())) != left_out:
            out.slots.min_amount = value
        else:
            out.slots.max_amount = value
        out.spans.append(match.span())
    for match in TRAILING.finditer(text):
        value = _amount(match[1], match[2])
        if value is None or (value < 1000 and not match[2] and "$" not in match.group()):
            continue
        if re.search(r"(?:more|above|up|over|higher|bigger|greater)$", match.group()):
            out.slots.min_amount = value
        else:
            out.slots.max_amount = value
        out.spans.append(match.span())
    plus = PLUS.search(text)
    if plus and not plus[2] and "$" not in plus.group():
        value = _amount(plus[1], None)
        if COUNTED.match(text, plus.end()) or value is None or value < 1000:
            plus = None  # "100+ closed deals", "3+ contacts": a count of something, not an amount
    if plus and out.slots.min_amount is None:
        out.slots.min_amount = _amount(plus[1], plus[2])
        out.spans.append(plus.span())


#: A verb leaving out the deals a bound then describes: "drop anything under 20k", "exclude the ones
#: over $1M", "without deals below 5k".
LEAVE_OUT = re.compile(
    rf"\b(?:{LEAVE_OUT_VERBS}|cut)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:anything|everything|deals?|opps?"
    r"|opportunities|ones|those|them|em|stuff|accounts?)?\s*(?:that are\s+|which are\s+|worth\s+)?$"
)


def _limit(text: str, out: Extracted) -> None:
    match = TOP.search(text)
    if match:
        raw = match[1] or match[2]
        out.slots.limit = int(raw) if raw.isdigit() else WORD_NUMBERS[raw]
        out.spans.append(match.span())
    elif re.search(
        r"\b(?:the |our |my )?(?:single )?"
        r"(?:biggest|largest|top|riskiest|most at[- ]risk|most stalled|oldest)"
        r" (?:open )?(?:deal|opportunity|opp)\b(?!s)",
        text,
    ):
        out.slots.limit = 1  # "the largest open deal": one
    asked = said_of(text)  # "West is lowest - what are they losing on?" asks no ranking
    # "which has the smallest avg deal size", "quickest cycle": the lowest values first
    if re.search(
        # ("at least 20 closed deals" is a threshold, not the bottom of a ranking)
        r"\b(?:worst|bottom|lowest|behind|lagging|struggling|weakest|(?<!\bat )least|smallest|fewest|shortest"
        r"|quickest)\b",
        asked,
    ):
        out.slots.ranking = "bottom"
    elif re.search(r"\b(?:best|top|highest|leading|strongest|most|biggest|largest|longest|slowest)\b", asked):
        out.slots.ranking = "top"


#: Between stages kept together: "proposal or negotiation", "discovery, proposal and negotiation".
STAGES_JOINED = re.compile(
    r"\s*(?:,|/|&|\+|\bor\b|\band\b|\bvs\.?|\bversus\b)\s*(?:(?:or|and)\s+)?(?:in\s+)?"
)
#: "prospecting vs engaging": the stages side by side, each its own row.
STAGES_SET_APART = re.compile(r"\s*(?:\bvs\.?|\bversus\b)\s*")


def _stages_together(text: str, lexicon: Lexicon, out: Extracted) -> bool:
    """Two or more stages named together ("in proposal or negotiation"): all of them, one filter."""
    found = sorted(
        (m.start(), m.end(), stage.name)
        for stage in lexicon.stages.open_stages
        for m in re.finditer(rf"\b{re.escape(stage.name.casefold())}\b", text)
    )
    run = found[:1]
    for previous, current in pairwise(found):
        if STAGES_JOINED.fullmatch(text[previous[1] : current[0]]) and previous in run:
            run.append(current)
    names = list(dict.fromkeys(name for _, _, name in run))
    if len(names) < 2:
        return False
    out.slots.stage = ", ".join(names)
    out.spans.append((run[0][0], run[-1][1]))
    if any(STAGES_SET_APART.fullmatch(text[a[1] : b[0]]) for a, b in pairwise(run)):
        out.slots.dimension = "stage"
    return True


#: "proposal or later", "negotiation and beyond", "discovery+": that stage and every one after it.
LATER_STAGES = re.compile(
    r"^(?:\s+stage)?\s*(?:\+|or (?:later|beyond|further|higher|after)|and (?:later|beyond|up|after)"
    r"|onwards?|or any later stage)(?!\w)"
)
EARLIER_STAGES = re.compile(r"^(?:\s+stage)?\s*(?:or (?:earlier|before|lower)|and (?:earlier|below))\b")


def _onwards(name: str, after: str, lexicon: Lexicon) -> str:
    """The stage named, or with every open stage after it ("proposal or later") or before it."""
    names = [stage.name for stage in lexicon.stages.open_stages]
    index = names.index(name)
    if LATER_STAGES.match(after):
        return ", ".join(names[index:])
    if EARLIER_STAGES.match(after):
        return ", ".join(names[: index + 1])
    return name


def _stage(text: str, lexicon: Lexicon, out: Extracted) -> None:
    """Stage names anywhere; aliases ("demo", "quote", "contract") only after "in"/"at" or before
    "stage", since they are ordinary words too. Closed stages are not a filter on open deals."""
    if _stages_together(text, lexicon, out):
        return
    for stage in lexicon.stages.open_stages:
        for name in (stage.name, *stage.aliases):
            for match in re.finditer(rf"\b{re.escape(name.casefold())}\b", text):
                exact = name == stage.name
                after = text[match.end() : match.end() + 7]
                if exact or STAGE_WORDS.search(text[: match.start()]) or after.startswith(" stage"):
                    out.slots.stage = _onwards(stage.name, text[match.end() :], lexicon)
                    out.spans.append(match.span())
                    return
    # "sitting in negotation": a stage name misspelt by one letter, where a stage is named
    for match in re.finditer(r"[a-z]{6,}", text):
        word = match.group()
        for stage in lexicon.stages.open_stages:
            name = stage.name.casefold()
            if " " in name or OSA.distance(word, name) != 1 or knows_word(word):
                continue
            after = text[match.end() : match.end() + 7]
            # "in negotation", "negotation stage", "my engagin deals"
            if STAGE_WORDS.search(text[: match.start()]) or after.startswith((" stage", " deal", " opp")):
                out.slots.stage = stage.name
                out.spans.append(match.span())
                return


#: "tech accounts", "pharma deals": a short form of a value, written before what it describes.
SHORT_FORM = re.compile(
    r"\b([a-z]{4,})\s+(?:accounts?|companies|company|customers?|clients?|deals?|opps?|opportunities"
    r"|firms?|logos?|industry|sector|vertical|space|prospects?)\b"
    # "which of those are in tech?": a short form closing the question
    r"|\b(?:in|into|from) (?:the )?([a-z]{4,})(?=\s*(?:$|[?.!,]|\s(?:and|or|only|too)\b))"
    # "just tech and software", "only pharma": a short form after "just", or listed beside a value
    r"|\b(?:just|only)\s+(?:the\s+)?([a-z]{4,})\b"
)


def _loosely_named(text: str, values: list[str]) -> list[tuple[int, str]]:
    """Values written loosely: a short form before a noun ("tech accounts" for "Technology"), or one
    letter off either way (the data's own "technolgy" for "technology")."""
    found = []
    for match in SHORT_FORM.finditer(text):
        word = match[1] or match[2] or match[3]
        starting = [v for v in values if v.casefold().split()[0].startswith(word) and v.casefold() != word]
        if len(starting) == 1:
            found.append((match.start(), starting[0]))
    for word in re.finditer(r"[a-z]{6,}", text):
        # "median" is a measure, not the industry "Media"; a word reaches a value one letter off only
        # when it is not itself a word, or the value is no word (the data's "technolgy")
        known = knows_word(word.group()) or is_common(word.group())
        near = [
            v
            for v in values
            if " " not in v
            and OSA.distance(word.group(), v.casefold()) == 1
            and not (known and (knows_word(v.casefold()) or is_common(v.casefold())))
            and not (
                known and (word.group().startswith(v.casefold()) or v.casefold().startswith(word.group()))
            )
        ]
        if len(near) == 1:
            found.append((word.start(), near[0]))
    return found


def _named_values(text: str, values: list[str], skip: str | None = None, loose: bool = False) -> list[str]:
    """The values written in ``text``, in the order they appear ("enterprise vs smb"); ``loose``
    also reads short forms and one-letter differences (see :func:`_loosely_named`)."""
    found = []
    for value in sorted(values, key=len, reverse=True):
        pattern = re.escape(value.casefold()).replace(r"\-", "[- ]?")
        match = re.search(rf"\b{pattern}\b", text)
        if match and not (skip and re.search(rf"\b(?:{skip})\s+{pattern}", text)):
            found.append((match.start(), value))
    if loose:
        # "technology vs software" where the data spells one "technolgy": both, whatever the other
        taken = {value for _, value in found}
        found += [(at, value) for at, value in _loosely_named(text, values) if value not in taken]
    return list(dict.fromkeys(value for _, value in sorted(found)))


#: A forecast category named as such: "in commit", "best case deals", "upside".
CATEGORY = re.compile(
    r"\b(?:in|is|are|as|marked|called|only|just) (?:the )?(commit|best[- ]case|upside)\b"
    r"|^\W*(?:and )?(commit|best[- ]case|upside)(?: only)?\W*$"
    r"|\b(commit|best[- ]case|upside) (?:deals|pipeline|opportunities|category)\b"
)
CATEGORY_KEYS = {
    "commit": "commit",
    "best case": "best_case",
    "best-case": "best_case",
    "upside": "best_case",
}


#: Short names of countries people write instead of the name a CRM stores.
COUNTRY_SHORT = (
    (r"\b(?:the us|the u\.s\.?|u\.s\.a\.?|usa|the states|america)\b", "united states"),
    (r"\b(?:the uk|u\.k\.|britain|great britain|england)\b", "united kingdom"),
    (r"\b(?:the uae|uae)\b", "united arab emirates"),
    *(
        # "german accounts", "our japanese customers": the country, when a kind of record follows
        (
            rf"\b{adjective}(?= (?:accounts?|customers?|clients?|companies|company|deals?|opps?|buyers?"
            r"|firms?|market|business|revenue|pipeline|pipe|logos?|prospects?)\b)",
            country,
        )
        for adjective, country in (
            ("american", "united states"),
            ("british", "united kingdom"),
            ("german", "germany"),
            ("french", "france"),
            ("italian", "italy"),
            ("spanish", "spain"),
            ("portuguese", "portugal"),
            ("dutch", "netherlands"),
            ("belgian", "belgium"),
            ("swiss", "switzerland"),
            ("austrian", "austria"),
            ("irish", "ireland"),
            ("swedish", "sweden"),
            ("norwegian", "norway"),
            ("danish", "denmark"),
            ("finnish", "finland"),
            ("polish", "poland"),
            ("romanian", "romania"),
            ("japanese", "japan"),
            ("chinese", "china"),
            ("korean", "korea"),
            ("indian", "india"),
            ("filipino", "philippines"),
            ("australian", "australia"),
            ("canadian", "canada"),
            ("mexican", "mexico"),
            ("brazilian", "brazil"),
            ("kenyan", "kenya"),
            ("jordanian", "jordan"),
            ("panamanian", "panama"),
            ("singaporean", "singapore"),
        )
    ),
)


def _country_names(text: str) -> str:
    for short, name in COUNTRY_SHORT:
        text = re.sub(short, name, text)
    return text


def _country_spans(text: str, names: list[str]) -> list[Span]:
    forms = [rf"\b{re.escape(n.casefold())}\b" for n in names]
    forms += [short for short, full in COUNTRY_SHORT if full in {n.casefold() for n in names}]
    return [m.span() for form in forms for m in re.finditer(form, text)]


#: "accounts with no economic buyer contact", "without a champion", "don't have an EB on file".
NO_CONTACT_ROLE = re.compile(
    r"\b(?:no|without|missing|lacking|(?:don'?t|do not|doesn'?t|does not) have|haven'?t got)\s+"
    r"(?:an?\s+|any\s+|the\s+)?(economic buyers?|ebs?|champions?|decision[- ]makers?|influencers?"
    r"|technical evaluators?)\b"
)
ROLE_NAMES = {"eb": "economic buyer", "decision-maker": "decision maker"}

#: "open deals with no amount", "opps missing a close value": deals whose amount is not known.
NO_AMOUNT = re.compile(
    r"\b(?:no|without|missing|lacking|zero|blank|empty|unknown|null)\s+(?:an?\s+|the\s+|any\s+)?"
    r"(?:real\s+|actual\s+|recorded\s+)?"
    r"(?:amounts?|values?|close values?|deal values?|deal sizes?|dollar (?:amounts?|values?)|prices?)\b"
    r"|\b(?:amounts?|values?) (?:is |are )?(?:missing|unknown|blank|empty|not (?:set|filled|entered))\b"
    # "deals that don't have an amount", "which have no value set"
    r"|\b(?:do(?:es)?n'?t|do(?:es)? not|never) (?:have|has|carry|show|list)"
    r" (?:an? |any |the )?(?:real |recorded )?(?:amounts?|values?|deal values?|dollar (?:amounts?|values?))\b"
)


#: A loss reason is read only in a question about losses ("Price" is an ordinary word too).
#: A reason for a loss, named as people name one.
REASON_NAMED = re.compile(
    r"\b(?:to|on|over|because of|due to) (?:a |the |our )?(?:competitors?|competition|price|pricing|budget"
    r"|timing|no decision|a missing feature|missing features?)\b|\b(?:went|going|gone) dark\b"
)
LOSSES = re.compile(r"\b(?:lost|lose|loses|losing|losses|loss|closed[- ]lost|lost out)\b")


#: "what about price?": a short follow-up naming one member in place of the thread's.
#: "how many went dark?": a short count of one member (of the losses, when the thread is about them).
SWAPPED = re.compile(
    r"^\W*(?:and|what about|how about|or|same for|vs\.?|versus|(?:and |so )?how (?:many|much))\b"
    r"[\w' ]{0,25}\W*$"
)


#: Verbs in a loss reason, in the forms people write them ("Went dark": "deals going dark").
VERB_FORMS = {"went": "went|go|goes|going|gone", "chose": "chose|choose|chooses|choosing|chosen"}


def _any_form(word: str) -> str:
    """A loss reason's word in any form: "competitor" finds "competition", "went" finds "going"."""
    if word in VERB_FORMS:
        return f"(?:{VERB_FORMS[word]})"
    if len(word) <= 4 or not word.isalpha():
        return f"{re.escape(word)}s?"
    return f"{re.escape(word[: max(4, len(word) - 3)])}\\w*"


def _loss_reason(text: str, reasons: list[str], out: Extracted) -> None:
    """ "deals lost to no decision", "how many did we lose on price", "losses to a competitor"; and
    "what about price?" (a short follow-up: whether the thread is about losses decides later)."""
    if not LOSSES.search(text) and not SWAPPED.match(text):
        return
    named = REASON_NAMED.search(text)
    if not reasons and named is not None and LOSSES.search(text):
        # "lost to competitors" on data that records no loss reasons: said, not dropped
        out.slots.unrecorded = f"loss reasons, so this counts every loss, not only those {named[0]}"
        out.spans.append(named.span())
        return
    for reason in sorted(reasons, key=len, reverse=True):
        words = re.sub(r"^(?:lost|loss) (?:to|on|over) ", "", reason.casefold()).split()
        if not words:
            continue
        pattern = r"\s+(?:a |an |the |our )?".join(_any_form(w) for w in words)
        match = re.search(rf"\b{pattern}\b", text)
        if match:
            out.slots.loss_reason = reason
            out.spans.append(match.span())
            return


def _founded(text: str, out: Extracted) -> None:
    match = FOUNDED.search(text)
    if match is None:
        return
    word, year = match[1], int(match[2])
    if word in ("before", "prior to"):
        out.slots.established_before = year
    elif word in ("after", "since"):
        out.slots.established_after = year - (word == "since")
    else:
        out.slots.established_after, out.slots.established_before = year - 1, year + 1
    out.spans.append(match.span())


#: "US accounts", "U.S. only": the country, where the capitals tell it from the word "us".
US_WRITTEN = re.compile(
    r"(?<![\w.])(?:U\.S\.(?:A\.)?|USA?)(?![\w])"
    # "which us accounts", "our us customers": before such a noun "us" is the country, not the pronoun
    r"|(?<![\w.])(?<!get )(?<!give )(?<!show )(?<!find )(?<!send )(?<!tell )(?<!bring )(?<!help )(?<!let )"
    r"[Uu][Ss](?= (?:based |only )?(?i:accounts?|accts?|customers?|clients?|companies|company"
    r"|deals?|opps|offices?|reps?|sales|bookings|revenue|pipeline|pipe|market)\b)"
    # "outside us", "excluding us": after a word that leaves a place out, "us" is the country
    r"|(?:(?<=outside )|(?<=excluding )|(?<=except )|(?<=besides )|(?<=non-)|(?<=non ))[Uu][Ss](?!\w)"
)


def _spelt_out(text: str, named: list[str]) -> bool:
    """ "by segment (enterprise / mid-market / smb)": the members of a breakdown written out in
    brackets to say what it means, not a filter or a pick of some of them."""
    inside = [m.span() for m in re.finditer(r"\([^()]*\)", text)]
    places = [m.start() for n in named for m in re.finditer(re.escape(n.casefold()), text)]
    return bool(inside) and bool(places) and all(any(a < p < b for a, b in inside) for p in places)


def _values(text: str, lexicon: Lexicon, out: Extracted, written: str | None = None) -> None:
    _founded(text, out)
    _loss_reason(text, lexicon.loss_reasons, out)
    no_amount = NO_AMOUNT.search(text)
    if no_amount:
        out.slots.without_amount = True
        out.spans.append(no_amount.span())
    category = CATEGORY.search(text)
    if category:
        out.slots.forecast_category = CATEGORY_KEYS[next(g for g in category.groups() if g)]
    for slot, values, skip in (
        ("industry", lexicon.industries, None),
        ("segment", lexicon.segments, "west|east|central"),
        ("country", lexicon.countries, None),
    ):
        capitals = [m.span() for m in US_WRITTEN.finditer(written or "")] if slot == "country" else []
        spelt = text
        for start, end in reversed(capitals):
            spelt = f"{spelt[:start]}usa{spelt[end:]}"
        spelt = _country_names(spelt) if slot == "country" else text
        named = _named_values(spelt, list(values), skip, loose=slot == "industry")
        if not named or (slot != "country" and _spelt_out(text, named)):
            continue
        setattr(out.slots, slot, named[0])
        if slot == "country":
            # "the United States" is a country here, not a capitalised name of nothing
            out.spans += _country_spans(text, named)
            out.spans += capitals if "united states" in {n.casefold() for n in named} else []
        if len(named) > 1 and out.slots.others_slot is None:
            # "enterprise vs smb": both, side by side
            out.slots.others, out.slots.others_slot = named[1:], slot
    tiers = list(re.finditer(r"\btier[- ]?([a-d1-4])\b|\b([a-d])[- ]tier\b", text))
    if tiers:  # a tier the data does not record is refused by the tool, not dropped
        named = list(dict.fromkeys((t[1] or t[2]).upper() for t in tiers))
        out.slots.tier = named[0]
        out.spans += [t.span() for t in tiers]
        if len(named) > 1 and out.slots.others_slot is None:
            # "tier a vs tier c": both, side by side
            out.slots.others, out.slots.others_slot = named[1:], "tier"


#: "in 60 days", "for 3 weeks", "in the last 2 months": how long without activity.
QUIET_FOR = re.compile(
    r"\b(?:in|for|over|within)\s+(?:the\s+)?(?:last\s+|past\s+)?(\d{1,4}|a|an|one|two|three|four|five|six)\+?\s*"
    r"(days?|weeks?|months?)\b"
)
UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


def _quiet_days(text: str, out: Extracted) -> None:
    match = QUIET_FOR.search(text)
    if match:
        count = int(match[1]) if match[1].isdigit() else WORD_NUMBERS.get(match[1], 1)
        out.slots.inactive_days = max(1, min(3650, count * UNIT_DAYS[match[2].rstrip("s")]))
        out.spans.append(match.span())
        if out.slots.period is not None and out.slots.period in match.group():
            out.slots.period = None


def extract_slots(text: str, lexicon: Lexicon, written: str | None = None) -> Extracted:
    """The non-name slots of lower-cased ``text`` (``written``: as typed, where case tells)."""
    out = Extracted()
    basis = AMOUNT_BASIS.search(text)
    if basis:
        out.spans.append(basis.span())  # "real vs estimated": how amounts are known, no one's name
    _periods(text, lexicon, out)
    _amounts(text, out)
    _limit(text, out)
    group = GROUP.search(text)
    if group:
        out.slots.group_by = GROUPS[group[1]]
    for pattern, rule in RULES:
        if re.search(pattern, text):
            out.slots.rule = rule
            break
    if out.slots.rule == "no_activity":
        _quiet_days(text, out)
    _stage(text, lexicon, out)
    _values(text, lexicon, out, written)
    read_places(text, lexicon, out, written)
    out.spans += read_record_filters(text, out.slots)
    role = NO_CONTACT_ROLE.search(text)
    if role:
        out.slots.without_contact_role = ROLE_NAMES.get(role[1].rstrip("s"), role[1].rstrip("s"))
        out.spans.append(role.span())
    if re.search(
        r"\b(?:no|without|zero|missing)\s+(?:open\s+)?(?:pipeline|pipe|deals|opportunities|opps)\b", text
    ):
        out.slots.has_open_pipeline = False
    elif re.search(
        r"\b(?:with|have|has|having)\s+(?:an?\s+|any\s+)?(?:open\s+)?(?:pipeline|pipe|deals?|opportunit(?:y|ies)|opps?)\b",
        text,
    ):
        out.slots.has_open_pipeline = True
    return out
