"""The App Home tab: published on ``app_home_opened`` with the opener's own data only; its quick
actions answer in a direct message, and its menus snooze a deal and publish the tab again."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes import FakeSlack, SlackCall
from tests.interfaces.slack_support import RITA, STRANGER, SlackHarness, posted_blocks, slack_app
from tests.interfaces.test_slack_actions import click, elements, text_of

MAX = "U_MAX"


@pytest.fixture
def slack() -> Iterator[SlackHarness]:
    with FakeSlack().running() as fake, slack_app(fake) as harness:
        fake.users[MAX] = "max@cobalt.example"
        yield harness


def open_home(slack: SlackHarness, user: str, tab: str = "home") -> SlackCall | None:
    before = len(slack.fake.of("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab, "event_ts": "1.1"}
    assert slack.event(event, event_id=f"EvHome{user}{tab}{before}").status_code == 200
    slack.settle()
    published = slack.fake.of("views.publish")[before:]
    assert len(published) <= 1
    return published[0] if published else None


def test_the_home_tab_shows_the_openers_own_data(slack: SlackHarness) -> None:
    home = open_home(slack, RITA)
    assert home is not None and home.args["user_id"] == RITA
    assert slack.fake.homes[RITA]["type"] == "home"
    text = text_of(home)
    assert "Salesplan · Rita Ruiz" in text
    assert (
        "2 of your 2 open deals" in text and "Acme - Analytics (#O2)" in text and "Acme - Core (#O1)" in text
    )
    assert "*Booked*\\n$20,000" in text and "*Commit*\\n$120,000" in text and "*Quota attainment*" in text
    assert "What changed since 2026-11-19" in text
    for other in ("Apex", "Globex", "Umbrella", "CANARY-Ravi", "CANARY-Sam"):
        assert other not in text
    found = elements(home)
    assert {o["value"] for o in found["deal_snooze"]["options"]} == {"opportunity/1", "opportunity/2"}
    assert {e["text"]["text"] for k, e in found.items() if k.startswith("home_ask_")} >= {
        "My stalled deals",
        "Prepare my 1:1",
    }


def test_a_managers_home_shows_the_team_and_the_messages_tab_publishes_nothing(slack: SlackHarness) -> None:
    home = open_home(slack, MAX)
    assert home is not None
    text = text_of(home)
    assert "your team's 4 open deals" in text and "Apex - Core" in text and "Acme - Core" in text
    assert "Globex" not in text  # another manager's team
    assert open_home(slack, RITA, tab="messages") is None


def test_a_stranger_sees_a_polite_note_and_no_data(slack: SlackHarness) -> None:
    home = open_home(slack, STRANGER)
    assert home is not None
    text = text_of(home)
    assert "couldn't match your Slack account" in text and "Olga Ops" in text
    assert "Acme" not in text and "$" not in text and not elements(home)


def test_a_quick_action_is_answered_in_a_direct_message(slack: SlackHarness) -> None:
    home = open_home(slack, RITA)
    assert home is not None
    sent = click(slack, home, "home_ask", label="My stalled deals")
    posts = [c for c in sent if c.method == "chat.postMessage"]
    assert [c.args["channel"] for c in posts] == [f"D{RITA}", f"D{RITA}"]
    assert "From your Home tab: Which of my deals are stalled?" in posts[0].args["text"]
    answer = json.dumps(posted_blocks(posts[1]), ensure_ascii=False)
    assert "Acme - Analytics" in answer and "Apex" not in answer


def test_snoozing_from_the_home_tab_publishes_it_again_without_the_deal(slack: SlackHarness) -> None:
    home = open_home(slack, RITA)
    assert home is not None
    sent = click(slack, home, "deal_snooze", option="opportunity/2")
    [again] = [c for c in sent if c.method == "views.publish"]
    text = text_of(again)
    assert "*Acme - Analytics (#O2)*" in text_of(home)
    assert "*Acme - Analytics (#O2)*" not in text and "*Acme - Core (#O1)*" in text
    assert "1 deal snoozed or reviewed not shown" in text
    assert [o["value"] for o in elements(again)["deal_snooze"]["options"]] == ["opportunity/1"]
    assert not [c for c in sent if c.method.startswith("chat.post")]  # no message: the tab is the answer
