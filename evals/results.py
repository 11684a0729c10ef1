"""Results: recorded per turn and per case run first, aggregated into a :class:`RunSummary` second.

With ``--repeat K`` each case runs K times in fresh threads. A case *passes* when all K runs
pass, so ``pass_rate`` (the gate) is pass^K; ``pass_at_1`` is the mean pass rate of single runs.
``leaks`` counts cases that leaked in any run. Latencies are per turn (p50/p95) and per case run
(the sum of its turns); tokens and model calls are summed where the model reported them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from evals.scorers import Reply, Score


class TurnResult(BaseModel):
    question: str
    reply: Reply
    scores: list[Score]

    @property
    def passed(self) -> bool:
        return all(score.passed for score in self.scores if score.gating)

    def reasons(self) -> list[str]:
        return [
            f"{s.name}: {s.detail}" if s.detail else s.name for s in self.scores if s.gating and not s.passed
        ]


def misrouted(turn: TurnResult) -> bool:
    """The turn's expected tool calls were not made and the answer did not ask which was meant."""
    scores = {s.name: s for s in turn.scores}
    wrong_tool = "tools" in scores and not scores["tools"].passed
    asked = "clarification" in scores and scores["clarification"].value == 1.0
    return wrong_tool and not asked


class CaseRun(BaseModel):
    """One run of a case: its turns, in one thread."""

    repeat: int
    passed: bool
    reasons: list[str]
    leaked: bool
    #: A turn ran another tool (or the named tool with other arguments) without asking which was meant.
    misrouted: bool = False
    latency_ms: int
    turns: list[TurnResult]

    @classmethod
    def of(cls, repeat: int, turns: list[TurnResult]) -> CaseRun:
        reasons = [
            f"turn {i + 1}: {reason}" if len(turns) > 1 else reason
            for i, turn in enumerate(turns)
            for reason in turn.reasons()
        ]
        leaked = any(s.name == "leaks" and not s.passed for t in turns for s in t.scores)
        latency = sum(t.reply.latency_ms for t in turns)
        return cls(
            repeat=repeat,
            passed=not reasons,
            reasons=reasons,
            leaked=leaked,
            misrouted=any(misrouted(t) for t in turns),
            latency_ms=latency,
            turns=turns,
        )


class CaseResult(BaseModel):
    suite: str
    id: str
    tags: list[str]
    user: str
    source: str
    passed: bool = Field(description="Every run passed.")
    passes: int
    leaked: bool
    misrouted: bool = False
    reasons: list[str] = Field(description="Why the first failing run failed.")
    latency_ms: int = Field(description="Median over runs of the case's total latency.")
    runs: list[CaseRun]

    @classmethod
    def of(
        cls, suite: str, case_id: str, tags: list[str], user: str, source: str, runs: list[CaseRun]
    ) -> CaseResult:
        failing = next((run for run in runs if not run.passed), None)
        return cls(
            suite=suite,
            id=case_id,
            tags=tags,
            user=user,
            source=source,
            passed=failing is None,
            passes=sum(run.passed for run in runs),
            leaked=any(run.leaked for run in runs),
            misrouted=any(run.misrouted for run in runs),
            reasons=failing.reasons if failing else [],
            latency_ms=round(statistics.median(run.latency_ms for run in runs)),
            runs=runs,
        )

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.id}"


class Rate(BaseModel):
    total: int
    passed: int
    pass_rate: float


class Latency(BaseModel):
    turn_p50_ms: float
    turn_p95_ms: float
    turn_max_ms: float
    case_p50_ms: float
    case_p95_ms: float


class Usage(BaseModel):
    turns: int
    model_calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


class ScorerStats(BaseModel):
    turns: int
    passed: int
    mean: float | None = None
    metrics: dict[str, float] = Field(default_factory=dict)


class CaseChange(BaseModel):
    key: str
    reasons: list[str] = Field(default_factory=list)


