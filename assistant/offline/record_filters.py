"""Filters on what kind of record it is and how old: the activity type ("how many meetings…",
"calls logged this month"), a deal's age ("open deals older than 90 days", "opps created less than
two weeks ago") and its time in the current stage ("deals in proposal for over 30 days").

Each reads the lower-cased question and fills the frame's slot; the metric query applies it
(:class:`tools.semantic.models.MetricQuery`). A number of days is counted to the data's today.
"""

from __future__ import annotations

import re

from assistant.offline.frame import Slots
from assistant.offline.vocabulary import NUMBER_WORDS

#: Activity kinds as people say them, by the kind the data most often records.
ACTIVITY_KINDS = {
    "call": r"calls?|phone calls?|dials?|phoned",
    "meeting": r"meetings?|meets?|met with|onsites?|on-sites?",
    "email": r"e-?mails?|emailed",
    "demo": r"demos?",
    "note": r"notes?",
}
ACTIVITY_KIND = re.compile("|".join(rf"\b(?P<{kind}>{words})\b" for kind, words in ACTIVITY_KINDS.items()))
_COUNT = r"(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_UNIT = r"(days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_WORD_NUMBERS = {**NUMBER_WORDS, "a": 1, "an": 1}
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_MORE = r"(?:more than|over|longer than|at least|>|north of|upwards of)"
_LESS = r"(?:less than|under|fewer than|younger than|newer than|at most|<|within)"
#: "older than 90 days", "over 60 days old", "90+ days old", "open for more than 3 months",
#: "opened over 6 weeks ago", "created more than 90 days ago", "been open 120 days".
OLDER = re.compile(
    rf"\bolder than {_COUNT} {_UNIT}"
    rf"|\b{_MORE} {_COUNT} {_UNIT} old\b"
    rf"|\b{_COUNT}\+? {_UNIT} old\b(?! or (?:less|younger|newer))"
    rf"|\b(?:been )?open(?:ed)? (?:for )?{_MORE} {_COUNT} {_UNIT}"
    # "open 100+ days", "been open 120 days"
    rf"|\b(?:been )?open (?:for )?{_COUNT}\+ {_UNIT}"
    rf"|\bbeen open (?:for )?{_COUNT} {_UNIT}(?! or (?:less|fewer))"
    rf"|\b(?:opened|created) {_MORE} {_COUNT} {_UNIT} ago\b"
    rf"|\bage[d]? (?:of )?{_MORE} {_COUNT} {_UNIT}"
)
#: "less than 30 days old", "newer than two weeks", "opened within the last 14 days".
NEWER = re.compile(
    rf"\b{_LESS} {_COUNT} {_UNIT} old\b|\b(?:younger|newer) than {_COUNT} {_UNIT}"
    rf"|\b(?:opened|created) (?:less than|under|fewer than) {_COUNT} {_UNIT} ago\b"
)
#: "between 30 and 60 days old": both bounds.
BETWEEN = re.compile(rf"\bbetween {_COUNT} and {_COUNT} {_UNIT} old\b")
#: "in proposal for over 30 days", "stuck in stage 45+ days", "sitting in negotiation more than 3 weeks".
IN_STAGE = re.compile(
    # "in proposal or qualification for over a month": two stages named, then the time
    rf"\b(?:in|at) (?:(?:the|their|its|a|this|that|same|current) )*(?:[a-z/]+ ){{0,4}}?"
    rf"(?:stage )?(?:for )?(?:{_MORE} {_COUNT}|{_COUNT}\+) {_UNIT}"
    rf"|\b{_COUNT}\+? {_UNIT} (?:or more )?(?:in|at) (?:the |their |its |a |one )?(?:same |current )?stage"
)


#: "negotiation deals stuck more than 21 days": the stage named elsewhere, the time after the verb.
STUCK_FOR = re.compile(
    rf"\b(?:stuck|sitting|sat|parked|idle|lingering|been (?:stuck|sitting|there|in there))\s+"
    rf"(?:(?:there|in there|in it)\s+)?(?:for\s+)?(?:{_MORE} {_COUNT}|{_COUNT}\+) {_UNIT}"
)


def _days(count: str, unit: str) -> int:
    number = int(count) if count.isdigit() else _WORD_NUMBERS[count]
    return max(0, min(36_500, number * _UNIT_DAYS[unit[0]]))


def _first_pair(found: re.Match[str]) -> tuple[str, str]:
    groups = [g for g in found.groups() if g]
    return groups[0], groups[1]


#: "more than 3 weeks", "over 30 days", "older than 90 days": strictly more (at least one day more).
STRICT = re.compile(r"\b(?:more than|over|longer than|older than|north of|upwards of)\b|>(?!=)")


def _at_least(found: re.Match[str]) -> int:
    """The fewest days a bound admits: "45+ days" or "at least 45 days" is 45, "over 45 days" 46."""
    days = _days(*_first_pair(found))
    return days + 1 if STRICT.search(found[0]) else days


#: "Acme incl its subsidiaries", "Acme and its subsidiaries", "accounts that roll up to Acme",
#: "the Acme family".
WITH_SUBSIDIARIES = re.compile(
    r"\b(?:incl(?:uding|\.|udes)?|and|with|plus|\+)\s+(?:all\s+)?(?:of\s+)?(?:its\s+|their\s+|the\s+)?"
    r"(?:subsidiaries|subs|group)\b"
    # "won from Acme's subsidiaries combined", "its subsidiaries": the group the account heads
    r"|(?:'s?|\bits|\btheir)\s+subsidiaries\b|\bsubsidiaries\s+(?:combined|together|altogether|in total)\b"
    r"|\broll(?:s|ed)?\s+up\s+(?:to|into|under)\b|\bwhole\s+(?:group|family)\b"
    # "subsidiaries included", "the Acme group, subs and all", "group total"
    r"|\b(?:subsidiaries|subs)\s+(?:included|and all|too|as well)\b|\bgroup\s+(?:total|wide|level)\b"
    # "what's the whole Acme family worth?": the account's name between the words
    r"|\b(?:family|group) of companies\b|\bcorporate family\b|\bthe\s+(?:whole\s+)?\s{3,}family\b"
    # "across the acme corp family"; "from them, including Acme itself" after the accounts under it
    r"|\b(?:across|for|from|in|of|over)\s+the\s+(?:whole\s+|entire\s+)?(?:[\w&.'-]+\s+){1,3}family\b"
    r"|\bincluding\s+(?:[\w&.'-]+\s+){0,3}itself\b"
)


#: "deals with no account", "opps missing a close date", "which ones have no next step": empty fields.
MISSING = re.compile(
    r"\b(?:no|without|missing|lacking|with no|without an?|that (?:have|has) no|(?:have|has) no"
    # "deals that don't have an account on them"
    r"|(?:don't|dont|do not|doesn't|doesnt|does not) (?:even |actually |yet |really )?"
    r"(?:have|show|list|carry)"
    # "not tied to an account", "not linked to any company", "isn't attached to a customer"
    r"|(?:not|never|\w+n't) (?:tied|linked|attached|associated|connected|assigned|mapped) (?:to|with))\s+"
    r"(?:an?\s+|any\s+)?(account|customer|company|close dates?|closing dates?|next steps?|products?"
    r"|created dates?|start dates?)"
    r"(?:\s+(?:set|recorded|attached|linked|on (?:it|them)))?\b(?!\s+(?:name|owner|manager|activity))"
)
MISSING_FIELDS = {"customer": "account", "company": "account", "closing": "close_date", "start": "created"}


#: Verbs that leave records out of an answer ("drop", "exclude", "take out"…), for every reader of them.
LEAVE_OUT_VERBS = (
    r"drop|exclude|excluding|remove|ignore|ignoring|hide|filter out|strip out|leave out|take out|skip|without"
    r"|get rid of|minus|not counting"
)
#: A verb leaving out the deals a filter then describes: "take out the deals that got pushed 2+ times".
LEFT_OUT = re.compile(rf"\b(?:{LEAVE_OUT_VERBS})\b(?:\s+\w+){{0,5}}\s*$")


#: "pushed 3+ times", "slipped more than twice", "4 or more pushes": how often a close date moved out.
PUSHED = re.compile(
    r"\b(?:pushed|slipped|moved)(?: out| back)?(?: at least| more than| over| >)?"
    r" (\d{1,2}|two|three|four|five|twice|once)(\+| or more)?(?: times)?(?!\w)"
    r"|\b(\d{1,2})(\+| or more) (?:pushes|slips|times)\b"
)


def _pushes(text: str, slots: Slots) -> list[tuple[int, int]]:
    found = PUSHED.search(text)
    if found is None:
        return []
    word = found[1] or found[3]
    count = {"once": 1, "twice": 2, **_WORD_NUMBERS}.get(word) or int(word)
    more_than = re.search(r"more than|over|>", found[0]) is not None and not (found[2] or found[4])
    at_least = count + 1 if more_than else count
    if LEFT_OUT.search(text[: found.start()]):
        slots.max_pushes = at_least - 1  # "take out the deals pushed 2+ times": the rest are kept
    else:
        slots.min_pushes = at_least
    return [found.span()]


def read_record_filters(text: str, slots: Slots) -> list[tuple[int, int]]:
    """Fill the activity type and the deal-age slots from lower-cased ``text``; the spans explained."""
    spans = _pushes(text, slots)
    empty = MISSING.search(text)
    if empty:
        word = empty[1].split()[0]
        slots.missing = MISSING_FIELDS.get(word, {"close": "close_date", "next": "next_step"}.get(word, word))
        slots.missing = slots.missing.rstrip("s") if slots.missing == "products" else slots.missing
        spans.append(empty.span())
    group = WITH_SUBSIDIARIES.search(text)
    if group:
        slots.with_subsidiaries = True
        spans.append(group.span())
    between = BETWEEN.search(text)
    if between:
        slots.min_age_days = _days(between[1], between[3])
        slots.max_age_days = _days(between[2], between[3])
        return [between.span()]
    newer = NEWER.search(text)
    if newer:
        slots.max_age_days = _days(*_first_pair(newer))
        spans.append(newer.span())
    older = next((m for m in OLDER.finditer(text) if not newer or m.start() >= newer.end()), None)
    if older:
        slots.min_age_days = _at_least(older)
        spans.append(older.span())
    staged = IN_STAGE.search(text) or (STUCK_FOR.search(text) if slots.stage or "stage" in text else None)
    # "in proposal for over 30 days", "45+ days in stage": a stage is named ("no activity in 30+ days"
    # is not a time in a stage)
    stages = [part.strip().casefold() for part in (slots.stage or "").split(",") if part.strip()]
    named = bool(stages) and (
        any(stage in (staged[0] if staged else "") for stage in stages)
        or bool(staged and STUCK_FOR.match(staged[0]))
    )
    if staged and not older and ("stage" in staged[0] or named):
        slots.min_days_in_stage = _at_least(staged)
        spans.append(staged.span())
    return spans


def activity_kind(text: str) -> str | None:
    """The activity kinds ``text`` counts ("how many meetings…" → ``meeting``; "calls + meetings" →
    ``call, meeting``), if any is named."""
    kinds = [kind for found in ACTIVITY_KIND.finditer(text) for kind, hit in found.groupdict().items() if hit]
    return ", ".join(dict.fromkeys(kinds)) or None


def as_filter(slots: Slots) -> bool:
    """Put a stall rule the metric query can filter by into ``slots`` (whether it could): a missing
    next step, pushes, past due, no activity in N days."""
    if slots.rule == "next_step":
        slots.missing = slots.missing or "next_step"
    elif slots.rule == "pushed":
        slots.min_pushes = slots.min_pushes or 1
    elif slots.rule == "no_activity":
        return slots.inactive_days is not None
    elif slots.rule != "past_close":
        return False
    return True
