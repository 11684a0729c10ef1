"""Buttons and menus under answers and lists, clicked through signed ``block_actions`` requests into
the real Bolt app: each click is acknowledged at once and acted on as the Slack user who clicked."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from assistant.audit import AuditLog
from assistant.interfaces.slack.choices import choices_in
from assistant.interfaces.slack.listeners import confirmations
from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import (
    RAVI,
    RITA,
    STRANGER,
    SlackHarness,
    posted_blocks,
    slack_app,
    slack_context,
)
from tests.tools.crm import AS_OF
from tools.store.rollups import refresh_rollups
from tools.store.schema import Opportunity, User
from tools.store.schema_scores import DealSnooze
from tools.viewer import Viewer

VERA = "U_VERA"
#: Rita's deals past their close date, added to the hand-built CRM's two (14 flagged in all).
EXTRA = 12


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        context = slack_context(fake)
        with context.engine.begin() as connection:
            connection.execute(update(User).where(User.id == 1).values(slack_user_id=VERA))
        with slack_app(fake, context) as harness:
            yield harness


def add_stalled_deals(slack: SlackHarness, count: int = EXTRA) -> list[str]:
    """``count`` more deals of Rita's on Acme, each past its close date; their names."""
    names = [f"Acme - Pilot {n}" for n in range(1, count + 1)]
    rows = [
        {
            "id": 100 + n,
            "external_id": f"O{100 + n}",
            "account_id": 1,
            "owner_id": 4,
            "product_id": 3,
            "name": name,
            "stage": "Proposal",
            "amount": 5_000 + 1_000 * n,
            "probability": 0.55,
            "forecast_category": "best_case",
            "created_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
            "stage_entered_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            "close_date": AS_OF - dt.timedelta(days=n),
            "is_closed": False,
            "is_won": False,
            "next_step": f"Follow-up {n}",
            "next_step_date": AS_OF + dt.timedelta(days=7),
        }
        for n, name in enumerate(names, start=1)
    ]
    with slack.context.engine.begin() as connection:
        connection.execute(insert(Opportunity), rows)
        refresh_rollups(connection)
    return names


