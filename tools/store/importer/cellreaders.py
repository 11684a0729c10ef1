"""Where a field's text comes from in a row: a column, a constant, or the first filled template."""

from __future__ import annotations

import string
from collections.abc import Callable

from tools.store.importer.csvread import CsvTable
from tools.store.importer.fields import FieldSpec

Reader = Callable[[list[str]], str]


def _column_reader(index: int) -> Reader:
    return lambda cells: cells[index]


def const_reader(text: str) -> Reader:
    return lambda _cells: text


def _template_reader(templates: tuple[str, ...], table: CsvTable) -> Reader:
    """Fill the first template whose columns are all non-empty (as positional ``str.format``)."""
    compiled: list[tuple[str, list[int]]] = []
    for template in templates:
        pattern: list[str] = []
        indexes: list[int] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            pattern.append(literal.replace("{", "{{").replace("}", "}}"))
            if name is not None:
                index = table.index(name)
                assert index is not None
                pattern.append(f"{{{len(indexes)}}}")
                indexes.append(index)
        compiled.append(("".join(pattern), indexes))

    def read(cells: list[str]) -> str:
        for pattern, indexes in compiled:
            texts = [cells[i].strip() for i in indexes]
            if all(texts):
                return pattern.format(*texts)
        return ""

    return read


def _const_text(value: str | int | float | bool | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def reader_for(spec: FieldSpec, table: CsvTable) -> Reader | None:
    """The text source of a field, or None when a column it reads is missing from the header."""
    if "const" in spec.model_fields_set:
        return const_reader(_const_text(spec.const))
    if any(table.index(column) is None for column in spec.source_columns):
        return None
    if spec.column is not None:
        index = table.index(spec.column)
        assert index is not None
        return _column_reader(index)
    return _template_reader(spec.template or (), table)
