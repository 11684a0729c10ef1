"""The options of a clarifying question, as buttons that answer it.

When an answer asks which of several records the question meant, each option becomes a button;
a click answers the question in the same thread as if its text had been typed there (as the
person who clicked: :mod:`.listeners.actions`). Two questions are read:

* ``Which deal do you mean by "Acme"?`` followed by the deals as a list, each with its reference
  or, as people see it, its CRM id (``- Acme - Core [opportunity/1]: Negotiation, …``,
  ``- Acme Renewal (#0065g00000AbCdE): Negotiation, … CRM id 0065g00000AbCdE``): a button per deal,
  answering with the reference, else the CRM id, else the name — each picks exactly that deal;
* ``Which person do you mean by "Ra": Vera Lang or Ravi Rao?`` (any kind: account, territory,
  rep…): a button per name, answering with the name.

An answer with one option, or more than :data:`MAX_CHOICES`, gets no buttons.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from assistant.interfaces.slack.actions import actions_block, button
from assistant.interfaces.slack.blocks import Block

MAX_CHOICES = 10
BLOCK_ID = "choices"
WHICH_DEAL = re.compile(r'^Which deal do you mean by "[^"\n]+"\?')
DEAL_OPTION = re.compile(
    r"^- (?P<name>[^\n]+?)(?: \[(?P<ref>opportunity/\d+)\]| \(#(?P<crm>[^()\s]+)\))?: ", re.M
)
WHICH = re.compile(r'^Which [a-z][a-z ]{1,30} do you mean by "[^"\n]+": (?P<names>[^\n]+)\?\s*$')
REFERENCE = re.compile(r"\s*\[[a-z_]+/[\w:.\-]+\]\s*$")


@dataclass(frozen=True)
class Choice:
    label: str
    reply: str


def choices_in(answer: str) -> list[Choice]:
    """The options a clarifying ``answer`` offers (none when it is not one)."""
    text = answer.strip()
    found: list[Choice] = []
    if WHICH_DEAL.match(text):
        found = [
            Choice(f"{m['name']} (#{m['crm']})" if m["crm"] else m["name"], m["ref"] or m["crm"] or m["name"])
            for m in DEAL_OPTION.finditer(text)
        ]
    elif (which := WHICH.match(text)) is not None:
        head, _, last = which["names"].rpartition(" or ")
        names = [*head.split(", "), last] if head else []
        found = [Choice(REFERENCE.sub("", n).strip() or n, n) for n in names if n.strip()]
    if not 1 < len(found) <= MAX_CHOICES or len({c.reply for c in found}) != len(found):
        return []
    return found


def choice_value(choice: Choice, thread_ts: str | None) -> str:
    """What a choice button carries: the reply, and the thread it answers in."""
    return json.dumps({"reply": choice.reply, "thread": thread_ts}, separators=(",", ":"))


def read_choice(value: str) -> tuple[str, str | None]:
    """The reply and thread a choice button carries (:class:`ValueError` when it carries none)."""
    data = json.loads(value)
    reply = data.get("reply") if isinstance(data, dict) else None
    if not isinstance(reply, str) or not reply.strip():
        raise ValueError("not a choice")
    thread = data.get("thread")
    return reply, str(thread) if thread else None


def choice_actions(answer: str, thread_ts: str | None) -> list[Block]:
    """A button per option of a clarifying ``answer`` (no block when it is not one)."""
    buttons = [
        button(f"choice_{i}", choice.label, choice_value(choice, thread_ts))
        for i, choice in enumerate(choices_in(answer))
    ]
    return actions_block(buttons, BLOCK_ID)
