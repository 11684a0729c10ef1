"""The Confirm / Cancel buttons of a change proposed in Slack: only the proposer's click writes it
(one PATCH at the Salesforce fake), as the Salesplan user the Slack user is mapped to; a cancel
or anyone else's click writes nothing; a stale change is refused."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from assistant.bootstrap import build_app_context
from tests.fake_salesforce import FakeSalesforce
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import SECRET, SlackHarness, slack_app
from tools.store.schema import User

RITA, SAM = "U_RITA", "U_SAM"
Org = tuple[FakeSalesforce, dict[str, str]]


@pytest.fixture
def slack(org: Org) -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        context = build_app_context(
            slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.base_url
        )
        with context.engine.begin() as conn:
            for slack_id, name in ((RITA, "Rita Ruiz"), (SAM, "Sam Stone")):
                conn.execute(update(User).where(User.name == name).values(slack_user_id=slack_id))
        with slack_app(fake, context) as harness:
            yield harness


def click(
    slack: SlackHarness, post: dict[str, Any], action_id: str, user: str = RITA, *, ephemeral: bool = False
) -> None:
    """Click the button ``action_id`` of the posted message, as ``user`` (an ephemeral message comes
    without its blocks, as Slack sends it)."""
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    actions = next(b for b in blocks if b["type"] == "actions" and b["block_id"].startswith("change_"))
    button = next(e for e in actions["elements"] if e["action_id"] == action_id)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "token": "legacy",
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "user": {"id": user},
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1", "message_ts": "1700000000.000009"},
        "message": {"ts": "1700000000.000009", "blocks": blocks},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": actions["block_id"],
                "value": button["value"],
                "action_ts": str(time.time()),
            }
        ],
        "response_url": slack.fake.response_url("act"),
        "trigger_id": f"trig-{time.time()}",
    }
    if ephemeral:
        del payload["message"]
        payload["container"]["is_ephemeral"] = True
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    assert slack.post(body, "application/x-www-form-urlencoded").status_code == 200
    slack.settle()


def proposal(slack: SlackHarness, question: str, ts: str = "1700000001.000100") -> dict[str, Any]:
    """The proposal asked for in a channel, shared there (so anyone in it can click its buttons)."""
    assert slack.mention(f"share: {question}", ts=ts).status_code == 200
    [post] = slack.fake.wait_for("chat.postMessage")
    slack.settle()
    assert post.args["thread_ts"] == ts
    return post.args


def test_a_proposal_only_the_proposer_sees_is_confirmed_from_their_ephemeral_message(
    slack: SlackHarness, org: Org
) -> None:
    fake, ids = org
    assert slack.mention("push the Acme Renewal close date to Jan 15").status_code == 200
    [post] = slack.fake.wait_for("chat.postEphemeral")
    slack.settle()
    assert post.args["user"] == RITA and slack.fake.of("chat.postMessage") == []
    assert '"action_id": "change_confirm"' in json.dumps(post.args["blocks"])
    click(slack, post.args, "change_confirm", ephemeral=True)
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"CloseDate": "2027-01-15"})]
    told = slack.fake.of("chat.postEphemeral")[-1]
    assert told.args["user"] == RITA and "Confirmed by Rita Ruiz: written to Salesforce" in told.args["text"]
    assert slack.fake.of("chat.update") == []


def test_the_proposers_confirm_writes_the_change_once(slack: SlackHarness, org: Org) -> None:
    fake, ids = org
    post = proposal(slack, "push the Acme Renewal close date to Jan 15")
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "nothing is written to Salesforce until you confirm" in text
    assert '"action_id": "change_confirm"' in text and '"action_id": "change_cancel"' in text
    assert fake.patches == []
    click(slack, post, "change_confirm", user=SAM)  # not Sam's change: refused, only Sam told
    [told] = slack.fake.wait_for("chat.postEphemeral")
    assert told.args["user"] == SAM and "no change" in told.args["text"] and "of yours" in told.args["text"]
    assert fake.patches == [] and slack.fake.of("chat.update") == []
    click(slack, post, "change_confirm")
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"CloseDate": "2027-01-15"})]
    [updated] = slack.fake.wait_for("chat.update")
    shown = json.dumps(updated.args["blocks"], ensure_ascii=False)
    assert "Confirmed by Rita Ruiz: written to Salesforce" in shown and "2026-12-15 → 2027-01-15" in shown
    assert '"type": "actions"' not in shown  # the buttons are gone
    click(slack, post, "change_confirm")  # a second click of the old buttons writes nothing again
    assert len(fake.patches) == 1
    assert "already applied" in slack.fake.of("chat.postEphemeral")[-1].args["text"]


def test_cancel_writes_nothing_and_a_stale_change_is_refused(slack: SlackHarness, org: Org) -> None:
    fake, ids = org
    post = proposal(slack, "set the amount on Acme Expansion to 40k")
    click(slack, post, "change_cancel")
    [updated] = slack.fake.wait_for("chat.update")
    shown = json.dumps(updated.args["blocks"], ensure_ascii=False)
    assert "Cancelled by Rita Ruiz: nothing was written" in shown
    slack.fake.calls.clear()
    post = proposal(slack, "next step on Acme Renewal: pricing call", ts="1700000002.000100")
    fake.change("Opportunity", ids["acme_renewal"], NextStep="Legal review")  # changed in Salesforce since
    click(slack, post, "change_confirm")
    [told] = slack.fake.wait_for("chat.postEphemeral")
    assert "changed in salesforce since it was proposed" in told.args["text"]
    assert fake.patches == []


def test_a_logged_meeting_is_created_once_by_the_proposers_confirm(slack: SlackHarness, org: Org) -> None:
    fake, ids = org
    post = proposal(slack, "log a meeting with Naomi Nagata at Acme Corporation, renewal terms")
    shown = json.dumps(post["blocks"], ensure_ascii=False)
    assert "Log a *meeting* on *Acme Corporation*" in shown and "with Naomi Nagata" in shown
    assert "activity: (none) → Meeting on" in shown  # the confirm dialog says what will be created
    assert fake.created == []
    click(slack, post, "change_confirm", user=SAM)
    assert fake.created == []
    click(slack, post, "change_confirm")
    [(sobject, body)] = fake.created
    assert (sobject, body["Subject"], body["WhatId"], body["WhoId"], body["OwnerId"]) == (
        "Event",
        "Renewal terms",
        ids["acme"],
        ids["naomi"],
        ids["rita"],
    )
    click(slack, post, "change_confirm")
    assert len(fake.created) == 1


def test_a_deal_picked_from_the_which_deal_buttons_gets_the_proposal(slack: SlackHarness, org: Org) -> None:
    from tests.interfaces.test_slack_actions import click as press
    from tests.interfaces.test_slack_actions import elements, text_of

    fake, ids = org
    assert slack.mention("push the Acme close date to Jan 15", ts="1700000003.000100").status_code == 200
    [question] = slack.fake.wait_for("chat.postEphemeral")
    slack.settle()
    assert 'Which deal do you mean by \\"Acme\\"' in text_of(question)
    labels = {e["text"]["text"] for e in elements(question).values()}
    assert {"Acme Renewal", "Acme Expansion", "Robotics Pilot"} <= {label.split(" (#")[0] for label in labels}
    label = next(label for label in labels if label.startswith("Robotics Pilot"))
    sent = press(slack, question, "choice", label=label)
    [proposal] = [c for c in sent if c.method.startswith("chat.post")]
    assert proposal.method == "chat.postEphemeral" and "thread_ts" not in proposal.args
    shown = text_of(proposal)
    assert "Robotics Pilot" in shown and '"action_id": "change_confirm"' in shown and fake.patches == []
    click(slack, proposal.args, "change_confirm", ephemeral=True)
    assert fake.patches == [("Opportunity", ids["robotics_pilot"], {"CloseDate": "2027-01-15"})]
