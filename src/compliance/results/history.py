"""What earlier audits left in the history store, as the values an audit works with.

The store hands these out (``compliance.store.api``); the check never needs a database, so an
audit fetches them first and passes them in: earlier submissions to take last year's values from,
and each subject's earlier audit results to compare with (its trend).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from compliance.results.identity import Cell
from compliance.results.status import Status

#: (level, institution or region code, period label): one subject's submission for one period.
SubjectPeriod = tuple[str, str, str]


@dataclass(frozen=True)
class StoredValue:
    """A value the store kept of a submission: the field, the value and the cell it was read from."""

    field: str
    value: Any
    unit: str
    cell: Cell | None


@dataclass(frozen=True)
class EarlierSubmission:
    """The latest stored submission of a subject for an earlier period, with its current values
    (those the rules read when it was audited)."""

    level: str
    code: str
    period: str
    path: str
    sha256: str
    values: tuple[StoredValue, ...]

    def value(self, field: str) -> StoredValue | None:
        return next((stored for stored in self.values if stored.field == field), None)


@dataclass(frozen=True)
class AuditPoint:
    """One rule's verdict on a subject in the latest audit of one earlier period."""

    period: str
    period_start: dt.date
    period_end: dt.date
    rule_id: str
    status: Status
    observed_value: Any
    observed_unit: str
    comparator: str
    threshold: Any
    threshold_unit: str
    run_id: str


@dataclass(frozen=True)
class SubjectHistory:
    """A subject's results in the earlier audits of one profile, oldest period first."""

    level: str
    code: str
    points: tuple[AuditPoint, ...] = ()

    @property
    def periods(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for point in self.points:
            seen.setdefault(point.period, None)
        return tuple(seen)


class Trend(enum.StrEnum):
    """How a rule's verdict on a subject moved since the last audit (reports key off these codes)."""

    NEWLY_FAILING = "newly_failing"  # not failing in the last audit, failing now
    FIXED = "fixed"  # failing in the last audit, not failing now
    STILL_FAILING = "still_failing"  # failing in both
    STILL_MET = "still_met"  # failing in neither
    NEW = "new"  # no verdict in the last audit (first audit, or a rule or subject it did not have)


TREND_MEANING = MappingProxyType({
    Trend.NEWLY_FAILING: "the rule was not failing at the last audit and is failing now",
    Trend.FIXED: "the rule was failing at the last audit and is not failing now",
    Trend.STILL_FAILING: "the rule was failing at the last audit and still is",
    Trend.STILL_MET: "the rule was failing at neither audit",
    Trend.NEW: "the last audit had no verdict of this rule on this subject (or there was no earlier audit)",
})

#: Statuses that count as failing when trends are classed: something is to be fixed or found out.
FAILING = frozenset({Status.FAIL, Status.WARN, Status.MISSING_DATA, Status.ERROR})


@dataclass(frozen=True)
class TrendRow:
    rule_id: str
    trend: Trend
    previous_status: Status | None
    status: Status
    previous_value: Any
    value: Any
    unit: str


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    value: float | None
    status: Status


@dataclass(frozen=True)
class IndicatorSeries:
    """A key indicator of a subject over the audited periods, this one last."""

    rule_id: str
    unit: str
    comparator: str
    threshold: float | None
    points: tuple[SeriesPoint, ...]


@dataclass(frozen=True)
class SubjectTrend:
    """A subject's changes since the last audit (``previous_period`` empty when there was none)
    and its key indicators over the stored periods."""

    previous_period: str
    rows: tuple[TrendRow, ...]
    series: tuple[IndicatorSeries, ...] = ()

    def of(self, trend: Trend) -> tuple[TrendRow, ...]:
        return tuple(row for row in self.rows if row.trend is trend)
