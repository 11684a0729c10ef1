"""Privacy in channels and answers in direct messages, through signed requests into the real Bolt
app (HTTP mode, its Web API client on the loopback fake): an answer with the asker's data goes to
the asker alone unless they say to share it; a direct message is answered in the direct message,
one conversation a day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.audit import AuditEntry, AuditLog
from assistant.interfaces.slack.listeners.commands import parse_command, share_words
from assistant.interfaces.slack.privacy import is_private, read_share
from assistant.interfaces.slack.replies import Place
from assistant.service import Answer, ProposedChangeRef, ToolCallRecord
from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import (
    MESSAGES,
    RITA,
    SlackHarness,
    posted_blocks,
    slack_app,
    slack_context,
)
from tests.security.playbook import Playbook

DAY = 86_400


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        context = slack_context(fake)
        context.__dict__["knowledge"] = Playbook()  # fixed passages: no index to build
        with slack_app(fake, context) as harness:
            yield harness


def shown(call: SlackCall) -> str:
    return json.dumps(posted_blocks(call), ensure_ascii=False)


def block_types(call: SlackCall) -> list[str]:
    return [str(b["type"]) for b in posted_blocks(call)]


def direct(slack: SlackHarness, text: str, ts: str, **extra: Any) -> SlackCall:
    """Write ``text`` to the app in its direct message with Rita; the app's reply."""
    event = {"type": "message", "channel_type": "im", "channel": "D1", "user": RITA, "text": text, "ts": ts}
    assert slack.event({**event, **extra}, event_id=f"Ev{ts}").status_code == 200
    return slack.reply_to(ts)


def questions(slack: SlackHarness) -> list[tuple[str, str | None]]:
    """The questions answered, as the assistant was asked them, with their conversation."""
    return [(e.question, e.thread) for e in AuditLog(slack.context.engine).tail(50) if e.kind == "ask"]


# --- channels ---------------------------------------------------------------------------------------


def test_a_signed_mention_in_a_channel_is_answered_to_the_asker_alone_with_its_actions(
    slack: SlackHarness,
) -> None:
    """The issue's done-when: an ephemeral answer for the asker with at least one actions block."""
    assert slack.mention("which of my deals are stalled?", ts="1700000001.000100").status_code == 200
    answer = slack.reply_to("1700000001.000100")
    slack.settle()
    assert answer.method == "chat.postEphemeral"
    assert answer.args["channel"] == "C1" and answer.args["user"] == RITA
    assert "actions" in block_types(answer)  # Snooze… / Mark reviewed… over the deals it lists
    text = shown(answer)
    assert "Acme - Analytics (#O2)" in text
    assert block_types(answer)[-1] == "context" and "Only you can see this" in text and "*share*" in text
    # the channel gets nothing: no message at all, so none with Rita's deals
    assert slack.fake.of("chat.postMessage") == []
    assert [c.method for c in slack.fake.of(MESSAGES)] == ["chat.postEphemeral"]


@pytest.mark.parametrize(
    ("asked", "question"),
    [
        ("share: what's my pipeline?", "what's my pipeline?"),
        ("what's my pipeline? Post it here", "what's my pipeline?"),
        ("what's my pipeline, for the channel", "what's my pipeline"),
    ],
)
def test_a_share_word_posts_the_answer_in_the_channel_thread(
    slack: SlackHarness, asked: str, question: str
) -> None:
    slack.mention(asked, ts="1700000002.000100")
    answer = slack.reply_to("1700000002.000100")
    slack.settle()
    assert answer.method == "chat.postMessage" and slack.fake.of("chat.postEphemeral") == []
    assert answer.args["channel"] == "C1" and answer.args["thread_ts"] == "1700000002.000100"
    text = shown(answer)
    assert "$150,000 across 2 deals" in text  # Rita's figures, because she asked to share them
    assert "Shared for the channel at Rita Ruiz's request" in text and "Only you can see" not in text
    # the share words were taken out before the question was answered
    assert questions(slack) == [(question, "slack:C1:1700000002.000100")]


