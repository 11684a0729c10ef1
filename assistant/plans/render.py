"""A drafted plan as Markdown: ``prompts/plan_account.md.j2`` and ``prompts/plan_territory.md.j2``.

Record references are written ``Name [kind/id]`` so every figure and recommendation can be traced
to its record; table cells are escaped so names with ``|`` or line breaks cannot break a table.
"""

from __future__ import annotations

import re

import prompts
from assistant import formatting as fmt
from assistant.plans import wording
from assistant.plans.models import AccountPlan, TerritoryPlan
from tools.evidence import PLAYBOOK_ID, RECORD_KINDS

_RECORD = re.compile(rf"\[((?:{RECORD_KINDS})/[\w:.-]+)\]")
_PLAYBOOK = re.compile(r"[\[(]([\w./-]+\.md#[\w-]+)[\])]")


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return re.sub(r"\s*\n\s*", " ", str(text)).replace("|", "\\|")


def markdown(plan: AccountPlan | TerritoryPlan) -> str:
    name = "plan_account" if isinstance(plan, AccountPlan) else "plan_territory"
    text = prompts.render(name, plan=plan, f=fmt, c=cell, w=wording)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def citations(text: str) -> list[str]:
    """Playbook ids first, then record ids, in the order the plan mentions them."""
    playbook = [m for m in _PLAYBOOK.findall(text) if PLAYBOOK_ID.match(m)]
    records = _RECORD.findall(text)
    return list(dict.fromkeys(playbook)) + list(dict.fromkeys(records))
