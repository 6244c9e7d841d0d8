"""A subject's changes since its last audit, and its key indicators over the audited periods.

Pure: it takes the subject's findings of this audit and what the history store kept of the
earlier audits of the same profile (:class:`SubjectHistory`), and returns a :class:`SubjectTrend`.
The data-quality checks are left out: they are about a file, not a requirement.
"""

from __future__ import annotations

import math
from typing import Any

from compliance.results.findings import Finding
from compliance.results.history import (
    FAILING,
    AuditPoint,
    IndicatorSeries,
    SeriesPoint,
    SubjectHistory,
    SubjectTrend,
    Trend,
    TrendRow,
)
from compliance.results.run import SubjectResult
from compliance.results.status import Status

MAX_SERIES = 6  # key indicators charted per subject


def classify(previous: Status | None, current: Status) -> Trend:
    """The trend class of a rule whose verdict was `previous` at the last audit and is `current` now."""
    if previous is None:
        return Trend.NEW
    was, now = previous in FAILING, current in FAILING
    if was and now:
        return Trend.STILL_FAILING
    if now:
        return Trend.NEWLY_FAILING
    if was:
        return Trend.FIXED
    return Trend.STILL_MET


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _rule_findings(subject: SubjectResult) -> list[Finding]:
    return [finding for finding in subject.findings if finding.kind != "quality"]


def subject_trend(subject: SubjectResult, history: SubjectHistory | None, max_series: int = MAX_SERIES) -> SubjectTrend:
    """`subject`'s trend against `history` (None: no earlier audit of it)."""
    points = history.points if history is not None else ()
    previous_period = max(points, key=lambda p: (p.period_end, p.period_start)).period if points else ""
    last = {point.rule_id: point for point in points if point.period == previous_period}
    findings = _rule_findings(subject)
    rows = []
    for finding in findings:
        before = last.get(finding.rule_id)
        rows.append(TrendRow(finding.rule_id, classify(before.status if before else None, finding.status),
                             before.status if before else None, finding.status,
                             before.observed_value if before else None,
                             finding.observed.value if finding.observed is not None else None,
                             finding.observed.unit if finding.observed is not None else ""))
    changed = {row.rule_id for row in rows if row.trend in (Trend.NEWLY_FAILING, Trend.STILL_FAILING, Trend.FIXED)}
    charted = sorted(findings, key=lambda f: f.rule_id not in changed)  # what changed first, else the profile's order
    return SubjectTrend(previous_period, tuple(rows), _series(charted, points, subject.subject.period.label,
                                                               max_series))


def _series(findings: list[Finding], points: tuple[AuditPoint, ...], period: str,
            max_series: int) -> tuple[IndicatorSeries, ...]:
    """The rules with a number now and in at least one earlier audit, in the order given."""
    periods = sorted({(p.period_start, p.period_end, p.period) for p in points})
    by_rule: dict[str, dict[str, AuditPoint]] = {}
    for point in points:
        by_rule.setdefault(point.rule_id, {})[point.period] = point
    chosen = []
    for finding in findings:
        now = _number(finding.observed.value) if finding.observed is not None else None
        earlier = by_rule.get(finding.rule_id, {})
        unit = finding.observed.unit if finding.observed is not None else ""
        comparable = [p for p in earlier.values() if _number(p.observed_value) is not None and p.observed_unit == unit]
        if now is None or not comparable:
            continue
        series = [SeriesPoint(label, _number(earlier[label].observed_value) if label in earlier
                              and earlier[label].observed_unit == unit else None,
                              earlier[label].status if label in earlier else Status.MISSING_DATA)
                  for _, _, label in periods]
        series.append(SeriesPoint(period, now, finding.status))
        required = finding.required
        threshold = required.threshold.number if required is not None and required.threshold is not None \
            and required.threshold.unit == unit else None
        chosen.append(IndicatorSeries(finding.rule_id, unit, required.comparator if required else "", threshold,
                                      tuple(series)))
        if len(chosen) == max_series:
            break
    return tuple(chosen)
