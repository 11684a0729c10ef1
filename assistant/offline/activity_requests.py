"""Requests to log a call, meeting, email or note, read into the ``log_activity`` tool's arguments.

"log a call with Hannah Murphy at Cedar Works, discussed pricing", "add a note to the Acme Renewal
deal: legal review started", "log a meeting with Globex yesterday about the rollout", "record an
email to Naomi Nagata — sent the proposal", "log a call with Naomi, next step pricing call Dec 2".

A request names what happened (call, meeting, email, note), who or what it was with, and what it
was about; when it happened is optional (the tool takes today). Who it was with is read as:

* "Person at Company": a contact and the account;
* "the X deal", "on X" (a note or an activity *on* something): a deal, as written (the tool finds
  it, or asks which one);
* a name the viewer's data knows as an account (:class:`~tools.lexicon.Lexicon`): the account;
* anything else: a contact, found by the tool among the contacts the viewer can see.

Days resolve backwards from the data's as-of date (a call is logged after it happened): "yesterday",
"on Monday" (the last Monday, the as-of day included), "Dec 2" (the last December 2nd). A "next
step …" clause at the end is read as the next step to propose on the same deal, with its due day
resolved forwards (:func:`assistant.offline.change_requests.split_due`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.offline.change_requests import split_due
from assistant.offline.dates import _day, _day_pattern

_POLITE = (
    r"^(?:(?:hey|hi|ok|okay|so|and|also|now|then|pls|please|can you|could you|would you|will you|can we"
    r"|could we|i need you to|i want you to|i'd like you to|go ahead and|let's|lets)[\s,]+)*"
)
_KINDS = {
    "phone call": "call",
    "call": "call",
    "meeting": "meeting",
    "demo": "meeting",
    "visit": "meeting",
    "email": "email",
    "e-mail": "email",
    "note": "note",
}
_KIND = r"(?P<kind>" + "|".join(re.escape(k) for k in sorted(_KINDS, key=len, reverse=True)) + r")"
#: "log a call with …", "add a note to …", "record the meeting with …"
REQUEST = re.compile(
    _POLITE
    + r"(?:log|record|add|enter|save|capture|note down|create)\s+(?:a\s+|an\s+|the\s+|my\s+|one\s+)?"
    + _KIND
    + r"\b\s*(?P<rest>.*)$",
    re.I,
)
_LINK = re.compile(r"^(?P<link>with|to|from|for|on|about|against|at|into)\s+(?P<rest>.+)$", re.I)
#: Where what it was about starts: ", discussed pricing", ": sent the proposal", " about pricing".
_ABOUT = re.compile(
    r"\s*(?:[,;:]|\s[-–—]\s|\.\s)\s*(?:we\s+|and\s+)?(?:about\s+|re:?\s+|regarding\s+)?"
    r"|\s+(?:about|regarding|re:|to discuss|discussing|where we discussed|covering)\s+",
    re.I,
)
_NEXT = re.compile(
    r"[,;.]?\s*(?:and\s+)?(?:the\s+)?next\s+steps?\s*(?:is|are|:|-|–|—)?\s*(?P<step>.+)$", re.I
)
_DEAL = re.compile(r"^(?:the\s+)?(?P<deal>.+?)\s+(?:deal|opportunity|opp)$", re.I)
_WHEN = re.compile(
    r"\s+(?P<when>today|yesterday|this morning|this afternoon|earlier today|last night"
    r"|(?:on\s+|last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|on\s+" + _day_pattern("w") + r")\b",
    re.I,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = re.compile(_day_pattern("x") + r"$", re.I)


@dataclass(frozen=True)
class ActivityAsk:
    """What a request to log an activity asks for (names as written; None when not said)."""

    kind: str
    subject: str
    deal: str | None = None
    account: str | None = None
    contact: str | None = None
    day: str | None = None
    next_step: str | None = None
    next_step_due: str | None = None

    def args(self) -> dict[str, str]:
        """The ``log_activity`` tool's arguments."""
        found = {
            "kind": self.kind,
            "subject": self.subject,
            "deal": self.deal,
            "account": self.account,
            "contact": self.contact,
            "day": self.day,
        }
        return {key: value for key, value in found.items() if value}


