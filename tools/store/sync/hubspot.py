"""HubSpot as a CRM source: owners, companies, contacts, deals and the deal pipelines, read with
``hubspot-api-client`` (CRM v3), and the write-back of one deal property.

The first run lists every object (``GET /crm/v3/objects/{type}``, paged by ``after``; deals with
their company association). Later runs ask the search endpoint for what changed since the stored
watermark (``hs_lastmodifieddate``, ``lastmodifieddate`` for contacts, ``GT`` the watermark less
:data:`OVERLAP`, sorted ascending and paged by ``after``), read the changed deals again with their
associations (search results carry none), and list the archived records (HubSpot's deletes)
archived since the watermark. Owners and pipelines are read whole on every run: they are few, and
the import checks every deal against them. A stage is named by its label; its id is an alias (what
``dealstage`` holds and what a write-back sends).

Rate limits (HTTP 429) are retried after ``Retry-After`` (:mod:`tools.store.sync.retry`); a
refused token (401) is a one-line error saying to renew ``HUBSPOT_ACCESS_TOKEN``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.store.sync.activity_writes import hubspot_activity
from tools.store.sync.hubspot_items import fetch_items
from tools.store.sync.hubspot_records import (
    STAGE_COLUMNS,
    message_of,
    normal_stamp,
    owner_name,
    row_of,
    stage_rows,
    write_csv,
)
from tools.store.sync.retry import CrmError, MissingObject, RateLimited, Sleep, with_backoff
from tools.store.sync.source import ActivityWrite, Fetched

if TYPE_CHECKING:
    from hubspot import HubSpot

MAPPING = Path(__file__).with_name("mappings") / "hubspot.yaml"
DEFAULT_URL = "https://api.hubapi.com"
OVERLAP = dt.timedelta(minutes=5)
PAGE = 100
SEARCH_PAGE = 200

#: Object -> (properties read, local table its archived records are removed from).
OBJECTS: dict[str, tuple[tuple[str, ...], str]] = {
    "companies": (
        (
            "name",
            "industry",
            "annualrevenue",
            "numberofemployees",
            "city",
            "state",
            "country",
            "hubspot_owner_id",
        ),
        "accounts",
    ),
    "contacts": (("firstname", "lastname", "jobtitle", "email", "associatedcompanyid"), "contacts"),
    "deals": (
        (
            "dealname",
            "dealstage",
            "amount",
            "closedate",
            "createdate",
            "hubspot_owner_id",
            "hs_next_step",
            "hs_deal_stage_probability",
        ),
        "opportunities",
    ),
}
STAMP = {"contacts": "lastmodifieddate"}
#: What a deal is read with: its company (its account) and its line items (its product).
DEAL_LINKS = ["companies", "line_items"]
#: Deal properties a write-back may set, by the name Salesplan gives them.
WRITABLE = {"close_date": "closedate", "stage": "dealstage", "amount": "amount", "next_step": "hs_next_step"}


@dataclass(frozen=True)
class HubSpotConfig:
    """How to reach one HubSpot account (``HUBSPOT_ACCESS_TOKEN``, ``HUBSPOT_API_URL``)."""

    access_token: str
    api_url: str = DEFAULT_URL


def _stamp(kind: str) -> str:
    return STAMP.get(kind, "hs_lastmodifieddate")


def _millis(watermark: str) -> str:
    """The watermark less :data:`OVERLAP`, as the epoch milliseconds a search filter takes."""
    return str(int((dt.datetime.fromisoformat(watermark) - OVERLAP).timestamp() * 1000))


class HubSpotSource:
    """Reads a HubSpot account for a sync and writes confirmed changes back to it."""

    name = "hubspot"
    mapping = MAPPING

    def __init__(self, config: HubSpotConfig, *, sleep: Sleep | None = None) -> None:
        self.config = config
        self._sleep = sleep
        self._client: HubSpot | None = None
        self._stage_ids: dict[str, str] = {}

    @property
    def client(self) -> HubSpot:
        if self._client is None:
            from hubspot import HubSpot
            from urllib3.util.retry import Retry

            # rate limits are retried here (with the injected sleep), not inside urllib3
            retry = Retry(total=2, read=0, status=0, respect_retry_after_header=False)
            self._client = HubSpot(
                retry=retry, access_token=self.config.access_token, host=self.config.api_url.rstrip("/")
            )
        return self._client

    def _call(self, call: Callable[[], Any]) -> Any:
        """The JSON of ``call()`` (made with ``_preload_content=False``), rate limits retried."""
        import urllib3

        def once() -> Any:
            try:
                return json.loads(call().data or b"null")
            except urllib3.exceptions.HTTPError as exc:
                raise CrmError(f"cannot reach HubSpot at {self.config.api_url}: {exc}") from exc
            except Exception as exc:  # each API package of the client has its own ApiException
                status = getattr(exc, "status", None)
                if status is None:
                    raise
                if status == 429:
                    headers = getattr(exc, "headers", None) or {}
                    wait = headers.get("Retry-After")
                    raise RateLimited("HubSpot rate limit", float(wait) if wait else None) from exc
                if status == 401:
                    raise CrmError(
                        "HubSpot refused the access token (401): renew HUBSPOT_ACCESS_TOKEN "
                        "(a private app's token with the crm.objects and crm.schemas read scopes)"
                    ) from exc
                said = message_of(getattr(exc, "body", None))
                if status in (403, 404):  # a record gone, or objects the app has no scope for
                    raise MissingObject(f"HubSpot answered {status}: {said}") from exc
                raise CrmError(f"HubSpot answered {status}: {said}") from exc

        return with_backoff(once, sleep=self._sleep) if self._sleep else with_backoff(once)

    def _pages(self, call: Callable[[str | None], Any]) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            page = self._call(partial(call, after))
            yield from page.get("results", [])
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def fetch(self, directory: Path, since: Mapping[str, str]) -> Fetched:
        """Write owners, stages and every object's new and changed records as CSV in ``directory``."""
        fetched = Fetched()
        api = self.client.crm
        owners = self._pages(
            lambda after: api.owners.owners_api.get_page(limit=PAGE, after=after, _preload_content=False)
        )
        fetched.rows["owners"] = write_csv(
            directory / "owners.csv",
            ("id", "name", "email"),
            ({"id": o["id"], "name": owner_name(o), "email": o.get("email")} for o in owners),
        )
        fetched.rows["stages"] = write_csv(directory / "stages.csv", STAGE_COLUMNS, self._stages())
        deals: list[dict[str, Any]] = []
        for kind, (properties, table) in OBJECTS.items():
            mark = since.get(kind)
            records = list(self.changed(kind, properties, mark) if mark else self.listed(kind, properties))
            if kind == "deals":
                deals = records
            rows = [row_of(kind, r, properties) for r in records]
            fetched.rows[kind] = write_csv(
                directory / f"{kind}.csv", ("id", "company_id", *properties), iter(rows)
            )
            stamps = [str(r["properties"].get(_stamp(kind)) or r.get("updatedAt") or "") for r in records]
            newest = max((s for s in stamps if s), default=None)
            if newest or mark:
                fetched.watermarks[kind] = normal_stamp(newest) if newest else str(mark)
            if mark:
                gone = [str(r["id"]) for r in self.archived_since(kind, mark)]
                fetched.deleted.setdefault(table, []).extend(gone)
        fetch_items(self, directory, since, fetched, deals, OBJECTS["deals"][0])
        return fetched

    def _stages(self) -> Iterator[dict[str, Any]]:
        pipelines = self._call(
            lambda: self.client.crm.pipelines.pipelines_api.get_all("deals", _preload_content=False)
        )
        return stage_rows(pipelines, self._stage_ids)

    def listed(
        self, kind: str, properties: tuple[str, ...], links: list[str] | None = None, archived: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``kind`` (archived ones instead when ``archived``), page by page."""
        if kind == "deals" and links is None:
            links = DEAL_LINKS
        objects = self.client.crm.objects.basic_api
        return self._pages(
            lambda after: objects.get_page(
                kind,
                limit=PAGE,
                after=after,
                properties=list(properties),
                associations=links or None,
                archived=archived,
                _preload_content=False,
            )
        )

    def changed(self, kind: str, properties: tuple[str, ...], mark: str) -> Iterator[dict[str, Any]]:
        """The records of ``kind`` modified after the watermark (search); deals with their links."""
        from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

        stamp = _stamp(kind)
        search = self.client.crm.objects.search_api

        def page(after: str | None) -> Any:
            request = PublicObjectSearchRequest(
                filter_groups=[
                    FilterGroup(filters=[Filter(property_name=stamp, operator="GT", value=_millis(mark))])
                ],
                sorts=[{"propertyName": stamp, "direction": "ASCENDING"}],
                properties=[*properties, stamp],
                limit=SEARCH_PAGE,
                after=after or "0",
            )
            return search.do_search(kind, public_object_search_request=request, _preload_content=False)

        for record in self._pages(page):
            if kind == "deals":  # search results carry no associations
                record = self.one(kind, record["id"], properties)
            yield record

    def one(
        self, kind: str, ident: str, properties: tuple[str, ...], links: list[str] | None = None
    ) -> dict[str, Any]:
        """One record with ``links`` (a deal's company and line items by default)."""
        objects = self.client.crm.objects.basic_api
        wanted = DEAL_LINKS if links is None else links
        found: dict[str, Any] = self._call(
            lambda: objects.get_by_id(
                kind, ident, properties=list(properties), associations=wanted, _preload_content=False
            )
        )
        return found

    def archived_since(self, kind: str, mark: str, links: list[str] | None = None) -> list[dict[str, Any]]:
        """The records of ``kind`` archived (deleted) after the watermark."""
        since = dt.datetime.fromisoformat(mark) - OVERLAP
        records = self.listed(kind, (), links=links or [], archived=True)
        return [
            r
            for r in records
            if not r.get("archivedAt")
            or dt.datetime.fromisoformat(r["archivedAt"].replace("Z", "+00:00")) > since
        ]

    def current(self, external_id: str, field: str) -> str | None:
        """The deal's value of ``field`` (a :data:`WRITABLE` name), as text (a stage by its label)."""
        name = WRITABLE[field]
        value = self.one("deals", external_id, (name,))["properties"].get(name)
        if value in (None, ""):
            return None
        if field == "stage":
            if not self._stage_ids:
                list(self._stages())
            labels = {ident: label for label, ident in self._stage_ids.items()}
            return labels.get(str(value), str(value))
        return str(value)

    def write(self, external_id: str, field: str, value: str) -> None:
        """Set one property of one deal (one ``PATCH``)."""
        from hubspot.crm.objects import SimplePublicObjectInput

        if field == "stage":
            if not self._stage_ids:
                list(self._stages())
            value = self._stage_ids.get(value, value)
        body = SimplePublicObjectInput(properties={WRITABLE[field]: value})
        objects = self.client.crm.objects.basic_api
        self._call(
            lambda: objects.update(
                "deals", external_id, simple_public_object_input=body, _preload_content=False
            )
        )

    def create(self, activity: ActivityWrite) -> str:
        """Create a call, meeting, email, note or task associated with its records; its HubSpot id."""
        from hubspot.crm.objects import (
            AssociationSpec,
            PublicAssociationsForObject,
            PublicObjectId,
            SimplePublicObjectInputForCreate,
        )

        kind, properties, links = hubspot_activity(activity)
        associations = [
            PublicAssociationsForObject(
                to=PublicObjectId(id=ident),
                types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)],
            )
            for ident, type_id in links
        ]
        body = SimplePublicObjectInputForCreate(properties=properties, associations=associations)
        objects = self.client.crm.objects.basic_api
        created = self._call(
            lambda: objects.create(kind, simple_public_object_input_for_create=body, _preload_content=False)
        )
        return str(created["id"])
