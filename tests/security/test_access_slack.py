"""Cross-user attempts through the Slack app: signed events into the Bolt app, answers posted to a
loopback fake of the Slack Web API. A representative 20 of the natural-language attempts are
mentions by the attacker's own Slack user; a forbidden account named in ``/salesplan plan
account`` gets the same reply as a missing one; each daily digest shows its reader only their
scope."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from itertools import count

import pytest

from assistant.interfaces.slack.app import web_client
from assistant.interfaces.slack.digest import run_digest
from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import SECRET, SlackHarness, slack_app
from tests.security.attacks import MADE_UP, PAIRS, attempt, pair_ids
from tests.security.conftest import World, app_context
from tests.security.world import PLANTED

#: Every eighth attempt, starting from the fourth: none of them is also in the API's subset.
SUBSET = PAIRS[3::8]
_stamps = count(1)


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        context = app_context(
            tmp_path_factory.mktemp("security-slack") / "home",
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            slack_link_hosts=["cobalt.example"],
        )
        with slack_app(fake, context) as harness:
            yield harness
        context.engine.dispose()


def slack_user(first: str) -> str:
    return f"U_{first.upper()}"


def ask(slack: SlackHarness, first: str, question: str, **where: str) -> SlackCall:
    """Mention the app as ``first`` and return the answer (for them alone, or for the channel)."""
    ts = where.pop("ts", None) or f"1800000000.{next(_stamps):06d}"
    assert slack.mention(question, user=slack_user(first), ts=ts, **where).status_code == 200
    return slack.reply_to(ts)


def command(slack: SlackHarness, first: str, text: str) -> str:
    """Run ``/salesplan text`` as ``first``; what was sent to its response URL."""
    trigger = f"trig{next(_stamps)}"
    assert slack.command(text, user=slack_user(first), trigger=trigger).status_code == 200
    slack.settle()
    path = f"/response/{trigger}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        sent = [c for c in slack.fake.calls if c.path == path]
        if sent:
            return json.dumps(sent[-1].args, ensure_ascii=False)
        time.sleep(0.02)
    raise AssertionError(f"no reply to /salesplan {text}")


@pytest.mark.parametrize(("attacker", "number"), SUBSET, ids=pair_ids(SUBSET))
def test_an_attempt_through_slack_reveals_nothing(
    slack: SlackHarness, world: World, attacker: str, number: int
) -> None:
    attack = attempt(world.org, world.sights[attacker], attacker, number)
    post = ask(slack, attacker, attack.question)
    slack.settle()
    text = json.dumps(post.args, ensure_ascii=False)
    assert world.sights[attacker].leaks(text, attack.question) == [], (attack.question, text[:600])


def test_a_plan_for_a_forbidden_account_is_refused_like_a_missing_one(
    slack: SlackHarness, world: World
) -> None:
    for attacker in ("rita", "max"):
        missing = command(slack, attacker, f"plan account {MADE_UP.account_words}")
        for planted in PLANTED.values():
            if planted.deal_id in world.sights[attacker].ids["opportunity"]:
                continue
            hidden = command(slack, attacker, f"plan account {planted.account_words}")
            assert world.sights[attacker].leaks(hidden) == []

            def same(text: str, typed: str) -> str:
                return re.sub(r"did you mean[^\"]*", "", text.replace(typed, "…"))

            assert same(hidden, planted.account_words) == same(missing, MADE_UP.account_words)


def test_each_digest_shows_its_reader_only_their_scope(slack: SlackHarness, world: World) -> None:
    """The daily digest: every rep's and manager's direct message holds only what they may see."""
    start = len(slack.fake.calls)
    context = slack.context
    report = asyncio.run(run_digest(context, web_client(context.settings), day=dt.date(2026, 11, 23)))
    assert report.counts()["sent"] >= 5
    by_reader: dict[str, str] = {}
    for call in slack.fake.calls[start:]:
        if call.method == "chat.postMessage":
            channel = str(call.args["channel"])
            by_reader[channel.removeprefix("DU_").lower()] = json.dumps(call.args, ensure_ascii=False)
    assert {"rita", "ravi", "sam", "max", "mo", "vera"} <= set(by_reader)
    for reader, text in by_reader.items():
        assert world.sights[reader].leaks(text) == [], (reader, text[:400])


def test_a_reply_in_another_users_thread_continues_nothing_of_theirs(
    slack: SlackHarness, world: World
) -> None:
    """Memory is per person: Rita replying in the thread where Ravi asked about his account does
    not pick up his conversation."""
    root = f"1800000000.{next(_stamps):06d}"
    first = ask(slack, "ravi", "tell me about Kestrel Dynamics, for the channel", ts=root)
    assert first.method == "chat.postMessage" and "CANARY-Ravi-ACCT" in json.dumps(first.args)
    for follow_up in ("and their stalled deals?", "what was the next step there?"):
        reply = ask(slack, "rita", follow_up, thread_ts=root)
        assert reply.args.get("thread_ts") == root
        text = json.dumps(reply.args, ensure_ascii=False)
        assert world.sights["rita"].leaks(text) == [] and "Kestrel" not in text, text[:400]
