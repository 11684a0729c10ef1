"""Requests to log an activity read into the log_activity tool's arguments, days read backwards;
replies to a "which deal?" question read against the list it showed."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.offline.activity_requests import ActivityAsk, activity_asked, past_day, read_activity
from assistant.offline.answers_changes import which_deal
from assistant.offline.deal_choice import chosen_deal
from assistant.offline.frame import Frame, Intent

AS_OF = dt.date(2026, 12, 6)  # a Sunday
ACCOUNTS = {"cedar works", "acme corporation", "globex"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "log a call with Hannah Murphy at Cedar Works, discussed pricing",
            ActivityAsk("call", "Discussed pricing", account="Cedar Works", contact="Hannah Murphy"),
        ),
        (
            "please add a note to the Acme Renewal deal: legal review started",
            ActivityAsk("note", "Legal review started", deal="Acme Renewal"),
        ),
        (
            "log a meeting with Globex yesterday about the rollout",
            ActivityAsk("meeting", "The rollout", account="Globex", day="2026-12-05"),
        ),
        (
            "record an email to Naomi Nagata — sent the proposal",
            ActivityAsk("email", "Sent the proposal", contact="Naomi Nagata"),
        ),
        (
            "log a call on Acme Renewal on Dec 2: pricing",
            ActivityAsk("call", "Pricing", deal="Acme Renewal", day="2026-12-02"),
        ),
        (
            "log a call with Naomi, next step pricing call Dec 12",
            ActivityAsk(
                "call",
                "Call with Naomi",
                contact="Naomi",
                next_step="pricing call",
                next_step_due="2026-12-12",
            ),
        ),
        (
            "log a phone call with Acme Corporation on Friday, we discussed the renewal",
            ActivityAsk("call", "Discussed the renewal", account="Acme Corporation", day="2026-12-04"),
        ),
    ],
)
def test_an_activity_request_is_read_into_the_tool_arguments(question: str, expected: ActivityAsk) -> None:
    assert activity_asked(question)
    assert read_activity(question, AS_OF, ACCOUNTS) == expected


@pytest.mark.parametrize(
    "question",
    [
        "which deals have no calls logged?",
        "what does the playbook say about logging calls?",
        "how many meetings did I log last month?",
        "push the Acme close date to Jan 15",
        "log in",
    ],
)
def test_questions_are_not_activity_requests(question: str) -> None:
    assert not activity_asked(question)
    assert read_activity(question, AS_OF, ACCOUNTS) is None


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("today", dt.date(2026, 12, 6)),
        ("yesterday", dt.date(2026, 12, 5)),
        ("on Friday", dt.date(2026, 12, 4)),
        ("Sunday", dt.date(2026, 12, 6)),  # the as-of day itself
        ("last Monday", dt.date(2026, 11, 30)),
        ("on Dec 20", dt.date(2025, 12, 20)),  # the last December 20th
        ("Nov 30", dt.date(2026, 11, 30)),
    ],
)
def test_an_activity_day_is_read_backwards(written: str, day: dt.date) -> None:
    assert past_day(written, AS_OF) == day


ERROR = (
    "'Acme' matches several deals — say which: Acme Renewal [opportunity/3] (Negotiation, $120,000, "
    "closing 2026-12-15, Rita Ruiz, CRM id 006A); Acme Expansion [opportunity/4] (Prospecting, $45,000, "
    "closing 2027-02-28, Rita Ruiz, CRM id 006B); Robotics Pilot [opportunity/9] (Prospecting, $18,000, "
    "closing 2027-01-31, Sam Stone, CRM id 006C)"
)
REQUEST = "push the Acme close date to Jan 15"


def test_a_deal_matching_several_is_asked_about_as_a_list() -> None:
    question = which_deal(ERROR)
    assert question is not None and question.startswith('Which deal do you mean by "Acme"?')
    assert "- Acme Expansion [opportunity/4]: Prospecting, $45,000, closing 2027-02-28, Rita Ruiz" in question
    assert which_deal("no deal 'Acme' that you can see") is None


@pytest.mark.parametrize(
    ("reply", "deal"),
    [
        ("the second one", "opportunity/4"),
        ("#3", "opportunity/9"),
        ("the last one", "opportunity/9"),
        ("the Expansion one", "opportunity/4"),
        ("Robotics Pilot", "opportunity/9"),
        ("I meant the one in Negotiation", "opportunity/3"),
        ("Sam's", "opportunity/9"),
        ("4", "opportunity/4"),
        ("opportunity/3", "opportunity/3"),
        ("006C", "opportunity/9"),
    ],
)
def test_a_reply_picks_a_listed_deal_and_the_request_is_made_on_it(reply: str, deal: str) -> None:
    context = Frame(intent=Intent.CHANGE, question=REQUEST)
    shown = [str(which_deal(ERROR))]
    chosen = chosen_deal(context, Frame(intent=Intent.UNKNOWN, question=reply), reply, shown)
    assert chosen is not None and chosen.intent is Intent.CHANGE
    assert chosen.question == f"push the {deal} close date to Jan 15"


@pytest.mark.parametrize(
    "reply",
    [
        "the Prospecting one",  # two of them are
        "what's my pipeline this quarter?",
        "push the Globex close date to Jan 20",  # a request of its own
        "the tenth one",
    ],
)
def test_a_reply_that_picks_none_of_them_is_read_on_its_own(reply: str) -> None:
    context = Frame(intent=Intent.CHANGE, question=REQUEST)
    shown = [str(which_deal(ERROR))]
    assert chosen_deal(context, Frame(intent=Intent.UNKNOWN, question=reply), reply, shown) is None


def test_a_change_referring_to_the_threads_deal_is_made_on_it() -> None:
    context = Frame(intent=Intent.DEAL, question="tell me about Acme Renewal")
    context.slots.deal = "opportunity/3"
    current = Frame(intent=Intent.CHANGE, question="push it to Friday")
    chosen = chosen_deal(context, current, "push it to Friday", ["**Acme Renewal** is in Negotiation"])
    assert chosen is not None and chosen.slots.deal == "opportunity/3"
