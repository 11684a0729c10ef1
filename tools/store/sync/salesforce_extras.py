"""What a Salesforce sync reads besides the record objects: products and line items, territories
and quotas — each only where the org has it (an object the org lacks, ``INVALID_TYPE``, is skipped:
no Enterprise Territory Management, no Collaborative Forecasts).

* **Products**: ``Product2`` with its list price from the standard price book (``Pricebook2``
  ``IsStandard``, its active ``PricebookEntry``), read whole on every run (few). Salesplan names
  products uniquely: a name used twice gets its product code (or id) after it.
* **Line items → a deal's product**: Salesplan keeps one product per deal, the product of its
  largest line item (``TotalPrice``; ties: the first by id). ``OpportunityLineItem`` is read
  incrementally like the other objects, deletes included; every deal whose line items changed is
  decided again from all its live line items (none left: no product), and is read again itself
  when the deal did not change (the import sets the product on the deal rows it imports).
* **Territories**: the ``Territory2`` records of the active ``Territory2Model`` (with their parent),
  read whole; a user's territory is their first active ``UserTerritory2Association`` in it (none:
  no territory), set on every user. An account's territory comes from
  ``ObjectTerritory2Association``, read incrementally (deletes included) and decided again for
  every account it touched, like line items.
* **Quotas**: ``ForecastingQuota`` amounts of the opportunity-revenue forecast type (else the first
  amount type), per owner (a territory's quota has none), without product-family quotas, summed into the
  fiscal quarters Salesplan counts in (``2026-Q4``); read whole on every run.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from tools.periods import quarter_containing
from tools.store.sync.retry import MissingObject
from tools.store.sync.salesforce_objects import OBJECTS, STAMP, soql_stamp
from tools.store.sync.source import Fetched, cell

#: Ids per ``IN (…)`` clause (a SOQL statement stays well under its 100,000-character limit).
CHUNK = 200
ITEM_FIELDS = ("Id", "OpportunityId", "Product2Id", "TotalPrice")
LINK_FIELDS = ("Id", "ObjectId", "Territory2Id")
#: The key prefix of Account ids (an ObjectTerritory2Association may name other objects).
ACCOUNT_PREFIX = "001"
REVENUE_TYPE = "OpportunityRevenue"


class Records(Protocol):
    """What this module asks of :class:`~tools.store.sync.salesforce.SalesforceSource`."""

    def records(self, soql: str, *, deleted: bool = False) -> Iterator[dict[str, Any]]: ...


def fetch_related(
    source: Records, directory: Path, since: Mapping[str, str], fetched: Fetched, fy_start_month: int
) -> None:
    """Write ``Product2.csv``, ``OpportunityLineItem.csv``, the territory files and ``quotas.csv``."""
    _products(source, directory, fetched)
    _decided_by_children(source, directory, since, fetched, _LINE_ITEMS)
    if _territories(source, directory, fetched):
        _decided_by_children(source, directory, since, fetched, _ACCOUNT_TERRITORIES)
    _quotas(source, directory, fetched, fy_start_month)


def _optional(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The rows, or None when the org does not have the object."""
    try:
        return list(rows)
    except MissingObject:
        return None


def _write(
    path: Path, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]], *, append: bool = False
) -> int:
    count = 0
    with path.open("a" if append else "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if not append:
            writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(column)) for column in columns])
            count += 1
    return count


def _quoted(ids: Iterable[str]) -> list[str]:
    ordered = sorted(ids)
    return [
        ", ".join("'" + i.replace("\\", "\\\\").replace("'", "\\'") + "'" for i in ordered[at : at + CHUNK])
        for at in range(0, len(ordered), CHUNK)
    ]


