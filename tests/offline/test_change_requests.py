"""Change requests read into the propose_change tool's arguments: the deal as written, the field,
and the value normalised, days resolved forwards from the data's as-of date."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.offline.change_requests import (
    ChangeAsk,
    amount_named,
    change_asked,
    day_named,
    read_change,
    split_due,
)
from tools.store.stages import ForecastCategory, Stage, StageConfig

AS_OF = dt.date(2026, 12, 6)  # a Sunday
STAGES = StageConfig(
    stages=(
        Stage(
            name="Prospecting", probability=0.1, forecast_category=ForecastCategory.PIPELINE, stall_days=30
        ),
        Stage(
            name="Negotiation/Review",
            probability=0.8,
            forecast_category=ForecastCategory.COMMIT,
            stall_days=30,
        ),
        Stage(
            name="Closed Won",
            probability=1.0,
            forecast_category=ForecastCategory.CLOSED,
            closed=True,
            won=True,
        ),
        Stage(name="Closed Lost", probability=0.0, forecast_category=ForecastCategory.OMITTED, closed=True),
    )
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("push the Acme close date to Jan 15", ChangeAsk("Acme", "close_date", "2027-01-15")),
        ("Move the Evergreen deal to Negotiation", ChangeAsk("Evergreen", "stage", "Negotiation/Review")),
        ("set the amount on Acme Expansion to 40k", ChangeAsk("Acme Expansion", "amount", "40000")),
        ("next step on Acme Renewal: pricing call", ChangeAsk("Acme Renewal", "next_step", "pricing call")),
        (
            "please push the close date of Robotics Pilot to next Friday",
            ChangeAsk("Robotics Pilot", "close_date", "2026-12-11"),
        ),
        ("change Globex's stage to closed won", ChangeAsk("Globex", "stage", "Closed Won")),
        ("can you push Acme Renewal to Dec 2", ChangeAsk("Acme Renewal", "close_date", "2027-12-02")),
        ("update the deal size for Initech to $1.25m", ChangeAsk("Initech", "amount", "1250000")),
        ("set the close date on Hooli to 2027-03-31.", ChangeAsk("Hooli", "close_date", "2027-03-31")),
        (
            "next step on Acme Renewal: pricing call on Friday",
            ChangeAsk("Acme Renewal", "next_step", "pricing call", "2026-12-11"),
        ),
        (
            "set the next step for Initech to send the order form by Dec 20",
            ChangeAsk("Initech", "next_step", "send the order form", "2026-12-20"),
        ),
        ("mark the warephase gtx pro deal as won", ChangeAsk("warephase gtx pro", "stage", "Closed Won")),
        (
            "mark Cedar Works - Data Connectors closed won",
            ChangeAsk("Cedar Works - Data Connectors", "stage", "Closed Won"),
        ),
        (
            "move Cedar Works - Data Connectors to won",
            ChangeAsk("Cedar Works - Data Connectors", "stage", "Closed Won"),
        ),
        ("close out the Hooli deal as lost", ChangeAsk("Hooli", "stage", "Closed Lost")),
        ("we won Globex Platform!", ChangeAsk("Globex Platform", "stage", "Closed Won")),
    ],
)
def test_a_change_request_is_read_into_the_tool_arguments(question: str, expected: ChangeAsk) -> None:
    assert change_asked(question)
    assert read_change(question, AS_OF, STAGES) == expected


@pytest.mark.parametrize(
    "question",
    [
        "what's the close date on Acme Renewal?",
        "which deals have a close date in January?",
        "log a call with Naomi, next step pricing call Dec 2",
        "show me the Acme deal",
        "write a follow-up email to Naomi",
    ],
)
def test_questions_and_other_actions_are_not_change_requests(question: str) -> None:
    assert not change_asked(question)


def test_an_unreadable_value_gives_no_change() -> None:
    assert read_change("push the Acme close date to someday", AS_OF, STAGES) is None
    assert read_change("set the amount on Acme to lots", AS_OF, STAGES) is None
    assert read_change("move the Acme deal to the moon", AS_OF, STAGES) is None


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("Jan 15", dt.date(2027, 1, 15)),  # ahead: next year's
        ("Dec 20", dt.date(2026, 12, 20)),
        ("Dec 2", dt.date(2027, 12, 2)),  # already past this year
        ("friday", dt.date(2026, 12, 11)),
        ("next Friday", dt.date(2026, 12, 11)),
        ("Sunday", dt.date(2026, 12, 13)),  # the as-of day itself is not "Sunday"
        ("tomorrow", dt.date(2026, 12, 7)),
        ("in 2 weeks", dt.date(2026, 12, 20)),
        ("in a month", dt.date(2027, 1, 6)),
        ("15 March 2028", dt.date(2028, 3, 15)),
        ("12/31", dt.date(2026, 12, 31)),
    ],
)
def test_days_resolve_forwards_from_the_as_of_date(written: str, day: dt.date) -> None:
    assert day_named(written, AS_OF) == day


def test_amounts() -> None:
    assert amount_named("40k") == "40000"
    assert amount_named("$45,300") == "45300"
    assert amount_named("1.2m") == "1200000"
    assert amount_named("forty") is None


MAVEN = StageConfig(
    stages=(
        Stage(
            name="Prospecting", probability=0.1, forecast_category=ForecastCategory.PIPELINE, stall_days=30
        ),
        Stage(name="Engaging", probability=0.6, forecast_category=ForecastCategory.PIPELINE, stall_days=30),
        Stage(name="Won", probability=1.0, forecast_category=ForecastCategory.CLOSED, closed=True, won=True),
        Stage(name="Lost", probability=0.0, forecast_category=ForecastCategory.OMITTED, closed=True),
    )
)


@pytest.mark.parametrize(
    ("question", "stage"),
    [
        ("mark the warephase gtx pro deal as won", "Won"),
        ("move Warephase - GTXPro to closed won", "Won"),
        ("change the stage of Warephase - GTXPro to closed lost", "Lost"),
        ("mark Warephase - GTXPro as a loss", "Lost"),
    ],
)
def test_an_outcome_is_the_data_sets_own_won_or_lost_stage(question: str, stage: str) -> None:
    asked = read_change(question, AS_OF, MAVEN)
    assert asked is not None and (asked.field, asked.value) == ("stage", stage)


def test_a_next_step_keeps_its_words_when_no_day_ends_it() -> None:
    assert split_due("follow up with legal", AS_OF) == ("follow up with legal", None)
    assert split_due("demo in 2 weeks", AS_OF) == ("demo", "2026-12-20")
    assert split_due("send terms, due Dec 9", AS_OF) == ("send terms", "2026-12-09")