def answers(fake: FakeSlack) -> list[SlackCall]:
    """The messages the app sent, ephemeral or not, in order."""
    return [c for c in fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral")]


def text_of(call: SlackCall) -> str:
    return json.dumps(posted_blocks(call), ensure_ascii=False)


def elements(call: SlackCall) -> dict[str, dict[str, Any]]:
    """The interactive elements of a message, by action id."""
    return {e["action_id"]: e for b in posted_blocks(call) if b["type"] == "actions" for e in b["elements"]}


def ask(slack: SlackHarness, question: str, *, user: str = RITA, ts: str = "1700000001.000100") -> SlackCall:
    assert slack.mention(question, user=user, ts=ts).status_code == 200
    slack.fake.wait_for("reactions.remove", len(slack.fake.of("reactions.remove")) + 1)
    slack.settle()
    return answers(slack.fake)[-1]


def click(slack: SlackHarness, posted: SlackCall, action_id: str, **how: Any) -> list[SlackCall]:
    """Click, check the acknowledgement came at once, and return what the app sent after it."""
    before = len(slack.fake.calls)
    started = time.monotonic()
    response = slack.click(posted, action_id, **how)
    assert response.status_code == 200 and time.monotonic() - started < 3
    slack.settle()
    return slack.fake.calls[before:]


def test_a_channel_mention_is_answered_for_the_asker_with_an_actions_block(slack: SlackHarness) -> None:
    answer = ask(slack, "which of my deals are stalled?")
    assert answer.method == "chat.postEphemeral"
    assert answer.args["channel"] == "C1" and answer.args["user"] == RITA
    assert slack.fake.of("chat.postMessage") == []  # nothing of Rita's deals for the channel
    found = elements(answer)
    assert {"deal_snooze", "deal_reviewed"} <= set(found)
    options = {o["value"]: o["text"]["text"] for o in found["deal_snooze"]["options"]}
    assert options == {"opportunity/1": "Acme - Core (#O1)", "opportunity/2": "Acme - Analytics (#O2)"}
    assert "page_more" not in found  # both flagged deals are shown


def test_show_more_posts_the_next_page_to_the_clicker_only(slack: SlackHarness) -> None:
    names = add_stalled_deals(slack)
    answer = ask(slack, "which of my deals are stalled?")
    first = text_of(answer)
    assert "14 of your 14 open deals are stalled" in first
    more = elements(answer)["page_more"]
    assert json.loads(more["value"]) == {"tool": "stalled_deals", "shown": 5, "args": {}}
    [page] = [c for c in click(slack, answer, "page_more") if c.method.startswith("chat.post")]
    assert page.method == "chat.postEphemeral" and page.args["user"] == RITA  # in a channel: only Rita
    assert "thread_ts" not in page.args  # where the answer is: under the question, not in its empty thread
    second = text_of(page)
    assert "Stalled or at-risk deals 6–14 of 14" in second
    listed = {
        n for n in [*names, "Acme - Core", "Acme - Analytics"] if f"{n} (#" in first or f"{n} (#" in second
    }
    assert len(listed) == 14 and not any(f"{n} (#" in first for n in listed if f"{n} (#" in second)
    assert "page_more" not in elements(page)  # the last page
    on_page = {o["value"] for o in elements(page)["deal_snooze"]["options"]}
    on_answer = {o["value"] for o in elements(answer)["deal_snooze"]["options"]}
    assert len(on_page) == 9 and len(on_answer) == 5 and not on_page & on_answer  # the page's own deals


def test_show_more_never_shows_another_users_deals(slack: SlackHarness) -> None:
    add_stalled_deals(slack)
    answer = ask(slack, "which of my deals are stalled?")
    [page] = [c for c in click(slack, answer, "page_more", user=RAVI) if c.method.startswith("chat.post")]
    assert page.args["user"] == RAVI
    shown = text_of(page)
    assert "That was all of your 2 stalled or at-risk deals" in shown and "Acme" not in shown
    reads = [(e.user_name, e.question) for e in AuditLog(slack.context.engine).tail(5)]
    assert ("Ravi Rao", 'stalled_deals {"limit": 15}') in reads  # read as the clicker, in his scope
    # a value edited to ask for Rita's deals still reads only Ravi's scope
    forged = {
        **elements(answer)["page_more"],
        "value": json.dumps({"tool": "stalled_deals", "shown": 0, "args": {"owner": "Rita Ruiz"}}),
    }
    blocks = [{"type": "actions", "block_id": "x", "elements": [forged]}]
    fake_post = SlackCall("chat.postMessage", {"channel": "C1", "blocks": blocks}, {}, "", {"ts": "1.2"})
    sent = click(slack, fake_post, "page_more", user=RAVI)
    told = " ".join(text_of(c) for c in sent if c.method.startswith("chat.post"))
    assert "no person named 'Rita Ruiz'" in told and "Acme" not in told  # she is not in his scope
    # someone not in Salesplan gets a polite note and no data
    [note] = [c for c in click(slack, answer, "page_more", user=STRANGER) if c.method.startswith("chat.post")]
    assert "couldn't match your Slack account" in text_of(note) and "Acme" not in text_of(note)


def test_slash_command_stalled_pages_past_ten_deals(slack: SlackHarness) -> None:
    add_stalled_deals(slack)
    slack.command("stalled", trigger="t-stalled")
    [reply] = slack.fake.wait_for("response")
    slack.settle()
    blocks = reply.args["blocks"]
    assert "Showing the 10 riskiest of 14" in json.dumps(blocks)
    command_reply = SlackCall(
        "chat.postEphemeral", {"channel": "C1", "blocks": blocks}, {}, "", {"message_ts": "9.1"}
    )
    more = elements(command_reply)["page_more"]
    assert json.loads(more["value"])["shown"] == 10
    [page] = [c for c in click(slack, command_reply, "page_more") if c.method.startswith("chat.post")]
    assert "Stalled or at-risk deals 11–14 of 14" in text_of(page)


def test_open_in_crm_links_the_one_deal_an_answer_is_about() -> None:
    template = "https://crm.example/{kind}/{id}"
    with (
        FakeSlack().running() as fake,
        slack_app(fake, slack_context(fake, crm_record_url=template)) as slack,
    ):
        answer = ask(slack, "tell me about the Acme - Core deal")
        button = elements(answer)["open_in_crm"]
        assert (
            button["url"] == "https://crm.example/opportunity/1" and button["text"]["text"] == "Open in CRM"
        )
        account = ask(slack, "tell me about Acme", ts="1700000002.000100")
        assert elements(account)["open_in_crm"]["url"] == "https://crm.example/account/1"
        assert "open_in_crm" not in elements(
            ask(slack, "which of my deals are stalled?", ts="1700000003.000100")
        )
        assert click(slack, answer, "open_in_crm") == []  # a link: the click is only acknowledged


def test_without_a_record_url_there_is_no_open_in_crm(slack: SlackHarness) -> None:
    assert "open_in_crm" not in elements(ask(slack, "tell me about the Acme - Core deal"))


def test_a_deal_outside_the_clickers_scope_is_not_marked(slack: SlackHarness) -> None:
    answer = ask(slack, "which of my deals are stalled?")
    [told] = [
        c
        for c in click(slack, answer, "deal_snooze", user=RAVI, option="opportunity/2")
        if c.method.startswith("chat.post")
    ]
    assert "Not done: no deal named 'opportunity/2'" in text_of(told)  # as if it did not exist
    [stranger] = [
        c
        for c in click(slack, answer, "deal_reviewed", user=STRANGER, option="opportunity/2")
        if c.method.startswith("chat.post")
    ]
    assert "couldn't match your Slack account" in text_of(stranger)
    with slack.context.engine.connect() as connection:
        assert connection.execute(select(DealSnooze.user_id)).all() == []


def test_a_clarification_pick_is_answered_in_the_thread_as_if_typed(slack: SlackHarness) -> None:
    question = ask(slack, "share: how is Ra doing?", user=VERA, ts="1700000005.000100")
    assert question.method == "chat.postMessage" and question.args["thread_ts"] == "1700000005.000100"
    assert 'Which person do you mean by \\"Ra\\"' in text_of(question)
    buttons = {e["text"]["text"]: e for e in elements(question).values()}
    assert set(buttons) == {"Vera Lang", "Ravi Rao"}
    sent = click(slack, question, "choice", user=VERA, label="Ravi Rao")
    [updated] = [c for c in sent if c.method == "chat.update"]
    assert "Vera Lang picked: Ravi Rao" in text_of(updated) and '"type": "actions"' not in text_of(updated)
    [picked] = [c for c in sent if c.method.startswith("chat.post")]
    # the pick asked nothing to be shared: Ravi's figures go to Vera alone, in the thread
    assert picked.method == "chat.postEphemeral" and picked.args["user"] == VERA
    assert picked.args["channel"] == "C1" and picked.args["thread_ts"] == "1700000005.000100"
    assert "Ravi Rao booked" in text_of(picked)
    headers = [
        b["text"]["text"] for c in (question, picked) for b in posted_blocks(c) if b["type"] == "header"
    ]
    assert headers == ["How is Ra doing?", "Ravi Rao"]  # the pick's answer is headed by the option picked


def test_a_pick_on_an_answer_only_the_asker_sees_continues_its_conversation(slack: SlackHarness) -> None:
    question = ask(slack, "how is Ra doing?", user=VERA, ts="1700000006.000100")
    assert question.method == "chat.postEphemeral" and "thread_ts" not in question.args
    sent = click(slack, question, "choice", user=VERA, label="Ravi Rao")
    assert not [c for c in sent if c.method == "chat.update"]  # an ephemeral message cannot be edited
    [picked] = [c for c in sent if c.method.startswith("chat.post")]
    assert picked.method == "chat.postEphemeral" and picked.args["user"] == VERA
    assert "thread_ts" not in picked.args and "Ravi Rao booked" in text_of(picked)
    [asked] = [e for e in AuditLog(slack.context.engine).tail(10) if e.question == "Ravi Rao"]
    assert asked.thread == "slack:C1:1700000006.000100"  # the conversation of the question


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            'Which account do you mean by "Health": Apex Health or Umbrella Health?',
            ["Apex Health", "Umbrella Health"],
        ),
        (
            'Which deal do you mean by "Core"?\n\n- Acme - Core [opportunity/1]: Negotiation\n'
            "- Apex - Core [opportunity/3]: Discovery\n\nReply with one of them.",
            ["opportunity/1", "opportunity/3"],
        ),
        (
            'Which deal do you mean by "Acme"?\n\n- Acme Renewal (#0065E): Negotiation, CRM id 0065E\n'
            "- Robotics Pilot: Prospecting, $18,000\n",
            ["0065E", "Robotics Pilot"],  # as people see them: the CRM id, else the name
        ),
        ('Which rep do you mean by "Ra": Ravi Rao?', []),  # one option is not a choice
        ("Which of my deals are stalled?", []),
    ],
)
def test_the_options_of_a_clarifying_question(answer: str, expected: list[str]) -> None:
    assert [c.reply for c in choices_in(answer)] == expected


