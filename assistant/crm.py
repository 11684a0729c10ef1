"""The live CRM connections the settings configure, and syncing on a schedule.

``salesforce`` is configured when ``SALESFORCE_INSTANCE_URL`` and a way to sign in are set;
``hubspot`` when ``HUBSPOT_ACCESS_TOKEN`` is. The connectors (and their client libraries) load
only when a sync or a confirmed change runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.settings import Settings
from tools.errors import InputError
from tools.store.sync.retry import CrmError

if TYPE_CHECKING:
    from tools.store.sync.source import CrmSource

SOURCES = ("salesforce", "hubspot")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


def configured(settings: Settings) -> list[str]:
    """The CRM sources the settings can reach, Salesforce first."""
    found = []
    if settings.salesforce_instance_url and (
        settings.salesforce_access_token or settings.salesforce_client_id
    ):
        found.append("salesforce")
    if settings.hubspot_access_token:
        found.append("hubspot")
    return found


def open_source(settings: Settings, name: str) -> CrmSource:
    """The connector for ``name`` built from the settings.

    Raises:
        InputError: ``name`` is not a CRM Salesplan syncs with.
        CrmError: the settings do not configure it.
    """
    if name == "salesforce":
        from tools.store.sync.salesforce import SalesforceSource
        from tools.store.sync.salesforce_client import SalesforceConfig

        if not settings.salesforce_instance_url:
            raise CrmError("Salesforce is not configured: set SALESFORCE_INSTANCE_URL (see README, Live CRM)")
        secret = settings.salesforce_client_secret
        token = settings.salesforce_access_token
        return SalesforceSource(
            SalesforceConfig(
                instance_url=settings.salesforce_instance_url,
                access_token=token.get_secret_value() if token else None,
                client_id=settings.salesforce_client_id,
                client_secret=secret.get_secret_value() if secret else None,
                username=settings.salesforce_username,
                private_key_file=settings.salesforce_private_key_file,
                api_version=settings.salesforce_api_version,
                fiscal_year_start_month=settings.fiscal_year_start_month,
            )
        )
    if name == "hubspot":
        from tools.store.sync.hubspot import DEFAULT_URL, HubSpotConfig, HubSpotSource

        token = settings.hubspot_access_token
        if token is None:
            raise CrmError("HubSpot is not configured: set HUBSPOT_ACCESS_TOKEN (see README, Live CRM)")
        url = settings.hubspot_api_url or DEFAULT_URL
        return HubSpotSource(HubSpotConfig(access_token=token.get_secret_value(), api_url=url))
    raise InputError(f"unknown CRM {name!r}: choose {' or '.join(SOURCES)}")


def parse_interval(text: str) -> float:
    """``15m`` → 900 seconds (``s``, ``m``, ``h``, ``d``; at least a minute).

    Raises:
        InputError: not such an interval.
    """
    match = _INTERVAL.match(text)
    if match is None:
        raise InputError(f"--every takes an interval like 15m, 1h or 1d, got {text!r}")
    seconds = int(match[1]) * _UNIT[match[2]]
    if seconds < 60:
        raise InputError(f"--every must be at least a minute, got {text!r}")
    return float(seconds)


def repeat(
    run: Callable[[], None],
    every: float,
    *,
    on_error: Callable[[Exception], None],
    sleep: Callable[[float], None] = time.sleep,
    times: int | None = None,
) -> None:
    """Call ``run`` every ``every`` seconds (``times`` runs, or until interrupted). A run that fails
    with a user-facing error is reported through ``on_error`` and the next one still runs: a
    failed sync keeps the last good data."""
    from tools.errors import SalesplanError

    done = 0
    while times is None or done < times:
        started = time.monotonic()
        try:
            run()
        except SalesplanError as exc:
            on_error(exc)
        done += 1
        if times is None or done < times:
            sleep(max(0.0, every - (time.monotonic() - started)))