def activity_asked(question: str) -> bool:
    """Whether ``question`` has the shape of a request to log an activity."""
    match = REQUEST.match(question.strip())
    return match is not None and bool(_LINK.match(match["rest"].strip()))


def past_day(text: str, as_of: dt.date) -> dt.date | None:
    """The day ``text`` names, on or before ``as_of``."""
    cleaned = " ".join(text.casefold().split()).removeprefix("on ").removeprefix("the ")
    if cleaned in ("today", "this morning", "this afternoon", "earlier today"):
        return as_of
    if cleaned in ("yesterday", "last night"):
        return as_of - dt.timedelta(days=1)
    weekday = cleaned.removeprefix("last ")
    if weekday in _WEEKDAYS:
        return as_of - dt.timedelta(days=(as_of.weekday() - _WEEKDAYS.index(weekday)) % 7)
    match = _DAY.match(cleaned)
    return _day(match, "x", as_of, ahead=False) if match else None


def read_activity(question: str, as_of: dt.date, accounts: set[str]) -> ActivityAsk | None:
    """The activity ``question`` asks to log, or None when it is not such a request. ``accounts``
    are the account names the viewer's data knows, folded to lower case."""
    match = REQUEST.match(question.strip())
    if match is None:
        return None
    kind = _KINDS[match["kind"].casefold()]
    rest = match["rest"].strip().rstrip(".!")
    next_step = due = None
    step = _NEXT.search(rest)
    if step is not None:
        next_step, due = split_due(step["step"].strip(" .!"), as_of)
        rest = rest[: step.start()].strip()
    day = None
    when = _WHEN.search(rest)
    if when is not None:
        found = past_day(when["when"], as_of)
        if found is not None:
            day = found.isoformat()
            rest = (rest[: when.start()] + rest[when.end() :]).strip()
    linked = _LINK.match(rest)
    if linked is None:
        return None
    target, subject = _split_about(linked["rest"])
    ask = _target(kind, linked["link"].casefold(), target, accounts)
    if ask is None:
        return None
    written = subject or _default_subject(kind, ask)
    return ActivityAsk(
        kind=kind,
        subject=written[:1].upper() + written[1:],
        deal=ask.deal,
        account=ask.account,
        contact=ask.contact,
        day=day,
        next_step=next_step,
        next_step_due=due,
    )


def _split_about(text: str) -> tuple[str, str]:
    """``Hannah Murphy at Cedar Works, discussed pricing`` → the target and the subject."""
    about = _ABOUT.search(text)
    if about is None:
        return text.strip(" ,"), ""
    return text[: about.start()].strip(" ,"), text[about.end() :].strip(" ,.")


def _target(kind: str, link: str, target: str, accounts: set[str]) -> ActivityAsk | None:
    """Who or what the activity was with (see the module docstring)."""
    target = re.sub(r"^(?:the|our|my)\s+", "", target.strip(), flags=re.I)
    if not target:
        return None
    person, at, company = target.partition(" at ")
    if at and person and company:
        company = re.sub(r"^(?:the)\s+", "", company, flags=re.I)
        deal = _DEAL.match(company)
        if deal is not None:
            return ActivityAsk(kind, "", deal=deal["deal"], contact=person)
        return ActivityAsk(kind, "", account=company, contact=person)
    deal = _DEAL.match(target)
    if deal is not None:
        return ActivityAsk(kind, "", deal=deal["deal"])
    if target.casefold() in accounts or target.casefold().removesuffix("'s") in accounts:
        return ActivityAsk(kind, "", account=target.removesuffix("'s"))
    if link in ("on", "against", "into") or (kind == "note" and link in ("to", "for")):
        return ActivityAsk(kind, "", deal=target)  # "a note on Acme Renewal": the deal, found by the tool
    return ActivityAsk(kind, "", contact=target)


def _default_subject(kind: str, ask: ActivityAsk) -> str:
    who = ask.contact or ask.account or ask.deal or ""
    return f"{kind.capitalize()} with {who}".strip() if kind != "note" else "Note"
