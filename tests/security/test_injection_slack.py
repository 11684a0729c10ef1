"""Slack broadcasts and links planted in CRM fields (an account name, a deal name, a next step,
an activity subject, a contact name) reach Slack as text: in answers to mentions, slash-command
replies, drafted plans and the daily stalled-deal digest, ``<!channel>``, ``<!everyone>``,
``<!here>``, ``<!subteam^…>`` and ``@channel`` / ``@here`` / ``@everyone`` notify no one, and no
link to the attacker's host is made: answers drop it ("(link to evil.example removed)"); record
text quoted in lists (stalled deals, the digest, error replies) keeps the URL as characters in
``verbatim`` text objects, which Slack does not turn into links."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.bootstrap import AppContext
from assistant.interfaces.slack.app import web_client
from assistant.interfaces.slack.digest import run_digest
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import SECRET, SlackHarness, slack_app
from tests.security.conftest import World, app_context
from tests.security.injection import EVIL, PASSAGE, plant
from tests.security.playbook import Playbook

RAW = re.compile(r"<!(?:channel|everyone|here|subteam\^[^>]*)>|@(?:channel|everyone|here)\b")


@pytest.fixture(scope="module")
def planted_slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlackHarness, AppContext]]:
    with FakeSlack().running() as fake:
        context = app_context(
            tmp_path_factory.mktemp("planted-slack") / "home",
            playbook=Playbook((PASSAGE,)),
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            slack_link_hosts=["cobalt.example"],
        )
        plant(context.engine)
        with slack_app(fake, context) as harness:
            yield harness, context
        context.engine.dispose()


MARKERS = ("IGNORE PREVIOUS INSTRUCTIONS", "pixel", "Ann Buyer", "click here")


def linkable(args: dict[str, Any]) -> list[str]:
    """Where the attacker's URL could become a link: Slack link markup, or a text object Slack
    formats itself (not ``verbatim``), or a message's text when it has no blocks, or a file."""
    found = []
    text = json.dumps(args, ensure_ascii=False)
    found += re.findall(rf"<https?://[^>|]*{re.escape(EVIL)}[^>]*>", text)
    blocks = args.get("blocks")
    listed = json.loads(blocks) if isinstance(blocks, str) else blocks or []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if (
                node.get("type") == "mrkdwn"
                and f"://{EVIL}" in node.get("text", "")
                and node.get("verbatim") is not True
            ):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(listed)
    if not listed and f"://{EVIL}" in str(args.get("text", "")):
        found.append(str(args["text"]))
    if f"://{EVIL}" in str(args.get("_body", "")):  # an uploaded file
        found.append(str(args["_body"])[:200])
    return found


def check(fake: FakeSlack, start: int) -> None:
    calls = fake.calls[start:]
    posted = "\n".join(json.dumps(c.args, ensure_ascii=False) for c in calls)
    assert any(marker in posted for marker in MARKERS)  # the planted text was posted…
    assert RAW.findall(posted) == []  # …and can notify no one
    assert [found for c in calls for found in linkable(c.args)] == []  # …nor link to the attacker


@pytest.mark.parametrize(
    "question",
    [
        "tell me about Acme",
        "which of my deals are stalled?",
        "what does the playbook say about multi-threading?",
    ],
)
def test_a_mention_answer_notifies_no_one(
    planted_slack: tuple[SlackHarness, AppContext], world: World, question: str
) -> None:
    slack, _ = planted_slack
    start = len(slack.fake.calls)
    slack.mention(question, user="U_RITA", ts=f"1950000000.{start:06d}")
    slack.reply_to(f"1950000000.{start:06d}")  # for Rita alone, or for the channel (the playbook)
    slack.settle()
    check(slack.fake, start)


@pytest.mark.parametrize("text", ["stalled", "plan account Acme", "ask who are my contacts at Acme?"])
def test_a_command_reply_notifies_no_one(planted_slack: tuple[SlackHarness, AppContext], text: str) -> None:
    slack, _ = planted_slack
    start = len(slack.fake.calls)
    slack.command(text, user="U_RITA", trigger=f"inj{start}")
    slack.settle()
    assert [c for c in slack.fake.calls[start:] if c.path == f"/response/inj{start}"]
    check(slack.fake, start)


def test_the_digest_notifies_no_one(planted_slack: tuple[SlackHarness, AppContext]) -> None:
    slack, context = planted_slack
    start = len(slack.fake.calls)
    report = asyncio.run(run_digest(context, web_client(context.settings), day=dt.date(2026, 11, 23)))
    assert report.counts()["sent"] >= 3
    check(slack.fake, start)


def test_the_home_tab_notifies_no_one(planted_slack: tuple[SlackHarness, AppContext]) -> None:
    slack, _ = planted_slack
    start, published = len(slack.fake.calls), len(slack.fake.of("views.publish"))
    event = {"type": "app_home_opened", "user": "U_RITA", "channel": "DU_RITA", "tab": "home"}
    slack.event(event, event_id=f"EvInjHome{start}")
    slack.fake.wait_for("views.publish", count=published + 1)
    slack.settle()
    check(slack.fake, start)
