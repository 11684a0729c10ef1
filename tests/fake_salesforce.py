"""A loopback fake of the Salesforce REST API, written from its public documentation.

What it serves (``/services/data/vXX.X/…``):

* ``GET query?q=SOQL`` and ``GET queryAll?q=SOQL``: ``{"totalSize", "done", "records",
  "nextRecordsUrl"}``, :attr:`FakeSalesforce.page_size` records a page, each with its
  ``attributes``; the rest through ``GET query/<locator>-<offset>`` (the ``nextRecordsUrl``).
  ``query`` leaves deleted records out; ``queryAll`` includes them (``IsDeleted``). The SOQL
  understood is what a sync sends: ``SELECT f, … FROM Object [WHERE cond AND …] [ORDER BY f]``
  with conditions ``Field > datetime``, ``Field = true|false``, ``Field = 'text'`` and
  ``Field IN ('a', 'b')``. An object named in :attr:`FakeSalesforce.missing` is one the org does
  not have: 400 ``INVALID_TYPE``.
* ``GET sobjects/Opportunity/<Id>?fields=…`` and ``PATCH sobjects/Opportunity/<Id>`` (204; every
  PATCH is recorded in :attr:`FakeSalesforce.patches`, and changes the record and its stamp).
* ``POST sobjects/<Task|Event>`` (201 ``{"id", "success", "errors"}``; every create is recorded in
  :attr:`FakeSalesforce.created`, and the record is added to the org with a new id). A body naming
  a field the object does not have is 400 ``INVALID_FIELD``; an ``Event`` needs ``ActivityDate``
  when ``IsAllDayEvent``, a ``Task`` a ``Subject`` (``REQUIRED_FIELD_MISSING``).
* ``POST /services/oauth2/token`` (client credentials): a new access token.

Errors as Salesforce gives them, a JSON list of ``{"message", "errorCode"}``: 401
``INVALID_SESSION_ID`` for a token that is not the current one (:meth:`expire_token`), 403
``REQUEST_LIMIT_EXCEEDED`` for the next N calls (:meth:`limit_next`), 500 for queries of an object
named in :attr:`failing` (a sync dying half-way).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API = re.compile(r"^/services/data/v(\d+\.\d)/(.*)$")
SOQL = re.compile(
    r"^SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?: WHERE (?P<where>.+?))?(?: ORDER BY (?P<order>\w+))?$"
)
START = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def sf_stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce:
    """An org held in memory, served on 127.0.0.1."""

    def __init__(self, page_size: int = 2000) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.page_size = page_size
        self.token = "token-1"
        self.client_id = "salesplan-client"
        self.client_secret = "s3cret"
        self.patches: list[tuple[str, str, dict[str, Any]]] = []
        self.created: list[tuple[str, dict[str, Any]]] = []
        self.requests: list[tuple[str, str, str]] = []  # method, path, SOQL
        self.failing: set[str] = set()
        #: Objects the org does not have (no territory management, no forecasts): ``INVALID_TYPE``.
        self.missing: set[str] = set()
        self._limited = 0
        self._tokens = itertools.count(2)
        self._clock = START
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.url = ""
        self._cursors: dict[str, tuple[str, list[str], list[dict[str, Any]]]] = {}

    # -- the org ----------------------------------------------------------------------------------
    def tick(self, minutes: int = 30) -> str:
        self._clock += dt.timedelta(minutes=minutes)
        return sf_stamp(self._clock)

    def add(self, sobject: str, **fields: Any) -> dict[str, Any]:
        prefix = {"User": "005", "Account": "001", "Contact": "003", "Opportunity": "006"}.get(sobject, "0XX")
        prefix = {"Task": "00T", "Event": "00U"}.get(sobject, prefix)
        record = {"Id": fields.pop("Id", f"{prefix}{next(self._ids):015d}"), **fields}
        record.setdefault("CreatedDate", sf_stamp(self._clock))
        record["SystemModstamp"] = self.tick(1)
        record["IsDeleted"] = False
        self.records.setdefault(sobject, []).append(record)
        return record

    def find(self, sobject: str, record_id: str) -> dict[str, Any]:
        return next(r for r in self.records.get(sobject, []) if r["Id"] == record_id)

    def change(self, sobject: str, record_id: str, **fields: Any) -> None:
        record = self.find(sobject, record_id)
        record.update(fields)
        record["SystemModstamp"] = self.tick()

    def delete(self, sobject: str, record_id: str) -> None:
        """Into the recycle bin, with the records Salesforce deletes along (history, roles,
        activities of a deal; contacts and deals of an account)."""
        record = self.find(sobject, record_id)
        record["IsDeleted"] = True
        record["SystemModstamp"] = self.tick()
        for child, records in self.records.items():
            for row in records:
                linked = any(row.get(k) == record_id for k in ("OpportunityId", "WhatId", "AccountId"))
                if linked and not row["IsDeleted"]:
                    self.delete(child, row["Id"])

    def live(self, sobject: str) -> list[dict[str, Any]]:
        return [r for r in self.records.get(sobject, []) if not r["IsDeleted"]]

    # -- faults -----------------------------------------------------------------------------------
    def expire_token(self) -> None:
        self.token = f"token-{next(self._tokens)}"

    def limit_next(self, calls: int) -> None:
        self._limited = calls

    # -- serving ----------------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path, query.get("q", "")))
            if path == "/services/oauth2/token":
                form = urllib.parse.parse_qs(body.decode())
                if form.get("client_secret", [""])[0] != self.client_secret:
                    return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
                return 200, {"access_token": self.token, "instance_url": self.url, "token_type": "Bearer"}
            if headers.get("Authorization") != f"Bearer {self.token}":
                return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            if self._limited:
                self._limited -= 1
                return 403, [
                    {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
                ]
            match = API.match(path)
            if not match:
                return 404, [{"message": "not found", "errorCode": "NOT_FOUND"}]
            version, rest = match.groups()
            if rest in ("query", "query/", "queryAll", "queryAll/"):
                return self._query(version, query["q"], rest.startswith("queryAll"))
            if rest.startswith("query/"):
                locator, offset = rest.removeprefix("query/").rsplit("-", 1)
                return self._page(version, locator, int(offset))
            created = re.match(r"^sobjects/(\w+)/?$", rest)
            if created and method == "POST":
                return self._create(created.group(1), json.loads(body or b"{}"))
            sobject = re.match(r"^sobjects/(\w+)/(\w+)$", rest)
            if sobject:
                return self._sobject(method, sobject.group(1), sobject.group(2), query, body)
            return 404, [{"message": "not found", "errorCode": "NOT_FOUND"}]

    def _create(self, sobject: str, fields: dict[str, Any]) -> tuple[int, Any]:
        """A new Task or Event, as the sObject Rows resource creates it."""
        known = ACTIVITY_FIELDS.get(sobject)
        if known is None:
            return 404, [{"message": f"sObject type '{sobject}' is not supported.", "errorCode": "NOT_FOUND"}]
        unknown = sorted(set(fields) - known)
        if unknown:
            message = f"No such column '{unknown[0]}' on sobject of type {sobject}"
            return 400, [{"message": message, "errorCode": "INVALID_FIELD", "fields": unknown}]
        needed = ["Subject"] if sobject == "Task" else ["ActivityDate"] if fields.get("IsAllDayEvent") else []
        needed += [] if sobject == "Task" or fields.get("IsAllDayEvent") else ["ActivityDateTime"]
        missing = [name for name in needed if not fields.get(name)]
        if missing:
            message = f"Required fields are missing: {missing}"
            return 400, [{"message": message, "errorCode": "REQUIRED_FIELD_MISSING", "fields": missing}]
        self.created.append((sobject, dict(fields)))
        record = self.add(sobject, **fields)
        return 201, {"id": record["Id"], "success": True, "errors": []}

    def _query(self, version: str, soql: str, deleted: bool) -> tuple[int, Any]:
        """A query cursor: the rows are selected once, and pages are read from it."""
        sobject = SOQL.match(soql.strip())
        if sobject and sobject["object"] in self.missing:
            message = f"sObject type '{sobject['object']}' is not supported."
            return 400, [{"message": message, "errorCode": "INVALID_TYPE"}]
        if sobject and sobject["object"] in self.failing:
            return 500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]
        selected = self._select(soql, deleted)
        if selected is None:
            return 400, [{"message": f"cannot parse {soql}", "errorCode": "MALFORMED_QUERY"}]
        locator = f"01g{len(self._cursors):015d}"
        self._cursors[locator] = (sobject["object"] if sobject else "", *selected)
        return self._page(version, locator, 0)

    def _select(self, soql: str, deleted: bool) -> tuple[list[str], list[dict[str, Any]]] | None:
        match = SOQL.match(soql.strip())
        if match is None:
            return None
        fields = [f.strip() for f in match["fields"].split(",")]
        rows = self.records.get(match["object"], [])
        rows = [r for r in rows if deleted or not r["IsDeleted"]]
        for condition in (match["where"] or "").split(" AND ") if match["where"] else []:
            name, op, value = condition.split(" ", 2)
            if op == ">":
                limit = dt.datetime.fromisoformat(value)
                rows = [r for r in rows if dt.datetime.fromisoformat(r[name]) > limit]
            elif op == "=" and value in ("true", "false"):
                rows = [r for r in rows if r.get(name) is (value == "true")]
            elif op == "=":
                rows = [r for r in rows if r.get(name) == value.strip("'")]
            elif op == "IN":
                wanted = {v.strip().strip("'") for v in value.strip().strip("()").split(",")}
                rows = [r for r in rows if r.get(name) in wanted]
        if match["order"]:
            rows = sorted(rows, key=lambda r: (r.get(match["order"]) is None, r.get(match["order"]) or ""))
        return fields, rows

    def _page(self, version: str, locator: str, offset: int) -> tuple[int, Any]:
        sobject, fields, rows = self._cursors[locator]
        if sobject in self.failing:
            return 500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]
        page = rows[offset : offset + self.page_size]
        body: dict[str, Any] = {
            "totalSize": len(rows),
            "done": offset + self.page_size >= len(rows),
            "records": [self._shape(sobject, version, r, fields) for r in page],
        }
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + self.page_size}"
        return 200, body

    @staticmethod
    def _shape(sobject: str, version: str, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        url = f"/services/data/v{version}/sobjects/{sobject}/{record['Id']}"
        return {"attributes": {"type": sobject, "url": url}, **{f: record.get(f) for f in fields}}

    def _sobject(
        self, method: str, sobject: str, record_id: str, query: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        try:
            record = self.find(sobject, record_id)
        except StopIteration:
            return 404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
        if method == "PATCH":
            changes = json.loads(body)
            self.patches.append((sobject, record_id, changes))
            record.update(changes)
            record["SystemModstamp"] = self.tick()
            return 204, None
        fields = query.get("fields", "").split(",") if query.get("fields") else list(record)
        return 200, {"attributes": {"type": sobject}, **{f: record.get(f) for f in fields}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSalesforce

    def _serve(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.fake.handle(method, parts.path, query, self.headers, body)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
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
def serve_salesforce(fake: FakeSalesforce | None = None) -> Iterator[FakeSalesforce]:
    """Serve ``fake`` (a new empty org when None) on 127.0.0.1; its ``url`` is ``http://…``."""
    fake = fake or FakeSalesforce()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


