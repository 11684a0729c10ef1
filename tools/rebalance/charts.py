"""A rebalance as files: a map of accounts coloured by rep, a balance chart, Markdown and JSON.

Kept beside the rebalance tool rather than in one interface, so the CLI's ``--report`` and any
other interface (a plan document, a Slack upload) draw the same pictures from the same
:class:`~tools.rebalance.proposal.RebalancePlan`. matplotlib is imported only when a chart is drawn (with
the non-interactive Agg backend), so loading the tools for the agent stays light.

* ``map.png`` and ``map.html`` — the map (:mod:`tools.rebalance.maps`): state outlines, accounts
  coloured by their rep after the moves, home bases, and arrows between the reps accounts move
  between; the HTML version is interactive and works offline. Not drawn when no account has
  coordinates (the report says so).
* ``balance.png`` — per rep, potential and workload as a deviation from the mean (a ramping rep's
  from their share, named under their bar), before and after, with the band shaded.
* ``report.md`` / ``report.json`` — the proposal: groups, reps before and after, every move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.rebalance.maps import MAP, draw_map
from tools.rebalance.maps_html import HTML, draw_html
from tools.rebalance.models import RebalanceProposal
from tools.rebalance.proposal import RebalancePlan

CHART = "balance.png"
MARKDOWN = "report.md"
JSON = "report.json"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_balance(proposal: RebalanceProposal, path: Path) -> None:
    """Per rep: deviation from the mean of potential and workload, before and after."""
    plt = _pyplot()
    lines = proposal.reps
    figure, axes = plt.subplots(2, 1, figsize=(max(8, 0.6 * len(lines) + 3), 8), dpi=110, sharex=True)
    positions = list(range(len(lines)))
    width = 0.38
    shared = any(r.share != 1 for r in lines)  # a ramping rep is measured against their share
    for ax, measure in zip(axes, ("potential", "workload"), strict=True):
        before = [getattr(r, f"{measure}_deviation_before") * 100 for r in lines]
        after = [getattr(r, f"{measure}_deviation_after") * 100 for r in lines]
        ax.axhspan(-proposal.band * 100, proposal.band * 100, color="tab:green", alpha=0.12, label="band")
        ax.bar([p - width / 2 for p in positions], before, width, color="tab:gray", label="before")
        ax.bar([p + width / 2 for p in positions], after, width, color="tab:blue", label="after")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel(f"{measure}: % from the mean" + (" or share" if shared else ""))
        ax.legend(fontsize="small", loc="upper right")
    axes[-1].set_xticks(positions)
    labels = [
        f"{r.name}" + (f" ({r.share:.0%} share)" if r.share != 1 else "") + f"\n{r.group}" for r in lines
    ]
    axes[-1].set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    names = ", ".join(t.name for t in proposal.territories)
    axes[0].set_title(f"{names}: balance before and after (band ±{proposal.band * 100:.0f}%)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _money(value: Any) -> str:
    return f"${float(value):,.0f}"


def markdown(proposal: RebalanceProposal, map_written: bool) -> str:
    """The proposal as a Markdown document (every move listed)."""
    names = ", ".join(t.name for t in proposal.territories)
    out = [f"# Territory rebalance: {names}", "", f"**{proposal.message}** (as of {proposal.as_of})", ""]
    if proposal.effective:
        out += [f"- {proposal.effective}"]
    if proposal.constraints:
        out += [f"- constraints: {'; '.join(proposal.constraints)}"]
    if proposal.effective or proposal.constraints:
        out.append("")
    for group in proposal.groups:
        out.append(f"## {group.name}")
        out.append("")
        out.append(f"- {group.message}")
        out.append(
            f"- worst deviation ±{group.max_deviation_before:.1%} → ±{group.max_deviation_after:.1%}; "
            f"reps outside the band {group.outside_band_before} → {group.outside_band_after}"
        )
        out.append(f"- disruption: {_money(group.disruption.value)} of potential in {group.moves} moves")
        out.append(f"- locked accounts: {group.locked.value} of {group.accounts.value}")
        if group.solver is not None:
            s = group.solver
            gap = "n/a" if s.gap is None else f"{s.gap:.2%}"
            out.append(
                f"- solver: {s.engine} {s.status} (within-band model: {s.band_status}), gap {gap}, "
                f"{s.seconds:.2f} s, {s.variables} variables{', restricted model' if s.restricted else ''}"
            )
        if group.baseline is not None:
            b = group.baseline
            out.append(
                f"- greedy baseline: {b.moves} moves, {_money(b.disruption)} moved, "
                f"worst ±{b.max_deviation:.1%}, band {'met' if b.band_met else 'not met'}"
            )
        out.append("")
    out += [
        "## Reps before and after",
        "",
        "| Rep | Group | Potential | Δ mean | Workload | Δ mean | Gains | Loses |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in proposal.reps:
        out.append(
            f"| {r.name} | {r.group} | {_money(r.potential_before)} → {_money(r.potential.value)} | "
            f"{r.potential_deviation_before:+.0%} → {r.potential_deviation_after:+.0%} | "
            f"{r.workload_before} → {r.workload.value} | "
            f"{r.workload_deviation_before:+.0%} → {r.workload_deviation_after:+.0%} | "
            f"{r.gained_count} | {r.lost_count} |"
        )
    out += [
        "",
        "## Moves",
        "",
        "| Account | Potential | From | To | Reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in proposal.moves:
        out.append(
            f"| {m.account} ({m.id}) | {_money(m.potential)} | {m.from_rep} | {m.to_rep} | {m.reason} |"
        )
    before, after = proposal.compactness_before, proposal.compactness_after
    out += [
        "",
        "## Compactness",
        "",
        f"{before.value} km → {after.value} km ({before.formula})"
        if before.value is not None
        else "Not available: no account has coordinates.",
        "",
        f"_{proposal.locking}._",
        "",
        f"![Balance]({CHART})",
    ]
    if map_written:
        out += [f"![Map]({MAP})", "", f"[The interactive map]({HTML}) (opens offline in a browser)."]
    return "\n".join(out) + "\n"


def write_report(plan: RebalancePlan, directory: Path) -> list[Path]:
    """Write the charts, the Markdown and the JSON into ``directory``; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    map_path = directory / MAP
    map_written = draw_map(plan, map_path)
    if map_written:
        written.append(map_path)
        if draw_html(plan, directory / HTML):
            written.append(directory / HTML)
    chart = directory / CHART
    draw_balance(plan.proposal, chart)
    written.append(chart)
    for name, text in (
        (MARKDOWN, markdown(plan.proposal, map_written)),
        (JSON, plan.proposal.model_dump_json(indent=2)),
    ):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
