"""``salesplan slack digest``: a DM per rep with stalled deals, a roll-up per manager, once a day."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from assistant.audit import AuditLog
from assistant.bootstrap import AppContext
from assistant.interfaces.cli import app
from assistant.interfaces.slack.app import web_client
from assistant.interfaces.slack.digest import DigestReport, run_digest
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import RAVI, RITA, slack_context

DAY = dt.date(2026, 11, 23)
runner = CliRunner()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack().running() as fake:
        yield fake


@pytest.fixture
def context(fake: FakeSlack) -> AppContext:
    context = slack_context(fake)
    fake.users["U_SAM"] = "sam@cobalt.example"
    fake.users["U_MAX"] = "max@cobalt.example"
    return context


def digest(context: AppContext, day: dt.date = DAY, dry_run: bool = False) -> DigestReport:
    client = None if dry_run else web_client(context.settings)
    return asyncio.run(run_digest(context, client, day=day, dry_run=dry_run))


def dms(fake: FakeSlack) -> dict[str, str]:
    """Text of each direct message by recipient's DM channel."""
    return {
        str(c.args["channel"]): json.dumps(c.args["blocks"], ensure_ascii=False)
        for c in fake.of("chat.postMessage")
    }


def test_reps_get_their_deals_and_managers_a_team_roll_up(context: AppContext, fake: FakeSlack) -> None:
    report = digest(context)
    by_name = {o.name: o for o in report.outcomes}
    assert by_name["Rita Ruiz"].status == "sent" and by_name["Ravi Rao"].status == "sent"
    assert by_name["Max Stone"].status == "sent"  # Rita's and Ravi's manager
    assert by_name["Vera Lang"].status == "not on Slack"  # no Slack id, and her email is not on Slack
    assert (
        by_name["Sam Reyes"].status == "nothing stalled" and by_name["Mo Quinn"].status == "nothing stalled"
    )
    assert "Olga Ops" not in by_name  # RevOps gets no digest
    sent = dms(fake)
    rita, ravi, maxs = sent[f"D{RITA}"], sent[f"D{RAVI}"], sent["DU_MAX"]
    assert "Acme - Analytics" in rita and "Next step" in rita and "Apex" not in rita
    assert "Apex - Core" in ravi and "Acme" not in ravi
    assert re.search(r"Your team has \d+ stalled or at-risk deals? of \d+ open", maxs)
    assert "New risks" in rita and "change" in rita  # a first digest: every flagged deal is new
    assert "Rita Ruiz" in maxs and "Ravi Rao" in maxs and "Globex" not in maxs
    assert [c.args["email"] for c in fake.of("users.lookupByEmail") if c.args["email"].startswith("ravi")]


def test_at_most_one_digest_per_person_per_day(context: AppContext, fake: FakeSlack) -> None:
    first = digest(context)
    sent = first.counts()["sent"]
    assert sent >= 3
    again = digest(context)
    assert again.counts()["sent"] == 0 and again.counts()["already sent"] == sent
    assert len(fake.of("chat.postMessage")) == sent
    tomorrow = digest(context, DAY + dt.timedelta(days=1))  # nothing changed since: nothing sent
    assert tomorrow.counts()["sent"] == 0 and tomorrow.counts()["nothing new"] == sent


def test_a_failed_send_is_retried_by_the_next_run(context: AppContext, fake: FakeSlack) -> None:
    fake.failures["chat.postMessage"] = "channel_not_found"
    failed = digest(context)
    assert failed.counts()["failed"] >= 3 and failed.counts()["sent"] == 0
    del fake.failures["chat.postMessage"]
    assert digest(context).counts()["sent"] == failed.counts()["failed"]


def test_dry_run_sends_and_records_nothing(context: AppContext, fake: FakeSlack) -> None:
    report = digest(context, dry_run=True)
    assert report.counts()["would send"] >= 4 and fake.calls == []
    assert digest(context).counts()["sent"] >= 3  # nothing was recorded as sent


def test_digest_command(context: AppContext, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake.base_url)
    dry = runner.invoke(app, ["slack", "digest", "--dry-run", "--day", "2026-11-23"])
    assert dry.exit_code == 0, dry.output
    assert "would send: Rita Ruiz (rep" in dry.output and "(dry run)" in dry.output and fake.calls == []
    real = runner.invoke(app, ["slack", "digest", "--day", "2026-11-23"])
    assert real.exit_code == 0 and "sent: Rita Ruiz" in real.output
    again = runner.invoke(app, ["slack", "digest", "--day", "2026-11-23"])
    assert again.exit_code == 0 and "already sent" in again.output and "sent: Rita" not in again.output
    bad = runner.invoke(app, ["slack", "digest", "--day", "tomorrow"])
    assert bad.exit_code == 1 and "--day must be YYYY-MM-DD" in bad.output


def test_each_digest_read_is_audited_as_the_person_it_reads_for(context: AppContext) -> None:
    digest(context, dry_run=True)
    reads = [(e.user_name, e.channel, e.kind, e.question) for e in AuditLog(context.engine).tail(100)]
    assert ("Rita Ruiz", "slack", "tool", 'stalled_deals {"limit": 200}') in reads
    assert ("Max Stone", "slack", "tool", 'stalled_deals {"limit": 200}') in reads  # the team's deals
    assert not any(name == "Olga Ops" for name, *_ in reads)  # RevOps gets no digest


def test_day_two_lists_only_what_changed_grouped(context: AppContext, fake: FakeSlack) -> None:
    """Between two digests Rita's Acme - Analytics deal (past its close date) gets a new date later
    than the one listed, and nothing else changes: day two shows that deal alone, as slipped."""
    from sqlalchemy import select, update

    from tools.store.schema import Opportunity

    digest(context)
    first = dms(fake)[f"D{RITA}"]
    assert "New risks" in first
    with context.engine.begin() as connection:
        deal = connection.execute(
            select(Opportunity.id, Opportunity.close_date).where(Opportunity.name == "Acme - Analytics")
        ).one()
        connection.execute(
            update(Opportunity)
            .where(Opportunity.id == deal.id)
            .values(close_date=deal.close_date + dt.timedelta(days=14))
        )
    fake.calls.clear()
    second = digest(context, DAY + dt.timedelta(days=1))
    by_name = {o.name: o for o in second.outcomes}
    assert by_name["Rita Ruiz"].status == "sent"
    assert by_name["Ravi Rao"].status == "nothing new"  # his deals did not change
    rita = dms(fake)[f"D{RITA}"]
    assert "*Slipped* (1)" in rita and "Acme - Analytics" in rita
    assert "New risks" not in rita and "Went dark" not in rita and "1 change since" in rita
