"""Charts for the PDF inspection reports, drawn by matplotlib and embedded as ``data:`` URLs.

Every chart is drawn in memory as an opaque PNG by matplotlib's object API (no pyplot, no
process-wide rcParams), labelled with the bundled CJK fonts of :mod:`compliance.report.fonts`,
and deterministic: the same data gives the same bytes, so a worker draws the summary chart once
for equal data.  The data URL is safe to put in an ``<img src>``: it is base64
of an image matplotlib made from numbers and escaped text, never from submitted markup.
"""

from __future__ import annotations

import base64
import io
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from matplotlib.font_manager import FontProperties
from matplotlib.ticker import ScalarFormatter

from compliance.report import fonts
from compliance.results.status import SEVERITY_ORDER, Status

if TYPE_CHECKING:
    from compliance.report.render import DocumentCaches

__all__ = ["STATUS_COLOURS", "DistributionPoint", "TrendPanel", "distribution_chart", "domain_status_chart",
           "trend_chart"]

#: Fill colours per status, matching the badge/dot colours of inspection.css.
STATUS_COLOURS: Mapping[Status, str] = MappingProxyType({
    Status.ERROR: "#6941c6",
    Status.FAIL: "#b42318",
    Status.MISSING_DATA: "#b54708",
    Status.WARN: "#dca20a",
    Status.NOT_DUE: "#175cd3",
    Status.WAIVED: "#98a2b3",
    Status.PASS: "#12b76a",
    Status.NOT_APPLICABLE: "#d0d5dd",
})
_INK = "#344054"
_GRID = "#e4e7ec"
_WIDTH_IN = 6.7  # a little under the 170 mm text width of the A4 page


@dataclass(frozen=True)
class DistributionPoint:
    """One hospital's observed value of a key indicator."""

    name: str
    value: float
    status: Status


FONT_FAMILIES = (fonts.FONT_FAMILY, fonts.FONT_FAMILY_EXT, "DejaVu Sans")
PNG_DPI = 220
PAD_INCHES = 0.04
CANVAS_MARGIN_IN = 0.8  # room around the axes for tick labels and the legend above


class _PlainMinus(ScalarFormatter):
    """Tick labels with an ASCII minus: the bundled subset may lack U+2212, and the formatter
    would otherwise read matplotlib's process-wide rcParams to decide."""

    def fix_minus(self, s: str) -> str:
        return s


def _font(size: float, weight: str = "normal") -> FontProperties:
    """The bundled CJK fonts (registered with matplotlib's font manager once; registering them
    again is skipped) at `size` points: every text of a chart names its font explicitly, so no
    process-wide rcParams are read or changed."""
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for weights in fonts.FONT_FILES.values():
        for name in weights.values():
            path = fonts.FONT_DIR / name
            if path.is_file() and str(path) not in known:
                font_manager.fontManager.addfont(str(path))
    return FontProperties(family=list(FONT_FAMILIES), size=size, weight=weight)


