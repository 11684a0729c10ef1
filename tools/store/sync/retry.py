"""Retrying a CRM call the service asked us to slow down for, with back-off.

A connector turns a rate-limit answer (Salesforce ``REQUEST_LIMIT_EXCEEDED`` or a 503, HubSpot's
429) into :class:`RateLimited`, with the wait the service asked for when it said one
(``Retry-After``). :func:`with_backoff` waits that long, else 1, 2, 4, 8 … seconds (at most
:data:`MAX_WAIT`), and gives up after :data:`ATTEMPTS` tries with a :class:`CrmError` that says so.
The sleep is injected, so tests run without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tools.errors import DataError

T = TypeVar("T")
ATTEMPTS = 6
MAX_WAIT = 60.0

Sleep = Callable[[float], None]


class CrmError(DataError):
    """The CRM refused or failed a call (credentials, permissions, limits); one-line message."""


class MissingObject(CrmError):
    """The CRM does not have the object asked for (Salesforce ``INVALID_TYPE``): a feature the
    account does not use, skipped by a sync."""


class RateLimited(Exception):
    """The CRM asked to slow down; ``retry_after`` is its wait in seconds, when it gave one."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def with_backoff(call: Callable[[], T], *, sleep: Sleep = time.sleep, attempts: int = ATTEMPTS) -> T:
    """``call()``, retried after each :class:`RateLimited` with back-off.

    Raises:
        CrmError: still rate-limited after ``attempts`` tries.
    """
    for attempt in range(attempts):
        try:
            return call()
        except RateLimited as limited:
            if attempt == attempts - 1:
                raise CrmError(f"{limited.what}: still rate-limited after {attempts} tries") from None
            wait = limited.retry_after if limited.retry_after is not None else 2.0**attempt
            sleep(min(max(wait, 0.0), MAX_WAIT))
    raise AssertionError("unreachable")  # pragma: no cover
