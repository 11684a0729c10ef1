"""Requests to change a deal or log an activity: "push the Acme close date to Jan 15", "move the
Evergreen deal to Negotiation", "mark the Acme deal as won", "next step on X: pricing call on
Friday", "log a call with Hannah Murphy at Cedar Works, discussed pricing".

Answered with a proposed change (the ``propose_change`` or ``log_activity`` tool), never with the
change made: the user confirms it themselves. The deal is named as written and found by the tool in
the viewer's scope (several matches: it asks which, :mod:`assistant.offline.deal_choice`), so names
are not asked about here; "push it to Friday" after a question about one deal is that deal. A
logged call that ends with "next step …" proposes that next step on the same deal too, once the
activity's proposal says which deal it is on (a second round). Without a CRM connection the planner
answers such a request as any other it cannot carry out (:mod:`assistant.offline.actions`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Set as AbstractSet

from assistant.offline import answers_changes as answers
from assistant.offline.activity_requests import activity_asked, read_activity
from assistant.offline.calls import Call
from assistant.offline.change_requests import change_asked, read_change
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import IntentSpec, Phrasing, Rendering
from assistant.proposals import ProposedChange
from tools.lexicon import Lexicon

TOOL = "propose_change"
ACTIVITY_TOOL = "log_activity"
#: A deal written as a reference back to the thread's deal ("push it to Friday").
REFERRING = re.compile(
    r"^(?:it|that|this|that one|this one|the deal|that deal|this deal|that opp|this opp)$", re.I
)


class _ChangeAsked:
    """Matches a request to change a field of a deal, or to log an activity."""

    def search(self, text: str, /) -> bool:
        return change_asked(text) or activity_asked(text)


def _deal(written: str, frame: Frame) -> str:
    """The deal as written, or the thread's deal when the request refers back to it."""
    thread = frame.slots.deal
    if thread and REFERRING.match(written.strip()):
        return thread
    return written


def _propose(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    if TOOL not in tools:
        return []
    accounts = {a.name.casefold() for a in lexicon.accounts}
    activity = read_activity(frame.question, lexicon.as_of, accounts)
    if activity is not None:
        if ACTIVITY_TOOL not in tools:
            return []
        args = activity.args()
        if "deal" in args:
            args["deal"] = _deal(args["deal"], frame)
        return [Call(ACTIVITY_TOOL, args)]
    asked = read_change(frame.question, lexicon.as_of, lexicon.stages)
    if asked is None:
        return []
    args = {"deal": _deal(asked.deal, frame), "field": asked.field, "value": asked.value}
    if asked.due:
        args["due"] = asked.due
    return [Call(TOOL, args)]


def _next_step(frame: Frame, results: list[ToolResult]) -> list[Call]:
    """After a logged call's proposal, the next step it named, on the deal (or account) it is on;
    its due day is read forwards from the day the call was proposed."""
    if (
        len(results) != 1
        or results[0].name != ACTIVITY_TOOL
        or not isinstance(results[0].output, ProposedChange)
    ):
        return []
    details = results[0].output.details or {}
    today = dt.date.fromisoformat(str(details.get("proposed_on") or details["day"]))
    activity = read_activity(frame.question, today, set())
    if activity is None or not activity.next_step:
        return []
    where = f"opportunity/{details['deal_id']}" if details.get("deal_id") else details.get("account")
    if not where:
        return []
    args = {"deal": str(where), "field": "next_step", "value": activity.next_step}
    if activity.next_step_due:
        args["due"] = activity.next_step_due
    return [Call(TOOL, args)]


#: Outweighs the request to act (30) it also is: with a CRM connection it can be proposed.
CHANGE = IntentSpec(
    Intent.CHANGE,
    example="Push the Acme Renewal close date to Jan 15",
    route=_propose,
    phrasings=(Phrasing(31, _ChangeAsked()),),
    renders=(Rendering(ProposedChange, answers.proposal),),
    next_round=_next_step,
    searched=frozenset({"person", "account", "territory", "product", "deal", "region"}),
)

SPECS: tuple[IntentSpec, ...] = (CHANGE,)
