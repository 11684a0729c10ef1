"""Loopback fakes of the HTTP APIs Salesplan talks to (no test reaches the network).

:class:`FakeOpenAI` serves the OpenAI Chat Completions API on 127.0.0.1 from a script: each
request takes the next scripted reply (a tool-call turn, a text turn, an error status with
headers, or a hang), and every request body is recorded. Its quirk switches play a self-hosted
server (the llama-cpp-python one): ``reject_null_content`` answers 500 to an assistant message
whose content is null, ``require_max_tokens`` answers 400 to a request without ``max_tokens``.
:class:`FakeSlack` serves the Slack Web API the same way and records every call.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.interfaces.block_kit import view_violations, violations


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0


def text_reply(content: str) -> Reply:
    return Reply(body=_completion({"role": "assistant", "content": content}, "stop"))


def tool_reply(*calls: tuple[str, dict[str, Any] | str]) -> Reply:
    """A turn calling tools; a ``str`` argument payload is sent as is (to fake malformed JSON)."""
    tool_calls = [
        {
            "id": f"call_{i}_{name}",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for i, (name, args) in enumerate(calls)
    ]
    return Reply(
        body=_completion({"role": "assistant", "content": None, "tool_calls": tool_calls}, "tool_calls")
    )


def text_tool_reply(name: str, args: dict[str, Any], style: str = "json") -> Reply:
    """A turn with a tool call written as text, as small models do: ``json``, ``fence`` or ``tag``."""
    call = json.dumps({"name": name, "arguments": args})
    text = {
        "json": call,
        "fence": f"I will look that up.\n```json\n{call}\n```",
        "tag": f"<tool_call>\n{call}\n</tool_call>",
    }[style]
    return text_reply(text)


def error_reply(status: int, retry_after: float | None = None) -> Reply:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return Reply(
        status=status,
        body={"error": {"message": f"fake error {status}", "type": "server_error"}},
        headers=headers,
    )


def hang_reply(seconds: float) -> Reply:
    return Reply(hang_seconds=seconds, body=_completion({"role": "assistant", "content": "too late"}, "stop"))


def _completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class FakeOpenAI:
    """A scripted OpenAI-compatible server; ``repeat_last`` keeps replaying the final reply."""

    def __init__(self, *, reject_null_content: bool = False, require_max_tokens: bool = False) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.repeat_last = False
        self.reject_null_content = reject_null_content
        self.require_max_tokens = require_max_tokens
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> FakeOpenAI:
        self.replies.extend(replies)
        return self

    def _quirk(self, body: dict[str, Any]) -> Reply | None:
        """The error a self-hosted server would send for ``body`` (a scripted reply is not used)."""
        messages = body.get("messages", [])
        if self.reject_null_content and any(
            m.get("role") == "assistant" and m.get("content") is None for m in messages
        ):
            self.rejected.append("null content")
            return error_reply(500)
        if self.require_max_tokens and not isinstance(body.get("max_tokens"), int):
            self.rejected.append("no max_tokens")
            return Reply(status=400, body={"error": {"message": "max_tokens is required", "type": "bad"}})
        return None

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if (rejection := self._quirk(body)) is not None:
                return rejection
            if not self.replies:
                return error_reply(500)
            if self.repeat_last and len(self.replies) == 1:
                return self.replies[0]
            return self.replies.pop(0)

    @contextmanager
    def running(self) -> Iterator[FakeOpenAI]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                reply = fake._next(body)
                if reply.hang_seconds:
                    time.sleep(reply.hang_seconds)
                payload = json.dumps(reply.body or {}).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in {"content-type": "application/json", **reply.headers}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class SlackCall:
    """One request the fake Slack received: the Web API method (or ``upload`` / ``response``), what
    the fake answered (a Web API method's JSON), and the raw body (an upload's bytes)."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    path: str
    response: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class SlackFile:
    """A file going through the external upload flow: announced, its bytes received, shared."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None


#: Methods whose ``blocks`` are a message's (a view's are checked as a view).
MESSAGE_METHODS = {
    "chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage",
    "files.completeUploadExternal", "response",
}  # fmt: skip
VIEW_METHODS = {"views.publish", "views.open", "views.update", "views.push"}


class FakeSlack:
    """A loopback fake of the Slack Web API that records every call.

    Serves ``/api/<method>`` (form, JSON or query arguments), the file upload URLs it hands out,
    and ``/response/<id>`` (slash-command ``response_url``). ``users`` maps Slack user ids to
    profile emails for ``users.info`` and ``users.lookupByEmail``; ``failures`` makes a method
    answer ``{"ok": false, "error": …}``; ``rate_limited`` maps a method to the ``Retry-After``
    seconds of the HTTP 429 answers it gives before it succeeds (each refused call is also kept in
    ``refused``). Each Web API call keeps what the fake answered in its ``response``.

    ``chat.postEphemeral`` needs a channel and a user (``message_ts`` back); ``views.publish`` a
    ``user_id`` and a view of type ``home`` (the view back, and kept in ``homes`` by user).

    File uploads follow Slack's external upload flow (docs.slack.dev, ``files.getUploadURLExternal``
    and ``files.completeUploadExternal``): ``files.getUploadURLExternal`` takes ``filename`` and
    ``length`` (bytes; a missing or zero length is ``missing_argument``) and answers an
    ``upload_url`` on this server and a ``file_id``; a POST of the bytes to that URL answers 200
    ``OK - <length>`` (404 for a URL it did not hand out); ``files.completeUploadExternal`` takes
    ``files`` (a JSON list of ``{id, title}``) and shares them in ``channel_id`` (with
    ``initial_comment``, ``thread_ts``, or ``blocks``), and refuses an id that was not uploaded
    (``file_not_found``) or whose bytes differ in length from what was announced
    (``invalid_arguments``). The files are kept in ``files`` (by id, with their bytes).

    Every message and view it receives is checked against Block Kit's limits
    (:mod:`tests.interfaces.block_kit`): one that breaks any is answered ``invalid_blocks``, as Slack
    does, and kept in ``violations``; leaving :meth:`running` with violations fails the test. A
    message holds at most 50 blocks, a Home tab 100.
    """

    BOT_USER = "UBOT"

    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self.users: dict[str, str] = {}
        self.failures: dict[str, str] = {}
        self.rate_limited: dict[str, list[int]] = {}
        self.refused: list[SlackCall] = []
        self.homes: dict[str, dict[str, Any]] = {}
        self.files: dict[str, SlackFile] = {}
        self.violations: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.origin}/response/{key}"

    def of(self, method: str | tuple[str, ...]) -> list[SlackCall]:
        """The calls of ``method`` (or of any of several methods), in order."""
        methods = (method,) if isinstance(method, str) else method
        with self._lock:
            return [c for c in self.calls if c.method in methods]

    def wait_for(
        self, method: str | tuple[str, ...], count: int = 1, timeout: float = 20.0
    ) -> list[SlackCall]:
        """The calls of ``method`` once there are at least ``count`` (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {[c.method for c in self.calls]}")

    def check_blocks(self, method: str, args: dict[str, Any]) -> list[str]:
        """The Block Kit limits the message or view in ``args`` breaks (kept in ``violations``)."""
        view = _decoded(args.get("view"))
        if method in VIEW_METHODS and isinstance(view, dict):
            found = view_violations(view)
        elif method in MESSAGE_METHODS and args.get("blocks") not in (None, "", "[]"):
            text = args.get("text") if isinstance(args.get("text"), str) else None
            found = violations(args["blocks"], text=text)
        else:
            return []
        if found:
            with self._lock:
                self.violations.append((method, found))
        return found

    def _start_upload(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        filename, length = args.get("filename"), str(args.get("length") or "0")
        if not filename or not length.isdigit() or int(length) <= 0:
            return {"ok": False, "error": "missing_argument"}
        file_id = f"F{ts.replace('.', '')}"
        with self._lock:
            self.files[file_id] = SlackFile(file_id, str(filename), int(length), args.get("alt_txt"))
        return {"ok": True, "upload_url": f"{self.origin}/upload/v1/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, content: bytes) -> tuple[int, bytes]:
        with self._lock:
            found = self.files.get(file_id)
            if found is None:
                return 404, b"not found"
            found.content = content
        return 200, f"OK - {len(content)}".encode()

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        listed = args.get("files")
        listed = json.loads(listed) if isinstance(listed, str) else listed
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        with self._lock:
            for item in listed:
                found = self.files.get(str(item.get("id")))
                if found is None or found.content is None:
                    return {"ok": False, "error": "file_not_found"}
                if len(found.content) != found.length:
                    return {"ok": False, "error": "invalid_arguments"}
                found.title = item.get("title") or found.filename
                found.channel, found.thread_ts = args.get("channel_id"), args.get("thread_ts")
                shared.append(
                    {
                        "id": found.id,
                        "name": found.filename,
                        "title": found.title,
                        "size": found.length,
                        "permalink": f"{self.origin}/files/{found.id}",
                    }
                )
        return {"ok": True, "files": shared}

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in self.failures:
            return {"ok": False, "error": self.failures[method]}
        if found := self.check_blocks(method, args):
            return {"ok": False, "error": "invalid_blocks", "errors": found}
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": self.BOT_USER, "bot_id": "BBOT", "team_id": "T1", "team": "Cobalt"}
        if method == "users.info":
            user = str(args.get("user", ""))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user, "profile": {"email": self.users[user]}}}
        if method == "users.lookupByEmail":
            email = str(args.get("email", "")).casefold()
            found = next((u for u, e in self.users.items() if e.casefold() == email), None)
            return {"ok": True, "user": {"id": found}} if found else {"ok": False, "error": "users_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:9/link/?ticket={ts}"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users', 'X')}"}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"ts": ts}}
        if method == "chat.postEphemeral":
            if not args.get("channel") or not args.get("user"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "message_ts": ts}
        if method == "views.publish":
            view = _decoded(args.get("view"))
            if not args.get("user_id") or not isinstance(view, dict) or view.get("type") != "home":
                return {"ok": False, "error": "invalid_arguments"}
            published = {**view, "id": f"V{ts}", "team_id": "T1"}
            self.homes[str(args["user_id"])] = published
            return {"ok": True, "view": published}
        if method == "files.getUploadURLExternal":
            return self._start_upload(args, ts)
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        return {"ok": True}

    @contextmanager
    def running(self) -> Iterator[FakeSlack]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                split = urllib.parse.urlsplit(self.path)
                args: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
                raw = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
                kind = self.headers.get("content-type", "")
                if raw and "json" in kind:
                    args.update(json.loads(raw))
                elif raw and "x-www-form-urlencoded" in kind:
                    args.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()})
                elif raw:
                    args["_body"] = raw.decode("utf-8", "replace")
                parts = split.path.strip("/").split("/")
                method = parts[1] if parts[0] == "api" and len(parts) > 1 else parts[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = SlackCall(method, args, headers, split.path, body=raw)
                with fake._lock:
                    fake.calls.append(call)
                    waits = fake.rate_limited.get(method) if parts[0] == "api" else None
                    retry_after = waits.pop(0) if waits else None
                    if retry_after is not None:
                        fake.refused.append(call)
                if retry_after is not None:
                    self._send(
                        429, b'{"ok": false, "error": "ratelimited"}', {"retry-after": str(retry_after)}
                    )
                    return
                status = 200
                if parts[0] == "api":
                    call.response = fake._answer(method, args)
                    payload = json.dumps(call.response).encode()
                    kind_out = "application/json"
                elif parts[0] == "upload":
                    status, payload = fake._receive_upload(parts[-1], raw)
                    kind_out = "text/plain"
                else:
                    fake.check_blocks(method, args)
                    payload, kind_out = b"ok", "text/plain"
                self._send(status, payload, {"content-type": kind_out})

            def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _handle
            do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
            assert not self.violations, f"messages broke Block Kit's limits: {self.violations}"
        finally:
            self._server.shutdown()
            self._server.server_close()


def _decoded(value: Any) -> Any:
    """A JSON argument sent as a string (form posts) or as JSON already."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
