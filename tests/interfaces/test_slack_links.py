"""Links in Slack answers: records link to the CRM (``SALESPLAN_CRM_RECORD_URL``), playbook
citations to the API's playbook pages (``SALESPLAN_PUBLIC_URL``) — and both are plain text
(never code spans) without those settings; internals show only with ``SALESPLAN_DEBUG``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.interfaces.api.app import create_app
from assistant.interfaces.urls import Urls
from tests.fakes import FakeSlack
from tests.interfaces.slack_support import SlackHarness, slack_app, slack_context

PUBLIC = "https://salesplan.cobalt.example"
RECORDS = "https://crm.cobalt.example/{kind}/{external_id}"
STUCK = "stalled-deal-recovery.md#stuck-in-stage-diagnosis-and-steps"
STUCK_TITLE = "Stuck in Stage: Diagnosis and Steps"
SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


@contextmanager
def harness(**settings: object) -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake, slack_app(fake, slack_context(fake, **settings)) as app:
        yield app


def _texts(blocks: list[dict[str, object]]) -> list[str]:
    """Every mrkdwn text of the blocks (sections, fields, context elements)."""
    found: list[str] = []
    for block in blocks:
        parts = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]  # type: ignore[misc]
        found += [p["text"] for p in parts if isinstance(p, dict) and p.get("type") == "mrkdwn"]
    return found


def _stalled_answer(app: SlackHarness) -> list[dict[str, object]]:
    """The answer's blocks, without the closing note that only the asker sees it (it shows their data)."""
    app.mention("which of my deals are stalled?")
    [post] = app.fake.wait_for("chat.postEphemeral")
    app.settle()
    raw = post.args["blocks"]
    blocks: list[dict[str, object]] = json.loads(raw) if isinstance(raw, str) else raw  # type: ignore[assignment]
    assert "Only you can see this" in json.dumps(blocks[-1]) and blocks[-1]["type"] == "context"
    return blocks[:-1]


def test_records_and_citations_link_when_the_urls_are_set() -> None:
    with harness(crm_record_url=RECORDS, public_url=PUBLIC) as app:
        blocks = _stalled_answer(app)
        joined = "\n".join(_texts(blocks))
        links = dict((label, url) for url, label in SLACK_LINK.findall(joined))
        assert links["Acme - Analytics (#O2)"] == "https://crm.cobalt.example/opportunity/O2"
        assert links[STUCK_TITLE] == f"{PUBLIC}/playbook/{STUCK}"
        assert "`" not in joined  # no code spans: ids are links
        [context] = _texts(blocks[-1:])  # the closing context block lists every citation as a link
        assert context.startswith("Playbook: ") and f"<{PUBLIC}/playbook/{STUCK}|{STUCK_TITLE}>" in context

        # the link leads to the section: the API serves the page, the heading has that anchor
        url = urlsplit(links[STUCK_TITLE])
        page = TestClient(create_app(context=app.context)).get(url.path)
        assert page.status_code == 200 and f'id="{url.fragment}"' in page.text
        assert f">{STUCK_TITLE}</h3>" in page.text


def test_records_and_citations_are_plain_text_without_the_urls() -> None:
    with harness() as app:
        joined = "\n".join(_texts(_stalled_answer(app)))
    assert "Acme - Analytics (#O2)" in joined and STUCK_TITLE in joined
    assert "<http" not in joined and "`" not in joined and STUCK not in joined


def test_the_stalled_command_links_each_next_step_to_its_play() -> None:
    with harness(crm_record_url=RECORDS, public_url=PUBLIC) as app:
        app.command("stalled", trigger="t-stalled")
        [reply] = app.fake.wait_for("response")
        app.settle()
    blocks = reply.args["blocks"]
    assert blocks[0]["type"] == "header"
    assert "Only you can see this" in json.dumps(blocks[-1])  # the closing note: ephemeral, and how to share
    joined = "\n".join(_texts(blocks[:-1]))
    assert "*<https://crm.cobalt.example/opportunity/O2|Acme - Analytics (#O2)>*" in joined
    next_steps = [line for line in joined.splitlines() if "Next step" in line]
    assert next_steps and all(f"<{PUBLIC}/playbook/stalled-deal-recovery.md#" in line for line in next_steps)
    assert "`" not in joined


@pytest.mark.parametrize("debug", [False, True])
def test_internals_show_only_in_debug_mode(debug: bool) -> None:
    with harness(debug=debug) as app:
        context = " | ".join(_texts(_stalled_answer(app)[-1:]))
    assert ("offline ·" in context and " ms" in context) is debug, context
    assert ("2 records cited" in context) is debug, context
    assert context.startswith("Playbook: ")  # citations are for everyone


def test_urls_are_built_from_the_two_settings() -> None:
    urls = Urls("https://crm.example/{kind}/{external_id}", "https://host.example/sales")
    assert urls.record("opportunity/42", "006A1") == "https://crm.example/opportunity/006A1"
    assert urls.record("opportunity/42", None) is None  # the template needs the source id
    assert urls.playbook(f"{STUCK}~2") == f"https://host.example/sales/playbook/{STUCK}"
    assert urls.playbook("my-own-notes.md#intro") is None  # not a page the API serves
    assert urls.playbook("../../settings.md#x") is None
    assert Urls().playbook(STUCK) is None and Urls().record("opportunity/42", "006A1") is None
    assert Urls.playbook_label(STUCK) == STUCK_TITLE and Urls.playbook_label("x.md#y") == "x.md#y"
    linked = urls.link_citations(f"Why: stuck ({STUCK}); see [{STUCK}] or https://host.example/{STUCK}")
    assert linked == (
        f"Why: stuck ([{STUCK}](https://host.example/sales/playbook/{STUCK})); "
        f"see [{STUCK}](https://host.example/sales/playbook/{STUCK}) or https://host.example/{STUCK}"
    )


def test_the_stalled_answer_keeps_its_links_layout_and_menus_together() -> None:
    """The header, the linked records, the Snooze / Mark reviewed menus and the closing context
    block come in one message: the menus before the context block."""
    with harness(crm_record_url=RECORDS, public_url=PUBLIC) as app:
        blocks = _stalled_answer(app)
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "header" and kinds[-1] == "context" and kinds[-2] == "actions"
    menus = {e["action_id"]: e for e in blocks[-2]["elements"]}  # type: ignore[attr-defined]
    assert {o["value"] for o in menus["deal_snooze"]["options"]} == {"opportunity/1", "opportunity/2"}
    assert "<https://crm.cobalt.example/opportunity/O2|Acme - Analytics (#O2)>" in "\n".join(_texts(blocks))


def test_the_home_tab_links_each_next_step_to_its_play() -> None:
    with harness(crm_record_url=RECORDS, public_url=PUBLIC) as app:
        event = {"type": "app_home_opened", "user": "U_RITA", "channel": "DU_RITA", "tab": "home"}
        app.event(event, event_id="EvHomeLinks")
        [home] = app.fake.wait_for("views.publish")
        app.settle()
    view = home.args["view"]
    blocks = (json.loads(view) if isinstance(view, str) else view)["blocks"]
    next_steps = [line for line in "\n".join(_texts(blocks)).splitlines() if "Next step" in line]
    assert next_steps and all(f"<{PUBLIC}/playbook/stalled-deal-recovery.md#" in line for line in next_steps)
