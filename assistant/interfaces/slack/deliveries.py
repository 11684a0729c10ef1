"""Each Slack event or command is answered once, however often Slack delivers it.

Slack redelivers an event it did not see acknowledged in time (HTTP mode, with
``X-Slack-Retry-Num``) and Socket Mode retries envelopes; several app processes may be running.
The first delivery *claims* the event's key in the ``slack_deliveries`` table (an insert that does
nothing when the key is there and returns the row it inserted — one atomic statement on SQLite
and PostgreSQL alike); later deliveries find it claimed and are acknowledged without an answer.
Keys: ``event:<event_id>`` for the Events API, ``command:<trigger_id>`` for slash commands. Keys
older than two days are deleted now and then (Slack stops retrying after minutes).

One message can also arrive as two events with different ids: a direct message that mentions the
app is delivered both as ``app_mention`` and as ``message.im``. A message the app answers
therefore claims a second key, ``message:<channel>:<ts>`` (a channel and a timestamp name one
Slack message; ``client_msg_id`` is missing on messages sent by apps and workflows), and whichever
event claims it first is answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from tools.store.schema import SlackDelivery

KEEP = dt.timedelta(days=2)
PRUNE_EVERY_SECONDS = 3_600.0


def delivery_key(body: dict[str, Any]) -> str | None:
    """The key that identifies one event or command across its deliveries (None: not deduplicated)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    return None


class DeliveryLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._last_prune = 0.0

    def claim_now(self, *keys: str) -> bool:
        """True when this delivery is the first to claim every one of ``keys`` (in order, in one
        transaction; the first key found claimed ends it); False when one was claimed before."""
        now = dt.datetime.now(dt.UTC)
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        claimed = True
        with self.engine.begin() as connection:
            for key in keys:
                statement = (
                    insert(SlackDelivery)
                    .values(key=key[:200], received_at=now)
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(SlackDelivery.key)  # a row back: inserted (rowcount is -1 on psycopg)
                )
                if connection.execute(statement).first() is None:
                    claimed = False
                    break
            if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
                self._last_prune = time.monotonic()
                connection.execute(delete(SlackDelivery).where(SlackDelivery.received_at < now - KEEP))
        return claimed

    async def claim(self, *keys: str) -> bool:
        return await asyncio.to_thread(self.claim_now, *keys)
