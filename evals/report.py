"""Reports of a run: JSON, JUnit XML, Markdown, a self-contained HTML page, and Rich tables.

``--report DIR`` writes ``results.json`` (the ``--json`` summary, which ``--baseline`` reads back),
``junit.xml`` (one test case per eval case, for CI dashboards), ``report.md`` and ``report.html``
(per-suite and per-tag pass rates, scorer figures, a latency histogram, failures with their
reasons, the baseline comparison, and every case's answers). The HTML page has no external
assets: styles are inline and the histogram is an inline SVG.
"""

from __future__ import annotations

import html
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from evals.results import CaseResult, RunSummary

HISTOGRAM_BINS = 12
MAX_REASONS = 3
MAX_REASON_CHARS = 240


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


# --- histogram -----------------------------------------------------------------------------------


def _nice(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(step * power) for step in (1, 2, 5, 10) if step * power >= value)


def histogram(values: list[int], bins: int = HISTOGRAM_BINS) -> list[tuple[float, float, int]]:
    """``(low, high, count)`` per bin, equal widths from 0 to a round number above the maximum."""
    if not values:
        return []
    width = _nice(max(values) / bins) if max(values) > 0 else 1.0
    count = max(1, min(bins, math.ceil((max(values) + 1) / width)))
    counts = [0] * count
    for value in values:
        counts[min(count - 1, int(value // width))] += 1
    return [(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def histogram_svg(values: list[int], width: int = 640, height: int = 220) -> str:
    """An inline SVG bar chart of turn latencies."""
    bars = histogram(values)
    if not bars:
        return "<p>No turns.</p>"
    left, bottom, top = 40, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(n for _, _, n in bars) or 1
    bar_w = plot_w / len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Latency histogram">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>',
        f'<text x="6" y="{top + 10}" font-size="11">{peak}</text>',
        f'<text x="{left + plot_w / 2}" y="{height - 4}" font-size="12" text-anchor="middle">'
        "latency per turn (ms)</text>",
    ]
    for i, (low, high, n) in enumerate(bars):
        h = plot_h * n / peak
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
            f'fill="#3b6ea8"><title>{low:.0f}-{high:.0f} ms: {n} turns</title></rect>'
        )
        if i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10">{low:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_text(values: list[int], width: int = 40) -> str:
    bars = histogram(values)
    if not bars:
        return "(no turns)"
    peak = max(n for _, _, n in bars) or 1
    label = max(len(f"{low:.0f}-{high:.0f} ms") for low, high, _ in bars)
    return "\n".join(
        f"{f'{low:.0f}-{high:.0f} ms'.rjust(label)} | {'#' * math.ceil(width * n / peak) if n else ''} {n}"
        for low, high, n in bars
    )


# --- JUnit XML -----------------------------------------------------------------------------------


def junit_xml(summary: RunSummary) -> str:
    """One ``<testsuite>`` per suite, one ``<testcase>`` per case; failures carry every reason."""
    root = ET.Element(
        "testsuites",
        name="salesplan-eval",
        tests=str(summary.total),
        failures=str(summary.failed),
        time=f"{summary.wall_seconds:.2f}",
    )
    for suite in summary.suites:
        cases = [c for c in summary.cases if c.suite == suite]
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite,
            tests=str(len(cases)),
            failures=str(sum(not c.passed for c in cases)),
            time=f"{sum(c.latency_ms for c in cases) / 1000:.3f}",
        )
        properties = ET.SubElement(element, "properties")
        ET.SubElement(properties, "property", name="model", value=summary.model)
        ET.SubElement(properties, "property", name="repeat", value=str(summary.repeat))
        for case in cases:
            item = ET.SubElement(
                element,
                "testcase",
                classname=f"{suite}.{case.tags[0]}",
                name=case.id,
                time=f"{case.latency_ms / 1000:.3f}",
                file=case.source,
            )
            if not case.passed:
                failure = ET.SubElement(
                    item, "failure", message=case.reasons[0] if case.reasons else "failed"
                )
                failure.text = "\n".join(case.reasons)
                run = next(r for r in case.runs if not r.passed)
                ET.SubElement(item, "system-out").text = "\n\n".join(
                    f"Q: {t.question}\nA: {t.reply.answer or t.reply.error}" for t in run.turns
                )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary: RunSummary) -> str:
    gate = "passed" if summary.gate_passed else "FAILED"
    lines = [
        "# Salesplan evaluation",
        "",
        f"Model `{summary.model}`, suites {', '.join(summary.suites)}, {summary.repeat} run(s) per case, "
        f"started {summary.started_at}, {summary.wall_seconds:.1f} s.",
        "",
        f"**{summary.passed} of {summary.total} cases passed ({percent(summary.pass_rate)})**, "
        f"{summary.leaks} leak(s), {summary.misroutes} misroute(s); gate ({percent(summary.threshold)} "
        f"and no leaks): {gate}.",
        "",
        "| Figure | Value |",
        "| --- | --- |",
        f"| pass@1 | {percent(summary.pass_at_1)} |",
        f"| pass^{summary.repeat} | {percent(summary.pass_hat_k)} |",
        f"| Turn latency p50 / p95 | {_pair(summary.latency.turn_p50_ms, summary.latency.turn_p95_ms)} |",
        f"| Case latency p50 / p95 | {_pair(summary.latency.case_p50_ms, summary.latency.case_p95_ms)} |",
        f"| Model calls | {_calls(summary)} |",
        f"| Tokens in / out | {_tokens(summary)} |",
        "",
        "## Pass rate by suite and tag",
        "",
        "| Group | Passed | Total | Pass rate |",
        "| --- | --- | --- | --- |",
    ]
    for name, rate in [*((f"suite {k}", v) for k, v in summary.by_suite.items()), *summary.tags.items()]:
        lines.append(f"| {name} | {rate.passed} | {rate.total} | {percent(rate.pass_rate)} |")
    lines += [
        "",
        "## Scorers",
        "",
        "| Scorer | Turns | Passed | Mean | Metrics |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, stats in summary.scorers.items():
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in stats.metrics.items())
        mean = "" if stats.mean is None else f"{stats.mean:.3f}"
        lines.append(f"| {name} | {stats.turns} | {stats.passed} | {mean} | {metrics} |")
    lines += ["", "## Latency per turn", "", "```", histogram_text(summary.turn_latencies()), "```", ""]
    lines += _baseline_md(summary)
    lines += ["## Failures", ""]
    failures = summary.failures()
    if not failures:
        lines.append("None.")
    for case in failures:
        lines.append(
            f"- **{case.key}** ({case.user}; {', '.join(case.tags)}): {_md('; '.join(case.reasons))}"
        )
    lines.append("")
    return "\n".join(lines)


def _pair(p50: float, p95: float) -> str:
    return f"{p50:.0f} ms / {p95:.0f} ms"


def _calls(summary: RunSummary) -> str:
    calls = summary.usage.model_calls
    return "n/a" if calls is None else f"{calls:,}"


def _tokens(summary: RunSummary) -> str:
    usage = summary.usage
    if usage.input_tokens is None and usage.output_tokens is None:
        return "not reported"
    return f"{usage.input_tokens or 0:,} / {usage.output_tokens or 0:,}"


def baseline_lines(summary: RunSummary, markup: bool = False) -> list[str]:
    """The comparison with the baseline as plain lines (Markdown emphasis with ``markup``)."""
    diff = summary.baseline
    if diff is None:
        return []
    code = "`" if markup else ""
    p50 = f", turn p50 {diff.turn_p50_delta_ms:+.0f} ms" if diff.turn_p50_delta_ms is not None else ""
    lines = [
        f"Against the baseline {code}{diff.file}{code} (model {code}{diff.model}{code}, pass rate "
        f"{percent(diff.pass_rate)}): pass rate {diff.pass_rate_delta * 100:+.1f} points, "
        f"leaks {diff.leaks_delta:+d}{p50}."
    ]
    for title, changes in (("Regressions", diff.regressions), ("Improvements", diff.improvements)):
        lines.append(f"{'**' if markup else ''}{title}{'**' if markup else ''} ({len(changes)})")
        lines += [f"- {c.key}" + (f": {_md('; '.join(c.reasons))}" if c.reasons else "") for c in changes]
    if diff.new or diff.removed:
        lines.append(
            f"New cases: {', '.join(diff.new) or 'none'}; removed: {', '.join(diff.removed) or 'none'}."
        )
    return lines


def _baseline_md(summary: RunSummary) -> list[str]:
    if summary.baseline is None:
        return []
    lines = ["## Against the baseline", ""]
    for line in baseline_lines(summary, markup=True):
        lines.append(line)
        if not line.startswith("- "):
            lines.append("")
    return lines


# --- HTML ----------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f2f2f2}.pass{color:#17693a}.fail{color:#b3261e;font-weight:600}
.bar{background:#3b6ea8;height:.7rem;display:inline-block}pre{white-space:pre-wrap;background:#f7f7f7;padding:.5rem}
details{margin:.2rem 0}summary{cursor:pointer}code{background:#f2f2f2;padding:0 .2rem}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _rate_rows(summary: RunSummary) -> str:
    rows = []
    for name, rate in [*((f"suite {k}", v) for k, v in summary.by_suite.items()), *summary.tags.items()]:
        bar = f'<span class="bar" style="width:{rate.pass_rate * 120:.0f}px"></span>'
        rows.append(
            f"<tr><td>{_e(name)}</td><td>{rate.passed}/{rate.total}</td>"
            f"<td>{percent(rate.pass_rate)} {bar}</td></tr>"
        )
    return "".join(rows)


def _case_html(case: CaseResult) -> str:
    status = '<span class="pass">pass</span>' if case.passed else '<span class="fail">FAIL</span>'
    runs = []
    for run in case.runs:
        turns = []
        for turn in run.turns:
            reply = turn.reply
            tools = ", ".join(
                f"{c.name}({', '.join(f'{k}={v!r}' for k, v in c.args.items())})" for c in reply.tool_calls
            )
            scores = "; ".join(
                f"{s.name}: {'ok' if s.passed else 'FAIL'}{' — ' + s.detail if s.detail else ''}"
                for s in turn.scores
            )
            turns.append(
                f"<p><b>Q:</b> {_e(turn.question)}</p><pre>{_e(reply.answer or reply.error or '')}</pre>"
                f"<p><small>tools: {_e(tools or 'none')} · {reply.latency_ms} ms · {_e(scores)}</small></p>"
            )
        runs.append(
            f"<div><i>run {run.repeat + 1}: {'pass' if run.passed else 'fail'}</i>{''.join(turns)}</div>"
        )
    reasons = f" — {_e('; '.join(case.reasons[:MAX_REASONS]))}" if case.reasons else ""
    return (
        f"<details><summary>{status} <code>{_e(case.key)}</code> "
        f"({_e(case.user)}; {_e(', '.join(case.tags))})"
        f"{reasons}</summary>{''.join(runs)}</details>"
    )


def html_report(summary: RunSummary) -> str:
    gate = '<span class="pass">passed</span>' if summary.gate_passed else '<span class="fail">failed</span>'
    scorer_rows = "".join(
        f"<tr><td>{_e(name)}</td><td>{s.turns}</td><td>{s.passed}</td>"
        f"<td>{'' if s.mean is None else f'{s.mean:.3f}'}</td>"
        f"<td>{_e(', '.join(f'{k} {v:.3f}' for k, v in s.metrics.items()))}</td></tr>"
        for name, s in summary.scorers.items()
    )
    baseline = ""
    if summary.baseline is not None:
        baseline = "<h2>Against the baseline</h2>" + "".join(
            f"<p>{_e(line)}</p>" for line in baseline_lines(summary)
        )
    failures = [c for c in summary.cases if not c.passed]
    latency = summary.latency
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Salesplan evaluation</title><style>{STYLE}</style></head>
<body>
<h1>Salesplan evaluation</h1>
<p>Model <code>{_e(summary.model)}</code>, suites {_e(", ".join(summary.suites))},
{summary.repeat} run(s) per case, started {_e(summary.started_at)}, {summary.wall_seconds:.1f} s.</p>
<p><b>{summary.passed} of {summary.total} cases passed ({percent(summary.pass_rate)})</b>,
{summary.leaks} leak(s), {summary.misroutes} misroute(s);
gate ({percent(summary.threshold)} and no leaks): {gate}.</p>
<table>
<tr><th>pass@1</th><td>{percent(summary.pass_at_1)}</td></tr>
<tr><th>pass^{summary.repeat}</th><td>{percent(summary.pass_hat_k)}</td></tr>
<tr><th>Turn latency p50 / p95</th><td>{_pair(latency.turn_p50_ms, latency.turn_p95_ms)}</td></tr>
<tr><th>Case latency p50 / p95</th><td>{_pair(latency.case_p50_ms, latency.case_p95_ms)}</td></tr>
<tr><th>Model calls</th><td>{_calls(summary)}</td></tr>
<tr><th>Tokens in / out</th><td>{_e(_tokens(summary))}</td></tr>
</table>
<h2>Pass rate by suite and tag</h2>
<table><tr><th>Group</th><th>Passed</th><th>Pass rate</th></tr>{_rate_rows(summary)}</table>
<h2>Latency per turn</h2>
{histogram_svg(summary.turn_latencies())}
<h2>Scorers</h2>
<table><tr><th>Scorer</th><th>Turns</th><th>Passed</th><th>Mean</th><th>Metrics</th></tr>{scorer_rows}</table>
{baseline}
<h2>Failures ({len(failures)})</h2>
{"".join(_case_html(c) for c in failures) or "<p>None.</p>"}
<h2>All cases</h2>
{"".join(_case_html(c) for c in summary.cases)}
</body></html>
"""


def write_reports(summary: RunSummary, directory: Path) -> list[Path]:
    """Write ``results.json``, ``junit.xml``, ``report.md`` and ``report.html`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "results.json": summary.model_dump_json(indent=2),
        "junit.xml": junit_xml(summary),
        "report.md": markdown(summary),
        "report.html": html_report(summary),
    }
    written = []
    for name, content in files.items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


# --- terminal ------------------------------------------------------------------------------------


def rich_report(summary: RunSummary, all_cases: bool = False) -> list[RenderableType]:
    """Tables for the terminal: pass rates by suite and tag, then the failing (or every) case."""
    rates = Table("Group", "Passed", "Pass rate", title="Pass rate by suite and tag")
    for name, rate in [*((f"suite {k}", v) for k, v in summary.by_suite.items()), *summary.tags.items()]:
        style = "green" if rate.pass_rate >= summary.threshold else "red"
        rates.add_row(name, f"{rate.passed}/{rate.total}", Text(percent(rate.pass_rate), style=style))
    shown = summary.cases if all_cases else summary.failures()
    cases = Table("Case", "User", "Result", "ms", "Reason", title="Cases" if all_cases else "Failing cases")
    for case in shown:
        result = Text("pass", style="green") if case.passed else Text("FAIL", style="bold red")
        reasons = "; ".join(case.reasons[:MAX_REASONS])
        reasons = reasons if len(reasons) <= MAX_REASON_CHARS else reasons[: MAX_REASON_CHARS - 1] + "…"
        cases.add_row(case.key, case.user, result, str(case.latency_ms), reasons)
    gate = (
        Text("gate passed", style="bold green")
        if summary.gate_passed
        else Text("gate FAILED", style="bold red")
    )
    line = Text.assemble(
        f"{summary.passed}/{summary.total} cases passed ({percent(summary.pass_rate)}), ",
        (f"{summary.leaks} leak(s)", "bold red" if summary.leaks else "green"),
        f", {summary.misroutes} misroute(s)",
        f", pass@1 {percent(summary.pass_at_1)}, pass^{summary.repeat} {percent(summary.pass_hat_k)}, "
        f"turn p50 {summary.latency.turn_p50_ms:.0f} ms / p95 {summary.latency.turn_p95_ms:.0f} ms, "
        f"{summary.wall_seconds:.1f} s, model {summary.model} — ",
        gate,
    )
    parts: list[RenderableType] = [rates]
    if shown:
        parts.append(cases)
    if summary.baseline is not None:
        parts.append(Text("\n".join(baseline_lines(summary))))
    parts.append(line)
    return parts
