"""Maps of a rebalance a manager can read: one panel per territory balanced on its own, US state
outlines, accounts coloured by their rep after the moves, each rep's home base where it is, and
the moves as arrows from the rep who gives accounts to the rep who takes them.

* ``map.png`` (matplotlib) — the picture for a report or a plan.
* ``map.html`` — the same, interactive (:mod:`tools.rebalance.maps_html`).

State outlines come from the ``bokeh-sampledata`` package, which ships them (US Census TIGER/Line
boundaries) inside the wheel, so nothing is downloaded when a map is drawn. Outside the United
States there are no outlines; the map says so. A rep's home base is the city of most of their
accounts (:mod:`tools.rebalance.constraints`). Arrows join home bases, one per pair of reps, as
wide as the number of accounts that move between them and labelled with it; the accounts that
move are drawn larger, with a black edge. matplotlib and Bokeh are imported only when a map is
drawn.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.rebalance.book import AccountFacts
from tools.rebalance.proposal import RebalancePlan

MAP = "map.png"
#: Degrees of margin around the accounts and home bases.
MARGIN = 1.0


@dataclass(frozen=True)
class Panel:
    """One territory (group) on the map: its reps, their accounts, and the moves between them."""

    title: str
    reps: list[int]
    accounts: list[AccountFacts]
    moves: Counter[tuple[int, int]]


def panels(plan: RebalancePlan) -> list[Panel]:
    owners = plan.owner_after()
    found = []
    for key, group, _ in plan.groups:
        mine = [
            plan.accounts[i.key]
            for i in group.items
            if plan.accounts[i.key].latitude is not None and plan.accounts[i.key].longitude is not None
        ]
        if not mine:
            continue
        moves = Counter((a.owner, owners[a.id]) for a in mine if owners[a.id] != a.owner)
        reps = sorted(group.reps, key=lambda r: plan.rep_names.get(r, ""))
        found.append(Panel(key, reps, mine, moves))
    return found


def extent_of(plan: RebalancePlan, panel: Panel) -> tuple[float, float, float, float]:
    lons = [a.longitude for a in panel.accounts if a.longitude is not None]
    lats = [a.latitude for a in panel.accounts if a.latitude is not None]
    for rep in panel.reps:
        if rep in plan.bases:
            lons.append(plan.bases[rep].longitude)
            lats.append(plan.bases[rep].latitude)
    return min(lons) - MARGIN, max(lons) + MARGIN, min(lats) - MARGIN, max(lats) + MARGIN


def outlines(extent: tuple[float, float, float, float]) -> list[tuple[str, list[float], list[float]]]:
    """US state rings (code, longitudes, latitudes) that reach into the extent."""
    from bokeh_sampledata.us_states import data

    west, east, south, north = extent
    found = []
    for code, state in sorted(data.items()):
        lons, lats = list(state["lons"]), list(state["lats"])
        ring_lons: list[float] = []
        ring_lats: list[float] = []
        for lon, lat in [*zip(lons, lats, strict=True), (math.nan, math.nan)]:
            if math.isnan(lon) or math.isnan(lat):
                if (
                    ring_lons
                    and (min(ring_lons) <= east and max(ring_lons) >= west and min(ring_lats) <= north)
                    and max(ring_lats) >= south
                ):
                    found.append((code, ring_lons, ring_lats))
                ring_lons, ring_lats = [], []
            else:
                ring_lons.append(float(lon))
                ring_lats.append(float(lat))
    return found


def colours_for(count: int) -> list[str]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [matplotlib.colors.to_hex(cmap(i % cmap.N)) for i in range(count)]


def moving(count: int) -> str:
    return "1 account moves" if count == 1 else f"{count} accounts move"


def rep_label(plan: RebalancePlan, rep: int, count: int) -> str:
    """ "Lucas Jensen (99, home Phoenix, AZ, ramping: 65% share)"."""
    base = plan.bases.get(rep)
    where = f", home {base.city}" if base is not None else ""
    ramp = next(
        (f", ramping: {r.share:.0%} share" for r in plan.proposal.ramping if r.id == f"user/{rep}"), ""
    )
    return f"{plan.rep_names.get(rep, rep)} ({count}{where}{ramp})"


def draw_map(plan: RebalancePlan, path: Path) -> bool:
    """The static map; False (nothing written) when no account has coordinates."""
    found = panels(plan)
    if not found:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects

    owners = plan.owner_after()
    cols = 1 if len(found) == 1 else 2
    rows = math.ceil(len(found) / cols)
    figure, axes_grid = plt.subplots(rows, cols, figsize=(8 * cols, 8.5 * rows), dpi=100, squeeze=False)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for index, panel in enumerate(found):
        axes = axes_grid[index // cols][index % cols]
        extent = extent_of(plan, panel)
        shapes = outlines(extent)
        for _, lons, lats in shapes:
            axes.fill(lons, lats, facecolor="#f3f3f0", edgecolor="#9a9a9a", linewidth=0.7, zorder=0)
        labelled: set[str] = set()
        for code, lons, lats in sorted(shapes, key=lambda s: -len(s[1])):
            x, y = sum(lons) / len(lons), sum(lats) / len(lats)
            if code not in labelled and extent[0] < x < extent[1] and extent[2] < y < extent[3]:
                axes.text(x, y, code, color="#8a8a8a", fontsize=9, ha="center", va="center", zorder=1)
                labelled.add(code)
        colours = dict(zip(panel.reps, colours_for(len(panel.reps)), strict=True))
        for rep in panel.reps:
            mine = [a for a in panel.accounts if owners[a.id] == rep]
            stayed = [a for a in mine if a.owner == rep]
            moved = [a for a in mine if a.owner != rep]
            axes.scatter(
                [a.longitude for a in stayed],
                [a.latitude for a in stayed],
                s=14,
                color=colours[rep],
                alpha=0.8,
                linewidths=0,
                zorder=2,
                label=rep_label(plan, rep, len(mine)),
            )
            axes.scatter(
                [a.longitude for a in moved],
                [a.latitude for a in moved],
                s=46,
                color=colours[rep],
                edgecolors="black",
                linewidths=0.9,
                zorder=4,
            )
        for rep in panel.reps:
            base = plan.bases.get(rep)
            if base is None:
                continue
            axes.scatter(
                [base.longitude],
                [base.latitude],
                marker="*",
                s=380,
                color=colours[rep],
                edgecolors="black",
                zorder=6,
            )
            same = [r for r in panel.reps if r in plan.bases and plan.bases[r].city == base.city]
            shift = 0.32 * same.index(rep)
            axes.text(
                base.longitude + 0.35,
                base.latitude - shift,
                plan.rep_names.get(rep, str(rep)),
                fontsize=9,
                fontweight="bold",
                color=colours[rep],
                zorder=7,
                path_effects=halo,
            )
        for (source, target), count in sorted(panel.moves.items()):
            start, end = plan.bases.get(source), plan.bases.get(target)
            if start is None or end is None or start.point == end.point:
                continue
            axes.annotate(
                "",
                xy=(end.longitude, end.latitude),
                xytext=(start.longitude, start.latitude),
                arrowprops={
                    "arrowstyle": "-|>,head_width=0.5,head_length=0.9",
                    "color": colours[target],
                    "lw": 1.2 + 0.6 * min(count, 10),
                    "connectionstyle": "arc3,rad=0.18",
                    "shrinkA": 9,
                    "shrinkB": 9,
                },
                zorder=5,
            )
            mid_x = (start.longitude + end.longitude) / 2 + 0.09 * (end.latitude - start.latitude)
            mid_y = (start.latitude + end.latitude) / 2 - 0.09 * (end.longitude - start.longitude)
            axes.text(
                mid_x,
                mid_y,
                str(count),
                fontsize=10,
                fontweight="bold",
                ha="center",
                zorder=7,
                path_effects=halo,
            )
        axes.set_xlim(extent[0], extent[1])
        axes.set_ylim(extent[2], extent[3])
        axes.set_aspect(1 / math.cos(math.radians((extent[2] + extent[3]) / 2)))
        axes.set_xticks([])
        axes.set_yticks([])
        moved_total = sum(panel.moves.values())
        note = "" if shapes else " (no outlines outside the US)"
        axes.set_title(f"{panel.title}: {moving(moved_total)}{note}", fontsize=13)
        moved_label = "moved account (in its new rep's colour)"
        axes.scatter([], [], s=46, color="white", edgecolors="black", label=moved_label)
        axes.scatter([], [], marker="*", s=160, color="white", edgecolors="black", label="rep's home base")
        axes.plot([], [], color="grey", lw=2.4, label="accounts moving from one rep to another (count)")
        axes.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, frameon=False)
    for index in range(len(found), rows * cols):
        axes_grid[index // cols][index % cols].set_visible(False)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return True
