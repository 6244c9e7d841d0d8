"""The inspection report's part on changes since the last audit (an audit's report only): the
rules newly failing, still failing and fixed, and the key indicators over the audited periods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compliance.report import charts
from compliance.report.excel_trends import TREND_ORDER
from compliance.results.history import Trend
from compliance.results.quantities import PERCENT, Quantity
from compliance.results.status import Status
from compliance.wording import catalogue
from compliance.wording import findings as worded
from compliance.wording import quantities as q
from compliance.wording.dates import period_text

if TYPE_CHECKING:
    from compliance.report.inputs import SubjectReport

SHOWN = (Trend.NEWLY_FAILING, Trend.STILL_FAILING, Trend.FIXED)  # the rows the report lists


def _value(value: Any, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, (bool, int, float)):
        return q.quantity(Quantity(value, unit), lang)
    return str(value)


def trend_view(report: SubjectReport, lang: str) -> dict[str, Any] | None:
    subject = report.subject
    trend = subject.trend
    if trend is None:
        return None
    findings = {f.rule_id: f for f in subject.findings}
    counts = {kind.value: len(trend.of(kind)) for kind in TREND_ORDER}
    rows = []
    for kind in SHOWN:
        for row in trend.of(kind):
            finding = findings.get(row.rule_id)
            rows.append({"trend": kind.value, "label": catalogue.text(f"trend.{kind.value}", lang),
                         "title": worded.title(finding, lang) if finding else row.rule_id, "rule_id": row.rule_id,
                         "previous_status": row.previous_status, "status": Status(row.status),
                         "previous_value": _value(row.previous_value, row.unit, lang),
                         "value": _value(row.value, row.unit, lang)})
    panels = []
    for series in trend.series:
        finding = findings.get(series.rule_id)
        scale = 100.0 if series.unit == PERCENT else 1.0
        unit = "%" if series.unit == PERCENT else catalogue.unit_name(series.unit, lang)
        panels.append(charts.TrendPanel(
            worded.title(finding, lang) if finding else series.rule_id, unit,
            tuple(point.period for point in series.points),
            tuple(None if point.value is None else point.value * scale for point in series.points),
            tuple(point.status for point in series.points),
            None if series.threshold is None else series.threshold * scale,
            worded.required(finding, lang) if finding and series.threshold is not None else ""))
    chart = charts.trend_chart(panels, {s: catalogue.status_label(s, lang) for s in Status})
    return {"previous": period_text(trend.previous_period, lang) if trend.previous_period else "",
            "counts": counts, "rows": rows, "chart": chart, "indicators": len(panels)}
