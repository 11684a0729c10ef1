"""``POST /v1/ask``: one question, answered as JSON or streamed as server-sent events.

A conversation starts with a question without ``thread_id``; the answer's ``thread_id`` continues
it. A ``thread_id`` the caller has no conversation under (never used, pruned, or another user's)
is a 404, before anything runs: it never starts a thread silently.

With ``Accept: text/event-stream`` the response is a stream of events:

* ``progress`` — ``{"stage": "received", "thread_id": …}`` at once; ``{"stage": "tool", "tool":
  …, "status": "started" | "finished", "call_id": …}`` for each tool call (``"ok": false`` on a
  finished call whose tool answered with an error); ``{"stage": "restarted", "reason": …}`` when
  the configured model failed and the offline planner answers instead (drop the tokens so far);
  ``{"stage": "working", "elapsed_ms": …}`` after each second without another event;
* ``token`` — ``{"text": …}``, a piece of the answer as a streaming model writes it (the offline
  planner writes whole answers and sends none). Tokens are the raw draft: show them as plain
  text, then replace them with the answer;
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
from assistant.interfaces.api.links import account_plan_links, link, parameter_link
from assistant.interfaces.api.problems import Problem, error_responses, status_of
from assistant.link_policy import allowed_links_only
from assistant.service import MAX_QUESTION_CHARS, Answer
from assistant.turn_events import Listener, Restart, Token, TurnEvent
from tools.errors import SalesplanError
from tools.viewer import Viewer

router = APIRouter(tags=["ask"])
log = logging.getLogger("salesplan.api")
EVENT_STREAM = "text/event-stream"
HEARTBEAT_SECONDS = 1.0

#: What a thread id may be made of (it becomes part of the conversation store's key).
THREAD_ID = r"^[A-Za-z0-9_.:\-]+$"
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
        pattern=THREAD_ID,
        description="Continue this conversation: the `thread_id` of an earlier answer to you. Leave it "
        "out to start a new conversation (the answer carries its id); an id you have no conversation "
        "under is a 404.",
    )


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _answer(
    state: ApiState, viewer: Viewer, question: str, thread: str, listener: Listener | None = None
) -> Answer:
    answer = await state.context.assistant.aask(
        viewer, question, thread, channel="api", gate=state.turns, listener=listener
    )
    return answer.model_copy(update={"answer": allowed_links_only(answer.answer, state.links)})


def _turn_event(event: TurnEvent) -> bytes:
    if isinstance(event, Token):
        return _event("token", {"text": event.text})
    if isinstance(event, Restart):
        return _event("progress", {"stage": "restarted", "reason": event.reason})
    progress = {"stage": "tool", "tool": event.tool, "status": event.status, "call_id": event.call_id}
    return _event("progress", progress if event.ok is None else {**progress, "ok": event.ok})


async def _stream(state: ApiState, viewer: Viewer, question: str, thread: str) -> AsyncGenerator[bytes, None]:
    started = time.monotonic()
    events: asyncio.Queue[TurnEvent | None] = asyncio.Queue()
    task = asyncio.create_task(_answer(state, viewer, question, thread, events.put_nowait))
    task.add_done_callback(lambda _: events.put_nowait(None))
    try:
        yield _event("progress", {"stage": "received", "thread_id": thread})
        while (event := await _next(events, started)) is not None:
            yield event
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


async def _next(events: asyncio.Queue[TurnEvent | None], started: float) -> bytes | None:
    """The next event of the turn, a ``working`` heartbeat after a second without one, or None
    when the turn is over."""
    try:
        event = await asyncio.wait_for(events.get(), timeout=HEARTBEAT_SECONDS)
    except TimeoutError:
        return _event(
            "progress", {"stage": "working", "elapsed_ms": round((time.monotonic() - started) * 1000)}
        )
    return None if event is None else _turn_event(event)


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
            "`progress` (received, each tool call started and finished, working), `token`, `answer`, "
            "`error` and `done` events.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
            "links": {
                "FollowUp": link(
                    "Ask a follow-up in the same conversation.",
                    "post",
                    "/v1/ask",
                    {"thread_id": "$response.body#/thread_id"},
                ),
                "Thread": parameter_link(
                    "The conversation so far.",
                    "get",
                    "/v1/threads/{thread_id}",
                    {"thread_id": "$response.body#/thread_id"},
                ),
                **account_plan_links("/records/0/name"),
            },
        },
        **error_responses(400, 401, 404, 408, 413, 422, 429, 503),
    },
)
async def ask(body: AskRequest, request: Request, viewer: ViewerDep, state: StateDep) -> Any:
    """Answer one question as the token's user; every figure comes from the data the user may see.
    Leave `thread_id` out to start a conversation; a `thread_id` you have no conversation under is
    a 404. With `Accept: text/event-stream`, the answer streams as server-sent events: `progress`
    for each tool call, `token` as a streaming model writes, then `answer`, `done`."""
    request.state.question = body.question  # for the audit entry of a refusal
    limit = state.context.settings.api_max_question_chars
    if len(body.question) > limit:
        raise HTTPException(
            422, f"the question is too long ({len(body.question)} characters; the limit is {limit})"
        )
    if body.thread_id is not None and not await state.context.assistant.has_thread(viewer, body.thread_id):
        raise HTTPException(
            404,
            f"no conversation with thread id {body.thread_id!r}; leave thread_id out to start a new one",
        )
    thread = body.thread_id or uuid.uuid4().hex[:12]
    if EVENT_STREAM in request.headers.get("accept", ""):
        return TurnStream(
            _stream(state, viewer, body.question, thread),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return await _answer(state, viewer, body.question, thread)
