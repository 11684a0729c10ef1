"""The "what changed" waterfall as a PNG: the start value, each movement up or down, the end value.

matplotlib is imported only when a chart is drawn (Agg backend), as for the rebalance charts.
"""

from __future__ import annotations

from pathlib import Path

from tools.deals.changes import PipelineChanges

UP, DOWN, TOTAL = "#2e7d32", "#c62828", "#455a64"


def draw_waterfall(result: PipelineChanges, path: Path) -> Path:
    """Draw ``result``'s waterfall to ``path`` (a PNG); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, bottoms, heights, colours = [], [], [], []
    level = 0.0
    for step in result.waterfall:
        amount = float(step.amount)
        labels.append(step.label)
        if step.label in ("Start", "End"):
            bottoms.append(0.0)
            heights.append(amount)
            colours.append(TOTAL)
            level = amount
            continue
        bottoms.append(level if amount >= 0 else level + amount)
        heights.append(abs(amount))
        colours.append(UP if amount >= 0 else DOWN)
        level += amount
    figure, axes = plt.subplots(figsize=(9, 4.5))
    bars = axes.bar(labels, heights, bottom=bottoms, color=colours)
    for bar, step in zip(bars, result.waterfall, strict=True):
        axes.annotate(
            f"{'-' if step.amount < 0 else ''}${abs(float(step.amount)):,.0f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_title(f"Open pipeline from {result.start} to {result.end}")
    axes.set_ylabel("Pipeline value ($)")
    axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"${v:,.0f}"))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
