"""The audit log: an append-only record of every question, plan request and data read.

Each entry says who asked (user id, name, role), when, through which interface (``cli``, ``api``,
``slack``, ``eval``), what (``kind``: ``ask`` with the question, with secrets redacted;
``plan_account`` or ``plan_territory`` with the name; ``tool`` with the tool and its arguments,
for a data command, an API record or a Slack digest; ``user_add`` or ``user_role`` for a change to
a user, filed under the user changed, with the command and, in ``detail``, what it did and who ran
it), the tool calls with their arguments, the
record and playbook ids returned, the model that answered (none for a read) and the outcome:

* ``answered`` — the configured model (or the offline planner) answered, or the read returned;
* ``fallback`` — the configured model failed and the offline planner answered (``detail`` says why);
* ``unverified`` — the answer held figures no tool produced (listed in ``detail``);
* ``rejected`` — the request was refused as given: an input error (an empty or too long question,
  an unknown name, a bad parameter), or an HTTP API request that failed validation (422: ``detail``
  has the first error);
* ``cancelled`` — the request was given up before its answer was ready: a client that disconnected
  from a streamed answer, a stopped process (``detail`` says whether it was still waiting for a
  free turn);
* ``error`` — the request failed: a data error (data or configuration unusable, not permitted, a
  store down; ``detail`` has the message);
* ``bug`` — programmer misuse or an unexpected exception (``detail`` has its type and message).

The table refuses updates and deletes (database triggers), and has no foreign keys, so replacing
the CRM data keeps the record. Secrets (API keys and tokens, passwords in URLs and ``password=``
pairs, private keys: :mod:`assistant.redaction`) are replaced by ``[redacted]`` in every field
before anything is written; token values never reach the log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, Select, insert, select

from assistant.redaction import redact, redact_value
from tools.store.schema import AuditEvent, table_of
from tools.viewer import Viewer

MAX_QUESTION_CHARS = 4_000
MAX_RECORD_IDS = 200
AUDIT_LOG = table_of(AuditEvent)


class AuditEntry(BaseModel):
    at: dt.datetime
    user_id: int
    user_name: str
    role: str
    channel: str
    kind: str
    thread: str | None
    question: str
    tool_calls: list[dict[str, Any]]
    record_ids: list[str]
    model: str | None
    outcome: str
    detail: str | None
    latency_ms: int


class AuditLog:
    """Writes and reads the ``audit_log`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        viewer: Viewer,
        *,
        channel: str,
        kind: str,
        question: str,
        outcome: str,
        latency_ms: int,
        thread: str | None = None,
        tool_calls: Sequence[dict[str, Any]] = (),
        record_ids: Sequence[str] = (),
        model: str | None = None,
        detail: str | None = None,
    ) -> None:
        row = {
            "at": dt.datetime.now(dt.UTC),
            "user_id": viewer.user_id,
            "user_name": viewer.name,
            "role": viewer.role.value,
            "channel": channel,
            "kind": kind,
            "thread": thread,
            # redacted before cut: a secret cut in half would no longer be recognised
            "question": redact(question)[:MAX_QUESTION_CHARS],
            "tool_calls": json.dumps(redact_value(list(tool_calls)), default=str),
            "record_ids": json.dumps(list(record_ids)[:MAX_RECORD_IDS]),
            "model": model,
            "outcome": outcome,
            "detail": None if detail is None else redact(detail)[:MAX_QUESTION_CHARS],
            "latency_ms": latency_ms,
        }
        with self.engine.begin() as connection:
            connection.execute(insert(AUDIT_LOG), [row])

    def tail(self, limit: int = 20, user_id: int | None = None) -> list[AuditEntry]:
        """The latest ``limit`` entries (of one user when given), oldest first."""
        query = select(AUDIT_LOG).order_by(AUDIT_LOG.c.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(AUDIT_LOG.c.user_id == user_id)
        return self._entries(query)

    def conversation(self, user_id: int, thread: str, limit: int = 100) -> list[AuditEntry]:
        """The latest ``limit`` entries of one person's conversation (``thread``), oldest first."""
        query = (
            select(AUDIT_LOG)
            .where(AUDIT_LOG.c.user_id == user_id, AUDIT_LOG.c.thread == thread)
            .order_by(AUDIT_LOG.c.id.desc())
            .limit(limit)
        )
        return self._entries(query)

    def _entries(self, query: Select[Any]) -> list[AuditEntry]:
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            AuditEntry(
                **{
                    **row,
                    "tool_calls": json.loads(row["tool_calls"]),
                    "record_ids": json.loads(row["record_ids"]),
                }
            )
            for row in reversed(rows)
        ]
