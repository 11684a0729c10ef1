"""The Slack app under test: the real Bolt app behind its HTTP endpoint, its Web API client on a
loopback :class:`~tests.fakes.FakeSlack`, over the hand-built CRM, answering with the offline
planner. Requests are signed exactly as Slack signs them."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import update

from assistant.bootstrap import AppContext, build_app_context
from assistant.interfaces.slack.app import build_slack_app
from assistant.interfaces.slack.http import EVENTS_PATH, create_slack_http_app
from assistant.interfaces.slack.runtime import SlackRuntime
from tests.fakes import FakeSlack, SlackCall
from tests.tools import crm
from tools.store.schema import User

SECRET = "test-signing-secret"
#: The methods that send a message: for everyone in the channel, or for one person.
MESSAGES = ("chat.postMessage", "chat.postEphemeral")
RITA = "U_RITA"  # mapped by users.slack_user_id
RAVI = "U_RAVI"  # mapped by the email on the Slack profile
STRANGER = "U_STRANGER"  # on Slack, not in Salesplan


def signature_headers(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def slack_context(fake: FakeSlack, **settings: object) -> AppContext:
    context = build_app_context(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_link_hosts=["cobalt.example"],
        **settings,
    )
    crm.load(context.engine)
    with context.engine.begin() as connection:
        connection.execute(update(User).where(User.id == 4).values(slack_user_id=RITA))
    fake.users.update({RAVI: "Ravi@Cobalt.example", STRANGER: "stranger@elsewhere.example"})
    return context


@dataclass
class SlackHarness:
    client: TestClient
    fake: FakeSlack
    runtime: SlackRuntime
    context: AppContext

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
        return self.client.post(
            EVENTS_PATH,
            content=body,
            headers={"Content-Type": content_type, **signature_headers(body), **(headers or {})},
        )

    def event(
        self, event: dict[str, Any], event_id: str = "Ev1", headers: dict[str, str] | None = None
    ) -> Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, "application/json", headers)

    def mention(
        self, text: str, *, user: str = RITA, ts: str = "1700000001.000100", **extra: Any
    ) -> Response:
        event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "ts": ts, "channel": "C1"}
        return self.event({**event, **extra}, event_id=f"Ev{ts}")

    def command(self, text: str, *, user: str = RITA, trigger: str = "trig1") -> Response:
        body = urllib.parse.urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "channel_id": "C1",
                "user_id": user,
                "command": "/salesplan",
                "text": text,
                "response_url": self.fake.response_url(trigger),
                "trigger_id": trigger,
            }
        )
        return self.post(body, "application/x-www-form-urlencoded")

    def click(
        self,
        posted: SlackCall,
        action_id: str,
        *,
        user: str = RITA,
        option: str | None = None,
        label: str | None = None,
    ) -> Response:
        """Click the element ``action_id`` (the button labelled ``label``, or pick ``option`` of a
        menu) of a message the app posted, as ``user``; an ephemeral message comes without its
        blocks, as Slack sends it."""
        blocks = posted_blocks(posted)
        block, element = next(
            (b, e)
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith(action_id) and (label is None or e["text"]["text"] == label)
        )
        action: dict[str, Any] = {
            "type": element["type"],
            "action_id": element["action_id"],
            "block_id": block.get("block_id", "b1"),
            "action_ts": str(time.time()),
        }
        if option is not None:
            action["selected_option"] = next(o for o in element["options"] if o["value"] == option)
        elif "value" in element:
            action["value"] = element["value"]
        channel = str(posted.args.get("channel", ""))
        ts = str(posted.args.get("ts") or posted.response.get("ts") or posted.response.get("message_ts"))
        payload: dict[str, Any] = {"actions": [action]}
        if posted.method == "views.publish":
            payload |= {"container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1", "type": "home"}}
        else:
            name = "directmessage" if channel.startswith("D") else "sales"
            container = {"type": "message", "channel_id": channel, "message_ts": ts}
            payload |= {"channel": {"id": channel, "name": name}, "container": container}
            if posted.method == "chat.postEphemeral":
                container["is_ephemeral"] = True
            else:
                message = {"ts": ts, "blocks": blocks, "thread_ts": posted.args.get("thread_ts")}
                payload["message"] = {k: v for k, v in message.items() if v}
        return self.action(payload, user=user)

    def action(self, payload: dict[str, Any], *, user: str = RITA) -> Response:
        """A signed ``block_actions`` interaction, as ``user``."""
        body = {
            "type": "block_actions",
            "token": "legacy",
            "team": {"id": "T1"},
            "api_app_id": "A1",
            "user": {"id": user},
            "response_url": self.fake.response_url("act"),
            "trigger_id": f"trig-{time.time()}",
            **payload,
        }
        return self.post(
            urllib.parse.urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
        )

    def reply_to(self, ts: str, timeout: float = 20.0) -> SlackCall:
        """The message the app sent (for everyone or for the asker alone) in answer to the question
        at ``ts``: the last one sent while the question carried the "working on it" reaction (so ask
        one question at a time: an ephemeral answer at the top level names no thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.fake.of(("reactions.add", "reactions.remove", *MESSAGES))
            marks = [i for i, c in enumerate(calls) if c.args.get("timestamp") == ts]
            if len(marks) >= 2 and calls[marks[-1]].method == "reactions.remove":
                sent = [c for c in calls[marks[0] : marks[-1]] if c.method in MESSAGES]
                assert sent, f"nothing was sent in answer to {ts}"
                return sent[-1]
            time.sleep(0.02)
        raise AssertionError(f"no answer to the question at {ts}")

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until no answer is still running."""
        deadline = time.monotonic() + timeout
        while self.runtime.pending and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.runtime.pending, "answers still running"


@contextmanager
def slack_app(fake: FakeSlack, context: AppContext | None = None) -> Iterator[SlackHarness]:
    context = context or slack_context(fake)
    app, runtime = build_slack_app(context)
    with TestClient(create_slack_http_app(app, runtime)) as client:
        yield SlackHarness(client, fake, runtime, context)


def posted_blocks(call: SlackCall) -> list[dict[str, Any]]:
    """The blocks of a message or Home tab the app sent."""
    source = call.args["view"] if call.method == "views.publish" else call.args
    if isinstance(source, str):
        source = json.loads(source)
    blocks = source.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def posted_text(fake: FakeSlack) -> str:
    """Everything the app sent to Slack, as one string (for checks that nothing unsafe went out)."""
    return "\n".join(json.dumps(call.args, ensure_ascii=False) for call in fake.calls)
