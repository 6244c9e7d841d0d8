"""Charts for the PDF inspection reports, drawn by matplotlib and embedded as ``data:`` URLs.

Every chart is drawn in memory (an opaque PNG by default, see IMAGE_FORMAT; SVG with text
as paths on request), labelled with the bundled CJK fonts of :mod:`compliance.report.fonts`,
and deterministic: the same data gives the same bytes, so the summary chart is drawn once
per process for equal data.  The data URL is safe to put in an ``<img src>``: it is base64
of an image matplotlib made from numbers and escaped text, never from submitted markup.
"""

from __future__ import annotations

import base64
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from compliance.report import fonts
from compliance.results.status import SEVERITY_ORDER, Status

__all__ = ["STATUS_COLOURS", "DistributionPoint", "distribution_chart", "domain_status_chart"]

#: Fill colours per status, matching the badge/dot colours of inspection.css.
STATUS_COLOURS: dict[Status, str] = {
    Status.ERROR: "#6941c6",
    Status.FAIL: "#b42318",
    Status.MISSING_DATA: "#b54708",
    Status.WARN: "#dca20a",
    Status.NOT_DUE: "#175cd3",
    Status.WAIVED: "#98a2b3",
    Status.PASS: "#12b76a",
    Status.NOT_APPLICABLE: "#d0d5dd",
}
_INK = "#344054"
_GRID = "#e4e7ec"
_WIDTH_IN = 6.7  # a little under the 170 mm text width of the A4 page


@dataclass(frozen=True)
class DistributionPoint:
    """One hospital's observed value of a key indicator."""

    name: str
    value: float
    status: Status


