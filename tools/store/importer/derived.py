"""Facts the importer derives rather than reads: an opportunity's stage facts and data-quality
notes, and which users are managers.

The data set's stages are the single source of a deal's stage facts, so ``is_closed`` and
``is_won`` always come from the stage; ``probability``, ``forecast_category``, ``closed_at`` and
``stage_entered_at`` come from it when the file gives none (see :mod:`tools.store.importer.mapping`).
"""

from __future__ import annotations

from collections.abc import Callable

from tools.store.importer.fieldplan import Record
from tools.store.importer.report import Issue, IssueLog
from tools.store.stages import StageConfig

Derivation = Callable[[Record, StageConfig, IssueLog], None]

#: Columns set on every opportunity, whether or not the mapping names them.
OPPORTUNITY_DERIVED = (
    "is_closed",
    "is_won",
    "probability",
    "forecast_category",
    "closed_at",
    "stage_entered_at",
)


def derive_opportunity(record: Record, stages: StageConfig, log: IssueLog) -> None:
    """Set an opportunity's stage facts and warn about gaps that analyses will notice."""
    values = record.values
    stage = stages.find(str(values["stage"]))
    if stage is None:  # the mapping read the stage as plain text
        reason = f"unknown stage (stages are {', '.join(stages.names)})"
        log.error(record.source.file, record.line, record.source.label("stage"), str(values["stage"]), reason)
        return
    values["stage"] = stage.name
    values["is_closed"] = stage.closed
    values["is_won"] = stage.won
    if values.get("probability") is None:
        values["probability"] = stage.probability
    if values.get("forecast_category") is None:
        values["forecast_category"] = stage.forecast_category.value
    if values.get("closed_at") is None:
        values["closed_at"] = values.get("close_date") if stage.closed else None
    if values.get("stage_entered_at") is None:
        values["stage_entered_at"] = values.get("closed_at") if stage.closed else values.get("created_at")
    if stage.closed:
        if _empty(record, "close_date"):
            _gap(
                record,
                log,
                "closed deals without a close date",
                "close_date",
                f"{stage.name} deal has no close date",
            )
        return
    deal = f"open {stage.name} deal"
    if _empty(record, "account_id"):
        _gap(record, log, "open deals without an account", "account_id", f"{deal} has no account")
    if _empty(record, "amount"):
        _gap(record, log, "open deals without an amount", "amount", f"{deal} has no amount")
    if _empty(record, "created_at"):
        _gap(record, log, "open deals without a created date", "created_at", f"{deal} has no created date")


def _empty(record: Record, column: str) -> bool:
    """A column the mapping feeds but this row leaves empty (unmapped columns are not gaps)."""
    if column in record.refs:
        return record.refs[column].key is None
    return column in record.values and record.values[column] is None


def _gap(record: Record, log: IssueLog, title: str, column: str, reason: str) -> None:
    source = record.source
    issue = Issue(file=source.file, line=record.line, column=source.label(column), reason=reason)
    log.warn(f"gap:{title}", title, issue)


def promote_managers(users: list[Record]) -> None:
    """A user mapped as a rep whom another user reports to is a manager (and sees the team)."""
    managers = {(ref.spec.by, ref.key) for r in users if (ref := r.refs.get("manager_id")) and ref.key}
    columns = {by for by, _ in managers}
    for record in users:
        if record.values.get("role") != "rep":
            continue
        if any((by, str(record.values.get(by))) in managers for by in columns):
            record.values["role"] = "manager"


#: Derivations per table, run on every staged record after foreign keys are resolved.
DERIVATIONS: dict[str, Derivation] = {"opportunities": derive_opportunity}
