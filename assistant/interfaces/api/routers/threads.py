"""``GET /v1/threads/{thread_id}``: one of the caller's conversations, turn by turn."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from assistant.interfaces.api.deps import StateDep, ViewerDep
from assistant.interfaces.api.problems import error_responses
from assistant.interfaces.api.routers.ask import THREAD_ID
from assistant.link_policy import allowed_links_only
from assistant.threads import Conversation

router = APIRouter(tags=["ask"])
#: A thread id as ``POST /v1/ask`` takes it.
ThreadId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=THREAD_ID,
        description="The thread id an answer of `POST /v1/ask` returned.",
    ),
]


@router.get(
    "/v1/threads/{thread_id}",
    response_model=Conversation,
    summary="A conversation",
    responses=error_responses(401, 404, 422, 429, 503),
)
async def thread(thread_id: ThreadId, viewer: ViewerDep, state: StateDep) -> Conversation:
    """The caller's own conversation: each turn's question, answer (Markdown, with links only to
    allowed hosts, as `POST /v1/ask` answered it) and tool calls, oldest first. A thread id the
    caller never asked in, or another user's, is a 404."""
    conversation = await state.context.assistant.athread(viewer, thread_id, channel="api")
    for turn in conversation.turns:
        if turn.answer is not None:
            turn.answer = allowed_links_only(turn.answer, state.links)
    return conversation
