"""Plans in Slack: a drafted account or territory plan as a message — split into sections within
Slack's limits — or, when longer than a message holds, as a Markdown file."""

from __future__ import annotations

from assistant.interfaces.slack.blocks import SlackMessage
from assistant.interfaces.slack.runtime import SlackRuntime, answer_message
from tools.viewer import Viewer


async def plan_message(
    runtime: SlackRuntime, viewer: Viewer, kind: str, name: str
) -> tuple[SlackMessage, str | None, str]:
    """The plan's message, its Markdown (for a file) and its title."""
    service = runtime.context.assistant
    if kind == "account":
        draft = await service.aplan_account(viewer, name, channel="slack")
    else:
        draft = await service.aplan_territory(viewer, name or None, channel="slack")
    footer = f"Draft written by {draft.model} · {draft.latency_ms:,} ms"
    return answer_message(draft.markdown, runtime, draft.citations, footer), draft.markdown, draft.title
