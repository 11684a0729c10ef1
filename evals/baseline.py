"""Compare a run with an earlier ``results.json`` (``--baseline FILE``): regressions and improvements.

A regression is a case that passed in the baseline and fails now; an improvement the reverse.
Cases are matched by suite and id; cases only in one of the two runs are listed as new or
removed. The baseline file is read leniently (only the fields compared), so results written by
an older version of the harness still compare.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.results import BaselineDiff, CaseChange, RunSummary
from tools.errors import DataError


class _Case(BaseModel):
    model_config = ConfigDict(extra="ignore")
    suite: str
    id: str
    passed: bool


class _Latency(BaseModel):
    model_config = ConfigDict(extra="ignore")
    turn_p50_ms: float | None = None


class _Baseline(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = "?"
    pass_rate: float
    leaks: int = 0
    latency: _Latency | None = None
    cases: list[_Case]


def load_baseline(path: Path) -> _Baseline:
    try:
        return _Baseline.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise DataError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else None
        where = f" ({'.'.join(str(p) for p in first['loc'])}: {first['msg']})" if first else ""
        raise DataError(f"{path} is not the JSON results of an earlier eval run{where}") from None


def compare(summary: RunSummary, path: Path) -> BaselineDiff:
    """How ``summary`` differs from the run recorded in ``path``."""
    before = load_baseline(path)
    earlier = {f"{c.suite}/{c.id}": c.passed for c in before.cases}
    now = {case.key: case for case in summary.cases}
    regressions = [
        CaseChange(key=key, reasons=case.reasons)
        for key, case in now.items()
        if earlier.get(key) is True and not case.passed
    ]
    improvements = [
        CaseChange(key=key) for key, case in now.items() if earlier.get(key) is False and case.passed
    ]
    p50_before = before.latency.turn_p50_ms if before.latency else None
    return BaselineDiff(
        file=str(path),
        model=before.model,
        pass_rate=before.pass_rate,
        pass_rate_delta=round(summary.pass_rate - before.pass_rate, 4),
        leaks_delta=summary.leaks - before.leaks,
        turn_p50_delta_ms=None if p50_before is None else round(summary.latency.turn_p50_ms - p50_before, 1),
        regressions=regressions,
        improvements=improvements,
        new=sorted(set(now) - set(earlier)),
        removed=sorted(set(earlier) - set(now)),
    )
