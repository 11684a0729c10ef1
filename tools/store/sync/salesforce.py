"""Salesforce as a CRM source: the objects a sync reads, deletes, and the write-back of one field.

A run asks the REST API's query resource for each object of :data:`OBJECTS` — everything on the
first run, then only what changed since the stored watermark (``SystemModstamp``, less
:data:`OVERLAP` so that a record committed late with an earlier stamp is not missed; reading a
record twice is harmless: the import updates it in place). Pages follow ``nextRecordsUrl``.
Deletes come from ``queryAll`` (``IsDeleted = true``, the recycle bin) since the watermark.
``OpportunityStage`` and ``User`` are read whole on every run: they are few, and the import checks
every deal against the stages and sets every user's territory. Products and line items,
territories and quotas, where the org has them, are read by :mod:`tools.store.sync.salesforce_extras`.

Rate limits (``REQUEST_LIMIT_EXCEEDED``, HTTP 503) are retried with back-off
(:mod:`tools.store.sync.retry`); an expired token is renewed by the client
(:mod:`tools.store.sync.salesforce_client`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.store.sync.activity_writes import salesforce_activity
from tools.store.sync.retry import CrmError, MissingObject, RateLimited, Sleep, with_backoff
from tools.store.sync.salesforce_client import SalesforceConfig, open_client
from tools.store.sync.salesforce_extras import fetch_related
from tools.store.sync.salesforce_objects import (
    OBJECTS,
    STAGE_FIELDS,
    STAGE_OBJECT,
    STAMP,
    WHOLE,
    WRITABLE,
    soql_stamp,
)
from tools.store.sync.source import ActivityWrite, Fetched, cell

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce

MAPPING = Path(__file__).with_name("mappings") / "salesforce.yaml"


class SalesforceSource:
    """Reads an org for a sync and writes confirmed changes back to it."""

    name = "salesforce"
    mapping = MAPPING

    def __init__(self, config: SalesforceConfig, *, sleep: Sleep | None = None) -> None:
        self.config = config
        self._sleep = sleep
        self._client: Salesforce | None = None

    @property
    def client(self) -> Salesforce:
        if self._client is None:
            self._client = self._call(lambda: open_client(self.config))
        return self._client

    def _call(self, call: Callable[[], Any]) -> Any:
        """``call()`` with rate limits retried and Salesforce's errors as :class:`CrmError`."""
        from simple_salesforce.exceptions import SalesforceError

        def once() -> Any:
            try:
                return call()
            except SalesforceError as exc:
                code = _error_code(exc.content)
                if code == "REQUEST_LIMIT_EXCEEDED" or exc.status == 503:
                    raise RateLimited(f"Salesforce {code or 'is busy'}") from exc
                if code == "INVALID_TYPE":
                    raise MissingObject(f"Salesforce has no such object here: {exc.resource_name}") from exc
                if code == "INVALID_SESSION_ID":
                    raise CrmError(
                        "Salesforce refused the access token (INVALID_SESSION_ID): renew "
                        "SALESFORCE_ACCESS_TOKEN, or configure client credentials so it renews itself"
                    ) from exc
                raise CrmError(f"Salesforce answered {exc.status} to {exc.resource_name}: {code}") from exc
            except OSError as exc:
                raise CrmError(f"cannot reach Salesforce at {self.config.instance_url}: {exc}") from exc

        return with_backoff(once, sleep=self._sleep) if self._sleep else with_backoff(once)

    def records(self, soql: str, *, deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record ``soql`` selects, page by page (``nextRecordsUrl``)."""
        client = self.client
        page = self._call(lambda: client.query(soql, include_deleted=deleted))
        while True:
            yield from page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self._call(partial(client.query_more, str(page["nextRecordsUrl"]), identifier_is_url=True))

    def fetch(self, directory: Path, since: Mapping[str, str]) -> Fetched:
        """Write every object's new and changed records as ``OBJECT.csv`` in ``directory``."""
        fetched = Fetched()
        stages = self.records(f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE_OBJECT}")
        fetched.rows[STAGE_OBJECT] = _write(directory / f"{STAGE_OBJECT}.csv", STAGE_FIELDS, stages, None)
        for name, (fields, table) in OBJECTS.items():
            mark = None if name in WHOLE else since.get(name)
            where = f" WHERE {STAMP} > {soql_stamp(mark)}" if mark else ""
            soql = f"SELECT {', '.join(fields)}, {STAMP} FROM {name}{where} ORDER BY {STAMP}"
            newest: list[str] = []
            fetched.rows[name] = _write(directory / f"{name}.csv", fields, self.records(soql), newest)
            if newest:
                fetched.watermarks[name] = newest[0]
            elif mark:
                fetched.watermarks[name] = mark
            if mark and table:
                gone = f"SELECT Id FROM {name} WHERE IsDeleted = true AND {STAMP} > {soql_stamp(mark)}"
                ids = [str(r["Id"]) for r in self.records(gone, deleted=True)]
                fetched.deleted.setdefault(table, []).extend(ids)
        fetch_related(self, directory, since, fetched, self.config.fiscal_year_start_month)
        return fetched

    def current(self, external_id: str, field: str) -> str | None:
        """The value of ``field`` (a :data:`WRITABLE` name) on the opportunity, as text."""
        api = WRITABLE[field]
        client = self.client
        record = self._call(lambda: client.restful(f"sobjects/Opportunity/{external_id}", {"fields": api}))
        value = None if record is None else record.get(api)
        return None if value is None else cell(value)

    def write(self, external_id: str, field: str, value: str) -> None:
        """Set one field of one opportunity (one ``PATCH``)."""
        api = WRITABLE[field]
        body: dict[str, Any] = {api: float(value) if field == "amount" else value}
        client = self.client
        self._call(lambda: client.restful(f"sobjects/Opportunity/{external_id}", method="PATCH", json=body))

    def create(self, activity: ActivityWrite) -> str:
        """Create a Task or an Event (:mod:`tools.store.sync.activity_writes`); its Salesforce id."""
        sobject, body = salesforce_activity(activity)
        client = self.client
        created = self._call(lambda: client.restful(f"sobjects/{sobject}", method="POST", json=body))
        return str(created["id"])


def _error_code(content: Any) -> str:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode", ""))
    return ""


def _write(
    path: Path, fields: tuple[str, ...], records: Iterator[dict[str, Any]], newest: list[str] | None
) -> int:
    """Write ``records`` as CSV; the greatest ``SystemModstamp`` goes into ``newest``."""
    count = 0
    latest = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for record in records:
            writer.writerow([cell(record.get(name)) for name in fields])
            stamp = str(record.get(STAMP) or "")
            latest = max(latest, stamp)
            count += 1
    if newest is not None and latest:
        newest.append(_normal_stamp(latest))
    return count


def _normal_stamp(stamp: str) -> str:
    """``2026-01-15T10:00:00.000+0000`` as an ISO timestamp Python reads back."""
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).isoformat()
