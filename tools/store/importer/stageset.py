"""A mapping's ``stages`` read from a file: the source's own stage names and what they mean.

A mapping either lists its stages (see :mod:`tools.store.importer.mapping`) or reads them::

    stages:
      file: Opportunity.csv          # any file of the export; one row per stage, or one per deal
      fields:
        name: StageName              # required: the stage as the source names it
        closed: IsClosed             # required: true for won and lost stages
        won: IsWon                   # default: a closed stage with probability 1 (HubSpot's rule)
        probability: {column: Probability, scale: 0.01}
        forecast_category: ForecastCategoryName
        order: display_order         # default: open stages by probability, then won, then lost
        alias: stage_id              # another name the data uses for the stage (an id, an API name)
        stall_days: stall_after      # default: the section's stall_days
      stall_days: 30                 # days in an open stage before a deal counts as stalled
      overrides:                     # by stage name: what the file does not say, or says wrongly
        Negotiation/Review: {stall_days: 21}

Fields are written as in an entity (``column``, ``const``, ``values``, ``scale``…). When rows
repeat a stage (one row per deal), each fact is the value most of its rows give, and rows that
disagree are reported as a warning. A stage with no forecast category gets one from what it is:
won ``closed``, lost ``omitted``, open ``commit`` from probability 0.7, ``best_case`` from 0.4,
else ``pipeline``. An open stage needs a probability (from the file or ``overrides``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.store.importer.cellreaders import reader_for
from tools.store.importer.csvread import CsvTable
from tools.store.importer.fields import FieldSpec
from tools.store.importer.mapping_schema import FieldType
from tools.store.importer.parsers import ParseError, Parser, build_parser
from tools.store.importer.report import Issue, IssueLog
from tools.store.stages import ForecastCategory, Stage, StageConfig

if TYPE_CHECKING:
    from tools.store.importer.mapping import Mapping

#: The facts a stage row can give, and how each is read.
STAGE_FIELDS = {
    "name": FieldType.STR,
    "alias": FieldType.STR,
    "order": FieldType.FLOAT,
    "probability": FieldType.FLOAT,
    "forecast_category": FieldType.FORECAST,
    "closed": FieldType.BOOL,
    "won": FieldType.BOOL,
    "stall_days": FieldType.INT,
}


class StageOverride(BaseModel):
    """Facts of one stage given in the mapping, over what the file says."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    probability: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    forecast_category: ForecastCategory | None = None
    stall_days: Annotated[int, Field(gt=0)] | None = None
    aliases: tuple[str, ...] = ()


