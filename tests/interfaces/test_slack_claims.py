"""Claims that make Slack answers and digests happen once, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.interfaces.slack.deliveries import DeliveryLog


def test_each_key_is_claimed_once(any_engine: Engine) -> None:
    """The first claim of a key wins, on both dialects (on PostgreSQL psycopg reports no row count
    for an insert, so a claim is read from the row the insert returns)."""
    log = DeliveryLog(any_engine)
    assert log.claim_now("event:Ev1") is True
    assert log.claim_now("event:Ev1") is False
    # an event and the message it carries: a second event of the same message is not answered
    assert log.claim_now("event:Ev2", "message:D1:1.5") is True
    assert log.claim_now("event:Ev3", "message:D1:1.5") is False
    assert log.claim_now("event:Ev3") is False  # Ev3 was recorded: its redelivery is dropped too
