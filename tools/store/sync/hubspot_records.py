"""HubSpot records as the CSV files a sync imports: rows, stages, owners' names, stamps and error texts."""

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


def write_csv(
    path: Path, columns: tuple[str, ...], rows: Iterator[dict[str, Any]], *, append: bool = False
) -> int:
    """Write ``rows`` (or add them to the file, its header already written, when ``append``)."""
    count = 0
    with path.open("a" if append else "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if not append:
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


def stage_rows(pipelines: dict[str, Any], stage_ids: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The deal stages of every pipeline, by label (``stage_ids`` gets each label's id): a label in
    several pipelines is one stage here (the first's id); closed with probability 1 is won."""
    seen: set[str] = set()
    for pipeline in pipelines.get("results", []):
        for stage in sorted(pipeline.get("stages", []), key=lambda s: s.get("displayOrder", 0)):
            if stage["label"] in seen:
                continue
            seen.add(stage["label"])
            stage_ids[stage["label"]] = stage["id"]
            meta = stage.get("metadata") or {}
            closed = str(meta.get("isClosed", "false")).lower() == "true"
            probability = float(meta.get("probability") or 0)
            won = closed and probability >= 1
            forecast = (
                "Closed" if won else "Omitted" if closed else "Commit" if probability >= 0.9 else "Pipeline"
            )
            yield {
                "id": stage["id"],
                "label": stage["label"],
                "closed": closed,
                "won": won,
                "probability": probability,
                "forecast": forecast,
                "order": stage.get("displayOrder", 0),
            }
