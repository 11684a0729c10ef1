"""Every Block Kit message the app builds stays within Slack's limits (:mod:`tests.interfaces.block_kit`).

Through the app: answers of every kind (mentions and ``/salesplan``), the stalled list, shared
plans, help, usage and error replies — each post is also checked by :class:`~tests.fakes.FakeSlack`.
Directly: the builders at their extremes (hundreds of deals and figures, long names and titles,
many citations and proposed changes, the digest of changes), where a message either fits or
reports that it does not (and is then sent as a file).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.interfaces.slack.actions import actions_block, deal_menus, open_in_crm_button, show_more_button
from assistant.interfaces.slack.blocks import MAX_BLOCKS, SlackMessage, context, header, markdown_message
from assistant.interfaces.slack.changes import change_actions
from assistant.interfaces.slack.confirmations import decided
from assistant.interfaces.slack.digest_changes import Changes, changes_message
from assistant.interfaces.slack.help import help_message
from assistant.interfaces.slack.privacy import COMMAND_NOTE, MENTION_NOTE, PLAN_NOTE, shared_note
from assistant.interfaces.slack.replies import with_note
from assistant.interfaces.slack.stalled import stalled_message
from assistant.interfaces.urls import Urls
from assistant.link_policy import LinkPolicy
from assistant.service import ProposedChangeRef
from tests.fakes import FakeSlack
from tests.interfaces.block_kit import assert_fits, view_violations, violations
from tests.interfaces.slack_support import RAVI, RITA, STRANGER, SlackHarness, slack_app, slack_context
from tools.deals.stalled import StalledDeals, StalledQuery

URLS = Urls("https://crm.example/{kind}/{external_id}", "https://salesplan.example")
POLICY = LinkPolicy.of(["crm.example", "salesplan.example"])
#: Answers in a channel: posted, or for the asker alone when they show the asker's data.
ANSWERS = ("chat.postMessage", "chat.postEphemeral")
QUESTIONS = [
    (RITA, "which of my deals are stalled?"),
    (RITA, "what's my pipeline?"),
    (RITA, "what's my forecast this quarter?"),
    (RITA, "tell me about Acme before my call"),
    (RITA, "what is my win rate this year?"),
    (RITA, "how do I recover a deal with no next step?"),
    (RITA, "what should I do about the Acme - Analytics deal?"),
    (RAVI, "what are my biggest open deals?"),
    (RAVI, "how is my territory doing?"),
    (RITA, "hello"),
    (STRANGER, "which of my deals are stalled?"),
    (RITA, "x" * 400 + "?"),  # a question longer than a header holds
]


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        fake.users["U_MAX"] = "max@cobalt.example"
        context = slack_context(fake, public_url="https://salesplan.example", debug=True)
        with slack_app(fake, context) as harness:
            yield harness


def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks  # type: ignore[no-any-return]


def test_the_checker_finds_each_broken_limit() -> None:
    ok = [header("Fine"), {"type": "section", "text": {"type": "mrkdwn", "text": "fine"}}]
    assert violations(ok) == []
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}}
    wide = {**button, "text": {"type": "plain_text", "text": "b" * 76}}
    buttons = [{**button, "action_id": f"a{i}"} for i in range(26)]
    broken = {
        "51 blocks": [section] * 51,
        "3001 characters": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3_001}}],
        "11 fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "2001 characters": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2_001}]}],
        "151 characters": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "type 'mrkdwn'": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "76 characters": [{"type": "actions", "elements": [wide]}],
        "256 characters": [{"type": "actions", "elements": [{**button, "action_id": "a" * 256}]}],
        "26 elements": [{"type": "actions", "elements": buttons}],
        "repeated action_id": [{"type": "actions", "elements": [button, button]}],
        "repeated block_id": [{**section, "block_id": "b"}, {**section, "block_id": "b"}],
        "11 context elements": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "empty text": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
        "unknown block type": [{"type": "sectoin", "text": {"type": "mrkdwn", "text": "x"}}],
    }  # fmt: skip
    for expected, blocks in broken.items():
        found = violations(blocks)
        assert any(expected in problem for problem in found), (expected, found)
    home = {"type": "home", "blocks": [section] * 100}
    assert view_violations(home) == [] and view_violations({**home, "blocks": [section] * 101})


def test_answers_of_every_kind_fit(slack: SlackHarness) -> None:
    for n, (user, question) in enumerate(QUESTIONS):
        slack.mention(question, user=user, ts=f"1700000100.{n:06d}")
        slack.fake.wait_for(ANSWERS, n + 1)
        slack.settle()
    posts = slack.fake.of(ANSWERS)
    assert len(posts) == len(QUESTIONS)
    headers = []
    for post in posts:
        blocks = _blocks(post.args)
        assert_fits(blocks, text=post.args["text"])
        headers += [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert "Which of my deals are stalled?" in headers
    assert any(h.endswith("…") and len(h) <= 150 for h in headers)  # the long question, cut
    assert slack.fake.violations == []


def test_slash_command_replies_of_every_kind_fit(slack: SlackHarness) -> None:
    acks = [slack.command(text, trigger=f"ack{n}").json() for n, text in enumerate(["help", "ask", "plan"])]
    for ack in acks:
        assert_fits(ack.get("blocks", []), text=ack["text"])
    commands = ["stalled", "ask how is my pipeline?", "plan account Acme", "plan account Nobody Inc"]
    for n, text in enumerate(commands):
        slack.command(text, trigger=f"t{n}")
    slack.command("plan territory", user="U_MAX", trigger="t-territory")
    replies = slack.fake.wait_for("response", len(commands) + 1)
    slack.settle()
    for reply in replies:
        assert_fits(_blocks(reply.args), text=reply.args["text"])
    assert any("couldn't do that" in json.dumps(r.args["blocks"]) for r in replies)  # the error reply
    assert slack.fake.violations == []


def _stalled(slack: SlackHarness) -> StalledDeals:
    viewer = slack.context.viewer("Rita Ruiz")
    return slack.context.reads.run_tool(viewer, "stalled_deals", StalledQuery(limit=25), returns=StalledDeals)


def test_the_stalled_list_and_the_digest_fit_at_their_extremes(slack: SlackHarness) -> None:
    real = _stalled(slack)
    assert real.deals
    long = "Global Mega Holdings International " * 10
    many = [
        deal.model_copy(
            update={"id": f"opportunity/{1000 + i}", "name": f"{long}{i}", "external_id": f"X{i}"}
        )
        for i in range(300)
        for deal in real.deals[:1]
    ]
    result = real.model_copy(update={"deals": many})
    for message in (stalled_message(result, urls=URLS), stalled_message(result, "Max's team", URLS)):
        assert_fits(message.blocks, text=message.text)
    changes = Changes(new=many[:120], slipped=many[120:200], dark=many[200:], recovered=[long] * 90)
    digest = changes_message("Good morning Rita, " + long, changes, True, dt.date(2026, 11, 20), URLS)
    assert_fits(digest.blocks, text=digest.text)


def test_help_changes_and_errors_fit() -> None:
    assert_fits(help_message("Rita " + "Ruiz" * 100).blocks)
    proposed = [
        ProposedChangeRef(
            id=i,
            record="Acme - Core " * 40,
            external_id="O1",
            field="next_step",
            old="a" * 500,
            new="b" * 500,
        )
        for i in range(3)
    ]
    actions = change_actions(proposed)
    assert_fits(actions)
    assert_fits(decided(actions, actions[0]["block_id"], "Confirmed by Rita Ruiz: " + "x" * 5_000))
    error = SlackMessage(
        text="Sorry", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "Sorry"}}]
    )
    assert_fits(error.blocks)


@pytest.mark.parametrize(
    "markdown",
    [
        "**Answer.**\n\n" + "\n".join(f"- Figure {i}: ${i:,}" for i in range(95)),
        "**Answer.**\n\n" + "\n\n".join(f"## Part {i}\nText {i} " + "word " * 50 for i in range(30)),
        "**Answer.**\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(80)),
        "**Answer.**\n\n" + "x" * 12_000,
        "# "
        + "T" * 400
        + "\n\n"
        + "| a | b |\n| --- | --- |\n"
        + "\n".join(f"| {i} | {i} |" for i in range(900)),
        "**Answer** [stalled-deal-recovery.md#stuck-in-stage-diagnosis-and-steps] "
        + " ".join(f"[kpis.md#pipeline-coverage~{i}]" for i in range(300)),
    ],
    ids=["95 figures", "30 sections", "80 paragraphs", "one long line", "long title and table", "citations"],
)
def test_an_answer_either_fits_or_says_it_does_not(markdown: str) -> None:
    citations = [f"kpis.md#section-{i}" for i in range(40)] + [f"opportunity/{i}" for i in range(500)]
    message = markdown_message(
        markdown,
        POLICY,
        citations,
        internals=["500 records cited", "offline · 428 ms"],
        urls=URLS,
        title="Q " * 200,
    )
    if message.fits():
        assert_fits(message.blocks, text=message.text)
    else:
        assert len(markdown) > 5_000  # only a long answer goes as a file
    assert message.blocks[0]["type"] == "header" and len(message.blocks[0]["text"]["text"]) <= 150


def test_actions_under_an_answer_stay_within_50_blocks() -> None:
    """Buttons and menus join the header, the text and the context block within 50 blocks: the
    text sections are merged to make room, and nothing of the text or the actions is lost."""
    markdown = "**Answer.**\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(46))
    deals = [(f"opportunity/{i}", f"Deal {i}") for i in range(120)]
    answer = actions_block(
        [
            *deal_menus(deals),
            show_more_button('{"tool":"stalled_deals","shown":10}'),
            open_in_crm_button(URLS.public_url or ""),
        ],
        "answer_actions",
    )
    proposed = ProposedChangeRef(
        id=7, record="Acme - Core", external_id="O1", field="stage", old="a", new="b"
    )
    actions = answer + change_actions([proposed])
    message = markdown_message(
        markdown, POLICY, ["kpis.md#pipeline-coverage"], urls=URLS, title="Q", actions=actions
    )
    assert message.fits() and len(message.blocks) <= MAX_BLOCKS
    assert_fits(message.blocks, text=message.text)
    assert message.blocks[0]["type"] == "header" and message.blocks[-1]["type"] == "context"
    assert message.blocks[-1 - len(actions) : -1] == actions
    text = json.dumps(message.blocks)
    assert all(f"Paragraph {i}." in text for i in range(46))


@pytest.mark.parametrize("note", [MENTION_NOTE, COMMAND_NOTE, PLAN_NOTE, shared_note("Rita <!channel>")])
def test_a_privacy_note_joins_a_full_answer_within_50_blocks(note: str) -> None:
    """The "Only you can see this" (or shared) note closes an answer that already fills 50 blocks:
    the text sections are merged to make room, and the text, the actions and the context stay."""
    actions = change_actions(
        [ProposedChangeRef(id=7, record="Acme - Core", external_id="O1", field="stage", old="a", new="b")]
    )
    paragraphs = MAX_BLOCKS - 3 - len(actions)  # with the answer, header and context: 50 blocks
    markdown = "**Answer.**\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(paragraphs))
    full = markdown_message(
        markdown, POLICY, ["kpis.md#pipeline-coverage"], urls=URLS, title="Q", actions=actions
    )
    assert len(full.blocks) == MAX_BLOCKS  # no room left as built
    message = with_note(full, note)
    assert_fits(message.blocks, text=message.text)
    assert message.blocks[-1] == context([note]) and message.blocks[-2] == full.blocks[-1]
    assert message.blocks[-2 - len(actions) : -2] == actions
    text = json.dumps(message.blocks)
    assert all(f"Paragraph {i}." in text for i in range(paragraphs)) and "<!channel>" not in text


def test_a_header_from_the_data_notifies_no_one() -> None:
    text = header("Plan for <!channel> and @here <!subteam^S1>")["text"]["text"]
    assert "<!" not in text and "@here" not in text and "channel" in text
