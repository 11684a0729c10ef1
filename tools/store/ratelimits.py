"""Rate limits every serving process shares: a token bucket per key, kept in the database.

A bucket holds at most ``capacity`` requests and refills continuously at ``per_second``; a
request takes one. Taking is one atomic statement on SQLite and PostgreSQL alike — an insert of a
full bucket that, when the key is there, updates the row only if the refilled bucket holds a
request (``INSERT … ON CONFLICT DO UPDATE … WHERE``) — so however many processes or hosts serve,
the limit is the limit, never the limit times the number of workers. Times are wall-clock
seconds since the epoch from the caller (hosts keep their clocks in sync with NTP; a clock behind
the last refill refills nothing, it never takes more).

On SQLite a request waits at most :data:`SQLITE_WAIT_MS` for the write lock (an import holding it
for minutes must not hold every request for the database's full busy timeout); the caller decides
what a busy database means.
"""

from __future__ import annotations

from sqlalchemy import Double, Engine, String, case, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from tools.store.schema import Base, table_of

SQLITE_WAIT_MS = 1_000


class RateBucket(Base):
    """A token bucket: the requests left (fractional while refilling) as of ``refilled_at``."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    #: Seconds since the epoch (UTC) at which ``tokens`` was last worked out.
    refilled_at: Mapped[float] = mapped_column(Double)


def take(engine: Engine, key: str, *, capacity: int, per_second: float, now: float) -> float | None:
    """Take one request from ``key``'s bucket: None when allowed, else the seconds until one is."""
    table = table_of(RateBucket)
    at = literal(now, Double)
    elapsed = case((at > table.c.refilled_at, at - table.c.refilled_at), else_=literal(0.0, Double))
    refilled = table.c.tokens + elapsed * per_second
    available = case((refilled > capacity, literal(float(capacity), Double)), else_=refilled)
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, tokens=capacity - 1.0, refilled_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"tokens": available - 1.0, "refilled_at": at},
            where=available >= 1.0,
        )
        .returning(table.c.tokens)
    )
    on_sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        waits = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() if on_sqlite else 0
        if on_sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={min(SQLITE_WAIT_MS, int(waits))}")
        try:
            if connection.execute(statement).first() is not None:
                return None
            left = connection.execute(select(available).where(table.c.key == key)).scalar_one()
        finally:
            if on_sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={int(waits)}")
    return max(0.0, (1.0 - float(left)) / per_second)
