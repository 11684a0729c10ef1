"""The interactive rebalance map, ``map.html``: the panels of :mod:`tools.rebalance.maps` (one tab
per territory), with pan, zoom and hover for an account's name, city, rep after, the rep it moves
from, potential and ARR, and for a rep's home base. Drawn with Bokeh, its JavaScript inlined, so
the file opens offline; Bokeh is imported only when the map is drawn."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from tools.rebalance.maps import colours_for, extent_of, moving, outlines, panels, rep_label
from tools.rebalance.proposal import RebalancePlan

HTML = "map.html"


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
        extent = extent_of(plan, panel)
        aspect = 1 / math.cos(math.radians((extent[2] + extent[3]) / 2))
        width = 900
        height = int(width * (extent[3] - extent[2]) * aspect / (extent[1] - extent[0]))
        plot: Any = figure(
            title=f"{panel.title}: {moving(sum(panel.moves.values()))}",
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
        colours = dict(zip(panel.reps, colours_for(len(panel.reps)), strict=True))
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
        bases.data_source.data["rep"] = [rep_label(plan, r, counts[r]) for r in homes]
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
