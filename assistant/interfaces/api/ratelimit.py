"""A per-token rate limit: a token bucket per API token, refilled continuously.

Each token may make ``per_minute`` requests in a burst and then one every ``60 / per_minute``
seconds. A request over the limit gets 429 with ``Retry-After`` (whole seconds until one request
is allowed again). The buckets live in the database (:mod:`tools.store.ratelimits`), so every
worker process and host serving the same database enforces one limit together: with two workers a
token still gets ``per_minute`` requests, not twice as many.

When the database cannot record a request (an import holding SQLite's write lock), the request
is let through and a warning logged: the limit protects the service, and refusing every caller
while an import runs would be the outage it is meant to prevent.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from tools.store.db import DatabaseOutage, Engine
from tools.store.ratelimits import take

log = logging.getLogger("salesplan.api")


class RateLimiter:
    def __init__(self, engine: Engine, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self._clock = clock

    def acquire(self, token_id: int) -> float | None:
        """Take one request from the token's bucket; None when allowed, else seconds to wait."""
        key = f"api-token:{token_id}"
        try:
            return take(self.engine, key, capacity=self.capacity, per_second=self.rate, now=self._clock())
        except DatabaseOutage as exc:
            log.warning("could not count a request of %s against its rate limit: %s", key, exc.orig)
            return None

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
