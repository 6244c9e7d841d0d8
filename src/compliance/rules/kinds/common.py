"""Pieces shared by the evaluators of every rule kind.

Kinds compute values and reasons; they write no sentences.  A finding carries its numbers
with units, a reason code and the parameters the wording layer needs (``details``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from compliance.evaluation.engine import Criterion, Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Details, Finding, InputUsed, ItemResult
from compliance.results.quantities import Basis, Quantity, Requirement, difference_unit
from compliance.results.status import Reason, Status
from compliance.rules.node import Node
from compliance.rules.spec import (
    COMPARATORS,
    Comparison,
    FieldSpec,
    GapAmount,
    Rule,
    TableSpec,
)

ROUND_DIGITS = 12  # measures are rounded before comparison so 1100/1000-1 is exactly 0.1
AMOUNT_DIGITS = 4


@dataclass(frozen=True)
class Context:
    """What a kind's prepare() may read besides the rule and the submission."""

    fields: dict[str, FieldSpec]
    tables: dict[str, TableSpec]
    check_date: dt.date
    classify: Callable[[list[Fact]], list[Verdict]]


@dataclass
class Prepared:
    """Facts to classify for one rule and subject, with what conclude() needs."""

    facts: list[Fact]
    context: dict[str, Any] = field(default_factory=dict)


def round_measure(value: float) -> float:
    return round(value, ROUND_DIGITS)


def gap_amount(gap: float, per_unit: float | None) -> float | None:
    """Money or quantity behind a gap, rounded so float noise does not show."""
    if per_unit is None or not gap:
        return None
    return round(abs(gap) * per_unit, AMOUNT_DIGITS)


def parse_comparison(node: Node) -> Comparison:
    comparator = node.choice("comparator", COMPARATORS)
    threshold = node.number("threshold")
    tolerance = node.number("tolerance", 0.0)
    if tolerance < 0:
        raise node.fail("tolerance", "must not be negative")
    return Comparison(comparator=comparator, threshold=threshold, tolerance=tolerance)


def parse_gap_amount(node: Node | None, known_fields: set[str]) -> GapAmount | None:
    if node is None:
        return None
    node.check_keys({"per_unit", "unit", "label", "unit_column"})
    return GapAmount(per_unit=node.expression("per_unit", known_fields), unit=node.text("unit", ""), label=node.text("label"))


def criteria(rule: Rule) -> list[Criterion]:
    """The engine criterion of a rule whose spec has one ``comparison``, keyed by rule id."""
    comparison: Comparison = rule.spec.comparison  # type: ignore[attr-defined]
    return [Criterion(rule.id, comparison.comparator, comparison.threshold, comparison.tolerance)]


def requirement(comparison: Comparison, unit: str, basis: Basis = Basis.VALUE) -> Requirement:
    """The rule's comparison as a Requirement in `unit` (a change is in percentage points for ratios)."""
    if basis is Basis.CHANGE:
        unit = difference_unit(unit)
    tolerance = Quantity(comparison.tolerance, difference_unit(unit)) if comparison.tolerance else None
    return Requirement(comparison.comparator, Quantity(comparison.threshold, unit), tolerance, basis)


def shortfall(comparison: Comparison, observed: float) -> float:
    """How far ``observed`` is from meeting the comparison, in the rule's unit (0 if met)."""
    threshold = comparison.threshold
    if comparison.comparator in (">=", ">"):
        return round_measure(max(0.0, threshold - observed))
    if comparison.comparator in ("<=", "<"):
        return round_measure(max(0.0, observed - threshold))
    distance = round_measure(abs(observed - threshold))
    return distance if distance > round_measure(comparison.tolerance) else 0.0


def gap_of(value: float | None, unit: str) -> Quantity | None:
    """A gap as a Quantity (percentage points for ratios); None when there is none to make up."""
    return Quantity(value, difference_unit(unit)) if value else None


def status_for(rule: Rule, verdict: Verdict) -> Status:
    if verdict is Verdict.MET:
        return Status.PASS
    if verdict is Verdict.NOT_MET:
        return rule.severity
    if verdict is Verdict.MISSING:
        return Status.MISSING_DATA
    return Status.ERROR


