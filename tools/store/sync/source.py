"""What a CRM source gives a sync (its records as CSV files, its deletes and new watermarks), and
what a confirmed change asks of it (one field of a deal, or a new activity)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol


@dataclass
class Fetched:
    """One fetch: rows written per object, deleted external ids per local table, and the newest
    modification stamp seen per object (the next run's watermark)."""

    rows: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)


#: Kinds of activity a change logs; ``task`` is an open to-do (a next step's due date).
ACTIVITY_KINDS = ("call", "meeting", "email", "note", "task")


@dataclass(frozen=True)
class ActivityWrite:
    """An activity to create in the CRM, linked by the CRM's own ids (None: not linked)."""

    kind: str
    subject: str
    day: dt.date
    owner: str | None = None
    account: str | None = None
    deal: str | None = None
    contact: str | None = None
    #: False for an open task (a next step due on ``day``); logged calls, meetings… are done.
    done: bool = True


class CrmSource(Protocol):
    """A CRM a sync reads and a confirmed change is written to."""

    name: str
    #: The import mapping that reads the files :meth:`fetch` writes.
    mapping: Path

    def fetch(self, directory: Path, since: Mapping[str, str]) -> Fetched:
        """Write the records changed since ``since`` (per object; all when empty) as CSV files."""
        ...

    def current(self, external_id: str, field: str) -> str | None:
        """The CRM's current value of ``field`` on the deal, as text (None when empty)."""
        ...

    def write(self, external_id: str, field: str, value: str) -> None:
        """Set ``field`` of the deal to ``value``."""
        ...

    def create(self, activity: ActivityWrite) -> str:
        """Create ``activity`` and return its CRM id."""
        ...


def cell(value: object) -> str:
    """A JSON value as a CSV cell: empty for null, ``true``/``false``, numbers without exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)
