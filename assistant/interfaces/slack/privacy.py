"""Which answers a shared channel may read, and how the asker says to share one.

An answer is **private** — it goes to the asker alone, as an ephemeral message — when it carries
figures or records from the asker's data, that is when its conversation used any tool but the
public ones (:data:`PUBLIC_TOOLS`: the playbook search and the metric definitions, which read no
CRM data), cited or named a CRM record, or proposed a change. The earlier turns of the same
conversation count too (read back from the audit log by the caller): a model may repeat a figure
from an earlier answer without calling a tool again, so once a channel thread has shown the
asker's data, its later answers stay private. Help, small talk and playbook answers in a
conversation that showed no data are public.

The asker shares an answer by saying so at the start or at the end of the question; the words are
taken out before the question is answered (:func:`read_share`):

* ``share with the channel`` / ``share with everyone`` / ``share with the team`` / ``share it
  here``, ``post it here`` / ``post it in the channel``, ``for everyone to see``, ``share
  publicly`` — anywhere at the start or the end;
* ``share`` / ``share it``, ``for the channel``, ``for everyone``, ``publicly``, ``in public`` —
  set off from the question by punctuation (``share: how is my pipeline?``, ``how is my
  pipeline? share``, ``…, for the channel``); ``share`` also directly before a question
  (``share how is my pipeline?``).

So "what's our market share?", "share of wallet at Acme", "the quota for everyone" or "the pipeline
for the channel partners" are questions, not requests to share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assistant.interfaces.slack.safety import plain

if TYPE_CHECKING:
    from assistant.audit import AuditEntry
    from assistant.service import Answer

#: Tools that read no CRM data: their answers may be posted where everyone reads them.
PUBLIC_TOOLS = frozenset({"search_playbook", "metric_definitions"})

_LONG = (
    r"share(?: it| this| that| the answer)?"
    r"(?: here| publicly| with (?:the channel|everyone|everybody|the team|the group|all))"
    r"|post (?:it|this|that|the answer)"
    r"(?: here| publicly| in (?:the|this) channel| for (?:the channel|everyone))"
    r"|post (?:here|in (?:the|this) channel)"
    r"|for everyone to see|for the whole channel"
)
_SHORT = r"share(?: it| this| that)?|for the channel|for everyone|publicly|in public"
_QUESTION = (
    r"how|what|what's|whats|which|who|whose|where|when|why|is|are|was|were|do|does|did|can|could|"
    r"should|will|would|list|show|give|tell|compare|summari[sz]e|my|our|the|me|us"
)
_PLEASE = r"(?:please\s+)?"
_SEPARATOR = r"\s*(?:[:,;.!\u2014\u2013]|-+)\s*"
LEADING = re.compile(
    rf"^{_PLEASE}(?:(?:{_LONG}|{_SHORT}){_SEPARATOR}|(?:{_LONG})\s+|share\s+(?=(?:{_QUESTION})\b))",
    re.IGNORECASE,
)
TRAILING = re.compile(
    rf"(?:(?<=[?!.])\s*|\s*[,;:(\u2014\u2013]\s*|\s+-+\s*|\s+and\s+)(?:{_PLEASE}(?:{_LONG}|{_SHORT}))"
    rf"(?:,?\s+please)?\s*\)?[.!]*\s*$"
    rf"|\s+(?:and\s+)?{_PLEASE}(?:{_LONG})(?:,?\s+please)?[.!]*\s*$",
    re.IGNORECASE,
)

#: The line under an answer only the asker sees.
MENTION_NOTE = (
    ":lock: Only you can see this: it shows your own data. To post an answer for the channel, mention "
    "me with *share*, e.g. `share: how is my pipeline?`"
)
COMMAND_NOTE = (
    ":lock: Only you can see this. To post an answer for the channel, add *share*, e.g. "
    "`/salesplan share: how is my pipeline?`"
)
PLAN_NOTE = (
    ":lock: Only you can see this: the plan shows your own data. To show it to others, share its "
    "files from your direct messages."
)


def read_share(question: str) -> tuple[str, bool]:
    """The question without its share words, and whether the asker asked to share the answer."""
    text = " ".join(question.split())
    stripped = TRAILING.sub("", LEADING.sub("", text, count=1), count=1).strip()
    if stripped == text or not stripped:
        return text, False
    return stripped, True


def _uses_private_data(tools: Iterable[str], citations: Iterable[str]) -> bool:
    return any(name not in PUBLIC_TOOLS for name in tools) or any(".md#" not in c for c in citations)


def is_private(answer: Answer, earlier: Iterable[AuditEntry] = ()) -> bool:
    """Whether ``answer`` (after the ``earlier`` turns of its conversation) shows the asker's data."""
    if answer.records or answer.proposed_changes:
        return True
    if _uses_private_data((c.name for c in answer.tool_calls), answer.citations):
        return True
    return any(
        _uses_private_data((str(call.get("name", "")) for call in entry.tool_calls), entry.record_ids)
        for entry in earlier
        if entry.kind == "ask"
    )


def shared_note(name: str) -> str:
    """The line under an answer with someone's data, posted at their request."""
    return f"Shared for the channel at {plain(name)}'s request (figures are from the data they can see)."
