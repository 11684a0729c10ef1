"""Conversation memory: a LangGraph checkpointer keyed by thread.

SQLite (``conversations.db`` under ``SALESPLAN_HOME``) by default; PostgreSQL when the CRM
database is PostgreSQL, so a conversation continues on whichever worker process its next turn
reaches. Thread keys are namespaced by user (``<user id>:<thread>``), so one
person can never continue, or read, another person's conversation by guessing a thread id. A
small ``salesplan_threads`` table records when each thread was last used, so old threads can be
pruned. On SQLite the tables are created once per process (a turn opens the checkpointer, and
setting it up again each time was a handful of round trips to its database thread).

What is stored goes through :class:`RedactingSerializer`: every message (questions, tool results,
answers, tool-call arguments) has its secrets replaced by ``[redacted]`` before it is written
(:mod:`assistant.redaction`), so a password pasted into a question or kept in a CRM note never
lands in the conversation store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from sqlalchemy.engine import make_url

from assistant.redaction import redact_value
from assistant.settings import Settings

THREADS_TABLE = "salesplan_threads"
#: The PostgreSQL advisory lock taken while the conversation tables are set up (any fixed number).
SETUP_LOCK = 0x5A1E5_0001
SETUP_POLL_SECONDS = 0.05
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def thread_key(user_id: int, thread_id: str) -> str:
    return f"{user_id}:{thread_id}"


class RedactingSerializer(JsonPlusSerializer):
    """LangGraph's serializer, with the secrets taken out of every value before it is stored."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return super().dumps_typed(redact_value(obj))


class Memory:
    """Opens the checkpointer for the configured store and tracks thread use."""

    def __init__(self, settings: Settings) -> None:
        url = settings.database_url
        self.postgres_url: str | None = None
        if url and make_url(url).get_backend_name() == "postgresql":
            self.postgres_url = (
                make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            )
        self.sqlite_path: Path = settings.home / "conversations.db"
        self._saver_ready = False
        self._threads_ready = False

    @asynccontextmanager
    async def checkpointer(self) -> AsyncIterator[BaseCheckpointSaver[Any]]:
        if self.postgres_url:
            from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

            async with AsyncPostgresSaver.from_conn_string(
                self.postgres_url, serde=RedactingSerializer()
            ) as saver:
                await self._setup_postgres(saver)
                yield saver
            return
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # Concurrent turns (the HTTP API, the Slack app) wait for each other's writes rather than
        # failing with "database is locked" after aiosqlite's default 5 s.
        path = str(self.sqlite_path)
        async with aiosqlite.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS) as connection:
            sqlite_saver = AsyncSqliteSaver(connection, serde=RedactingSerializer())
            sqlite_saver.is_setup = self._saver_ready
            await sqlite_saver.setup()
            # set up once, unless it found an old read-only database (it then checks each time)
            self._saver_ready = getattr(sqlite_saver, "_has_task_path", True)
            yield sqlite_saver

    async def _setup_postgres(self, saver: Any) -> None:
        """Create or upgrade the conversation tables, one worker at a time: the checkpointer's
        migrations are not safe to run at once (several API or Slack processes whose first turns
        come together on a new database), so they run under a session advisory lock. The lock is
        polled, not waited for inside the database: a migration builds an index ``CONCURRENTLY``,
        which waits for every open transaction, a blocked lock request included."""
        while True:
            async with saver.conn.cursor() as cursor:
                await cursor.execute("SELECT pg_try_advisory_lock(%s) AS taken", (SETUP_LOCK,))
                row = await cursor.fetchone()
            if row is not None and (row["taken"] if isinstance(row, dict) else row[0]):
                break
            await asyncio.sleep(SETUP_POLL_SECONDS)
        try:
            await saver.setup()
            # PostgreSQL sets its tables up on every turn (under the lock): a database emptied under
            # a running process gets its table back, not a remembered "already there"
            await self._ensure_table(saver, again=True)
        finally:
            async with saver.conn.cursor() as cursor:
                await cursor.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))

    async def _ensure_table(self, saver: BaseCheckpointSaver[Any], *, again: bool = False) -> None:
        if self._threads_ready and not again:
            return
        ddl = (
            f"CREATE TABLE IF NOT EXISTS {THREADS_TABLE} "
            "(thread_key TEXT PRIMARY KEY, updated_at TEXT NOT NULL)"
        )
        if self.postgres_url:
            async with saver.conn.cursor() as cursor:  # type: ignore[attr-defined]
                await cursor.execute(ddl)
        else:
            await saver.conn.execute(ddl)  # type: ignore[attr-defined]
        self._threads_ready = True

    async def touch(self, saver: BaseCheckpointSaver[Any], key: str) -> None:
        """Record that thread ``key`` was used now."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        await self._ensure_table(saver)
        if self.postgres_url:
            async with saver.conn.cursor() as cursor:  # type: ignore[attr-defined]
                await cursor.execute(
                    f"INSERT INTO {THREADS_TABLE} VALUES (%s, %s) "
                    "ON CONFLICT (thread_key) DO UPDATE SET updated_at = EXCLUDED.updated_at",
                    (key, now),
                )
            return
        connection = saver.conn  # type: ignore[attr-defined]
        await connection.execute(
            f"INSERT INTO {THREADS_TABLE} VALUES (?, ?) "
            "ON CONFLICT (thread_key) DO UPDATE SET updated_at = excluded.updated_at",
            (key, now),
        )
        await connection.commit()

    async def prune(self, older_than: dt.timedelta) -> int:
        """Delete threads not used for ``older_than``; returns how many were deleted."""
        cutoff = (dt.datetime.now(dt.UTC) - older_than).isoformat(timespec="seconds")
        async with self.checkpointer() as saver:
            await self._ensure_table(saver)
            if self.postgres_url:
                async with saver.conn.cursor() as cursor:  # type: ignore[attr-defined]
                    await cursor.execute(
                        f"SELECT thread_key FROM {THREADS_TABLE} WHERE updated_at < %s", (cutoff,)
                    )
                    keys = [
                        row["thread_key"] if isinstance(row, dict) else row[0]
                        for row in await cursor.fetchall()
                    ]
            else:
                cursor = await saver.conn.execute(  # type: ignore[attr-defined]
                    f"SELECT thread_key FROM {THREADS_TABLE} WHERE updated_at < ?", (cutoff,)
                )
                keys = [row[0] for row in await cursor.fetchall()]
            for key in keys:
                await saver.adelete_thread(key)
            await self._forget(saver, keys)
        return len(keys)

    async def _forget(self, saver: BaseCheckpointSaver[Any], keys: list[str]) -> None:
        if self.postgres_url:
            async with saver.conn.cursor() as cursor:  # type: ignore[attr-defined]
                await cursor.execute(f"DELETE FROM {THREADS_TABLE} WHERE thread_key = ANY(%s)", (keys,))
            return
        await saver.conn.executemany(  # type: ignore[attr-defined]
            f"DELETE FROM {THREADS_TABLE} WHERE thread_key = ?", [(k,) for k in keys]
        )
        await saver.conn.commit()  # type: ignore[attr-defined]
