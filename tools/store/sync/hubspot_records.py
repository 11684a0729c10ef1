"""HubSpot records as the CSV files a sync imports: rows, owners' names, stamps and error texts."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.store.sync.source import cell

STAGE_COLUMNS = ("id", "label", "closed", "won", "probability", "forecast", "order")


def owner_name(owner: dict[str, Any]) -> str:
    name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p)
    return name or str(owner.get("email") or owner["id"])


def row_of(kind: str, record: dict[str, Any], properties: tuple[str, ...]) -> dict[str, Any]:
    values = record.get("properties") or {}
    row = {"id": record["id"], **{p: values.get(p) for p in properties}}
    links = ((record.get("associations") or {}).get("companies") or {}).get("results") or []
    row["company_id"] = links[0]["id"] if links else values.get("associatedcompanyid")
    return row


def write_csv(path: Path, columns: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
            count += 1
    return count


def normal_stamp(stamp: str) -> str:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC).isoformat()


def message_of(body: Any) -> str:
    try:
        parsed = json.loads(body) if isinstance(body, bytes | str) else body
    except ValueError:
        return str(body)[:200]
    return str(parsed.get("message", parsed))[:200] if isinstance(parsed, dict) else str(parsed)[:200]