def _products(source: Records, directory: Path, fetched: Fetched) -> None:
    products = list(source.records("SELECT Id, Name, Family, ProductCode FROM Product2 ORDER BY Name"))
    standard = {str(r["Id"]) for r in source.records("SELECT Id FROM Pricebook2 WHERE IsStandard = true")}
    entries = source.records(
        "SELECT Product2Id, Pricebook2Id, UnitPrice FROM PricebookEntry WHERE IsActive = true"
    )
    prices = {str(e["Product2Id"]): e["UnitPrice"] for e in entries if str(e["Pricebook2Id"]) in standard}
    seen: set[str] = set()
    rows = []
    for product in products:
        name = str(product["Name"])
        if name.casefold() in seen:
            name = f"{name} ({product.get('ProductCode') or product['Id']})"
        seen.add(name.casefold())
        rows.append({**product, "Name": name, "ListPrice": prices.get(str(product["Id"]))})
    fetched.rows["Product2"] = _write(directory / "Product2.csv", ("Id", "Name", "Family", "ListPrice"), rows)


class _Children:
    """Child records that decide one column of their parent (line items → a deal's product)."""

    def __init__(
        self, child: str, fields: tuple[str, ...], link: str, value: str, parent: str, keep: Any
    ) -> None:
        self.child, self.fields, self.link, self.value, self.parent, self.keep = (
            child,
            fields,
            link,
            value,
            parent,
            keep,
        )


def _largest_item(items: list[dict[str, Any]]) -> dict[str, Any]:
    return max(items, key=lambda r: (Decimal(str(r.get("TotalPrice") or 0)), _reverse(str(r["Id"]))))


def _first(links: list[dict[str, Any]]) -> dict[str, Any]:
    return min(links, key=lambda r: str(r["Id"]))


