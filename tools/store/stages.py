"""The stage configuration: stage names, order, probabilities, forecast categories, stall rules.

One YAML file (``stages.yaml`` beside this module by default) is the single source of these
facts; the generator, the importer and every analysis read it through :func:`load_stages`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.errors import DataError

DEFAULT_STAGES_FILE = Path(__file__).with_name("stages.yaml")


class StageConfigError(DataError):
    """The stage configuration file is missing or invalid."""


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


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
                if key in seen:
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
