"""HubSpot products and line items: the products, and each deal's product (its largest line item's).

* **Products** (``GET /crm/v3/objects/products``: name, price) are read whole on every run (few);
  a name used twice gets its SKU (or id) after it, as Salesplan names products uniquely.
* **A deal's product** is the product (``hs_product_id``) of its largest line item (``amount``;
  ties: the first by id). Deals are read with their line items (association ``line_items``). The
  first run lists every line item; later runs decide again every deal read this run (it changed)
  and every deal whose line items changed (search on ``hs_lastmodifieddate``, each read again with
  its deal) or were archived since the watermark. A deal decided again that did not change is read
  again itself, so the import has its row to set the product on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from tools.store.sync.hubspot_records import normal_stamp, row_of, write_csv
from tools.store.sync.retry import MissingObject
from tools.store.sync.source import Fetched

PRODUCT_PROPERTIES = ("name", "price", "hs_sku")
ITEM_PROPERTIES = ("name", "hs_product_id", "quantity", "price", "amount", "hs_lastmodifieddate")


class Source(Protocol):
    """What this module asks of :class:`~tools.store.sync.hubspot.HubSpotSource`."""

    def listed(
        self, kind: str, properties: tuple[str, ...], links: list[str] | None = None, archived: bool = False
    ) -> Iterator[dict[str, Any]]: ...

    def changed(self, kind: str, properties: tuple[str, ...], mark: str) -> Iterator[dict[str, Any]]: ...

    def one(
        self, kind: str, ident: str, properties: tuple[str, ...], links: list[str] | None = None
    ) -> dict[str, Any]: ...

    def archived_since(
        self, kind: str, mark: str, links: list[str] | None = None
    ) -> list[dict[str, Any]]: ...


def _linked(record: Mapping[str, Any], kind: str) -> list[str]:
    found = ((record.get("associations") or {}).get(kind) or {}).get("results") or []
    return sorted({str(link["id"]) for link in found})


def fetch_items(
    source: Source,
    directory: Path,
    since: Mapping[str, str],
    fetched: Fetched,
    deals: list[dict[str, Any]],
    deal_properties: tuple[str, ...],
) -> None:
    """Write ``products.csv`` and ``line_items.csv``; nothing when the app may not read them (403:
    no ``e-commerce`` scope), and the rest of the sync goes on."""
    try:
        _fetch_items(source, directory, since, fetched, deals, deal_properties)
    except MissingObject:
        for name in ("products.csv", "line_items.csv"):
            (directory / name).unlink(missing_ok=True)
        fetched.rows.pop("products", None)


def _fetch_items(
    source: Source,
    directory: Path,
    since: Mapping[str, str],
    fetched: Fetched,
    deals: list[dict[str, Any]],
    deal_properties: tuple[str, ...],
) -> None:
    """Write ``products.csv`` and ``line_items.csv`` (one row per deal decided), appending to
    ``deals.csv`` the deals decided again that it does not hold."""
    _products(source, directory, fetched)
    mark = since.get("line_items")
    items: dict[str, dict[str, Any]] = {}
    decided = {str(d["id"]): _linked(d, "line_items") for d in deals}
    if not mark:
        items = {str(i["id"]): i for i in source.listed("line_items", ITEM_PROPERTIES, links=[])}
        changed: list[dict[str, Any]] = []
    else:
        changed = [
            source.one("line_items", str(r["id"]), ITEM_PROPERTIES, ["deals"])
            for r in source.changed("line_items", ITEM_PROPERTIES, mark)
        ]
        gone = source.archived_since("line_items", mark, ["deals"])
        again = {deal for item in [*changed, *gone] for deal in _linked(item, "deals")} - set(decided)
        read = [source.one("deals", deal, deal_properties) for deal in sorted(again)]
        if read:
            appended = (row_of("deals", r, deal_properties) for r in read)
            columns = ("id", "company_id", *deal_properties)
            added = write_csv(directory / "deals.csv", columns, appended, append=True)
            fetched.rows["deals"] = fetched.rows.get("deals", 0) + added
        decided |= {str(d["id"]): _linked(d, "line_items") for d in read}
        wanted = {item for linked in decided.values() for item in linked}
        items = {str(i["id"]): i for i in changed if str(i["id"]) in wanted}
        for item in sorted(wanted - set(items)):
            try:
                items[item] = source.one("line_items", item, ITEM_PROPERTIES, [])
            except MissingObject:
                continue  # archived since the deal was read: not one of its items any more
    rows = [
        {"deal_id": deal, "product_id": _product(items, linked)} for deal, linked in sorted(decided.items())
    ]
    fetched.rows["line_items"] = write_csv(
        directory / "line_items.csv", ("deal_id", "product_id"), iter(rows)
    )
    stamps = [
        str((i.get("properties") or {}).get("hs_lastmodifieddate") or "") for i in (changed or items.values())
    ]
    newest = max((s for s in stamps if s), default=None)
    if newest or mark:
        fetched.watermarks["line_items"] = normal_stamp(newest) if newest else str(mark)


def _product(items: Mapping[str, dict[str, Any]], linked: list[str]) -> str | None:
    """The product of the largest of a deal's line items (None: it has none)."""
    present = [items[i] for i in linked if i in items]
    if not present:
        return None
    largest = max(present, key=lambda i: (_amount(i), -int(i["id"]) if str(i["id"]).isdigit() else 0))
    product = (largest.get("properties") or {}).get("hs_product_id")
    return str(product) if product else None


def _amount(item: Mapping[str, Any]) -> Decimal:
    value = (item.get("properties") or {}).get("amount")
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _products(source: Source, directory: Path, fetched: Fetched) -> None:
    seen: set[str] = set()
    rows = []
    for product in source.listed("products", PRODUCT_PROPERTIES, links=[]):
        values = product.get("properties") or {}
        name = str(values.get("name") or product["id"])
        if name.casefold() in seen:
            name = f"{name} ({values.get('hs_sku') or product['id']})"
        seen.add(name.casefold())
        rows.append({"id": product["id"], "name": name, "price": values.get("price")})
    fetched.rows["products"] = write_csv(directory / "products.csv", ("id", "name", "price"), iter(rows))
