"""The constraints a rebalance question states, as arguments of ``propose_rebalance``.

"rebalance West but keep customers and at most 10 moves", "… leave Lucas out", "… within 500 km",
"… keep deals from Discovery on", "… effective 2027-04-01". Each phrase becomes one argument of
:class:`~tools.rebalance.models.RebalanceInput`; a question that states none gets none (the
tool's defaults: no limit, start of next quarter). People and stages are matched against the
names given (the viewer's lexicon), never guessed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable

from assistant.offline.vocabulary import NUMBER_WORDS

NUMBERS = NUMBER_WORDS
COUNT = r"(\d{1,5}|" + "|".join(NUMBERS) + r")"
MOVES = re.compile(
    rf"\b(?:at most|no more than|max(?:imum)?(?: of)?|up to|only|limit(?: it)? to)\s+{COUNT}\s+"
    r"(?:moves?|changes?|accounts?|reassignments?)\b"
    rf"|\b{COUNT}\s+(?:moves?|changes?)\s+(?:at most|max(?:imum)?|tops)\b",
    re.I,
)
NO_MOVES = re.compile(r"\b(?:no|zero) moves\b", re.I)
CUSTOMERS = re.compile(
    r"\bkeep(?:ing)?\s+(?:the\s+|my\s+|our\s+|all\s+|existing\s+|paying\s+)*customers\b"
    r"|\bcustomers\s+stay\b|\b(?:do not|don'?t|never)\s+move\s+(?:any\s+)?(?:paying\s+)?customers\b"
    r"|\bleave\s+(?:the\s+)?customers\s+(?:alone|where they are)\b",
    re.I,
)
DISTANCE = re.compile(r"\bwithin\s+(\d[\d,]*)\s*(km|kms|kilomet(?:er|re)s?|miles?|mi)\b", re.I)
EFFECTIVE = re.compile(r"\b(?:effective|from|starting|as of)\s+(\d{4}-\d{2}-\d{2})\b", re.I)
MILE_KM = 1.609344


def _count(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text.casefold()]


def _left_out(question: str, people: Iterable[str]) -> list[str]:
    """The people the question leaves out ("leave Lucas out", "without Lucas Duarte",
    "excluding Lucas"), by full name, or by first name when only one person has it."""
    names = list(dict.fromkeys(people))
    firsts: dict[str, list[str]] = {}
    for name in names:
        firsts.setdefault(name.split()[0].casefold(), []).append(name)
    found = []
    for name in names:
        spellings = [name]
        first = name.split()[0]
        if len(firsts[first.casefold()]) == 1:
            spellings.append(first)
        for spelling in spellings:
            said = re.escape(spelling)
            pattern = (
                rf"\bleave\s+{said}(?:'s\s+(?:book|accounts))?\s+(?:out|alone)\b|\bwithout\s+{said}\b"
                rf"|\bexclud(?:e|ing)\s+{said}\b|\bnot\s+(?:touch|move)\s+{said}(?:'s)?\b"
                rf"|\bleave\s+out\s+{said}\b"
            )
            if re.search(pattern, question, re.I):
                found.append(name)
                break
    return found


def _stage(question: str, stages: Iterable[str]) -> str | None:
    """The stage from which open deals keep an account ("keep deals from Discovery on", "accounts
    with deals past Qualification", "open deals in Proposal or later")."""
    for stage in stages:
        said = re.escape(stage)
        onward = r"(?:on|onwards|or later|and later|or beyond|and beyond)"
        if re.search(
            rf"\b(?:deals?|opportunit(?:y|ies))\s+"
            rf"(?:(?:in|at|from)\s+{said}\s+{onward}|(?:past|beyond|after)\s+{said})\b",
            question,
            re.I,
        ):
            return stage
    return None


def rebalance_constraints(
    question: str, people: Iterable[str] = (), stages: Iterable[str] = ()
) -> dict[str, object]:
    """The ``propose_rebalance`` arguments the question states (empty when it states none).

    ``people`` are the names the viewer may use (reps of their team), ``stages`` the open stages
    of the data, in order.
    """
    found: dict[str, object] = {}
    if NO_MOVES.search(question):
        found["max_moves"] = 0
    elif match := MOVES.search(question):
        found["max_moves"] = _count(next(g for g in match.groups() if g))
    if CUSTOMERS.search(question):
        found["keep_customers"] = True
    if stage := _stage(question, stages):
        found["keep_open_deals_from"] = stage
    if left := _left_out(question, people):
        found["exclude_reps"] = left
    if match := DISTANCE.search(question):
        value = float(match.group(1).replace(",", ""))
        found["max_distance_km"] = round(
            value * (MILE_KM if match.group(2).lower().startswith("mi") else 1.0)
        )
    if match := EFFECTIVE.search(question):
        with contextlib.suppress(ValueError):  # not a calendar date: the default stands
            found["effective_date"] = dt.date.fromisoformat(match.group(1)).isoformat()
    return found
