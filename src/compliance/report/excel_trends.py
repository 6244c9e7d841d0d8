"""The gap workbook's trend sheet (an audit's): per subject and rule, the verdict of the last
audit beside this one's, with the change class; failing changes first."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from compliance.report.xlsxcells import (
    STATUS_COLOURS,
    Column,
    Num,
    _colour_status,
    _table,
    number_format,
    start_sheet,
)
from compliance.report.xlsxstream import StreamSheet
from compliance.results.history import Trend
from compliance.results.quantities import PERCENT
from compliance.results.run import CheckResult
from compliance.results.status import Status
from compliance.wording import findings as worded
from compliance.wording.catalogue import status_label, text, unit_name

#: Order of the trend classes in the sheet and the reports: what needs attention first.
TREND_ORDER = (Trend.NEWLY_FAILING, Trend.STILL_FAILING, Trend.FIXED, Trend.NEW, Trend.STILL_MET)
TREND_COLOURS = MappingProxyType({Trend.NEWLY_FAILING.value: STATUS_COLOURS["fail"],
                                  Trend.STILL_FAILING.value: STATUS_COLOURS["warn"],
                                  Trend.FIXED.value: STATUS_COLOURS["pass"]})


def has_trends(result: CheckResult) -> bool:
    return any(subject.trend is not None for subject in result.subjects)


def _value(value: Any, unit: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return Num(value, number_format(unit))


def trends_sheet(ws: StreamSheet, result: CheckResult, lang: str) -> None:
    t = lambda key: text(key, lang)
    columns = [
        Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 24, wrap=True), Column(t("col.period"), 10),
        Column(t("trend.col.previous_period"), 12), Column(t("col.rule_id"), 34, wrap=True),
        Column(t("col.rule_title"), 36, wrap=True), Column(t("trend.col.code"), 16), Column(t("trend.col.label"), 14),
        Column(t("trend.col.previous_status"), 14), Column(t("trend.col.status"), 14),
        Column(t("trend.col.previous_value"), 14), Column(t("trend.col.value"), 14), Column(t("col.unit"), 10),
    ]
    rows = []
    for subject in result.subjects:
        trend = subject.trend
        if trend is None:
            continue
        titles = {f.rule_id: worded.title(f, lang) for f in subject.findings}
        ordered = sorted(trend.rows, key=lambda row: TREND_ORDER.index(row.trend))
        for row in ordered:
            rows.append([
                subject.subject.code, subject.subject.name, subject.subject.period.label, trend.previous_period or "—",
                row.rule_id, titles.get(row.rule_id, ""), row.trend.value, t(f"trend.{row.trend.value}"),
                status_label(row.previous_status, lang) if row.previous_status else "—",
                status_label(Status(row.status), lang), _value(row.previous_value, row.unit), _value(row.value, row.unit),
                "%" if row.unit == PERCENT else unit_name(row.unit, lang),
            ])
    if not rows:
        rows = [[t("none")]]
    start_sheet(ws, [columns])
    last = _table(ws, columns, rows)
    _colour_status(ws, 7, 2, last, TREND_COLOURS)
