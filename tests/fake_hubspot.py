"""A loopback fake of the HubSpot CRM v3 API, as its public reference describes it.

Served on 127.0.0.1 for ``salesplan sync hubspot`` and the write-back of confirmed changes:

* ``GET /crm/v3/objects/{type}`` lists records (``limit``, ``after``, ``properties``,
  ``associations``, ``archived``), ``paging.next.after`` while more remain;
* ``POST /crm/v3/objects/{type}/search`` with a ``filterGroups`` filter ``hs_lastmodifieddate``
  (``lastmodifieddate`` for contacts) ``GT`` a millisecond stamp, sorted ascending, paged by ``after``;
* ``GET|PATCH /crm/v3/objects/{type}/{id}`` (``properties``, ``associations``; a PATCH body
  ``{"properties": {...}}`` is recorded in :attr:`FakeHubSpot.patches`);
* ``GET /crm/v3/owners`` (paged) and ``GET /crm/v3/pipelines/deals``;
* ``POST /crm/v3/objects/{calls|meetings|emails|notes|tasks}`` with ``{"properties", "associations"}``
  creates an engagement (201; recorded in :attr:`FakeHubSpot.created`): ``hs_timestamp`` is required,
  and each association must use HubSpot's default type id for that pair (call → contact 194, …
  note → deal 214), else 400 as HubSpot answers an invalid association;
* a wrong bearer token is 401 (``INVALID_AUTHENTICATION``); :meth:`limit_next` answers 429 with
  ``Retry-After``; an object type in :attr:`FakeHubSpot.forbidden` is 403 ``MISSING_SCOPES``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

START = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
#: HubSpot's default association type ids from each engagement to contacts, companies and deals.
ENGAGEMENTS = {
    "calls": {"contacts": 194, "companies": 182, "deals": 206},
    "emails": {"contacts": 198, "companies": 186, "deals": 210},
    "meetings": {"contacts": 200, "companies": 188, "deals": 212},
    "notes": {"contacts": 202, "companies": 190, "deals": 214},
    "tasks": {"contacts": 204, "companies": 192, "deals": 216},
}
STAMP_OF = {"contacts": "lastmodifieddate"}
PIPELINE = [
    # id, label, displayOrder, isClosed, probability
    ("appointmentscheduled", "Appointment Scheduled", 0, "false", "0.2"),
    ("contractsent", "Contract Sent", 1, "false", "0.9"),
    ("closedwon", "Closed Won", 2, "true", "1.0"),
    ("closedlost", "Closed Lost", 3, "true", "0.0"),
]


def hs_stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class FakeHubSpot:
    """A HubSpot account held in memory."""

    def __init__(self, page_size: int = 100) -> None:
        self.objects: dict[str, list[dict[str, Any]]] = {
            kind: [] for kind in ("companies", "contacts", "deals", "products", "line_items", *ENGAGEMENTS)
        }
        self.owners: list[dict[str, Any]] = []
        self.page_size = page_size
        self.token = "pat-na1-test"
        self.patches: list[tuple[str, str, dict[str, Any]]] = []
        self.created: list[tuple[str, dict[str, Any], list[tuple[str, int]]]] = []
        #: Object types the token has no scope for: 403 ``MISSING_SCOPES``.
        self.forbidden: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.url = ""
        self._limited = 0
        self._ids = itertools.count(101)
        self._clock = START
        self._lock = threading.Lock()

    def tick(self, minutes: int = 30) -> str:
        self._clock += dt.timedelta(minutes=minutes)
        return hs_stamp(self._clock)

    def add_owner(self, first: str, last: str, email: str) -> str:
        owner = str(next(self._ids))
        stamp = hs_stamp(self._clock)
        self.owners.append(
            {
                "id": owner,
                "firstName": first,
                "lastName": last,
                "email": email,
                "userId": int(owner),
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
            }
        )
        return owner

    def add(self, kind: str, associations: dict[str, list[str]] | None = None, **properties: Any) -> str:
        ident = str(next(self._ids))
        stamp = self.tick(1)
        props = {k: None if v is None else str(v) for k, v in properties.items()}
        props |= {
            "hs_object_id": ident,
            "createdate": hs_stamp(START),
            STAMP_OF.get(kind, "hs_lastmodifieddate"): stamp,
        }
        self.objects[kind].append(
            {
                "id": ident,
                "properties": props,
                "createdAt": hs_stamp(START),
                "updatedAt": stamp,
                "archived": False,
                "links": associations or {},
            }
        )
        return ident

    def find(self, kind: str, ident: str) -> dict[str, Any]:
        return next(r for r in self.objects[kind] if r["id"] == ident)

    def change(self, kind: str, ident: str, **properties: Any) -> None:
        record = self.find(kind, ident)
        record["properties"].update({k: str(v) for k, v in properties.items()})
        record["updatedAt"] = record["properties"][STAMP_OF.get(kind, "hs_lastmodifieddate")] = self.tick()

    def delete(self, kind: str, ident: str) -> None:
        record = self.find(kind, ident)
        record["archived"], record["archivedAt"] = True, self.tick()

    def _archived(self, kind: str, ident: str) -> bool:
        """An archived record is no longer associated with anything (an archived one's own
        associations are still listed, as the archived listing shows them)."""
        found = next((r for r in self.objects.get(kind, []) if r["id"] == ident), None)
        return found is not None and bool(found["archived"])

    def limit_next(self, calls: int) -> None:
        self._limited = calls

    # -- serving ----------------------------------------------------------------------------------
    def _shape(self, kind: str, record: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
        wanted = ",".join(query.get("properties", [])).split(",")
        props = {k: v for k, v in record["properties"].items() if k in wanted or k in ("hs_object_id",)}
        shaped = {k: v for k, v in record.items() if k != "links"} | {"properties": props}
        linked = ",".join(query.get("associations", [])).split(",")
        links = {
            other: {"results": [{"id": i, "type": f"{kind[:-1]}_to_{other[:-1]}"} for i in live]}
            for other, ids in record["links"].items()
            if other in linked and (live := [i for i in ids if not self._archived(other, i)])
        }
        if links:
            shaped["associations"] = links
        return shaped

    def _page(self, rows: list[Any], after: str | None, limit: int) -> tuple[list[Any], dict[str, Any]]:
        start = int(after or 0)
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return page, ({"paging": {"next": {"after": str(start + limit)}}} if more else {})

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append((method, path))
            if headers.get("Authorization") != f"Bearer {self.token}":
                return (
                    401,
                    {
                        "status": "error",
                        "category": "INVALID_AUTHENTICATION",
                        "message": "Authentication credentials not found.",
                    },
                    {},
                )
            if self._limited:
                self._limited -= 1
                return (
                    429,
                    {
                        "status": "error",
                        "category": "RATE_LIMITS",
                        "message": "You have reached your ten_secondly_rolling limit.",
                    },
                    {"Retry-After": "1"},
                )
            one = query.get("limit", [str(self.page_size)])[0]
            limit = min(int(one), self.page_size)
            parts = path.strip("/").split("/")
            if parts == ["crm", "v3", "owners"] or parts == ["crm", "v3", "owners", ""]:
                page, paging = self._page(self.owners, query.get("after", [None])[0], limit)
                return 200, {"results": page, **paging}, {}
            if parts == ["crm", "v3", "pipelines", "deals"]:
                stamp = hs_stamp(START)
                stages = [
                    {
                        "id": i,
                        "label": label,
                        "displayOrder": order,
                        "metadata": {"isClosed": closed, "probability": p},
                        "createdAt": stamp,
                        "updatedAt": stamp,
                        "archived": False,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    }
                    for i, label, order, closed, p in PIPELINE
                ]
                pipeline = {
                    "id": "default",
                    "label": "Sales Pipeline",
                    "displayOrder": 0,
                    "stages": stages,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": False,
                }
                return 200, {"results": [pipeline]}, {}
            if parts[:3] != ["crm", "v3", "objects"] or len(parts) < 4 or parts[3] not in self.objects:
                return 404, {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "not found"}, {}
            kind = parts[3]
            if kind in self.forbidden:
                message = "This app hasn't been granted all required scopes to make this call."
                return 403, {"status": "error", "category": "MISSING_SCOPES", "message": message}, {}
            if len(parts) == 4 and method == "POST":
                return self._create(kind, json.loads(body or b"{}"))
            if len(parts) == 5 and parts[4] == "search" and method == "POST":
                return 200, self._search(kind, json.loads(body or b"{}")), {}
            if len(parts) == 5:
                record = next(
                    (r for r in self.objects[kind] if r["id"] == parts[4] and not r["archived"]), None
                )
                if record is None:
                    return (
                        404,
                        {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "not found"},
                        {},
                    )
                if method == "PATCH":
                    changes = json.loads(body)["properties"]
                    self.patches.append((kind, parts[4], changes))
                    self.change(kind, parts[4], **changes)
                return 200, self._shape(kind, record, query), {}
            archived = query.get("archived", ["false"])[0].lower() == "true"
            rows = [r for r in self.objects[kind] if r["archived"] is archived]
            page, paging = self._page(rows, query.get("after", [None])[0], limit)
            return 200, {"results": [self._shape(kind, r, query) for r in page], **paging}, {}

    def _create(self, kind: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        types = ENGAGEMENTS.get(kind)
        if types is None:
            return (
                400,
                {"status": "error", "category": "VALIDATION_ERROR", "message": f"cannot create {kind}"},
                {},
            )
        properties = request.get("properties") or {}
        if not properties.get("hs_timestamp"):
            message = "Property values were not valid: hs_timestamp is required"
            return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": message}, {}
        links: list[tuple[str, int]] = []
        for association in request.get("associations") or []:
            target, [spec] = str(association["to"]["id"]), association["types"]
            owner = next(
                (
                    k
                    for k in ("contacts", "companies", "deals")
                    if any(r["id"] == target for r in self.objects[k])
                ),
                None,
            )
            if owner is None or spec["associationTypeId"] != types[owner]:
                message = f"invalid association type {spec['associationTypeId']} to {target}"
                return 400, {"status": "error", "category": "VALIDATION_ERROR", "message": message}, {}
            links.append((target, int(spec["associationTypeId"])))
        ident = self.add(kind, **properties)
        self.created.append((kind, dict(properties), links))
        return 201, {k: v for k, v in self.find(kind, ident).items() if k != "links"}, {}

    def _search(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        stamp = STAMP_OF.get(kind, "hs_lastmodifieddate")
        rows = [r for r in self.objects[kind] if not r["archived"]]
        for group in request.get("filterGroups", []):
            for found in group.get("filters", []):
                assert found["propertyName"] == stamp and found["operator"] == "GT", found
                since = dt.datetime.fromtimestamp(int(found["value"]) / 1000, dt.UTC)
                rows = [r for r in rows if dt.datetime.fromisoformat(r["properties"][stamp]) > since]
        rows.sort(key=lambda r: r["properties"][stamp])
        limit = min(int(request.get("limit", 10)), 200)
        page, paging = self._page(rows, request.get("after"), limit)
        query = {"properties": [",".join(request.get("properties", []))]}
        return {"total": len(rows), "results": [self._shape(kind, r, query) for r in page], **paging}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHubSpot

    def _serve(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, extra = self.fake.handle(method, parts.path, query, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serve_hubspot(fake: FakeHubSpot | None = None) -> Iterator[FakeHubSpot]:
    """Serve ``fake`` (a new empty account when None) on 127.0.0.1; its ``url`` is ``http://…``."""
    fake = fake or FakeHubSpot()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"fake": fake}))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def sample_account(fake: FakeHubSpot) -> dict[str, str]:
    """Two owners, two companies, a contact, three deals. Returns the ids by name."""
    ids = {
        "rita": fake.add_owner("Rita", "Ruiz", "rita@example.com"),
        "sam": fake.add_owner("Sam", "Stone", "sam@example.com"),
    }
    ids["acme"] = fake.add(
        "companies",
        name="Acme Corporation",
        industry="MANUFACTURING",
        annualrevenue=12500000,
        numberofemployees=800,
        city="Denver",
        state="CO",
        country="USA",
        hubspot_owner_id=ids["rita"],
    )
    ids["globex"] = fake.add("companies", name="Globex", industry="RETAIL", hubspot_owner_id=ids["sam"])
    ids["naomi"] = fake.add(
        "contacts",
        firstname="Naomi",
        lastname="Nagata",
        jobtitle="CFO",
        email="naomi@acme.example",
        associatedcompanyid=ids["acme"],
    )
    for key, name, company, owner, stage, amount, close in (
        ("renewal", "Acme Renewal", "acme", "rita", "contractsent", 120000, "2026-12-15"),
        ("expansion", "Acme Expansion", "acme", "rita", "appointmentscheduled", 45000, "2027-02-28"),
        ("platform", "Globex Platform", "globex", "sam", "closedwon", 60000, "2026-10-20"),
    ):
        ids[key] = fake.add(
            "deals",
            associations={
                "companies": [ids[company]],
                "contacts": [ids["naomi"]] if company == "acme" else [],
            },
            dealname=name,
            pipeline="default",
            dealstage=stage,
            amount=amount,
            closedate=f"{close}T00:00:00.000Z",
            hubspot_owner_id=ids[owner],
            hs_next_step="Send proposal",
        )
    return ids


def add_line_item(fake: FakeHubSpot, deal: str, product: str, amount: float) -> str:
    """A line item of ``product`` on ``deal``, associated both ways."""
    price = fake.find("products", product)["properties"]["price"]
    item = fake.add(
        "line_items",
        associations={"deals": [deal]},
        name=fake.find("products", product)["properties"]["name"],
        hs_product_id=product,
        quantity=1,
        price=price,
        amount=amount,
    )
    fake.find("deals", deal)["links"].setdefault("line_items", []).append(item)
    return item


def sample_items(fake: FakeHubSpot, ids: dict[str, str]) -> dict[str, str]:
    """Two products and three line items on the sample account's deals."""
    found = {
        "platform": fake.add("products", name="Platform", price=100000, hs_sku="PLAT"),
        "addon": fake.add("products", name="Add-on", price=20000, hs_sku="ADD"),
    }
    found["renewal_platform"] = add_line_item(fake, ids["renewal"], found["platform"], 100000)
    found["renewal_addon"] = add_line_item(fake, ids["renewal"], found["addon"], 20000)
    found["expansion_addon"] = add_line_item(fake, ids["expansion"], found["addon"], 45000)
    return found
