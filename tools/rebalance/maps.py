"""Maps of a rebalance a manager can read: one panel per territory balanced on its own, US state
outlines, accounts coloured by their rep after the moves, each rep's home base where it is, and
the moves as arrows from the rep who gives accounts to the rep who takes them.

* ``map.png`` (matplotlib) — the picture for a report or a plan.
* ``map.html`` — the same, interactive (pan, zoom, hover for an account's name, rep, potential,
  ARR and move), drawn with Bokeh with its JavaScript inlined: it opens offline, from a file.

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
from typing import Any

from tools.rebalance.book import AccountFacts
from tools.rebalance.proposal import RebalancePlan

MAP = "map.png"
HTML = "map.html"
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


def _extent(plan: RebalancePlan, panel: Panel) -> tuple[float, float, float, float]:
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


def _colours(count: int) -> list[str]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [matplotlib.colors.to_hex(cmap(i % cmap.N)) for i in range(count)]


def _moving(count: int) -> str:
    return "1 account moves" if count == 1 else f"{count} accounts move"


def _label(plan: RebalancePlan, rep: int, count: int) -> str:
    base = plan.bases.get(rep)
    where = f", home {base.city}" if base is not None else ""
    return f"{plan.rep_names.get(rep, rep)} ({count}{where})"


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
        extent = _extent(plan, panel)
        shapes = outlines(extent)
        for _, lons, lats in shapes:
            axes.fill(lons, lats, facecolor="#f3f3f0", edgecolor="#9a9a9a", linewidth=0.7, zorder=0)
        labelled: set[str] = set()
        for code, lons, lats in sorted(shapes, key=lambda s: -len(s[1])):
            x, y = sum(lons) / len(lons), sum(lats) / len(lats)
            if code not in labelled and extent[0] < x < extent[1] and extent[2] < y < extent[3]:
                axes.text(x, y, code, color="#8a8a8a", fontsize=9, ha="center", va="center", zorder=1)
                labelled.add(code)
        colours = dict(zip(panel.reps, _colours(len(panel.reps)), strict=True))
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
                label=_label(plan, rep, len(mine)),
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
        axes.set_title(f"{panel.title}: {_moving(moved_total)}{note}", fontsize=13)
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


def _arrow_style(colour: str, width: float) -> Any:
    """An arrow's line, by the names Bokeh takes at run time (its type stubs call them body_line_*)."""
    return {"line_color": colour, "line_width": width}


def draw_html(plan: RebalancePlan, path: Path) -> bool:
    """The interactive map (Bokeh, JavaScript inlined: it opens offline); False without coordinates."""
    found = panels(plan)
    if not found:
        return False
    from bokeh.embed import file_html
    from bokeh.models import ColumnDataSource, HoverTool, Range1d, TabPanel, Tabs
    from bokeh.models.annotations.arrows import Arrow, VeeHead
    from bokeh.plotting import figure
    from bokeh.resources import INLINE

    owners = plan.owner_after()
    tabs = []
    for panel in found:
        extent = _extent(plan, panel)
        aspect = 1 / math.cos(math.radians((extent[2] + extent[3]) / 2))
        width = 900
        height = int(width * (extent[3] - extent[2]) * aspect / (extent[1] - extent[0]))
        plot: Any = figure(
            title=f"{panel.title}: {_moving(sum(panel.moves.values()))}",
            x_range=Range1d(start=extent[0], end=extent[1]),
            y_range=Range1d(start=extent[2], end=extent[3]),
            width=width,
            height=max(400, min(height, 1000)),
            match_aspect=True,
            tools="pan,wheel_zoom,box_zoom,reset,save",
        )
        shapes = outlines(extent)
        plot.patches(
            [s[1] for s in shapes], [s[2] for s in shapes], fill_color="#f3f3f0", line_color="#9a9a9a"
        )
        colours = dict(zip(panel.reps, _colours(len(panel.reps)), strict=True))
        columns = ("x", "y", "name", "rep", "was", "potential", "arr", "size", "colour", "edge", "city")
        rows: dict[str, list[Any]] = {k: [] for k in columns}
        for a in panel.accounts:
            after = owners[a.id]
            rows["x"].append(a.longitude)
            rows["y"].append(a.latitude)
            rows["name"].append(a.name)
            rows["rep"].append(plan.rep_names.get(after, str(after)))
            rows["was"].append(plan.rep_names.get(a.owner, "") if a.owner != after else "(stays)")
            rows["potential"].append(f"${a.potential:,.0f}")
            rows["arr"].append(f"${a.arr:,.0f}")
            rows["size"].append(11 if a.owner != after else 5)
            rows["colour"].append(colours[after])
            rows["edge"].append("black" if a.owner != after else colours[after])
            rows["city"].append(", ".join(p for p in (a.city, a.state) if p))
        accounts = plot.scatter(
            "x",
            "y",
            size="size",
            fill_color="colour",
            line_color="edge",
            alpha=0.8,
            source=ColumnDataSource(rows),
        )
        plot.add_tools(
            HoverTool(
                renderers=[accounts],
                tooltips=[
                    ("account", "@name"),
                    ("city", "@city"),
                    ("rep after", "@rep"),
                    ("moved from", "@was"),
                    ("potential", "@potential"),
                    ("ARR", "@arr"),
                ],
            )
        )
        homes = [r for r in panel.reps if r in plan.bases]
        bases = plot.scatter(
            [plan.bases[r].longitude for r in homes],
            [plan.bases[r].latitude for r in homes],
            marker="star",
            size=22,
            fill_color=[colours[r] for r in homes],
            line_color="black",
        )
        counts = Counter(owners[a.id] for a in panel.accounts)
        bases.data_source.data["rep"] = [_label(plan, r, counts[r]) for r in homes]
        plot.add_tools(HoverTool(renderers=[bases], tooltips=[("home base", "@rep")]))
        plot.text(
            [plan.bases[r].longitude + 0.3 for r in homes],
            [plan.bases[r].latitude for r in homes],
            text=[plan.rep_names.get(r, str(r)) for r in homes],
            text_color=[colours[r] for r in homes],
            text_font_style="bold",
            text_font_size="10pt",
            text_baseline="middle",
        )
        for (source, target), count in sorted(panel.moves.items()):
            start, end = plan.bases.get(source), plan.bases.get(target)
            if start is None or end is None or start.point == end.point:
                continue
            plot.add_layout(
                Arrow(
                    end=VeeHead(size=12, fill_color=colours[target]),
                    x_start=start.longitude,
                    y_start=start.latitude,
                    # stop short of the home base's star, so the head shows
                    x_end=start.longitude + 0.93 * (end.longitude - start.longitude),
                    y_end=start.latitude + 0.93 * (end.latitude - start.latitude),
                    **_arrow_style(colours[target], 1 + min(count, 10)),
                )
            )
            plot.text(
                [(start.longitude + end.longitude) / 2],
                [(start.latitude + end.latitude) / 2],
                text=[f"{plan.rep_names.get(source)} → {plan.rep_names.get(target)}: {count}"],
                text_font_size="9pt",
            )
        tabs.append(TabPanel(child=plot, title=panel.title))
    names = ", ".join(t.name for t in plan.proposal.territories)
    html = file_html(Tabs(tabs=tabs), INLINE, f"Rebalance map: {names}")
    path.write_text(html, encoding="utf-8")
    return True
