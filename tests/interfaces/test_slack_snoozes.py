"""Snooze 7 days and Mark reviewed, picked in Slack, as the daily digest honours them: a snoozed
deal stays out until the snooze ends, a reviewed one until it changes — for the person who picked
it only — and each comes back as a new risk."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from assistant.interfaces.slack.app import web_client
from assistant.interfaces.slack.digest import DigestReport, Outcome, run_digest
from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import RITA, SlackHarness, slack_app, slack_context
from tests.interfaces.test_slack_actions import ask, click, text_of
from tools.store.schema import Opportunity
from tools.store.schema_scores import DealSnooze

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        context = slack_context(fake)
        fake.users["U_MAX"] = "max@cobalt.example"
        with slack_app(fake, context) as harness:
            harness.runtime.snoozes.today = lambda: DAY  # the day the clicks happen
            yield harness


def digest(slack: SlackHarness, day: dt.date, dry_run: bool = False) -> dict[str, Outcome]:
    client = None if dry_run else web_client(slack.context.settings)
    report: DigestReport = asyncio.run(run_digest(slack.context, client, day=day, dry_run=dry_run))
    return {o.name: o for o in report.outcomes}


def shown(outcome: Outcome) -> str:
    assert outcome.message is not None, outcome.status
    return json.dumps(outcome.message.blocks, ensure_ascii=False)


def move(slack: SlackHarness, deal: int, **values: object) -> None:
    with slack.context.engine.begin() as connection:
        connection.execute(update(Opportunity).where(Opportunity.id == deal).values(**values))


def marks(slack: SlackHarness) -> list[tuple[int, int, str]]:
    with slack.context.engine.connect() as connection:
        rows = connection.execute(select(DealSnooze.user_id, DealSnooze.opportunity_id, DealSnooze.kind))
        return [tuple(row) for row in rows]


def told(sent: list[SlackCall]) -> str:
    return " ".join(text_of(c) for c in sent if c.method.startswith("chat.post"))


def test_a_snoozed_deal_stays_out_of_the_digest_until_the_snooze_ends(slack: SlackHarness) -> None:
    assert "Acme - Analytics" in shown(digest(slack, DAY - dt.timedelta(days=1))["Rita Ruiz"])
    answer = ask(slack, "which of my deals are stalled?")
    reply = told(click(slack, answer, "deal_snooze", option="opportunity/2"))
    assert "Snoozed Acme - Analytics (#O2) for 7 days" in reply and "until 2026-11-30" in reply
    assert marks(slack) == [(4, 2, "snoozed")]
    move(slack, 2, close_date=dt.date(2026, 12, 20))  # it slips while snoozed
    today = digest(slack, DAY, dry_run=True)
    assert today["Rita Ruiz"].status == "nothing new"  # neither "slipped" nor "recovered" for her
    assert "*Slipped* (1)" in shown(today["Max Stone"])  # her manager's digest is his own
    assert "Acme - Analytics" in shown(today["Max Stone"])
    assert digest(slack, DAY + dt.timedelta(days=6), dry_run=True)["Rita Ruiz"].status == "nothing new"
    back = digest(slack, DAY + dt.timedelta(days=7))["Rita Ruiz"]  # the snooze has ended
    assert back.status == "sent" and "*New risks* (1)" in shown(back) and "Acme - Analytics" in shown(back)
    assert marks(slack) == []  # the sent digest cleared the ended snooze
    assert digest(slack, DAY + dt.timedelta(days=8), dry_run=True)["Rita Ruiz"].status == "nothing new"


def test_a_reviewed_deal_stays_out_until_it_changes(slack: SlackHarness) -> None:
    first = digest(slack, DAY)
    assert first["Rita Ruiz"].status == "sent"
    [dm] = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == f"D{RITA}"]
    assert "deal_reviewed" in text_of(dm)  # the digest carries the menus
    sent = click(slack, dm, "deal_reviewed", option="opportunity/1")
    [reply] = [c for c in sent if c.method == "chat.postMessage"]  # in the DM, under the digest
    assert reply.args["channel"] == f"D{RITA}" and reply.args["thread_ts"] == dm.response["ts"]
    assert "Marked Acme - Core (#O1) reviewed" in text_of(reply)
    move(slack, 1, last_activity_at=dt.datetime(2026, 11, 19, tzinfo=dt.UTC), next_step="Call legal")
    assert digest(slack, DAY + dt.timedelta(days=1), dry_run=True)["Rita Ruiz"].status == "nothing new"
    move(slack, 1, amount=135_000)  # its amount changed: the review no longer holds
    again = digest(slack, DAY + dt.timedelta(days=2), dry_run=True)["Rita Ruiz"]
    assert "*New risks* (1)" in shown(again) and "Acme - Core" in shown(again)


def test_a_first_digest_leaves_out_what_was_snoozed_before_it(slack: SlackHarness) -> None:
    answer = ask(slack, "which of my deals are stalled?")
    click(slack, answer, "deal_snooze", option="opportunity/2")
    first = digest(slack, DAY, dry_run=True)
    rita = shown(first["Rita Ruiz"])
    assert "Acme - Core" in rita and "Acme - Analytics" not in rita
    assert "Acme - Analytics" in shown(first["Max Stone"])
