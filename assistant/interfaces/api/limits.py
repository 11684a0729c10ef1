"""Request body limits, as pure ASGI middleware answering with problem details.

* :class:`BodySizeLimit` — a declared ``Content-Length`` over the limit is refused (413) before
  the body is read; a chunked body is counted as it arrives and refused as soon as it passes the
  limit, so an oversized request never reaches a route.
* :class:`BodyReadTimeout` — a client that sends its headers and then dribbles the body
  (slowloris) is cut off: the whole body must arrive within ``SALESPLAN_API_BODY_TIMEOUT``
  seconds of the headers, else the answer is 408 and the connection is closed. A slow client
  costs the server one idle coroutine until then, never a worker thread. A response sent before
  the body was read whole (a route that ignores it) closes the connection too, so a client cannot
  keep it open by trickling the rest of a body nobody reads.
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.interfaces.api.problems import problem_response

CLOSE = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    """Raised while a chunked body is read (the app's handlers turn it into the 413 problem)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes:,} bytes")


class BodyTimedOut(HTTPException):
    """Raised while a body is read too slowly (the app's handlers turn it into the 408 problem)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} seconds", headers=CLOSE)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = BodyTooLarge(self.max_bytes).detail
        response = problem_response(413, detail, headers=CLOSE)
        await response(scope, receive, send)


def _expects_body(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    return b"transfer-encoding" in headers or headers.get(b"content-length", b"0").strip() not in (b"", b"0")


class BodyReadTimeout:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        complete = not _expects_body(scope)
        started = False

        async def timed_receive() -> Message:
            nonlocal complete
            if complete:  # the body is in: waiting for a disconnect (a stream) has no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BodyTimedOut(self.seconds) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def closing_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not complete and not any(name.lower() == b"connection" for name, _ in headers):
                    message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, timed_receive, closing_send)
        except BodyTimedOut as exc:
            if not started:
                response = problem_response(408, exc.detail, headers=CLOSE)
                await response(scope, receive, send)
