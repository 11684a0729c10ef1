"""Which deal a change is about, when the name given matches several: the question, and the reply.

The ``propose_change`` and ``log_activity`` tools refuse a deal name that matches several deals
in the viewer's scope, listing each with its reference and what tells them apart
(:class:`tools.store.sync.deal_lookup.AmbiguousDeal`);
:func:`assistant.offline.answers_changes.which_deal` turns that into one question with the deals
as a list (``- Name [opportunity/42]: stage, amount, …``).

The planner keeps no state between turns, so the reply is read against the thread:
:func:`chosen_deal` sees that the previous answer asked which deal a change request meant and that
the reply picks one — by place ("the second one", "#2"), by its id or CRM id, or by words only one
of the listed deals has ("the Cobalt Platform one", "the one in Negotiation"). The change request
is then read again with the chosen deal's reference in place of the name it gave, so the same
proposal is made on that deal, in the same thread.
"""

from __future__ import annotations

import re

from assistant.offline.activity_requests import activity_asked
from assistant.offline.change_requests import change_asked
from assistant.offline.frame import Frame, Intent
from assistant.offline.listed import Listed, place_in, rows
from tools.store.sync.deal_lookup import squash

#: A change request referring back to the thread's deal.
REFERRING = re.compile(r"\b(?:it|that deal|this deal|that one|this one|that opp|this opp)\b", re.I)
#: A reply naming a deal is short; a longer one is a new request.
MAX_WORDS = 6
QUESTION = re.compile(r'^Which deal do you mean by "(?P<phrase>.+?)"\?')
#: Words of a reply that name nothing ("the … one", "I mean …", "deal").
FILLER = re.compile(
    r"\b(?:i\s+mean|i\s+meant|meant|mean|the|one|deal|opp|opportunity|please|pls|that|this|it's|its|is"
    r"|id|number|no|yes|ok|okay|sorry|with|in|on|for)\b",
    re.I,
)


def _listed(answer: str) -> list[tuple[Listed, str]]:
    """The deals a which-deal question listed, each with its whole line."""
    lines = {m["id"]: m.group(0) for m in re.finditer(r"^- .*\[opportunity/(?P<id>\d+)\].*$", answer, re.M)}
    return [
        (row, lines.get(row.ref.split("/")[1], row.name)) for row in rows(answer) if row.kind == "opportunity"
    ]


def _picked(question: str, listed: list[tuple[Listed, str]]) -> Listed | None:
    reference = re.search(r"\bopportunity/\d+\b", question)
    if reference is not None:
        return next((row for row, _line in listed if row.ref == reference[0]), None)
    place = place_in(question)
    if place is not None:
        return listed[place][0] if -len(listed) <= place < len(listed) else None
    words = [w for w in re.findall(r"[\w$,.'/#-]+", FILLER.sub(" ", question)) if squash(w)]
    if not words or len(words) > MAX_WORDS:
        return None
    if len(words) == 1:  # its id, or its CRM id
        key = words[0].casefold().removeprefix("opportunity/").lstrip("#")
        by_id = [
            row
            for row, line in listed
            if row.ref == f"opportunity/{key}" or f"crm id {key}" in line.casefold()
        ]
        if len(by_id) == 1:
            return by_id[0]
    matching = [row for row, line in listed if all(squash(w) in squash(line) for w in words)]
    return matching[0] if len(matching) == 1 else None


def chosen_deal(context: Frame | None, current: Frame, question: str, shown: list[str]) -> Frame | None:
    """The change a reply completes: the change request of ``context`` made on the deal
    ``question`` picks from the which-deal question the thread showed last (``shown``: the answers
    so far, oldest first); or ``current``, a change that refers back to the thread's deal ("push it
    to Friday" after a question about one deal), made on that deal."""
    if context is None:
        return None
    if current.intent is Intent.CHANGE and context.slots.deal and REFERRING.search(question):
        slots = current.slots.model_copy(update={"deal": context.slots.deal})
        return current.model_copy(update={"slots": slots, "follow_up": True, "ambiguity": None})
    if context.intent is not Intent.CHANGE or not shown:
        return None
    if change_asked(question) or activity_asked(question):
        return None  # a request of its own
    asked = QUESTION.match(shown[-1])
    listed = _listed(shown[-1]) if asked else []
    picked = _picked(question, listed) if len(listed) > 1 else None
    if asked is None or picked is None:
        return None
    phrase = re.escape(asked["phrase"])
    request, replaced = re.subn(phrase, picked.ref, context.question, count=1, flags=re.I)
    if not replaced:
        return None
    slots = context.slots.model_copy(update={"deal": picked.ref})
    return context.model_copy(
        update={"slots": slots, "question": request, "follow_up": True, "ambiguity": None}
    )
