"""The dashboard's charts: a report's counts drawn by matplotlib as SVG, on the server (no script in
the page). Months are drawn in order as columns; every other grouping as bars, largest first.

matplotlib is imported on the first chart, not with the API: a process that never draws one does
not pay for it. Its object API (a `Figure` of its own per chart, no pyplot state) is safe to use
from the threads the API draws in."""

import io
from typing import Any

COLOUR = "#0b4f6c"
STYLE = {
    "svg.fonttype": "none",  # text stays text: searchable, and the size of the words
    "svg.hashsalt": "pmi-dashboard",  # the same counts draw the same file
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


def bar_chart(items: list[dict[str, Any]], group: str, names: dict[str, str], title: str, empty: str) -> str:
    """The SVG of one report grouped by `group` (`items` as the report answers them); `names` are
    the words each value is shown as, `title` the chart's (none: the page gives it) and `empty` what
    is written when nothing was counted, all in the page's language."""
    import matplotlib
    from matplotlib.figure import Figure

    rows = [(names.get(str(i[group]), str(i[group] if i[group] is not None else "–")), i["count"]) for i in items]
    if group == "month":
        rows.sort(key=lambda r: r[0])
    else:
        rows.sort(key=lambda r: (-r[1], r[0]))
    with matplotlib.rc_context(STYLE):
        height = 2.6 if group == "month" else max(1.4, 0.32 * len(rows) + 0.8)
        figure = Figure(figsize=(6.4, height), layout="constrained")
        axes = figure.subplots()
        labels, counts = [r[0] for r in rows], [r[1] for r in rows]
        if group == "month":
            drawn = axes.bar(labels, counts, color=COLOUR)
            axes.tick_params(axis="x", labelrotation=45 if len(rows) > 8 else 0)
        else:
            drawn = axes.barh(labels, counts, color=COLOUR)
            axes.invert_yaxis()
        axes.bar_label(drawn, padding=2)
        axes.spines[["top", "right"]].set_visible(False)
        if group != "month":
            axes.xaxis.get_major_locator().set_params(integer=True)  # counts: no half journeys
        if not rows:  # nothing counted: no axes to read, only the word
            axes.set_axis_off()
            axes.text(0.5, 0.5, empty, ha="center", va="center", transform=axes.transAxes)
        if title:
            figure.suptitle(title, x=0.01, ha="left", fontsize=10)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()