def _reverse(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


_LINE_ITEMS = _Children(
    "OpportunityLineItem", ITEM_FIELDS, "OpportunityId", "Product2Id", "Opportunity", _largest_item
)
_ACCOUNT_TERRITORIES = _Children(
    "ObjectTerritory2Association", LINK_FIELDS, "ObjectId", "Territory2Id", "Account", _first
)


def _decided_by_children(
    source: Records, directory: Path, since: Mapping[str, str], fetched: Fetched, spec: _Children
) -> None:
    mark = since.get(spec.child)
    where = f" WHERE {STAMP} > {soql_stamp(mark)}" if mark else ""
    select = f"SELECT {', '.join(spec.fields)}, {STAMP} FROM {spec.child}"
    changed = _optional(source.records(f"{select}{where} ORDER BY {STAMP}"))
    if changed is None:
        return
    touched = {str(r[spec.link]) for r in changed if r.get(spec.link)}
    if mark:
        since_mark = f"{STAMP} > {soql_stamp(mark)}"
        gone = f"SELECT Id, {spec.link} FROM {spec.child} WHERE IsDeleted = true AND {since_mark}"
        touched |= {str(r[spec.link]) for r in source.records(gone, deleted=True) if r.get(spec.link)}
    if spec.parent == "Account":
        touched = {i for i in touched if i.startswith(ACCOUNT_PREFIX)}
    children = changed if not mark else _live_children(source, select, spec.link, touched)
    by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in children:
        by_parent[str(row[spec.link])].append(row)
    present = _with_parents(source, directory, fetched, spec.parent, touched)
    rows = [
        {
            spec.link: parent,
            spec.value: spec.keep(by_parent[parent])[spec.value] if by_parent[parent] else None,
        }
        for parent in sorted(touched & present)
    ]
    fetched.rows[spec.child] = _write(directory / f"{spec.child}.csv", (spec.link, spec.value), rows)
    stamps = [str(r.get(STAMP) or "") for r in changed]
    newest = max((s for s in stamps if s), default=None)
    if newest or mark:
        fetched.watermarks[spec.child] = _normal(newest) if newest else str(mark)


def _live_children(source: Records, select: str, link: str, parents: set[str]) -> list[dict[str, Any]]:
    return [
        row for chunk in _quoted(parents) for row in source.records(f"{select} WHERE {link} IN ({chunk})")
    ]


def _with_parents(
    source: Records, directory: Path, fetched: Fetched, parent: str, wanted: set[str]
) -> set[str]:
    """Append to ``PARENT.csv`` the wanted records it does not hold (their child changed, they did
    not); the ids it holds afterwards among the wanted ones (a deleted parent is not read)."""
    path = directory / f"{parent}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        held = {row["Id"] for row in csv.DictReader(handle)}
    fields = OBJECTS[parent][0]
    missing = wanted - held
    rows = [
        row
        for chunk in _quoted(missing)
        for row in source.records(f"SELECT {', '.join(fields)} FROM {parent} WHERE Id IN ({chunk})")
    ]
    if rows:
        fetched.rows[parent] = fetched.rows.get(parent, 0) + _write(path, fields, rows, append=True)
    return (held | {str(r["Id"]) for r in rows}) & wanted


def _territories(source: Records, directory: Path, fetched: Fetched) -> bool:
    """Territories of the active model and every user's territory; False when the org has none."""
    models = _optional(source.records("SELECT Id FROM Territory2Model WHERE State = 'Active'"))
    if models is None:
        return False
    active = {str(m["Id"]) for m in models}
    territories = [
        t
        for t in source.records(
            "SELECT Id, Name, ParentTerritory2Id, Territory2ModelId FROM Territory2 ORDER BY Name"
        )
        if str(t["Territory2ModelId"]) in active
    ]
    ids = {str(t["Id"]) for t in territories}
    columns = ("Id", "Name", "ParentTerritory2Id")
    fetched.rows["Territory2"] = _write(directory / "Territory2.csv", columns, territories)
    links = source.records(
        "SELECT Id, UserId, Territory2Id FROM UserTerritory2Association WHERE IsActive = true"
    )
    by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        if str(link["Territory2Id"]) in ids:
            by_user[str(link["UserId"])].append(link)
    with (directory / "User.csv").open(encoding="utf-8", newline="") as handle:
        users = [row["Id"] for row in csv.DictReader(handle)]
    rows = [
        {"UserId": u, "Territory2Id": _first(by_user[u])["Territory2Id"] if by_user[u] else None}
        for u in users
    ]
    path = directory / "UserTerritory2Association.csv"
    fetched.rows["UserTerritory2Association"] = _write(path, ("UserId", "Territory2Id"), rows)
    return True


def _quotas(source: Records, directory: Path, fetched: Fetched, fy_start_month: int) -> None:
    types = _optional(source.records("SELECT Id, DeveloperName FROM ForecastingType WHERE IsAmount = true"))
    if not types:
        return
    chosen = next(
        (t for t in types if t["DeveloperName"] == REVENUE_TYPE), min(types, key=lambda t: str(t["Id"]))
    )
    soql = (
        "SELECT Id, QuotaOwnerId, QuotaAmount, StartDate, ForecastingTypeId, ProductFamily "
        "FROM ForecastingQuota WHERE IsAmount = true"
    )
    quotas = _optional(source.records(soql))
    if quotas is None:
        return
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for quota in quotas:
        if (
            quota["ForecastingTypeId"] != chosen["Id"]
            or quota.get("ProductFamily")
            or not quota.get("QuotaOwnerId")
            or quota.get("QuotaAmount") is None
        ):
            continue
        start = dt.date.fromisoformat(str(quota["StartDate"])[:10])
        period = quarter_containing(start, fy_start_month).label
        totals[(str(quota["QuotaOwnerId"]), period)] += Decimal(str(quota["QuotaAmount"]))
    rows = [
        {"UserId": user, "Period": period, "Amount": amount}
        for (user, period), amount in sorted(totals.items())
    ]
    fetched.rows["ForecastingQuota"] = _write(directory / "quotas.csv", ("UserId", "Period", "Amount"), rows)


def _normal(stamp: str) -> str:
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).isoformat()
