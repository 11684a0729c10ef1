"""Reading CSV exports as they come: any common encoding, any line ending, broken rows reported.

The encoding is told (or a file that does not decode cleanly refused) by
:mod:`tools.store.importer.encoding`. Rows keep their physical line number in the file (the header
is line 1), so every message can point at the line a user opens in an editor.

Control characters: a cell holding a NUL character is an error on its row (no database keeps such
text alike). Every other control character — the rest of C0 (ESC, BEL, backspace …), DEL and the
C1 range U+0080–U+009F — is **removed** from the cell, with a grouped warning naming the rows:
none of them is text a CRM field means to hold, and they can rewrite a terminal that later prints
the value. Tab, line feed and carriage return are kept in every field (notes and next steps may
span lines; quoting in the file keeps them inside the cell).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tools.store.importer.encoding import decode
from tools.store.importer.report import DataImportError, Issue, IssueLog

if TYPE_CHECKING:
    from _csv import Reader

#: Control characters removed from imported text (NUL is refused instead; tab, LF and CR are kept).
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Row:
    """One data row: the line it starts on and its cells."""

    line: int
    cells: list[str]


@dataclass
class CsvTable:
    """A decoded CSV file: header (trimmed names), complete rows, and how it was decoded."""

    name: str
    encoding: str
    header: list[str]
    header_line: int = 1
    rows: list[Row] = field(default_factory=list)

    def index(self, column: str) -> int | None:
        """Position of ``column`` in the header, or None."""
        try:
            return self.header.index(column)
        except ValueError:
            return None


def read_csv(path: Path, log: IssueLog, *, encoding: str = "auto", delimiter: str = ",") -> CsvTable:
    """Read ``path``; malformed rows (wrong number of cells, broken quoting) become errors in ``log``.

    Raises:
        DataImportError: the file cannot be read or decoded, or has no header.
    """
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataImportError(f"cannot read {path}: {exc.strerror}") from exc
    text, used = decode(data, name, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(reader, name)
    table = CsvTable(name=name, encoding=used, header=header, header_line=reader.line_num)
    _check_header(table, log)
    _read_rows(reader, table, log, nul_possible="\x00" in text, controls=CONTROL.search(text) is not None)
    return table


def _header(reader: Reader, name: str) -> list[str]:
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                return [cell.strip().lstrip("\ufeff") for cell in cells]
    except csv.Error as exc:
        raise DataImportError(f"{name}:{reader.line_num}: the header is not valid CSV ({exc})") from exc
    raise DataImportError(f"{name} is empty (no header line)")


def _check_header(table: CsvTable, log: IssueLog) -> None:
    seen: set[str] = set()
    for column in table.header:
        if column in seen:
            log.error(table.name, table.header_line, column, None, "the header names this column twice")
        seen.add(column)


def _read_rows(
    reader: Reader, table: CsvTable, log: IssueLog, *, nul_possible: bool = False, controls: bool = False
) -> None:
    width = len(table.header)
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            log.error(table.name, start, None, None, f"malformed CSV row ({exc}); the file may be truncated")
            return
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            problem = "truncated or short" if len(cells) < width else "too long"
            log.error(
                table.name, start, None, _preview(cells), f"row has {len(cells)} of {width} cells ({problem})"
            )
            continue
        nul = next((i for i, cell in enumerate(cells) if "\x00" in cell), None) if nul_possible else None
        if nul is not None:
            # no database keeps such text alike (PostgreSQL refuses it): the row is refused here
            log.error(table.name, start, table.header[nul], cells[nul], "contains a NUL character")
            continue
        if controls:
            cells = [_without_controls(table, start, column, cell, log) for column, cell in enumerate(cells)]
        table.rows.append(Row(line=start, cells=cells))


def _without_controls(table: CsvTable, line: int, column: int, cell: str, log: IssueLog) -> str:
    found = CONTROL.findall(cell)
    if not found:
        return cell
    names = ", ".join(dict.fromkeys(_control_name(c) for c in found))
    reason = f"removed {len(found)} control character(s): {names}"
    log.warn(
        "control",
        "control characters removed",
        Issue(file=table.name, line=line, column=table.header[column], value=cell, reason=reason),
    )
    return CONTROL.sub("", cell)


def _control_name(character: str) -> str:
    """``ESC``, ``BEL``, ``U+0085`` …: how a removed character is named in a warning."""
    short = {"\x07": "BEL", "\x08": "BS", "\x1b": "ESC", "\x7f": "DEL"}
    return short.get(character, f"U+{ord(character):04X}")


def _preview(cells: list[str]) -> str:
    return ",".join(cells)
