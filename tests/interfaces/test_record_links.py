"""With ``SALESPLAN_CRM_RECORD_URL`` every record reference is a link to the source CRM: in the HTTP
API's Markdown answer (``[name](url)``) and records (``url``), and in Slack (``<url|name>``); the
record's source id stands beside its name either way. Links that come from CRM data are live in the
API's Markdown only when their host is allowed (``SALESPLAN_LINK_HOSTS``, or the record-link host)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.fakes import FakeSlack
from tests.interfaces.api_support import Api, build_api
from tests.interfaces.slack_support import slack_app, slack_context
from tools.store.schema import Activity, Opportunity

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
        [post] = slack.fake.wait_for("chat.postEphemeral")
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


CRM_TEXT = (
    "Legal review: [the terms](https://evil.example/t?d=1), notes at https://wiki.cobalt.example/acme "
    "and www.evil.example/x"
)


def _with_links_in_the_crm(api: Api) -> None:
    with api.context.engine.begin() as connection:
        connection.execute(update(Opportunity).values(next_step=CRM_TEXT))
        connection.execute(update(Activity).values(subject=CRM_TEXT))


def test_links_from_crm_data_are_live_in_api_markdown_only_for_allowed_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESPLAN_LINK_HOSTS", "cobalt.example")
    api = build_api(tmp_path / "home", crm_record_url=TEMPLATE)
    _with_links_in_the_crm(api)
    answer = api.client.post(
        "/v1/ask", json={"question": "tell me about the Acme - Core deal"}, headers=api.auth("rita")
    ).json()["answer"]
    assert "Next step: Legal review: the terms, notes at https://wiki.cobalt.example/acme and " in answer
    assert "(link to www.evil.example removed)" in answer
    assert "evil.example/t" not in answer and "www.evil.example/x" not in answer
    assert "[Acme - Core (#O1)](https://acme.my.salesforce.com/O1)" in answer  # the CRM's own host
    plan = api.client.post("/v1/plans/account", json={"name": "Acme"}, headers=api.auth("rita")).json()
    assert "https://acme.my.salesforce.com/" in plan["markdown"]
    assert "the terms, notes at https://wiki.cobalt.example/acme and (link to" in plan["markdown"]
    assert "evil.example/t" not in plan["markdown"] and "www.evil.example/x" not in plan["markdown"]


def test_without_allowed_hosts_no_crm_link_is_live_in_the_api(tmp_path: Path) -> None:
    api = build_api(tmp_path / "home")
    _with_links_in_the_crm(api)
    answer = api.client.post(
        "/v1/ask", json={"question": "tell me about Acme"}, headers=api.auth("rita")
    ).json()["answer"]
    assert "Legal review: the terms, notes at (link to wiki.cobalt.example removed) and (link to " in answer
    assert "](http" not in answer and "https://" not in answer
