"""The built-in reading of a question, handed to a configured model as a starting point.

A configured model chooses its own tool calls. Before its first call of a turn, the system prompt
also gives it what the offline planner makes of the latest question — the tool calls it would
make, the name it would ask about, or that the request is one the product cannot carry out — so
a small model starts from the same reading of measures, periods and names as the offline planner,
and a large one can see where it disagrees. The model remains free to do otherwise; nothing here
runs a tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from langchain_core.messages import BaseMessage

from assistant.offline.calls import Direct
from assistant.offline.conversation import read_conversation
from assistant.offline.planner import OfflinePlanner
from assistant.offline.routing import first_route
from assistant.toolkit import AgentContext


def reading_of(context: AgentContext, messages: list[BaseMessage], tools: Iterable[str]) -> str | None:
    """The offline planner's reading of the latest question, as one line; ``None`` once this turn
    has tool results (the model is then writing from them) or when there is nothing to suggest."""
    conversation = read_conversation(messages)
    if not conversation.question or conversation.results:
        return None
    names = set(tools)
    frame, lexicon = OfflinePlanner(context=context).frame(context, conversation)
    route = first_route(frame, lexicon, names)
    if route.calls:
        calls = [c for c in route.calls if c.name in names]
        shown = (f"{c.name}({json.dumps(c.args, default=str, sort_keys=True)})" for c in calls)
        return "; ".join(shown) or None
    if route.direct is Direct.CLARIFY and route.ambiguity is not None:
        options = ", ".join(route.ambiguity.candidates[:5])
        return f'ask which is meant: "{route.ambiguity.phrase}" could be {options}'
    if route.direct is Direct.ASK_FOR:
        return f"ask which {route.missing or 'account'} is meant"
    if route.direct is Direct.CANNOT:
        return "a request to act (write, log, update, schedule): say plainly it cannot be done yet"
    return None
