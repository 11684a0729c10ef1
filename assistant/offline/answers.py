"""Writing the final answer from this turn's tool results.

The answer is written by the intent's spec (:mod:`assistant.offline.intents`): the answer
function for the type of the main result (the first call of the turn). A tool error that the
user can fix (an unknown or ambiguous name, a period the tools do not know) is answered as such:
one short clarifying question listing the candidates, or "no account named …". A result no
answer function of the intent takes is written up from its figures.
"""

from __future__ import annotations

import re

from assistant.offline import replies
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents import spec_for
from assistant.offline.intents.spec import Answering
from assistant.offline.render import cut_notes
from assistant.offline.verdicts import verdict
from tools.lexicon import Lexicon
from tools.playbook import PlaybookResults


def compose(frame: Frame, results: list[ToolResult], lexicon: Lexicon) -> str:
    """The answer to ``frame`` from this turn's ``results`` (at least one)."""
    if frame.explain:
        return replies.explain(results)
    main = results[0]
    if not main.ok:
        return replies.tool_error(main, lexicon)
    answering = Answering(frame, main, results, lexicon, cut_notes(results))
    text = spec_for(frame.intent).write(answering)
    if text is None:
        text = replies.explain([main])
    said = verdict(frame, results)
    if said:
        # "did we win more in Q2 than in Q1?": the yes or no right under what was computed
        head, _, rest = text.partition("\n\n")
        text = f"{head}\n\n{said}\n\n{rest}" if rest else f"{head}\n\n{said}"
    if frame.brief and frame.intent is not Intent.MEASURE:
        return shorten(text, frame.slots.limit)
    if frame.slots.drivers:
        # "why did it change?": said plainly that the reasons are not recorded, then the parts
        text = (
            "**The CRM records what happened, not why**: here is what moved underneath the figure, "
            f"period against period.\n\n{text}"
        )
    extra = [r.output for r in results[1:] if isinstance(r.output, PlaybookResults)]
    if extra and not isinstance(main.output, PlaybookResults):
        advice = replies.advice(extra[0])
        if advice:
            text = f"{text}\n\n{advice}"
    return text


def shorten(text: str, items: int | None = None) -> str:
    """The short version of an answer: its first line (which says what was computed), and the
    first ``items`` entries of its lists when a number was asked for ("just my top 3")."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return text
    kept = [lines[0]]
    # further summary sentences right after it ("**All 8 reps together**: …"), not section headings
    for line in lines[1:]:
        if not (line.startswith("**") and not line.rstrip().endswith("**")):
            break
        kept.append(line)
    if items:
        entries = [line for line in lines[1:] if re.match(r"(?:[-*]|\d+[.)])\s", line)]
        kept += entries[:items]
    return "\n".join(kept)