def reason_for(status: Status) -> Reason:
    """The reason of a plain verdict (met, missed, missing input, engine error)."""
    return {Status.PASS: Reason.MET, Status.FAIL: Reason.NOT_MET, Status.WARN: Reason.NOT_MET,
            Status.MISSING_DATA: Reason.MISSING_INPUT}.get(status, Reason.ENGINE_ERROR)


def overall(rule: Rule, results: Iterable[ItemResult]) -> tuple[Status, Reason]:
    """The status and reason of a rule over items or units: missed if any item misses it, else an
    error if any cannot be computed, else missing data if any lacks a value, else met."""
    statuses = {result.status for result in results}
    if statuses & {Status.FAIL, Status.WARN}:
        return rule.severity, Reason.NOT_MET
    if Status.ERROR in statuses:
        return Status.ERROR, Reason.ITEMS_ERROR
    if Status.MISSING_DATA in statuses:
        return Status.MISSING_DATA, Reason.ITEMS_MISSING
    return Status.PASS, Reason.MET


def input_used(spec: FieldSpec, submission: Submission, prior: bool = False) -> InputUsed:
    """A field's value as the rule reads it: the submission's own, or (a region's total, when
    the region left it blank and the field may be summed) the sum over the region's hospitals."""
    reading = submission.reading(spec.code, prior)
    which = "prior" if prior else "current"
    if reading.value is None and spec.aggregate == "sum" and submission.subject.level == "region" and submission.members:
        values = [(member, member.reading(spec.code, prior).value) for member in submission.members]
        lacking = tuple(member.subject.name for member, value in values
                        if not isinstance(value, (int, float)) or isinstance(value, bool))
        if lacking:
            return InputUsed(spec.code, spec.name, None, spec.unit, which, lacking=lacking)
        total = round(sum(float(value) for _, value in values), AMOUNT_DIGITS)
        return InputUsed(spec.code, spec.name, total, spec.unit, which, summed_over=len(values))
    return InputUsed(spec.code, spec.name, reading.value, spec.unit, which, reading.cell,
                     earlier=submission.prior_taken_from(spec.code) if prior else "")


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_numbers(
    codes: Iterable[str], fields: dict[str, FieldSpec], submission: Submission, prior: bool = False
) -> tuple[dict[str, float], list[InputUsed], list[InputUsed]]:
    """Values of numeric fields; returns (values, inputs used, inputs missing)."""
    values: dict[str, float] = {}
    used: list[InputUsed] = []
    missing: list[InputUsed] = []
    for code in codes:
        item = input_used(fields[code], submission, prior)
        used.append(item)
        if is_number(item.value):
            values[code] = float(item.value)  # type: ignore[arg-type]
        else:
            missing.append(item)
    return values, used, missing


def missing_details(missing: Iterable[InputUsed], submission: Submission) -> Details:
    """Which inputs are missing (field code and this period or last year's), and the data
    problems the reader or a data-quality check recorded on those fields."""
    wanted = tuple((item.field, item.which) for item in missing)
    codes = {code for code, _ in wanted}
    problems = tuple(p for p in submission.problems if p.field_code in codes)
    return Details.of(missing=wanted, problems=problems or None)


def finding(
    rule: Rule,
    submission: Submission,
    status: Status,
    reason: Reason,
    *,
    measure: str = "",
    observed: Quantity | None = None,
    required: Requirement | None = None,
    gap: Quantity | None = None,
    gap_amounts: Iterable[Quantity] = (),
    gap_amount_label: str = "",
    details: Details | None = None,
    inputs: Iterable[InputUsed] = (),
    items: Iterable[ItemResult] = (),
) -> Finding:
    return Finding(
        submission=submission.ref,
        subject_name=submission.subject.name,
        rule_id=rule.id,
        rule_digest=rule.digest,
        title=rule.title,
        kind=rule.kind,
        domain=rule.domain,
        status=status,
        reason=reason,
        severity=rule.severity,
        citation=rule.citation,
        measure=measure,
        observed=observed,
        required=required,
        gap=gap,
        gap_amounts=tuple(gap_amounts),
        gap_amount_label=gap_amount_label,
        details=details or Details(),
        remediation_template=rule.remediation,
        inputs=tuple(inputs),
        items=tuple(items),
    )