#: The fields a Task or an Event may be created with (a subset of the objects' createable fields).
ACTIVITY_FIELDS = {
    "Task": {
        "Subject",
        "ActivityDate",
        "Status",
        "Priority",
        "TaskSubtype",
        "WhatId",
        "WhoId",
        "OwnerId",
        "Description",
    },
    "Event": {
        "Subject",
        "ActivityDate",
        "ActivityDateTime",
        "IsAllDayEvent",
        "DurationInMinutes",
        "EndDateTime",
        "WhatId",
        "WhoId",
        "OwnerId",
        "Description",
        "EventSubtype",
    },
}

STAGES = [
    # ApiName, MasterLabel, IsClosed, IsWon, DefaultProbability, ForecastCategoryName, SortOrder
    ("Prospecting", "Prospecting", False, False, 10, "Pipeline", 1),
    ("Negotiation/Review", "Negotiation", False, False, 70, "Commit", 2),
    ("Closed Won", "Closed Won", True, True, 100, "Closed", 3),
    ("Closed Lost", "Closed Lost", True, False, 0, "Omitted", 4),
]


def sample_org(fake: FakeSalesforce) -> dict[str, str]:
    """A small org: a manager and two reps, three accounts (one a subsidiary), a contact with a
    buying role, five deals with history, a call and a meeting. Returns the ids by name."""
    for api, label, closed, won, probability, forecast, order in STAGES:
        fake.add(
            "OpportunityStage",
            ApiName=api,
            MasterLabel=label,
            IsClosed=closed,
            IsWon=won,
            DefaultProbability=probability,
            ForecastCategoryName=forecast,
            SortOrder=order,
            IsActive=True,
        )
    ids: dict[str, str] = {}
    ids["maya"] = fake.add("User", Name="Maya Patel", Email="maya@example.com", ManagerId=None)["Id"]
    ids["rita"] = fake.add("User", Name="Rita Ruiz", Email="rita@example.com", ManagerId=ids["maya"])["Id"]
    ids["sam"] = fake.add("User", Name="Sam Stone", Email="sam@example.com", ManagerId=ids["maya"])["Id"]
    ids["acme"] = fake.add(
        "Account",
        Name="Acme Corporation",
        Industry="Manufacturing",
        AnnualRevenue=12500000.0,
        NumberOfEmployees=800,
        BillingCity="Denver",
        BillingState="CO",
        BillingCountry="USA",
        OwnerId=ids["rita"],
        ParentId=None,
    )["Id"]
    ids["acme_sub"] = fake.add(
        "Account", Name="Acme Robotics", Industry="Manufacturing", OwnerId=ids["rita"], ParentId=ids["acme"]
    )["Id"]
    ids["globex"] = fake.add("Account", Name="Globex", Industry="Retail", OwnerId=ids["sam"])["Id"]
    ids["naomi"] = fake.add(
        "Contact",
        AccountId=ids["acme"],
        FirstName="Naomi",
        LastName="Nagata",
        Title="CFO",
        Email="naomi@acme.example",
    )["Id"]
    deals = [
        ("acme_renewal", "Acme Renewal", "acme", "rita", "Negotiation/Review", 120000.0, "2026-12-15"),
        ("acme_expansion", "Acme Expansion", "acme", "rita", "Prospecting", 45000.0, "2027-02-28"),
        ("robotics_pilot", "Robotics Pilot", "acme_sub", "rita", "Prospecting", 18000.0, "2027-01-31"),
        ("globex_platform", "Globex Platform", "globex", "sam", "Closed Won", 60000.0, "2026-10-20"),
        ("globex_addon", "Globex Add-on", "globex", "sam", "Closed Lost", 9000.0, "2026-09-30"),
    ]
    for key, name, account, owner, stage, amount, close in deals:
        won = stage == "Closed Won"
        ids[key] = fake.add(
            "Opportunity",
            Name=name,
            AccountId=ids[account],
            OwnerId=ids[owner],
            StageName=stage,
            Amount=amount,
            Probability=None,
            ForecastCategoryName=None,
            CloseDate=close,
            CreatedDate="2026-08-01T10:00:00.000+0000",
            NextStep="Send proposal" if not won else None,
            LastActivityDate="2026-10-28",
            IsClosed=stage.startswith("Closed"),
            IsWon=won,
        )["Id"]
        fake.add(
            "OpportunityHistory",
            OpportunityId=ids[key],
            CreatedDate="2026-08-01T10:00:00.000+0000",
            StageName="Prospecting",
            Amount=amount,
            CloseDate=close,
        )
    fake.add(
        "OpportunityContactRole",
        ContactId=ids["naomi"],
        OpportunityId=ids["acme_renewal"],
        Role="Economic Buyer",
    )
    fake.add(
        "Task",
        TaskSubtype="Call",
        Subject="Pricing call",
        ActivityDate="2026-10-28",
        OwnerId=ids["rita"],
        AccountId=ids["acme"],
        WhatId=ids["acme_renewal"],
        WhoId=ids["naomi"],
    )
    fake.add(
        "Event",
        Subject="On-site demo",
        ActivityDateTime="2026-10-21T15:00:00.000+0000",
        OwnerId=ids["sam"],
        AccountId=ids["globex"],
        WhatId=ids["globex_platform"],
        WhoId=None,
    )
    return ids


