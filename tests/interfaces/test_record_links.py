"""With ``SALESPLAN_CRM_RECORD_URL`` every record reference is a link to the source CRM: in the HTTP
API's Markdown answer (``[name](url)``) and records (``url``), and in Slack (``<url|name>``); the
record's source id stands beside its name either way."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes import FakeSlack
from tests.interfaces.api_support import build_api
from tests.interfaces.slack_support import slack_app, slack_context

TEMPLATE = "https://acme.my.salesforce.com/{external_id}"
LINK = "https://acme.my.salesforce.com/O2"  # Acme - Analytics, Rita's stalled deal (source id O2)


def test_the_api_answer_links_each_record_and_the_records_carry_their_urls(tmp_path: Path) -> None:
    api = build_api(tmp_path / "home", crm_record_url=TEMPLATE)
    asked = api.client.post(
        "/v1/ask", json={"question": "which of my deals are stalled?"}, headers=api.auth("rita")
    )
    assert asked.status_code == 200
    body = asked.json()
    assert f"[Acme - Analytics (#O2)]({LINK})" in body["answer"] and "opportunity/2" not in body["answer"]
    assert {"id": "opportunity/2", "name": "Acme - Analytics", "external_id": "O2", "url": LINK} in body[
        "records"
    ]
    stalled = api.client.get("/v1/deals/stalled", headers=api.auth("rita")).json()
    assert {(d["external_id"], d["url"]) for d in stalled["deals"]} >= {("O2", LINK)}
    account = api.client.get("/v1/accounts/1", headers=api.auth("rita")).json()
    assert account["firmographics"]["external_id"] is None and account["firmographics"]["url"] is None


def test_without_the_setting_the_api_shows_source_ids_and_no_links(tmp_path: Path) -> None:
    api = build_api(tmp_path / "home")
    body = api.client.post(
        "/v1/ask", json={"question": "which of my deals are stalled?"}, headers=api.auth("rita")
    ).json()
    assert "Acme - Analytics (#O2)" in body["answer"] and "](http" not in body["answer"]
    deals = api.client.get("/v1/deals/stalled", headers=api.auth("rita")).json()["deals"]
    assert deals and all(d["url"] is None and d["external_id"] for d in deals)


def test_slack_answers_and_stalled_lists_link_each_record() -> None:
    with (
        FakeSlack().running() as fake,
        slack_app(fake, slack_context(fake, crm_record_url=TEMPLATE)) as slack,
    ):
        slack.mention("which of my deals are stalled?")
        [post] = slack.fake.wait_for("chat.postMessage")
        slack.settle()
        assert f"<{LINK}|Acme - Analytics (#O2)>" in json.dumps(post.args["blocks"])
        slack.command("stalled")
        [reply] = slack.fake.wait_for("response")
        assert f"<{LINK}|Acme - Analytics (#O2)>" in json.dumps(reply.args["blocks"])


def test_slack_without_the_setting_shows_source_ids_as_text() -> None:
    with FakeSlack().running() as fake, slack_app(fake) as slack:
        slack.command("stalled")
        [reply] = slack.fake.wait_for("response")
        text = json.dumps(reply.args["blocks"])
        assert "Acme - Analytics (#O2)" in text and "<http" not in text
