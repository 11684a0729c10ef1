"""The Slack app end to end: signed requests into the Bolt app, answers posted to a loopback fake
of the Slack Web API (which records every call), the offline planner answering."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from assistant.audit import AuditLog
from assistant.interfaces.slack.blocks import MAX_BLOCKS, SECTION_LIMIT, markdown_message
from assistant.interfaces.slack.listeners.commands import parse_command
from assistant.link_policy import LinkPolicy
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import (
    RAVI,
    RITA,
    STRANGER,
    SlackHarness,
    posted_text,
    signature_headers,
    slack_app,
)
from tools.store.schema import Opportunity, SlackDelivery


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake, slack_app(fake) as harness:
        yield harness


def blocks_text(args: dict[str, object]) -> str:
    blocks = args["blocks"]
    listed = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert isinstance(listed, list)
    return json.dumps(listed, ensure_ascii=False)


def test_a_mention_is_acknowledged_at_once_and_answered_for_the_asker_alone(slack: SlackHarness) -> None:
    started = time.monotonic()
    response = slack.mention("which of my deals are stalled?")
    assert response.status_code == 200 and time.monotonic() - started < 3
    [post] = slack.fake.wait_for("chat.postEphemeral")
    slack.settle()
    # under the question in the channel: Slack shows an ephemeral reply in a thread only once it has replies
    assert post.args["channel"] == "C1" and post.args["user"] == RITA and "thread_ts" not in post.args
    assert post.headers["authorization"] == "Bearer xoxb-test"
    text = blocks_text(post.args)
    assert "Acme - Analytics (#O2)" in text and "Stuck in Stage: Diagnosis and Steps" in text
    assert post.args["blocks"][0]["text"]["text"] == "Which of my deals are stalled?"  # the header
    assert '"type": "context"' in text  # the playbook citations in a context block
    assert post.args["blocks"][-1]["type"] == "context"  # and, last, the note that it is the asker's alone
    assert "Only you can see this" in json.dumps(post.args["blocks"][-1]) and "share" in text
    order = [c.method for c in slack.fake.calls if c.method.startswith(("reactions", "chat"))]
    assert order == ["reactions.add", "chat.postEphemeral", "reactions.remove"]  # nothing for the channel


def test_a_direct_message_is_answered_in_the_direct_message(slack: SlackHarness) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U_RITA",
        "text": "what's my pipeline?",
        "ts": "1700000002.000100",
    }
    assert slack.event(event, event_id="EvDM").status_code == 200
    [post] = slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "D1" and "thread_ts" not in post.args  # not a thread under the question
    text = blocks_text(post.args)
    assert "$150,000 across 2 deals" in text and "Only you can see" not in text  # Rita's open pipeline
    # edits and the app's own messages are acknowledged and ignored
    edited = {**event, "subtype": "message_changed", "ts": "1700000002.000200"}
    assert slack.event(edited, event_id="EvEdit").status_code == 200
    slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1


def test_a_mention_in_the_thread_continues_the_conversation(slack: SlackHarness) -> None:
    slack.mention("tell me about Acme", ts="1700000003.000100")
    first = slack.reply_to("1700000003.000100")
    slack.mention("and their stalled deals?", ts="1700000003.000200", thread_ts="1700000003.000100")
    second = slack.reply_to("1700000003.000200")
    assert first.method == second.method == "chat.postEphemeral"
    assert second.args["thread_ts"] == "1700000003.000100"  # in the thread it was asked in
    assert "Acme" in blocks_text(second.args) and "stalled" in blocks_text(second.args).casefold()
    # the same follow-up in a new thread has nothing to follow
    slack.mention("and their stalled deals?", ts="1700000004.000100")
    third = slack.reply_to("1700000004.000100")
    assert blocks_text(third.args) != blocks_text(second.args)
    assert slack.fake.of("chat.postMessage") == []


def test_slash_command_help_is_the_acknowledgement(slack: SlackHarness) -> None:
    response = slack.command("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral" and "/salesplan stalled" in json.dumps(body["blocks"])
    slack.settle()
    assert slack.fake.of("response") == []


def test_slash_command_stalled_replaces_the_working_message(slack: SlackHarness) -> None:
    response = slack.command("stalled")
    assert response.status_code == 200 and "Working on it" in response.json()["text"]
    [reply] = slack.fake.wait_for("response")
    assert reply.args["replace_original"] is True and reply.args["response_type"] == "ephemeral"
    text = json.dumps(reply.args["blocks"])
    assert "Acme - Analytics" in text and "Next step" in text and "Apex" not in text  # Rita's deals only
    [read] = AuditLog(slack.context.engine).tail()
    assert (read.user_name, read.channel, read.kind, read.question) == (
        "Rita Ruiz",
        "slack",
        "tool",
        "stalled_deals",
    )


def test_slash_command_ask_and_free_text(slack: SlackHarness) -> None:
    slack.command("ask what's my forecast?", trigger="t-ask")
    slack.command("which of my deals are stalled?", trigger="t-free")
    replies = slack.fake.wait_for("response", 2)
    by_path = {r.path: json.dumps(r.args["blocks"]) for r in replies}
    assert "forecast" in by_path["/response/t-ask"].casefold()
    assert "Acme - Analytics" in by_path["/response/t-free"]


@pytest.mark.parametrize(
    ("text", "action", "argument"),
    [
        ("", "help", ""),
        ("ask   how am I doing?", "ask", "how am I doing?"),
        ("ask", "usage", "Ask what? e.g. `/salesplan ask how is my pipeline?`"),
        ("stalled", "stalled", ""),
        ("plan account Acme Corporation", "plan account", "Acme Corporation"),
        ("plan Territory West Enterprise", "plan territory", "West Enterprise"),
        ("how is my pipeline?", "ask", "how is my pipeline?"),
    ],
)
def test_parse_command(text: str, action: str, argument: str) -> None:
    command = parse_command(text)
    assert (command.action, command.argument if action != "usage" else argument) == (action, argument)


def test_bad_signature_and_stale_timestamp_are_refused(slack: SlackHarness) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "EvBad", "event": {"type": "app_mention"}})
    forged = signature_headers(body, secret="not-the-secret")
    stale = signature_headers(body, timestamp=int(time.time()) - 6 * 60)
    for headers in (forged, stale):
        response = slack.client.post(
            "/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 401
    slack.settle()
    assert slack.fake.calls == []


def test_the_same_event_delivered_four_times_is_answered_once(slack: SlackHarness) -> None:
    event = {"type": "app_mention", "user": "U_RITA", "text": "<@UBOT> hello", "ts": "1.5", "channel": "C1"}
    statuses = [
        slack.event(
            event, event_id="EvSame", headers={"X-Slack-Retry-Num": str(n)} if n else None
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200] * 4
    slack.fake.wait_for("chat.postMessage")
    slack.settle()
    time.sleep(0.2)
    assert len(slack.fake.of("chat.postMessage")) == 1
    with slack.context.engine.connect() as connection:
        keys = set(connection.execute(select(SlackDelivery.key)).scalars())
    assert keys == {"event:EvSame", "message:C1:1.5"}  # the event, and the message it carries


def test_a_second_process_does_not_answer_an_event_the_first_took(slack: SlackHarness) -> None:
    with slack_app(slack.fake, slack.context) as other:
        event = {
            "type": "app_mention",
            "user": "U_RITA",
            "text": "<@UBOT> hello",
            "ts": "1.6",
            "channel": "C1",
        }
        slack.event(event, event_id="EvShared")
        slack.fake.wait_for("chat.postMessage")
        assert other.event(event, event_id="EvShared", headers={"X-Slack-Retry-Num": "1"}).status_code == 200
        other.settle()
        slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1


@pytest.mark.parametrize("first", ["app_mention", "message.im"])
def test_a_mention_in_a_direct_message_is_answered_once(slack: SlackHarness, first: str) -> None:
    """Slack delivers a direct message that mentions the app twice, as ``app_mention`` and as
    ``message.im``, with different event ids: the message (channel + ts) is answered once."""
    ts, text = "1700000007.000100", "<@UBOT> what's my pipeline?"
    mention = {"type": "app_mention", "user": RITA, "text": text, "ts": ts, "channel": "D1"}
    direct = {**mention, "type": "message", "channel_type": "im", "client_msg_id": "9f1c-7d2e"}
    events = {"app_mention": (mention, "EvMention"), "message.im": (direct, "EvDirect")}
    order = [first, *(name for name in events if name != first)]
    assert [slack.event(*events[name]).status_code for name in order] == [200, 200]
    [post] = slack.fake.wait_for("chat.postMessage")
    slack.settle()
    time.sleep(0.3)
    assert post.args["channel"] == "D1" and "thread_ts" not in post.args
    assert "$150,000 across 2 deals" in blocks_text(post.args)
    assert len(slack.fake.of("chat.postMessage")) == 1 and len(slack.fake.of("reactions.add")) == 1
    # another message in the same conversation is answered as usual
    slack.event({**direct, "ts": "1700000007.000200"}, event_id="EvNext")
    slack.fake.wait_for("chat.postMessage", 2)


def test_a_user_is_found_by_profile_email(slack: SlackHarness) -> None:
    slack.mention("which of my deals are stalled?", user=RAVI)
    [post] = slack.fake.wait_for("chat.postEphemeral")
    assert post.args["user"] == RAVI
    assert [c.args["user"] for c in slack.fake.of("users.info")] == [RAVI]
    text = blocks_text(post.args)
    assert "Apex" in text and "Acme" not in text


def test_an_unmapped_user_is_told_whom_to_ask_and_only_they_see_it(slack: SlackHarness) -> None:
    slack.mention("share: which of my deals are stalled?", user=STRANGER)
    [post] = slack.fake.wait_for("chat.postEphemeral")
    slack.settle()
    assert post.args["user"] == STRANGER and post.args["channel"] == "C1"
    text = blocks_text(post.args)
    assert "couldn't match your Slack account" in text and "Olga Ops (RevOps)" in text
    assert "stranger@elsewhere.example" in text and "Acme" not in text
    assert slack.fake.of("chat.postMessage") == [] and "Acme" not in posted_text(slack.fake)


def test_mentions_and_foreign_links_from_the_data_are_neutralised(slack: SlackHarness) -> None:
    with slack.context.engine.begin() as connection:
        connection.execute(
            update(Opportunity)
            .where(Opportunity.id == 2)
            .values(next_step="Pricing call @channel <!everyone> @here see https://evil.example/x")
        )
    slack.mention("which of my deals are stalled? Share it with the channel")  # where everyone reads it
    [post] = slack.fake.wait_for("chat.postMessage")
    slack.settle()
    sent = posted_text(slack.fake)
    text = blocks_text(post.args)
    assert "Pricing call" in text and "link to evil.example removed" in text
    for unsafe in ("@channel", "@here", "<!everyone>", "<!channel>", "evil.example/x"):
        assert unsafe not in sent
    assert post.args["unfurl_links"] is False


def test_a_long_text_is_split_within_slack_limits() -> None:
    paragraph = " ".join(f"word{i}" for i in range(600))  # one line of about 5,500 characters
    markdown = "**Direct answer.**\n\n" + "\n\n".join(
        f"## Section {n}\n" + "\n".join(f"- item {n}.{i}: {paragraph[:400]}" for i in range(6))
        for n in range(5)
    )
    markdown += "\n\n" + paragraph
    message = markdown_message(markdown, LinkPolicy())
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]
    assert message.fits() and len(message.blocks) <= MAX_BLOCKS
    assert all(len(s) <= SECTION_LIMIT for s in sections) and len(sections) >= 5
    assert sections[0] == "*Direct answer.*"
    joined = " ".join(" ".join(sections).split())
    assert all(f"word{i}" in joined for i in range(600)) and all(f"Section {n}" in joined for n in range(5))
    assert not markdown_message(markdown * 3, LinkPolicy()).fits()  # too long: sent as a file instead


def test_a_message_too_long_for_slack_is_uploaded_as_a_markdown_file(slack: SlackHarness) -> None:
    import asyncio

    from assistant.interfaces.slack.app import web_client
    from assistant.interfaces.slack.runtime import post

    long = "**A very long answer @here.**\n\n" + "\n".join(f"- line {i}: " + "x" * 200 for i in range(200))
    message = markdown_message(long, slack.runtime.policy)
    assert not message.fits()
    client = web_client(slack.context.settings)
    asyncio.run(post(client, slack.runtime, "C1", message, thread_ts="1.1", markdown=long, title="Big plan"))
    [ticket] = slack.fake.of("files.getUploadURLExternal")
    assert ticket.args["filename"] == "big-plan.md"
    [upload] = slack.fake.of("upload")
    assert "line 199" in upload.args["_body"] and "@here" not in upload.args["_body"]
    [done] = slack.fake.of("files.completeUploadExternal")
    assert done.args["channel_id"] == "C1" and done.args["thread_ts"] == "1.1"
    assert "A very long answer" in done.args["initial_comment"] and slack.fake.of("chat.postMessage") == []


def test_socket_mode_uses_the_configured_web_api_url(slack: SlackHarness) -> None:
    import asyncio

    from assistant.interfaces.slack.app import socket_mode_handler

    settings = slack.context.settings.model_copy(update={"slack_app_token": SecretStr("xapp-test")})
    slack.context.settings = settings

    async def connect() -> str:
        handler, _ = socket_mode_handler(slack.context)
        try:
            return str(await handler.client.issue_new_wss_url())
        finally:
            await handler.client.aiohttp_client_session.close()

    url = asyncio.run(connect())
    assert url.startswith("ws://127.0.0.1:9/")
    [call] = slack.fake.of("apps.connections.open")
    assert call.headers["authorization"] == "Bearer xapp-test"