@lru_cache(maxsize=1)
def _pyplot() -> Any:
    """matplotlib with the Agg backend, the bundled fonts registered and deterministic SVG output."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager, pyplot

    families = []
    for family, weights in fonts.FONT_FILES.items():
        for name in weights.values():
            path = fonts.FONT_DIR / name
            if path.is_file():
                font_manager.fontManager.addfont(str(path))
                if family not in families:
                    families.append(family)
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [*families, "DejaVu Sans"],
        "font.size": 8,
        "axes.unicode_minus": False,  # the bundled subset may lack U+2212
        "svg.fonttype": "path",
        "svg.hashsalt": "compliance-report",
        "axes.edgecolor": "#98a2b3",
        "axes.labelcolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "text.color": _INK,
    })
    return pyplot


#: "png" (default: cheap for WeasyPrint to draw) or "svg" (vector, text as paths).
IMAGE_FORMAT = "png"
PNG_DPI = 220
PAD_INCHES = 0.04
CANVAS_MARGIN_IN = 0.8  # room around the axes for tick labels and the legend above
CHART_CACHE_SIZE = 128  # distinct summary charts kept per process (a data URL is about 30 KiB)


def _data_url(figure: Any) -> str:
    pyplot = _pyplot()
    buffer = io.BytesIO()
    try:
        if IMAGE_FORMAT == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight",
                           pad_inches=PAD_INCHES)
            data, mime = buffer.getvalue(), "image/svg+xml"
        else:
            data, mime = _png(figure), "image/png"
    finally:
        pyplot.close(figure)
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def _png(figure: Any) -> bytes:
    """The figure as an opaque (RGB) PNG cropped to its artists plus `PAD_INCHES`.

    ``savefig(bbox_inches="tight")`` draws the figure twice (once to measure) and writes
    RGBA, which WeasyPrint then splits into a colour image and a soft mask.  Here the canvas
    is widened by `CANVAS_MARGIN_IN` on every side (the axes keep their size and place
    relative to each other), drawn once, measured on that drawing and cropped; only when
    something still sticks out of the canvas is the figure saved the tight way.
    """
    from PIL import Image

    width_in, height_in = figure.get_size_inches()
    margin = CANVAS_MARGIN_IN
    wide, high = width_in + 2 * margin, height_in + 2 * margin
    for axes in figure.axes:
        x0, y0, w, h = axes.get_position().bounds
        axes.set_position([(x0 * width_in + margin) / wide, (y0 * height_in + margin) / high,
                           w * width_in / wide, h * height_in / high])
    figure.set_size_inches(wide, high)
    figure.set_dpi(PNG_DPI)
    figure.set_facecolor("white")
    canvas = figure.canvas
    canvas.draw()
    box = figure.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
    if box.x0 >= 0 and box.y0 >= 0 and box.x1 <= wide and box.y1 <= high:
        rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = rgba.crop((math.floor(box.x0 * PNG_DPI), rgba.height - math.ceil(box.y1 * PNG_DPI),
                           math.ceil(box.x1 * PNG_DPI), rgba.height - math.floor(box.y0 * PNG_DPI))).convert("RGB")
    else:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight",
                       pad_inches=PAD_INCHES, facecolor="white")
        with Image.open(io.BytesIO(buffer.getvalue())) as saved:
            image = saved.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _plain_axes(axes: Any) -> None:
    """Small tick labels, vertical grid lines behind the marks, only the bottom spine."""
    axes.tick_params(axis="both", labelsize=7.5, length=0)
    axes.grid(axis="x", color=_GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def domain_status_chart(rows: Sequence[tuple[str, dict[Status, int]]], labels: dict[Status, str],
                        count_label: str = "检查项数", width: float = 3.4) -> str | None:
    """Stacked horizontal bars of status counts per policy domain, as a ``data:`` URL.

    `rows` are (domain, counts per status) in display order (top first); `labels` name
    the statuses in the legend.  None when there is nothing to draw.  Charts are deterministic,
    so a chart is drawn once per process for the same data: hospitals checked against one
    profile share a few distributions of counts, and drawing one costs about as much as
    laying out a page of the report.
    """
    if not rows:
        return None
    return _domain_status_chart(
        tuple((domain, tuple((status, counts[status]) for status in SEVERITY_ORDER if counts.get(status)))
              for domain, counts in rows),
        tuple((status, labels[status]) for status in SEVERITY_ORDER if status in labels), count_label, width)


@lru_cache(maxsize=CHART_CACHE_SIZE)
def _domain_status_chart(rows_key: tuple[tuple[str, tuple[tuple[Status, int], ...]], ...],
                         labels_key: tuple[tuple[Status, str], ...], count_label: str, width: float) -> str:
    rows = [(domain, dict(counts)) for domain, counts in rows_key]
    labels = dict(labels_key)
    pyplot = _pyplot()
    present = [s for s in SEVERITY_ORDER if any(counts.get(s, 0) for _, counts in rows)]
    height = 0.6 + 0.155 * len(rows)  # beside the 8-row status table: keep the summary on one page
    figure, axes = pyplot.subplots(figsize=(width, height))
    positions = list(range(len(rows)))[::-1]  # first domain at the top
    left = [0] * len(rows)
    for status in present:
        widths = [counts.get(status, 0) for _, counts in rows]
        axes.barh(positions, widths, left=left, height=0.7, color=STATUS_COLOURS[status],
                  edgecolor="white", linewidth=0.6, label=labels[status])
        for y, x0, w in zip(positions, left, widths):
            if w:
                axes.text(x0 + w / 2, y, str(w), ha="center", va="center", fontsize=6.5,
                          color="white" if status not in (Status.NOT_APPLICABLE, Status.WAIVED) else _INK)
        left = [a + b for a, b in zip(left, widths)]
    axes.set_yticks(positions, [_short(domain, 10) for domain, _ in rows])
    total = max(left) or 1
    axes.set_xlim(0, total * 1.02)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(count_label, fontsize=7.5)
    _plain_axes(axes)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(present), 4), frameon=False,
                fontsize=7, handlelength=0.9, handletextpad=0.4, columnspacing=0.9)
    return _data_url(figure)


def distribution_chart(points: Sequence[DistributionPoint], threshold: float | None, threshold_label: str,
                       scale: float = 1.0, axis_label: str = "", labels: dict[Status, str] | None = None,
                       max_named: int = 16) -> str | None:
    """Hospitals' observed values of one indicator, with the required value as a line.

    Up to `max_named` hospitals: a dot plot with one named row per hospital (sorted by
    value).  More: a strip plot (dots jittered deterministically) of all values.  Values
    are multiplied by `scale` (100 for percentages).  None when there is nothing to draw.
    """
    if not points:
        return None
    pyplot = _pyplot()
    named = len(points) <= max_named
    ordered = sorted(points, key=lambda p: (p.value, p.name))
    if named:
        height = 0.8 + 0.2 * len(ordered)
    else:
        height = 1.5
    figure, axes = pyplot.subplots(figsize=(_WIDTH_IN, height))
    xs = [p.value * scale for p in ordered]
    if named:
        ys = list(range(len(ordered)))
        axes.hlines(ys, min(xs + ([threshold * scale] if threshold is not None else [])), xs, color=_GRID,
                    linewidth=1.0, zorder=1)
        axes.set_yticks(ys, [_short(p.name) for p in ordered])
        axes.set_ylim(-0.7, len(ordered) - 0.3)
    else:
        # deterministic jitter: golden-ratio sequence
        ys = [((i * 0.6180339887) % 1.0) - 0.5 for i in range(len(ordered))]
        axes.set_yticks([])
        axes.set_ylim(-0.8, 0.8)
    axes.scatter(xs, ys, s=36 if named else 14, c=[STATUS_COLOURS[p.status] for p in ordered], zorder=3,
                 edgecolors="white", linewidths=0.5)
    values = xs + ([threshold * scale] if threshold is not None else [])
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
    axes.set_xlim(low - pad, high + pad)
    if threshold is not None:
        line_x = threshold * scale
        axes.axvline(line_x, color="#b42318", linewidth=1.0, linestyle=(0, (4, 2)), zorder=2)
        # inside the plot, on the roomier side of the line (the legend sits above the plot)
        right_half = line_x > (low + high) / 2
        axes.annotate(threshold_label, xy=(line_x, 1.0), xycoords=("data", "axes fraction"),
                      xytext=(-3 if right_half else 3, -2), textcoords="offset points", fontsize=7,
                      color="#b42318", va="top", ha="right" if right_half else "left",
                      bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    if axis_label:
        axes.set_xlabel(axis_label, fontsize=7.5)
    _plain_axes(axes)
    if labels:
        present = [s for s in SEVERITY_ORDER if any(p.status is s for p in points)]
        handles = [axes.scatter([], [], s=30, c=STATUS_COLOURS[s], label=labels[s]) for s in present]
        axes.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(present),
                    frameon=False, fontsize=7, handletextpad=0.2, columnspacing=0.8, borderaxespad=0.1)
    return _data_url(figure)


def _short(name: str, limit: int = 16) -> str:
    """`name` cut to the width of `limit` Chinese characters (a Latin letter is half as wide), with "…"."""
    budget = 2 * limit
    widths = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in name]
    if sum(widths) <= budget:
        return name
    used, end = 0, 0
    while used + widths[end] <= budget - 2:  # room for the ellipsis, about one Chinese character wide
        used += widths[end]
        end += 1
    return name[:end].rstrip() + "…"


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
