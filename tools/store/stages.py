"""The stage configuration: stage names, order, probabilities, forecast categories, stall rules.

Two sources, one model. The configuration file (``stages.yaml`` beside this module by default,
read by :func:`load_stages`) holds the stall thresholds and the stages of generated demo data.
An import whose mapping declares its own stages stores them in the ``stages`` table
(:class:`~tools.store.schema.StageRow`; empty for demo data), under the source's names
("Engaging" stays "Engaging"), with ``aliases`` a JSON list of their other names in the source.
:func:`dataset_stages` gives every analysis the stages of the loaded data: the stored ones when
there are any, else the file's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection, Engine, delete, insert, select

from tools.errors import DataError
from tools.store.schema import StageRow, table_of

DEFAULT_STAGES_FILE = Path(__file__).with_name("stages.yaml")


class StageConfigError(DataError):
    """The stage configuration file is missing or invalid."""


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"

    @classmethod
    def parse(cls, text: str) -> ForecastCategory | None:
        """A category from its value, its label or a CRM's spelling of it (case and punctuation
        ignored): Salesforce ``Best Case`` / ``BestCase`` and ``Forecast`` (its API value for
        Commit), HubSpot ``BEST_CASE`` and ``OMIT``."""
        return _CATEGORY_WORDS.get(_key(text))


_CATEGORY_WORDS = {
    "pipeline": ForecastCategory.PIPELINE,
    "bestcase": ForecastCategory.BEST_CASE,
    "upside": ForecastCategory.BEST_CASE,
    "commit": ForecastCategory.COMMIT,
    "forecast": ForecastCategory.COMMIT,
    "mostlikely": ForecastCategory.COMMIT,
    "closed": ForecastCategory.CLOSED,
    "omitted": ForecastCategory.OMITTED,
    "omit": ForecastCategory.OMITTED,
}


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1)]
    probability: Annotated[float, Field(ge=0.0, le=1.0)]
    forecast_category: ForecastCategory
    stall_days: Annotated[int, Field(gt=0)] | None = None
    closed: bool = False
    won: bool = False
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Stage:
        if self.won and not self.closed:
            raise ValueError(f"stage {self.name!r} is won but not closed")
        if not self.closed and self.stall_days is None:
            raise ValueError(f"open stage {self.name!r} needs stall_days")
        return self


class StallRules(BaseModel):
    """Thresholds of the stalled / at-risk deal rules that are not per stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    no_activity_days: Annotated[int, Field(gt=0)] = 21
    close_date_pushes: Annotated[int, Field(gt=0)] = 2
    large_deal_amount: Annotated[float, Field(ge=0)] = 50_000
    cycle_multiple: Annotated[float, Field(gt=1.0)] = 1.5
    #: A stage's stall threshold: the 75th percentile of won deals' time in it (false: ``stall_days``).
    stage_days_from_history: bool = True


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


class StageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stages: tuple[Stage, ...]
    stall_rules: StallRules = StallRules()

    @model_validator(mode="after")
    def _check(self) -> StageConfig:
        seen: dict[str, str] = {}
        for stage in self.stages:
            for label in (stage.name, *stage.aliases):
                key = _key(label)
                if seen.get(key, stage.name) != stage.name:
                    raise ValueError(f"stage name {label!r} is used twice ({seen[key]!r})")
                seen[key] = stage.name
        if not any(s.won for s in self.stages):
            raise ValueError("one stage must be marked won: true")
        if not any(s.closed and not s.won for s in self.stages):
            raise ValueError("one stage must be closed and lost (closed: true, won: false)")
        if not any(not s.closed for s in self.stages):
            raise ValueError("at least one open stage is needed")
        return self

    @cached_property
    def _by_key(self) -> dict[str, Stage]:
        return {_key(label): s for s in self.stages for label in (s.name, *s.aliases)}

    def find(self, name: str) -> Stage | None:
        """The stage called ``name`` or one of its aliases (case and punctuation ignored)."""
        return self._by_key.get(_key(name))

    def get(self, name: str) -> Stage:
        stage = self.find(name)
        if stage is None:
            raise KeyError(f"unknown stage {name!r}; stages are {', '.join(self.names)}")
        return stage

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    @property
    def open_stages(self) -> list[Stage]:
        return [s for s in self.stages if not s.closed]

    @property
    def won_stage(self) -> Stage:
        return next(s for s in self.stages if s.won)

    @property
    def lost_stage(self) -> Stage:
        return next(s for s in self.stages if s.closed and not s.won)

    def with_stages(self, stages: Sequence[Stage]) -> StageConfig:
        """These stages, with this configuration's stall rules (checked like the file's)."""
        return StageConfig.model_validate({"stages": list(stages), "stall_rules": self.stall_rules})


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A one-line description of a YAML syntax error."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def load_stages(path: Path | None = None) -> StageConfig:
    """Load and validate the stage configuration; raise :class:`StageConfigError` with the reason."""
    source = path or DEFAULT_STAGES_FILE
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StageConfigError(f"cannot read stage config {source}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise StageConfigError(f"stage config {source} is not valid YAML: {yaml_problem(exc)}") from exc
    try:
        return StageConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise StageConfigError(f"stage config {source}: {where}: {first['msg']}") from exc


def stored_stages(connection: Connection) -> list[Stage]:
    """The stages an import stored with the data, in order (empty when none were declared)."""
    table = table_of(StageRow)
    rows = connection.execute(select(table).order_by(table.c.position, table.c.name))
    return [
        Stage(
            name=row.name,
            probability=row.probability,
            forecast_category=ForecastCategory(row.forecast_category),
            stall_days=row.stall_days,
            closed=bool(row.is_closed),
            won=bool(row.is_won),
            aliases=tuple(json.loads(row.aliases or "[]")),
        )
        for row in rows
    ]


def save_stages(connection: Connection, stages: Sequence[Stage]) -> None:
    """Replace the stored stages with ``stages`` (their order is their position)."""
    table = table_of(StageRow)
    connection.execute(delete(table))
    rows = [
        {
            "name": stage.name,
            "position": position,
            "probability": stage.probability,
            "forecast_category": stage.forecast_category.value,
            "stall_days": stage.stall_days,
            "is_closed": stage.closed,
            "is_won": stage.won,
            "aliases": json.dumps(list(stage.aliases)) if stage.aliases else None,
        }
        for position, stage in enumerate(stages)
    ]
    if rows:
        connection.execute(insert(table), rows)


def dataset_stages(source: Engine | Connection, configured: StageConfig) -> StageConfig:
    """The stages of the loaded data: those stored by an import, else ``configured`` (the file's).

    Raises:
        StageConfigError: the stored stages are not a usable set (edited by hand).
    """
    if isinstance(source, Engine):
        with source.connect() as connection:
            stored = stored_stages(connection)
    else:
        stored = stored_stages(source)
    if not stored:
        return configured
    try:
        return configured.with_stages(stored)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise StageConfigError(f"the stages stored with the data are not usable: {reason}") from exc
