"""``POST /v1/ask``: one question, answered as JSON or streamed as server-sent events.

With ``Accept: text/event-stream`` the response is a stream of events:

* ``progress`` — ``{"stage": "received", "thread_id": …}`` at once, then
  ``{"stage": "working", "elapsed_ms": …}`` every second while the turn runs;
* ``answer`` — the answer, the same object as the JSON response;
* ``error`` — a problem detail, when the turn fails after the stream started;
* ``done`` — the end of the stream.

Requests are validated before the stream starts, so a bad request is an ordinary 4xx. A client
that disconnects mid-stream cancels the turn, which the audit log records as ``cancelled``. In the
answer's Markdown only links to allowed hosts stay links (:mod:`assistant.link_policy`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StringConstraints
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from assistant.interfaces.api.deps import ApiState, StateDep, ViewerDep
from assistant.interfaces.api.links import account_plan_links, link
from assistant.interfaces.api.problems import Problem, error_responses, status_of
from assistant.link_policy import allowed_links_only
from assistant.service import MAX_QUESTION_CHARS, Answer
from tools.errors import SalesplanError
from tools.viewer import Viewer

router = APIRouter(tags=["ask"])
log = logging.getLogger("salesplan.api")
EVENT_STREAM = "text/event-stream"
HEARTBEAT_SECONDS = 1.0

Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS)
]


class AskRequest(BaseModel):
    question: Question = Field(
        description="The question, in plain words.", examples=["Which of my deals are stalled?"]
    )
    thread_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Continue this conversation (a thread id from an earlier answer, or any id you choose).",
    )


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _answer(state: ApiState, viewer: Viewer, question: str, thread: str) -> Answer:
    answer = await state.context.assistant.aask(viewer, question, thread, channel="api", gate=state.turns)
    return answer.model_copy(update={"answer": allowed_links_only(answer.answer, state.links)})


async def _stream(state: ApiState, viewer: Viewer, question: str, thread: str) -> AsyncGenerator[bytes, None]:
    started = time.monotonic()
    task = asyncio.create_task(_answer(state, viewer, question, thread))
    try:
        yield _event("progress", {"stage": "received", "thread_id": thread})
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_SECONDS)
            if done:
                break
            yield _event(
                "progress", {"stage": "working", "elapsed_ms": round((time.monotonic() - started) * 1000)}
            )
        try:
            answer = task.result()
        except SalesplanError as exc:
            status = status_of(exc)
            problem = Problem(title=HTTPStatus(status).phrase, status=status, detail=str(exc))
            yield _event("error", problem.model_dump(exclude_none=True))
            return
        except Exception:
            log.exception("streamed ask failed")
            problem = Problem(
                title="Internal Server Error", status=500, detail="an unexpected error occurred"
            )
            yield _event("error", problem.model_dump(exclude_none=True))
            return
        yield _event("answer", answer.model_dump(mode="json"))
        yield _event("done", {})
    finally:
        if not task.done():
            task.cancel()


class TurnStream(StreamingResponse):
    """A streamed answer whose turn ends with the response, however the response ends. Servers of
    ASGI 2.4 and later report a client that has gone only as a failed send, and leave the stream
    to be closed whenever it is collected: this closes it at once, which cancels the turn (and
    audits it as ``cancelled``); a client gone is not an error to log."""

    def __init__(self, stream: AsyncGenerator[bytes, None], **options: Any) -> None:
        super().__init__(stream, **options)
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (ClientDisconnect, OSError):
            log.info("the client left a streamed answer")
        finally:
            await self.stream.aclose()


@router.post(
    "/v1/ask",
    response_model=Answer,
    summary="Ask a question",
    responses={
        200: {
            "description": "The answer (JSON), or with `Accept: text/event-stream` a stream of "
            "`progress`, `answer`, `error` and `done` events.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
            "links": {
                "FollowUp": link(
                    "Ask a follow-up in the same conversation.",
                    "post",
                    "/v1/ask",
                    {"thread_id": "$response.body#/thread_id"},
                ),
                **account_plan_links("/records/0/name"),
            },
        },
        **error_responses(400, 401, 408, 413, 422, 429, 503),
    },
)
async def ask(body: AskRequest, request: Request, viewer: ViewerDep, state: StateDep) -> Any:
    """Answer one question as the token's user; every figure comes from the data the user may see."""
    request.state.question = body.question  # for the audit entry of a refusal
    limit = state.context.settings.api_max_question_chars
    if len(body.question) > limit:
        raise HTTPException(
            422, f"the question is too long ({len(body.question)} characters; the limit is {limit})"
        )
    thread = body.thread_id or uuid.uuid4().hex[:12]
    if EVENT_STREAM in request.headers.get("accept", ""):
        return TurnStream(
            _stream(state, viewer, body.question, thread),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return await _answer(state, viewer, body.question, thread)