def test_the_confirm_cancel_pair_dispatches_by_kind(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.interfaces.slack.confirmations import Dialog, confirm_pair

    decided: list[tuple[str, str, bool]] = []

    async def probe(runtime: object, who: Viewer, value: str, confirm: bool) -> str:
        decided.append((who.name, value, confirm))
        return f"{'Confirmed' if confirm else 'Cancelled'} {value} by {who.name}"

    monkeypatch.setitem(confirmations.DECISIONS, "probe", probe)
    pair = confirm_pair("probe", "42", dialog=Dialog("Sure?", "Do the thing"))
    assert [e["action_id"] for e in pair["elements"]] == ["probe_confirm", "probe_cancel"]
    message = SlackCall("chat.postMessage", {"channel": "C1", "blocks": [pair]}, {}, "", {"ts": "5.5"})
    sent = click(slack, message, "probe_cancel")
    assert decided == [("Rita Ruiz", "42", False)]
    [updated] = [c for c in sent if c.method == "chat.update"]
    assert "Cancelled 42 by Rita Ruiz" in text_of(updated) and updated.args["ts"] == "5.5"
    unknown = confirm_pair("gone", "1")
    sent = click(
        slack,
        SlackCall("chat.postMessage", {"channel": "C1", "blocks": [unknown]}, {}, "", {}),
        "gone_confirm",
    )
    assert "no longer in use" in " ".join(text_of(c) for c in sent) and len(decided) == 1