class BaselineDiff(BaseModel):
    file: str
    model: str
    pass_rate: float
    pass_rate_delta: float
    leaks_delta: int
    turn_p50_delta_ms: float | None = None
    regressions: list[CaseChange] = Field(default_factory=list)
    improvements: list[CaseChange] = Field(default_factory=list)
    new: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class RunSummary(BaseModel):
    """The whole run: the JSON of ``salesplan eval run --json`` and of ``results.json``."""

    suites: list[str]
    model: str
    judge: str | None = None
    started_at: str
    wall_seconds: float
    repeat: int
    threshold: float
    total: int
    passed: int
    failed: int
    pass_rate: float = Field(description="Share of cases passing in every run (pass^K), 0-1.")
    pass_at_1: float
    pass_hat_k: float
    leaks: int
    misroutes: int = Field(
        default=0, description="Cases where a turn ran another tool than the one expected without asking."
    )
    gate_passed: bool
    by_suite: dict[str, Rate]
    tags: dict[str, Rate]
    latency: Latency
    usage: Usage
    scorers: dict[str, ScorerStats]
    baseline: BaselineDiff | None = None
    cases: list[CaseResult]

    def turn_latencies(self) -> list[int]:
        return [t.reply.latency_ms for c in self.cases for r in c.runs for t in r.turns]

    def failures(self) -> list[CaseResult]:
        return [case for case in self.cases if not case.passed]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile, interpolated linearly between ranks (the median for 0.5; 0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def _rate(cases: Iterable[CaseResult]) -> Rate:
    listed = list(cases)
    passed = sum(c.passed for c in listed)
    return Rate(total=len(listed), passed=passed, pass_rate=round(passed / len(listed), 4) if listed else 0.0)


def _scorers(cases: list[CaseResult]) -> dict[str, ScorerStats]:
    scores: dict[str, list[Score]] = defaultdict(list)
    for case in cases:
        for run in case.runs:
            for turn in run.turns:
                for score in turn.scores:
                    scores[score.name].append(score)
    stats = {}
    for name, listed in scores.items():
        values = [s.value for s in listed if s.value is not None]
        keys = {k for s in listed for k in s.metrics}
        stats[name] = ScorerStats(
            turns=len(listed),
            passed=sum(s.passed for s in listed),
            mean=round(statistics.fmean(values), 4) if values else None,
            metrics={
                k: round(statistics.fmean(s.metrics[k] for s in listed if k in s.metrics), 4)
                for k in sorted(keys)
            },
        )
    return stats


def _usage(cases: list[CaseResult]) -> Usage:
    replies = [t.reply for c in cases for r in c.runs for t in r.turns]

    def total(values: list[int | None]) -> int | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    return Usage(
        turns=len(replies),
        model_calls=total([r.model_calls for r in replies]),
        input_tokens=total([r.input_tokens for r in replies]),
        output_tokens=total([r.output_tokens for r in replies]),
    )


def summarize(
    cases: list[CaseResult],
    *,
    suites: list[str],
    model: str,
    judge: str | None,
    started_at: str,
    wall_seconds: float,
    repeat: int,
    threshold: float,
) -> RunSummary:
    """Aggregate recorded case results."""
    overall = _rate(cases)
    tags: dict[str, list[CaseResult]] = defaultdict(list)
    for case in cases:
        for tag in case.tags:
            tags[tag].append(case)
    runs = [run for case in cases for run in case.runs]
    turns = [float(t.reply.latency_ms) for run in runs for t in run.turns]
    case_latencies = [float(run.latency_ms) for run in runs]
    pass_at_1 = statistics.fmean(c.passes / len(c.runs) for c in cases) if cases else 0.0
    leaks = sum(case.leaked for case in cases)
    return RunSummary(
        suites=suites,
        model=model,
        judge=judge,
        started_at=started_at,
        wall_seconds=round(wall_seconds, 2),
        repeat=repeat,
        threshold=threshold,
        total=overall.total,
        passed=overall.passed,
        failed=overall.total - overall.passed,
        pass_rate=overall.pass_rate,
        pass_at_1=round(pass_at_1, 4),
        pass_hat_k=overall.pass_rate,
        leaks=leaks,
        misroutes=sum(case.misrouted for case in cases),
        gate_passed=bool(cases) and overall.pass_rate >= threshold and leaks == 0,
        by_suite={suite: _rate(c for c in cases if c.suite == suite) for suite in suites},
        tags={tag: _rate(listed) for tag, listed in sorted(tags.items())},
        latency=Latency(
            turn_p50_ms=percentile(turns, 0.5),
            turn_p95_ms=percentile(turns, 0.95),
            turn_max_ms=max(turns, default=0.0),
            case_p50_ms=percentile(case_latencies, 0.5),
            case_p95_ms=percentile(case_latencies, 0.95),
        ),
        usage=_usage(cases),
        scorers=_scorers(cases),
        cases=cases,
    )
