"""One field of an import mapping: where its text comes from and how it is read.

The language is documented in :mod:`tools.store.importer.mapping`; these models are shared by a
mapping's entities and its ``stages`` section (:mod:`tools.store.importer.stageset`).
"""

from __future__ import annotations

import string
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.store.importer.mapping_schema import FieldType


class MatchMode(StrEnum):
    EXACT = "exact"
    NORMALIZED = "normalized"


DecimalSeparator = Literal["auto", ".", ","]


class Fallback(BaseModel):
    """Where an empty value is taken from: a column of the row a lookup field points at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    via: Annotated[str, Field(min_length=1)]
    value: Annotated[str, Field(min_length=1)]
    estimated: bool = True
    basis: str | None = None


def template_columns(template: str) -> list[str]:
    """The CSV column names a ``{column}`` template refers to."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"template {template!r} is malformed: {exc}") from exc


class FieldSpec(BaseModel):
    """How one column of a table is filled (see the module documentation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Annotated[str, Field(min_length=1)] | None = None
    const: str | int | float | bool | None = None
    template: tuple[str, ...] | None = None
    type: FieldType | None = None
    required: bool = False
    #: The column may be absent from the file: the field is then left empty without a warning.
    if_present: bool = False
    default: str | None = None
    values: dict[str, str] = Field(default_factory=dict)
    scale: Decimal | None = None
    decimal_separator: DecimalSeparator | None = None
    formats: tuple[str, ...] | None = None
    vocabulary: tuple[str, ...] | None = None
    lookup: str | None = None
    by: str = "external_id"
    match: MatchMode = MatchMode.EXACT
    fallback: Fallback | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @field_validator("template", mode="before")
    @classmethod
    def _template_list(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("values", mode="before")
    @classmethod
    def _values_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = [n for n in ("column", "const", "template") if n in self.model_fields_set]
        if len(sources) != 1:
            raise ValueError("give exactly one of column, const or template")
        for template in self.template or ():
            if not template_columns(template):
                raise ValueError(f"template {template!r} names no column")
        if self.if_present and (self.column is None or self.required):
            raise ValueError("if_present is for an optional column (not required, not const or template)")
        return self

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The CSV columns this field reads."""
        if self.column is not None:
            return (self.column,)
        return tuple(dict.fromkeys(c for t in self.template or () for c in template_columns(t)))
