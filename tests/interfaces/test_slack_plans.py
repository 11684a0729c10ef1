"""Plans shared from Slack: ``/salesplan plan …`` uploads the plan (Markdown) and its chart through
Slack's external upload flow to the asker's direct messages, and answers with a short summary."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from assistant.interfaces.urls import CITATION
from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import RITA, SlackHarness, slack_app, slack_context

PUBLIC = "https://salesplan.cobalt.example"
MAX = "U_MAX"


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake:
        fake.users[MAX] = "max@cobalt.example"
        context = slack_context(
            fake, public_url=PUBLIC, crm_record_url="https://crm.example/{kind}/{external_id}"
        )
        with slack_app(fake, context) as harness:
            yield harness


def _fields(blocks: list[dict[str, object]]) -> dict[str, str]:
    found = {}
    for block in blocks:
        for field in block.get("fields", []):  # type: ignore[attr-defined]
            label, _, value = field["text"].partition("\n")
            found[label.strip("*")] = value
    return found


def _flow(fake: FakeSlack) -> list[SlackCall]:
    return [c for c in fake.calls if c.method.startswith("files.") or c.method == "upload"]


def test_a_territory_plan_is_uploaded_through_the_external_upload_flow(slack: SlackHarness) -> None:
    slack.command("plan territory", user=MAX, trigger="t-plan")
    [reply] = slack.fake.wait_for("response")
    slack.settle()
    draft = slack.context.assistant.plan_territory(slack.context.viewer("Max Stone"))
    facts = draft.plan.facts

    # 1. an upload URL per file: the Markdown and the history chart, with their byte lengths
    flow = _flow(slack.fake)
    assert [c.method for c in flow] == [
        "files.getUploadURLExternal",
        "files.getUploadURLExternal",
        "upload",
        "upload",
        "files.completeUploadExternal",
    ]
    tickets, uploads, [done] = flow[:2], flow[2:4], flow[4:]
    names = [t.args["filename"] for t in tickets]
    assert names == ["territory-plan-max-stone-s-team.md", "territory-plan-max-stone-s-team-history.png"]
    # 2. the bytes POSTed to the URLs handed out: the whole plan in Markdown, and a PNG
    markdown, chart = uploads[0].body.decode("utf-8"), uploads[1].body
    assert [len(u.body) for u in uploads] == [int(t.args["length"]) for t in tickets]
    assert markdown.startswith("# Territory plan: Max Stone's team")
    headings = [line for line in draft.markdown.splitlines() if line.startswith("## ")]
    assert len(headings) > 5 and all(h in markdown for h in headings)
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    # playbook citations in the file link to the playbook pages
    cited = set(re.findall(CITATION, draft.markdown))
    assert "stalled-deal-recovery.md#stuck-in-stage-diagnosis-and-steps" in cited
    assert all(f"[{c}]({PUBLIC}/playbook/{c})" in markdown for c in cited)
    # 3. one completion sharing both files in the asker's direct message, with a short comment
    [opened] = slack.fake.of("conversations.open")
    assert opened.args["users"] == MAX
    listed = json.loads(done.args["files"])
    assert [f["id"] for f in listed] == [u.path.rsplit("/", 1)[1] for u in uploads]
    assert done.args["channel_id"] == "DU_MAX" and "thread_ts" not in done.args
    assert done.args["initial_comment"].startswith("*Territory plan: Max Stone's team* — Accounts: 3")
    shared = slack.fake.files
    assert {f.channel for f in shared.values()} == {"DU_MAX"} and len(shared) == 2

    # the command's answer is the summary: header, opening, headline figures, where the files are
    blocks = reply.args["blocks"]
    assert reply.args["response_type"] == "ephemeral" and len(blocks) <= 6
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Territory plan: Max Stone's team", "emoji": True},
    }
    fields = _fields(blocks)
    assert fields["Accounts"] == f"{facts.summary.accounts.value} · $800,000 potential"
    assert fields["Reps"] == str(facts.balance.rep_count.value) == "2"
    assert set(fields) >= {"Balance (potential)", "Moves", "Stalled or at risk"}
    assert "are in your direct messages with Salesplan" in json.dumps(blocks[-2])
    assert "Only you can see this" in json.dumps(blocks[-1])  # it shows Max's data, like every plan
    assert "|" not in json.dumps(blocks)  # no pipe tables in the message any more
    assert slack.fake.of("chat.postMessage") == []


def test_an_account_plan_summary_carries_the_accounts_figures(slack: SlackHarness) -> None:
    slack.command("plan account Acme", trigger="t-acme")
    [reply] = slack.fake.wait_for("response")
    slack.settle()
    fields = _fields(reply.args["blocks"])
    assert fields["Potential"] == "$400,000" and fields["Active ARR"] == "$120,000"
    assert fields["Open pipeline"] == "$150,000 on 2 deals"
    [done] = slack.fake.of("files.completeUploadExternal")
    assert done.args["channel_id"] == f"D{RITA}"
    names = sorted(f.filename for f in slack.fake.files.values())
    assert names == ["account-plan-acme-corporation-history.png", "account-plan-acme-corporation.md"]
    text = next(f.content for f in slack.fake.files.values() if f.filename.endswith(".md"))
    assert text is not None and "[Acme - Core (#O1)](https://crm.example/opportunity/O1)" in text.decode()


def test_a_plan_is_never_posted_for_the_channel_even_when_asked_to_share(slack: SlackHarness) -> None:
    slack.command("share: plan account Acme", trigger="t-share")
    [reply] = slack.fake.wait_for("response")
    slack.settle()
    assert slack.fake.of("response") == [reply] and reply.args["response_type"] == "ephemeral"
    blocks = json.dumps(reply.args["blocks"])
    assert (
        "Account plan: Acme Corporation" in blocks and "share its files from your direct messages" in blocks
    )
    [done] = slack.fake.of("files.completeUploadExternal")
    assert done.args["channel_id"] == f"D{RITA}"  # the files went to Rita alone
    assert slack.fake.of("chat.postMessage") == []


def test_a_failed_upload_still_answers_with_the_summary_and_says_so(slack: SlackHarness) -> None:
    slack.fake.failures["files.completeUploadExternal"] = "not_allowed_token_type"
    slack.command("plan account Acme", trigger="t-fail")
    [reply] = slack.fake.wait_for("response")
    slack.settle()
    blocks = json.dumps(reply.args["blocks"])
    assert "Account plan: Acme Corporation" in blocks
    assert "couldn't upload the plan and its charts (not_allowed_token_type)" in blocks


def test_the_fake_refuses_an_upload_flow_done_wrong() -> None:
    """The fake holds the flow to Slack's documented contract, so a broken flow fails the tests."""
    import httpx

    with FakeSlack().running() as fake:
        api = httpx.Client(base_url=fake.base_url)
        assert api.post("files.getUploadURLExternal", data={"filename": "a.md"}).json()["error"] == (
            "missing_argument"
        )
        ticket = api.post("files.getUploadURLExternal", data={"filename": "a.md", "length": 5}).json()
        complete = {"files": json.dumps([{"id": ticket["file_id"], "title": "A"}]), "channel_id": "C1"}
        assert api.post("files.completeUploadExternal", data=complete).json()["error"] == "file_not_found"
        assert httpx.post(ticket["upload_url"], content=b"1234").status_code == 200
        assert api.post("files.completeUploadExternal", data=complete).json()["error"] == "invalid_arguments"
        assert httpx.post(ticket["upload_url"], content=b"12345").text == "OK - 5"
        assert api.post("files.completeUploadExternal", data=complete).json()["ok"] is True
        assert httpx.post(f"{fake.origin}/upload/v1/F404", content=b"x").status_code == 404
        assert fake.files[ticket["file_id"]].channel == "C1"