def _figure(width: float, height: float) -> Any:
    """A figure drawn by Agg without pyplot (whose state is process-wide)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _data_url(figure: Any) -> str:
    return "data:image/png;base64," + base64.b64encode(_png(figure)).decode("ascii")


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
    """Small tick labels in the bundled font, vertical grid lines behind the marks, only the
    bottom spine."""
    _font(7.5)  # registers the bundled fonts
    axes.tick_params(axis="both", length=0, colors=_INK, labelsize=7.5, labelfontfamily=list(FONT_FAMILIES))
    axes.xaxis.set_major_formatter(_PlainMinus())
    axes.grid(axis="x", color=_GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_edgecolor("#98a2b3")


def domain_status_chart(rows: Sequence[tuple[str, dict[Status, int]]], labels: dict[Status, str],
                        count_label: str, caches: DocumentCaches, width: float = 3.4) -> str | None:
    """Stacked horizontal bars of status counts per policy domain, as a ``data:`` URL.

    `rows` are (domain, counts per status) in display order (top first); `labels` name
    the statuses in the legend.  None when there is nothing to draw.  Charts are deterministic,
    so a worker draws a chart once for the same data (in `caches`): hospitals checked against one
    profile share a few distributions of counts, and drawing one costs about as much as laying
    out a page of the report.
    """
    if not rows:
        return None
    key = (tuple((domain, tuple((status, counts[status]) for status in SEVERITY_ORDER if counts.get(status)))
                 for domain, counts in rows),
           tuple((status, labels[status]) for status in SEVERITY_ORDER if status in labels), count_label, width)
    return caches.chart(("domains", key), lambda: _domain_status_chart(*key))


def _domain_status_chart(rows_key: tuple[tuple[str, tuple[tuple[Status, int], ...]], ...],
                         labels_key: tuple[tuple[Status, str], ...], count_label: str, width: float) -> str:
    rows = [(domain, dict(counts)) for domain, counts in rows_key]
    labels = dict(labels_key)
    present = [s for s in SEVERITY_ORDER if any(counts.get(s, 0) for _, counts in rows)]
    height = 0.6 + 0.155 * len(rows)  # beside the 8-row status table: keep the summary on one page
    figure = _figure(width, height)
    axes = figure.subplots()
    positions = list(range(len(rows)))[::-1]  # first domain at the top
    left = [0] * len(rows)
    value_font = _font(6.5)
    for status in present:
        widths = [counts.get(status, 0) for _, counts in rows]
        axes.barh(positions, widths, left=left, height=0.7, color=STATUS_COLOURS[status],
                  edgecolor="white", linewidth=0.6, label=labels[status])
        for y, x0, w in zip(positions, left, widths):
            if w:
                axes.text(x0 + w / 2, y, str(w), ha="center", va="center", fontproperties=value_font,
                          color="white" if status not in (Status.NOT_APPLICABLE, Status.WAIVED) else _INK)
        left = [a + b for a, b in zip(left, widths)]
    axes.set_yticks(positions, [_short(domain, 10) for domain, _ in rows])
    total = max(left) or 1
    axes.set_xlim(0, total * 1.02)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(count_label, fontproperties=_font(7.5), color=_INK)
    _plain_axes(axes)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(present), 4), frameon=False,
                prop=_font(7), handlelength=0.9, handletextpad=0.4, columnspacing=0.9, labelcolor=_INK)
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
    named = len(points) <= max_named
    ordered = sorted(points, key=lambda p: (p.value, p.name))
    height = 0.8 + 0.2 * len(ordered) if named else 1.5
    figure = _figure(_WIDTH_IN, height)
    axes = figure.subplots()
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
                      xytext=(-3 if right_half else 3, -2), textcoords="offset points", fontproperties=_font(7),
                      color="#b42318", va="top", ha="right" if right_half else "left",
                      bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    if axis_label:
        axes.set_xlabel(axis_label, fontproperties=_font(7.5), color=_INK)
    _plain_axes(axes)
    if labels:
        present = [s for s in SEVERITY_ORDER if any(p.status is s for p in points)]
        handles = [axes.scatter([], [], s=30, c=STATUS_COLOURS[s], label=labels[s]) for s in present]
        axes.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(present),
                    frameon=False, prop=_font(7), handletextpad=0.2, columnspacing=0.8, borderaxespad=0.1,
                    labelcolor=_INK)
    return _data_url(figure)


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _short(name: str, limit: int = 16) -> str:
    """`name` within the width of `limit` Chinese characters (a Latin letter is half as wide), cut
    with "…": Latin text at a word boundary (never mid-word, unless its first word alone is too
    wide), Chinese text anywhere."""
    budget = 2 * limit
    if sum(map(_width, name)) <= budget:
        return name
    room = budget - 2  # the ellipsis is about one Chinese character wide
    end, used = 0, 0
    while used + _width(name[end]) <= room:
        used += _width(name[end])
        end += 1
    cut = name[:end]
    if name[end].isascii() and name[end].isalnum() and " " in cut and cut[-1].isascii() and cut[-1].isalnum():
        cut = cut[:cut.rindex(" ")]  # back to the last whole word
    return cut.rstrip() + "…"


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class TrendPanel:
    """One key indicator of a subject over the audited periods (values already scaled for display)."""

    title: str
    axis_label: str
    periods: tuple[str, ...]
    values: tuple[float | None, ...]
    statuses: tuple[Status, ...]
    threshold: float | None
    threshold_label: str


def trend_chart(panels: Sequence[TrendPanel], labels: dict[Status, str], columns: int = 2) -> str | None:
    """Small multiples: each indicator's values over the periods (a line through the reported
    values, dots coloured by the period's status) with the required value as a dashed line."""
    if not panels:
        return None
    rows = math.ceil(len(panels) / columns)
    figure = _figure(_WIDTH_IN, 1.85 * rows)
    grid = figure.subplots(rows, columns, squeeze=False)
    for index, axes in enumerate(grid.flat):
        if index >= len(panels):
            axes.set_visible(False)
            continue
        panel = panels[index]
        xs = list(range(len(panel.periods)))
        shown = [(x, v, s) for x, v, s in zip(xs, panel.values, panel.statuses) if v is not None]
        axes.plot([x for x, _, _ in shown], [v for _, v, _ in shown], color="#98a2b3", linewidth=1.0, zorder=2)
        axes.scatter([x for x, _, _ in shown], [v for _, v, _ in shown], s=26, zorder=3, edgecolors="white",
                     linewidths=0.5, c=[STATUS_COLOURS[s] for _, _, s in shown])
        values = [v for _, v, _ in shown] + ([panel.threshold] if panel.threshold is not None else [])
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or max(abs(high) * 0.05, 1.0)
        axes.set_ylim(low - pad, high + pad)
        if panel.threshold is not None:
            axes.axhline(panel.threshold, color="#b42318", linewidth=0.9, linestyle=(0, (4, 2)), zorder=1)
            axes.annotate(panel.threshold_label, xy=(0.0, panel.threshold), xycoords=("axes fraction", "data"),
                          xytext=(2, 2), textcoords="offset points", fontproperties=_font(6.5), color="#b42318",
                          va="bottom", ha="left")
        _plain_axes(axes)
        axes.yaxis.set_major_formatter(_PlainMinus())
        axes.set_xticks(xs, list(panel.periods))
        axes.set_xlim(-0.4, len(xs) - 0.6)
        axes.set_title(_wrapped(panel.title, 30), fontproperties=_font(8, "bold"), color=_INK, loc="left")
        if panel.axis_label:
            axes.set_ylabel(panel.axis_label, fontproperties=_font(7), color=_INK)
        axes.grid(axis="y", color=_GRID, linewidth=0.5)
        axes.grid(axis="x", visible=False)
    present = [s for s in SEVERITY_ORDER if any(s in panel.statuses for panel in panels)]
    first = grid.flat[0]
    handles = [first.scatter([], [], s=26, c=STATUS_COLOURS[s], label=labels[s]) for s in present]
    first.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.5), ncol=len(present), frameon=False,
                 prop=_font(7), handletextpad=0.2, columnspacing=0.9, borderaxespad=0.0, labelcolor=_INK)
    figure.subplots_adjust(hspace=0.95, wspace=0.3)
    return _data_url(figure)


def _wrapped(text: str, width: int, lines: int = 2) -> str:
    """`text` broken into at most `lines` lines of `width` display columns (CJK counts 2), the last shortened."""
    parts: list[str] = []
    rest = text
    while rest and len(parts) < lines - 1:
        used, cut = 0, 0
        for cut, char in enumerate(rest):
            used += _width(char)
            if used > width:
                break
        else:
            cut = len(rest)
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        parts.append(_short(rest, width))
    return "\n".join(parts)