def test_a_playbook_question_is_posted_for_the_channel_until_the_thread_shows_data(
    slack: SlackHarness,
) -> None:
    root = "1700000003.000100"
    slack.mention("what does the playbook say about multi-threading?", ts=root)
    playbook = slack.reply_to(root)
    assert playbook.method == "chat.postMessage" and playbook.args["thread_ts"] == root
    assert "Playbook: " in shown(playbook) and "Only you can see" not in shown(playbook)
    # a data question in the same thread: for Rita alone, in the thread (it has replies now)
    slack.mention("which of my deals are stalled?", ts="1700000003.000200", thread_ts=root)
    data = slack.reply_to("1700000003.000200")
    assert data.method == "chat.postEphemeral" and data.args["thread_ts"] == root
    # from then on the conversation holds her data: even a playbook answer stays hers
    slack.mention("what does the playbook say about multi-threading?", ts="1700000003.000300", thread_ts=root)
    after = slack.reply_to("1700000003.000300")
    assert after.method == "chat.postEphemeral" and "Playbook: " in shown(after)
    slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1
    assert {thread for _, thread in questions(slack)} == {f"slack:C1:{root}"}  # one conversation


def test_help_in_a_channel_is_for_everyone(slack: SlackHarness) -> None:
    slack.mention("help", ts="1700000004.000100")
    helped = slack.reply_to("1700000004.000100")
    assert helped.method == "chat.postMessage" and "say *share*" in shown(helped)


def test_a_long_private_answer_goes_to_the_askers_direct_message_as_a_file(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.interfaces.slack.blocks.MAX_INLINE_CHARS", 200)
    slack.mention("tell me about Acme", ts="1700000005.000100")
    note = slack.reply_to("1700000005.000100")
    slack.settle()
    assert note.method == "chat.postEphemeral" and "Markdown file in our direct message" in shown(note)
    [done] = slack.fake.of("files.completeUploadExternal")
    assert done.args["channel_id"] == f"D{RITA}"  # not the channel: a file cannot be ephemeral
    [upload] = slack.fake.of("upload")
    assert "Acme Corporation" in upload.args["_body"] and slack.fake.of("chat.postMessage") == []


def test_a_shared_slash_command_is_posted_in_the_channel(slack: SlackHarness) -> None:
    slack.command("share: what's my pipeline?", trigger="t-share")
    slack.command("what's my pipeline?", trigger="t-own")
    slack.settle()
    shared = [c.args for c in slack.fake.of("response") if c.path == "/response/t-share"]
    assert shared[0]["delete_original"] is True  # the "Working on it…" message goes
    assert shared[1]["response_type"] == "in_channel" and "$150,000" in json.dumps(shared[1]["blocks"])
    assert "Shared for the channel at Rita Ruiz's request" in json.dumps(shared[1]["blocks"])
    [own] = [c.args for c in slack.fake.of("response") if c.path == "/response/t-own"]
    assert own["response_type"] == "ephemeral" and "Only you can see this" in json.dumps(own["blocks"])
    assert [q for q, _ in questions(slack)].count("what's my pipeline?") == 2


# --- direct messages --------------------------------------------------------------------------------


def test_a_direct_message_is_answered_in_the_direct_message_and_keeps_the_conversation(
    slack: SlackHarness,
) -> None:
    first = direct(slack, "how much did I book this quarter?", "1700000010.000100")
    assert first.method == "chat.postMessage" and first.args["channel"] == "D1"
    assert "thread_ts" not in first.args  # a message in the direct message, not a thread under it
    assert "Rita Ruiz booked $20,000 in 2026-Q4" in shown(first)
    follow_up = direct(slack, "and last quarter?", "1700000070.000100")
    assert "thread_ts" not in follow_up.args
    assert "2026-Q3" in shown(follow_up) and "didn't understand" not in shown(follow_up)
    # the next day starts afresh: the same words have nothing to follow
    fresh = direct(slack, "and last quarter?", f"{1700000010 + DAY}.000100")
    assert "didn't understand" in shown(fresh)
    assert [t for _, t in questions(slack)] == [
        "slack:D1:day:2023-11-14",
        "slack:D1:day:2023-11-14",
        "slack:D1:day:2023-11-15",
    ]
    assert "Only you can see" not in shown(first) and slack.fake.of("chat.postEphemeral") == []


def test_a_direct_message_in_a_thread_is_answered_in_that_thread(slack: SlackHarness) -> None:
    first = direct(slack, "how much did I book this quarter?", "1700000020.000100")
    answer_ts = str(first.response["ts"])
    reply = direct(slack, "and last quarter?", "1700000020.000200", thread_ts=answer_ts)
    assert reply.args["channel"] == "D1" and reply.args["thread_ts"] == answer_ts
    assert "2026-Q3" in shown(reply)  # a thread under the day's answer continues the day's conversation


# --- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "question", "shared"),
    [
        ("share: how is my pipeline?", "how is my pipeline?", True),
        ("Share how is my pipeline?", "how is my pipeline?", True),
        ("how is my pipeline? share", "how is my pipeline?", True),
        ("how is my pipeline? Share it with the channel.", "how is my pipeline?", True),
        ("Please post it here: how is my pipeline?", "how is my pipeline?", True),
        ("how is my pipeline and post it in the channel", "how is my pipeline", True),
        ("how is my pipeline (share)", "how is my pipeline", True),
        ("how is my pipeline — for everyone", "how is my pipeline", True),
        ("publicly: how is my pipeline?", "how is my pipeline?", True),
        ("how is my pipeline? for everyone to see", "how is my pipeline?", True),
        # words that belong to the question
        ("what's our market share?", "what's our market share?", False),
        ("share of wallet at Acme", "share of wallet at Acme", False),
        ("what is the quota for everyone?", "what is the quota for everyone?", False),
        ("what is the pipeline for the channel", "what is the pipeline for the channel", False),
        ("which accounts are traded publicly", "which accounts are traded publicly", False),
        ("share", "share", False),
    ],
)
def test_share_words(asked: str, question: str, shared: bool) -> None:
    assert read_share(asked) == (question, shared)


