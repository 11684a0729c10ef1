"""Questions of several asks: "top 5 accounts by bookings and their industry".

One question often carries two asks, the second about the first's answer ("…and their industry",
"…and which of those have gone quiet?") or beside it ("how much did we win, and what's our win
rate?"). Read whole, the planner answered the first ask and dropped the second unsaid. Here:

1. :func:`asks` cuts the question where a second ask begins: a joining word ("and", "also",
   "plus", "then", a new sentence, or a comma before a question word) followed by the start of
   an ask (a question word, an auxiliary with its subject, a back reference such as "their", or
   a request verb);
2. :func:`reads_as_one` keeps the question whole when its whole reading already used the later
   words (a breakdown, a filter, a second outcome: "my accounts and their open pipeline" is the
   pipeline by account) — the cut is made only where the whole reading is the first ask's alone;
3. the planner answers the first ask, then each later one as a follow-up of the answer before it
   (so "their" and "those" are the records just listed), and shows the answers in order. A later
   ask it does not follow is said, never dropped.

Tool calls made for the second ask carry its number in their id (``offline_p1_…``,
:func:`assistant.offline.conversation.part_of`), so each round's results are read with their ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.offline.breakdowns import DIMENSION_WORD
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.accounts import account_order

#: At most this many asks are answered from one question (each may take two rounds of tools).
MAX_ASKS = 3
#: What a later ask starts with. An auxiliary counts only with its subject ("are they", "is
#: there"), so "deals that are open and are over 50k" stays one ask.
_SUBJECT = r"(?:i|we|you|he|she|it|they|that|this|those|these|there|any|the|my|our|his|her|their)\b"
QUESTION_WORD = r"(?:what|what's|whats|which|who|who's|whos|whose|how|how's|hows|where|when|why)\b"
ASK_START = (
    rf"{QUESTION_WORD}"
    rf"|(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had) {_SUBJECT}"
    r"|(?:their|its)\b|any of\b"
    r"|(?:show|list|give|tell|rank|sort|compare|break|split)\b"
)
#: Where a later ask begins: a joining word, or the end of a sentence, then the ask's first word.
JOIN = re.compile(
    r"(?:\s*[,;]?\s+(?:and|also|plus|then|&)(?:\s+(?:then|also))?|\s*[?;])\s+"
    rf"(?=(?:{ASK_START}))"
    # "how much did we win, what's the win rate": a comma before a question word, taken only when
    # the question opens with one too ("got a call w Acme tmrw, what do i need to know" is one ask)
    rf"|(?P<comma>\s*,\s+)(?={QUESTION_WORD})",
    re.I,
)
#: Readings that only show the facts of records an earlier ask listed ("…and their industry").
FACTS_OF_LISTED = (Intent.ACCOUNTS, Intent.ROSTER)
#: "which sector …": the noun a later "which has the lowest" leaves out.
WHICH_NOUN = re.compile(rf"^\W*which ({DIMENSION_WORD})\b", re.I)
WHICH_ALONE = re.compile(
    r"^which(?: one)?(?= (?:has|have|had|brings?|brought|is|was|are|were|did|does|do|got|gets?|sells?|sold"
    r"|makes?|made|closed?|won|lost)\b)",
    re.I,
)
#: An ask shorter than this is not one ("and how" alone).
MIN_WORDS = 2


#: Words that say nothing of what an ask is about.
_PLAIN = frozenset(
    re.findall(
        r"\w+",
        "what whats which who whose where when why how much many each every there their they them "
        "those these does with about from that this have show list give tell please also then plus ones",
    )
)


def _content_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z][a-z'-]{3,}", text.lower()) if word not in _PLAIN}


def asks(question: str) -> list[str]:
    """The asks of ``question`` in order: one, or up to :data:`MAX_ASKS` when it carries several."""
    text = question.strip()
    parts: list[str] = []
    start = 0
    opens_as_ask = re.match(QUESTION_WORD, text, re.I) is not None
    for join in JOIN.finditer(text):
        if len(parts) == MAX_ASKS - 1:
            break
        if join["comma"] and not opens_as_ask:
            continue
        head = text[start : join.start()].strip(" ,;—–-:")
        if len(head.split()) >= MIN_WORDS:
            parts.append(head)
            start = join.end()
    tail = text[start:].strip(" ,;—–-:")
    if not parts or len(tail.split()) < MIN_WORDS or not _content_words(tail):
        return [question]  # "which have open pipeline, and how much": the amount of the same ask
    noun = WHICH_NOUN.search(parts[0])
    if noun is None:
        return [*parts, tail]
    # "which sector has the highest win rate, and which brings the most…": which *sector* brings it
    return [parts[0], *(WHICH_ALONE.sub(rf"\g<0> {noun[1]}", ask, count=1) for ask in [*parts[1:], tail])]


def as_follow_up(ask: str) -> str:
    """A later ask that counts or sums again, written as a follow-up is: led by "and" ("how many
    deals each" → "and how many deals each", which keeps the period and the comparison of the ask
    before)."""
    return f"and {ask}" if re.match(r"how (?:many|much)\b", ask, re.I) else ask


def _content(frame: Frame) -> dict[str, Any]:
    """What a reading asks for, less its wording and its period."""
    data = frame.model_dump(exclude={"question", "reading", "follow_up", "implied", "about_me"})
    data["slots"].pop("period", None)
    return data


def _set(value: object) -> bool:
    return value not in (None, [], {}, False, "")


#: A later ask that is a ranking of its own: "…, and which brings the most won revenue".
RANKS_AGAIN = re.compile(
    r"^(?:which|who|whose|what)\b.*\b(?:most|least|highest|lowest|best|worst|biggest|largest|smallest"
    r"|fewest|top|bottom)\b",
    re.I,
)


#: A later ask into the first's answer: "how much of it is stalled?", "what share of that is commit?".
DRILLS_IN = re.compile(
    r"^(?:and )?(?:how much|how many|what part|what share|what percent(?:age)?|what %) of "
    r"(?:it|that|this|those|them|these|their|his|her)\b",
    re.I,
)


def ranks_again(first: Frame, later: list[str]) -> bool:
    """Whether a later ask must be answered apart whatever the whole reading made of it: the first
    ask picks the top (or bottom) few and a later one picks again ("which sector has the highest
    win rate, and which brings the most won revenue" is two sectors, not one with a second column),
    or a later ask looks into the first's answer ("who has the biggest pipeline? how much of it is
    stalled?" is that rep's stalled deals, not a share)."""
    if any(DRILLS_IN.search(ask) for ask in later):
        return True
    ranking = [ask for ask in later if RANKS_AGAIN.search(ask)]
    # "activities by type last month, and who logged the most meetings": people ranked after a
    # breakdown of something else
    people = any(re.match(r"(?:and )?who\b", ask, re.I) for ask in ranking)
    apart = people and first.slots.dimension not in (None, "rep")
    return bool(ranking) and (first.slots.limit is not None or apart)


def _ranked_by(frame: Frame) -> str | None:
    """The company fact a list of accounts is ranked by ("top 10 accounts by headcount"), if any."""
    if frame.intent is not Intent.ACCOUNTS or frame.slots.any_of or not frame.slots.ranking:
        return None
    return account_order(frame.question, by_pipeline=False)


def reads_as_one(whole: Frame, first: Frame) -> bool:
    """Whether the whole question's reading took something from past its first ask (a measure
    beside, a rule, a ranking, the playbook's advice): then it was read as one ask ("my stalled
    deals and what to do about them"), and cutting it would answer it twice over. A whole reading
    that has nothing the first ask's lacks dropped the rest ("top 5 accounts by bookings and
    their industry") or let it overwrite the first ("who has the most pipeline and how many
    deals…" counted deals): that question is cut."""
    if first.intent is Intent.UNKNOWN or first.ambiguity is not None or first.readings:
        return True
    said, read = _content(first), _content(whole)
    own, all_of = said.pop("slots"), read.pop("slots")
    added = [name for name, value in all_of.items() if _set(value) and not _set(own.get(name))]
    added += [name for name, value in read.items() if _set(value) and not _set(said.get(name))]
    # "who sold the most, and who came 2nd": the ranking widened to take in the later ask
    widened = (all_of.get("limit") or 0) > (own.get("limit") or 0) > 0
    # "who had the fewest [calls], and what does their open pipeline look like": the later ask's
    # measure took the first's place, so the first ask would go unanswered
    before, after = _ranked_by(first) or own.get("measure"), _ranked_by(whole) or all_of.get("measure")
    replaced = bool(before) and bool(after) and before != after
    return (bool(added) or widened) and not replaced


def as_asked(
    history: list[str], answers: list[str], read: Callable[[list[str], list[str]], Frame]
) -> tuple[list[str], list[str]]:
    """The thread's earlier questions as they were answered: one of several asks, answered ask by
    ask, is its asks, each with the answer shown, so "which of those…" next is about the records
    the last ask listed (``read`` gives the frame of questions with the answers shown after them)."""
    questions: list[str] = []
    shown: list[str] = []
    for question, answer in zip(history, answers, strict=False):
        parts = asks(question)
        first = read([*questions, parts[0]], shown) if len(parts) > 1 else None
        if first is not None and (
            not reads_as_one(read([*questions, question], shown), first) or ranks_again(first, parts[1:])
        ):
            parts = [parts[0], *(as_follow_up(ask) for ask in parts[1:])]
            last = read([*questions, *parts], [*shown, *[answer] * (len(parts) - 1)])
            if last.intent in FACTS_OF_LISTED and last.slots.any_of:
                # "…and their industry": the facts of the records listed; "what about 2016" next is
                # the ranking again, so the thread goes on from the asks before
                parts = parts[:-1]
            questions += parts
            shown += [answer] * len(parts)
        else:
            questions.append(question)
            shown.append(answer)
    return questions, shown


#: A later ask that narrows the first's records: its period is its own ("list my open deals over 50k —
#: also which of them close before year end?" lists them all, then those closing this year).
NARROWS = re.compile(r"^(?:and )?(?:which|any|how many|how much) (?:of )?(?:them|those|these|it)\b", re.I)


def shared_period(whole: Frame, first: Frame, later: list[str] | None = None) -> Frame:
    """The first ask with the period the question gave once for all its asks: "how much did I win
    and what's my win rate this quarter" is both in this quarter."""
    if first.slots.period is not None or whole.slots.period is None:
        return first
    if any(NARROWS.search(ask) for ask in later or []):
        return first
    slots = first.slots.model_copy(update={"period": whole.slots.period})
    return first.model_copy(update={"slots": slots})


def joined(answers: list[str]) -> str:
    """The answers to the asks, in the order asked."""
    return "\n\n".join(answer for answer in answers if answer)


def shown(ask: str, answers: list[str]) -> float | None:
    """The part of what a later ask names that the answers already show (none when it names
    nothing): all of it for "how much potential is in each?" after the territories with their
    potential; most of it for "…and when is it supposed to close" after the deal's details."""
    words = _content_words(ask)
    if not words:
        return None
    said = " ".join(answers).lower()
    return sum(word in said for word in words) / len(words)


def not_followed(ask: str) -> str:
    """What is said of a later ask the planner could not read: never dropped unsaid."""
    return f'_I did not follow the last part ("{ask}"); ask it on its own._'
