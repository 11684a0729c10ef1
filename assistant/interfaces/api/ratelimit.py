"""A per-token rate limit: a token bucket per API token, refilled continuously.

Each token may make ``per_minute`` requests in a burst and then one every ``60 / per_minute``
seconds. A request over the limit gets 429 with ``Retry-After`` (whole seconds until one request
is allowed again). Buckets live in the serving process: with several worker processes each
enforces the limit on its own share of the traffic.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: int) -> float | None:
        """Take one request from ``key``'s bucket; None when allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
