"""Reading CSV exports as they come: any common encoding, any line ending, broken rows reported.

Encoding detection (``auto``): a UTF-8 or UTF-16 byte-order mark decides; else the file is read
as UTF-8, and when that fails as Windows-1252 (the Latin-1 superset Excel writes), and when even
that fails as Latin-1, which decodes any byte. Rows keep their physical line number in the file
(the header is line 1), so every message can point at the line a user opens in an editor. A cell
holding a NUL character is an error on its row.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tools.store.importer.report import DataImportError, IssueLog

if TYPE_CHECKING:
    from _csv import Reader

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_FALLBACKS = ("utf-8", "cp1252", "latin-1")


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


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Decode file bytes; return the text and the encoding used.

    Raises:
        UnicodeDecodeError: an explicitly named encoding does not fit the bytes.
    """
    if encoding != "auto":
        return data.decode(encoding), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    for name in _FALLBACKS:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


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
    try:
        text, used = decode(data, encoding)
    except UnicodeDecodeError as exc:
        raise DataImportError(f"{name} is not valid {encoding} (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(reader, name)
    table = CsvTable(name=name, encoding=used, header=header, header_line=reader.line_num)
    _check_header(table, log)
    _read_rows(reader, table, log, nul_possible="\x00" in text)
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


def _read_rows(reader: Reader, table: CsvTable, log: IssueLog, *, nul_possible: bool = False) -> None:
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
        table.rows.append(Row(line=start, cells=cells))


def _preview(cells: list[str]) -> str:
    return ",".join(cells)