def test_share_words_of_a_slash_command() -> None:
    assert share_words("ask share: how is my pipeline?") == ("ask how is my pipeline?", True)
    assert share_words("share: stalled") == ("stalled", True)
    assert parse_command("share: plan account Acme").argument == "Acme"
    assert share_words("ask what's our market share?") == ("ask what's our market share?", False)


def _answer(*tools: str, citations: tuple[str, ...] = (), changes: int = 0) -> Answer:
    return Answer(
        answer="…",
        tool_calls=[ToolCallRecord(name=t, args={}) for t in tools],
        citations=list(citations),
        model="offline",
        latency_ms=1,
        thread_id="t",
        proposed_changes=[
            ProposedChangeRef(id=1, record="Acme", external_id="0061", field="stage", old=None, new="x")
        ]
        * changes,
    )


def _entry(*tools: str) -> AuditEntry:
    return AuditEntry.model_validate(
        {
            "at": "2026-11-20T10:00:00+00:00",
            "user_id": 4,
            "user_name": "Rita Ruiz",
            "role": "rep",
            "channel": "slack",
            "kind": "ask",
            "thread": "t",
            "question": "q",
            "tool_calls": [{"name": t, "args": {}} for t in tools],
            "record_ids": [],
            "model": "offline",
            "outcome": "answered",
            "detail": None,
            "latency_ms": 1,
        }
    )


@pytest.mark.parametrize(
    ("answer", "earlier", "private"),
    [
        (_answer("search_playbook", citations=("kpis.md#win-rate",)), [], False),
        (_answer("metric_definitions"), [], False),
        (_answer(), [], False),  # small talk
        (_answer(), [_entry("search_playbook")], False),
        (_answer(), [_entry("pipeline_summary")], True),  # may repeat an earlier figure
        (_answer("search_playbook"), [_entry("rep_performance")], True),
        (_answer("pipeline_summary"), [], True),
        (_answer("search_playbook", "forecast"), [], True),
        (_answer("search_playbook", citations=("account/1",)), [], True),
        (_answer(changes=1), [], True),
    ],
)
def test_is_private(answer: Answer, earlier: list[AuditEntry], private: bool) -> None:
    assert is_private(answer, earlier) is private


def test_where_a_question_belongs() -> None:
    channel = Place.of({"user": "U1", "channel": "C1", "ts": "1700000000.1", "thread_ts": "1690000000.5"})
    assert (channel.thread_id(), channel.root, channel.direct) == (
        "slack:C1:1690000000.5",
        "1690000000.5",
        False,
    )
    dm = Place.of({"user": "U1", "channel": "D9", "ts": "1700000000.1"})  # a mention in a direct message
    assert dm.direct and dm.thread_id() == "slack:D9:day:2023-11-14"
    in_thread = Place.of(
        {
            "user": "U1",
            "channel": "D9",
            "channel_type": "im",
            "ts": "1700090000.1",
            "thread_ts": "1700000000.1",
        }
    )
    assert in_thread.thread_id() == dm.thread_id()  # the day of the thread's first message