class StageSource(BaseModel):
    """The ``stages`` section of a mapping that reads its stages from a file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Annotated[str, Field(min_length=1)]
    fields: dict[str, FieldSpec]
    stall_days: Annotated[int, Field(gt=0)] = 30
    overrides: dict[str, StageOverride] = Field(default_factory=dict)
    encoding: str = "auto"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","

    @model_validator(mode="after")
    def _known_fields(self) -> StageSource:
        for name, spec in self.fields.items():
            if name not in STAGE_FIELDS:
                raise ValueError(f"stages has no field {name!r}; fields are {', '.join(STAGE_FIELDS)}")
            if spec.lookup is not None or spec.fallback is not None:
                raise ValueError(f"stages.fields.{name}: stage facts are read, not looked up")
        for needed in ("name", "closed"):
            if needed not in self.fields:
                raise ValueError(f"stages needs a field for {needed!r}")
        return self


@dataclass
class _Seen:
    """What the rows of one stage said, fact by fact, in file order."""

    line: int
    facts: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))


def read_stages(source: StageSource, table: CsvTable, mapping: Mapping, log: IssueLog) -> list[Stage] | None:
    """The stages ``table`` declares; None (with errors in ``log``) when they cannot be read."""
    readers: dict[str, tuple[str, Any, Parser]] = {}
    for name, spec in source.fields.items():
        reader = reader_for(spec, table)
        label = spec.column or name
        if reader is None:
            reason = f"column is missing (it gives the stages' {name})"
            log.error(table.name, table.header_line, label, None, reason)
            return None
        readers[name] = (label, reader, build_parser(STAGE_FIELDS[name], spec, mapping, None, None))
    seen: dict[str, _Seen] = {}
    failed = False
    for row in table.rows:
        facts: dict[str, Any] = {}
        for name, (label, reader, parse) in readers.items():
            spec = source.fields[name]
            text = str(reader(row.cells)).strip()
            text = "" if text in mapping.null_values else text
            text = spec.values.get(text, text) or spec.default or ""
            if not text:
                continue
            try:
                facts[name] = parse(text)
            except ParseError as exc:
                log.error(table.name, row.line, label, text, str(exc))
                failed = True
        stage = facts.pop("name", None)
        if stage is None:
            continue
        entry = seen.setdefault(str(stage), _Seen(row.line))
        for fact, value in facts.items():
            entry.facts[fact].append(value)
    if failed:
        return None
    return _stage_set(source, table, seen, log)


def _most_common(values: list[Any]) -> Any:
    return Counter(values).most_common(1)[0][0] if values else None


def _reason(exc: ValidationError) -> str:
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def _stage_set(
    source: StageSource, table: CsvTable, seen: dict[str, _Seen], log: IssueLog
) -> list[Stage] | None:
    unknown = sorted(set(source.overrides) - set(seen))
    if unknown:
        reason = f"stages overrides name stages the file does not have: {', '.join(unknown)}"
        log.error(table.name, None, None, None, reason)
        return None
    ranked: list[tuple[tuple[int, float, int], Stage]] = []
    for position, (name, entry) in enumerate(seen.items()):
        _warn_disagreements(table, name, entry, log)
        try:
            stage, order = _stage(source, name, entry)
        except ValueError as exc:
            reason = _reason(exc) if isinstance(exc, ValidationError) else str(exc)
            log.error(table.name, entry.line, None, name, reason)
            return None
        group = 0 if not stage.closed else 1 if stage.won else 2
        ranked.append(((group, stage.probability if order is None else order, position), stage))
    stages = [stage for _, stage in sorted(ranked, key=lambda item: item[0])]
    try:
        StageConfig(stages=tuple(stages))
    except ValidationError as exc:
        reason = f"the stages the file declares are not a usable set: {_reason(exc)}"
        log.error(table.name, None, None, None, reason)
        return None
    return stages


def _stage(source: StageSource, name: str, entry: _Seen) -> tuple[Stage, float | None]:
    """One stage from what its rows said (most common values) and the mapping's overrides."""
    facts = {fact: _most_common(values) for fact, values in entry.facts.items()}
    override = source.overrides.get(name, StageOverride())
    closed = bool(facts.get("closed"))
    probability = override.probability if override.probability is not None else facts.get("probability")
    won = facts.get("won")
    if won is None:
        won = closed and probability is not None and probability >= 1.0
    if probability is None and closed:
        probability = 1.0 if won else 0.0
    if probability is None:
        raise ValueError("open stage has no probability: map one or give it in overrides")
    category = override.forecast_category or facts.get("forecast_category")
    aliases = [*(a for a in entry.facts.get("alias", []) if a != name), *override.aliases]
    stall = override.stall_days or facts.get("stall_days") or source.stall_days
    stage = Stage(
        name=name,
        probability=probability,
        forecast_category=ForecastCategory(category or _category(closed, won, probability)),
        stall_days=None if closed else stall,
        closed=closed,
        won=won,
        aliases=tuple(dict.fromkeys(aliases)),
    )
    order = facts.get("order")
    return stage, None if order is None else float(order)


def _category(closed: bool, won: bool, probability: float) -> ForecastCategory:
    if closed:
        return ForecastCategory.CLOSED if won else ForecastCategory.OMITTED
    if probability >= 0.7:
        return ForecastCategory.COMMIT
    return ForecastCategory.BEST_CASE if probability >= 0.4 else ForecastCategory.PIPELINE


def _warn_disagreements(table: CsvTable, name: str, entry: _Seen, log: IssueLog) -> None:
    for fact, values in entry.facts.items():
        if fact in ("alias", "order") or len(set(values)) < 2:
            continue
        kept = _most_common(values)
        others = sorted({str(v) for v in values if v != kept})
        reason = f"rows of stage {name!r} disagree on {fact} ({', '.join(others)}); {kept} (most rows) kept"
        issue = Issue(file=table.name, line=entry.line, column=fact, value=name, reason=reason)
        log.warn(f"stage-facts:{table.name}", f"{table.name}: stage facts that differ between rows", issue)