def related_org(fake: FakeSalesforce, ids: dict[str, str]) -> dict[str, str]:
    """Products with prices and line items, territories of an active model (and an archived one),
    and quotas of two forecast types, on top of :func:`sample_org`. Returns the new ids by name."""
    found: dict[str, str] = {}
    standard = fake.add("Pricebook2", Name="Standard Price Book", IsStandard=True)["Id"]
    other = fake.add("Pricebook2", Name="Partner Price Book", IsStandard=False)["Id"]
    for key, name, family, price in (
        ("platform", "Platform", "Core", 100000.0),
        ("addon", "Add-on", "Extensions", 20000.0),
    ):
        found[key] = fake.add("Product2", Name=name, Family=family, ProductCode=key.upper(), IsActive=True)[
            "Id"
        ]
        fake.add(
            "PricebookEntry", Product2Id=found[key], Pricebook2Id=standard, UnitPrice=price, IsActive=True
        )
        fake.add(
            "PricebookEntry", Product2Id=found[key], Pricebook2Id=other, UnitPrice=price / 2, IsActive=True
        )
    for key, deal, product, total in (
        ("renewal_platform", "acme_renewal", "platform", 100000.0),
        ("renewal_addon", "acme_renewal", "addon", 20000.0),
        ("expansion_addon", "acme_expansion", "addon", 45000.0),
    ):
        found[key] = fake.add(
            "OpportunityLineItem",
            OpportunityId=ids[deal],
            Product2Id=found[product],
            Quantity=1.0,
            TotalPrice=total,
        )["Id"]
    found["model"] = fake.add("Territory2Model", Name="FY27", State="Active")["Id"]
    archived = fake.add("Territory2Model", Name="FY25", State="Archived")["Id"]
    found["west"] = fake.add(
        "Territory2", Name="West", ParentTerritory2Id=None, Territory2ModelId=found["model"]
    )["Id"]
    found["west_ent"] = fake.add(
        "Territory2",
        Name="West Enterprise",
        ParentTerritory2Id=found["west"],
        Territory2ModelId=found["model"],
    )["Id"]
    fake.add("Territory2", Name="Old West", ParentTerritory2Id=None, Territory2ModelId=archived)
    for user, territory in (("rita", "west_ent"), ("sam", "west")):
        fake.add("UserTerritory2Association", UserId=ids[user], Territory2Id=found[territory], IsActive=True)
    for account, territory in (("acme", "west_ent"), ("globex", "west")):
        found[f"{account}_link"] = fake.add(
            "ObjectTerritory2Association",
            ObjectId=ids[account],
            Territory2Id=found[territory],
            AssociationCause="Territory2Manual",
        )["Id"]
    revenue = fake.add("ForecastingType", DeveloperName="OpportunityRevenue", IsAmount=True, IsActive=True)[
        "Id"
    ]
    products = fake.add("ForecastingType", DeveloperName="OpportunityLineItemRevenue", IsAmount=True)["Id"]
    for month in ("2026-10-01", "2026-11-01", "2026-12-01"):
        for kind, family, amount in (
            (revenue, None, 30000.0),
            (products, None, 99999.0),
            (revenue, "Core", 5.0),
        ):
            fake.add(
                "ForecastingQuota",
                QuotaOwnerId=ids["rita"],
                QuotaAmount=amount,
                StartDate=month,
                ForecastingTypeId=kind,
                ProductFamily=family,
                IsAmount=True,
            )
    fake.add(
        "ForecastingQuota",
        QuotaOwnerId=ids["sam"],
        QuotaAmount=250000.0,
        StartDate="2027-01-01",
        ForecastingTypeId=revenue,
        ProductFamily=None,
        IsAmount=True,
    )
    return found
