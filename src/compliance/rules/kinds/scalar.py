"""Kinds that measure one number per subject share this: facts in, one finding out."""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Details, Finding, InputUsed
from compliance.results.quantities import Basis, Quantity, difference_unit
from compliance.results.status import Reason, Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.spec import Comparison, GapAmount, Rule


@dataclass
class Measurement:
    """One measured value with what is needed to explain it; ``missing`` non-empty means no value."""

    measure_name: str
    comparison: Comparison
    inputs: list[InputUsed]
    missing: list[InputUsed] = field(default_factory=list)
    observed: float | None = None
    amount_per_unit: float | None = None
    amount_unit: str = ""
    amount_label: str = ""
    basis: Basis = Basis.VALUE  # CHANGE: the observed value is this period's measure minus last year's
    current: float | None = None  # the two measures a change is computed from
    prior: float | None = None


def measure_expression(rule: Rule, submission: Submission, context: common.Context, name: str,
                       expression: Expression, comparison: Comparison, gap_amount: GapAmount | None = None,
                       prior: bool = False, basis: Basis = Basis.VALUE) -> Measurement | Finding:
    """Evaluate an expression over indicator fields; an error finding for a zero denominator."""
    fields = context.fields
    extra = gap_amount.per_unit.fields if gap_amount else ()
    values, used, missing = common.read_numbers(tuple(dict.fromkeys(expression.fields + extra)), fields, submission,
                                                prior)
    measurement = Measurement(
        name, comparison, used, missing=[item for item in missing if item.field in expression.fields],
        amount_unit=gap_amount.unit if gap_amount else "", amount_label=gap_amount.label if gap_amount else "",
    )
    if measurement.missing:
        return measurement
    try:
        measurement.observed = common.round_measure(expression.evaluate(values))
    except DivisionByZero as exc:
        zero = tuple(code for code in expression.fields if code in exc.denominator) or (exc.denominator,)
        return common.finding(rule, submission, Status.ERROR, Reason.DIVISION_BY_ZERO, measure=name,
                              required=common.requirement(comparison, rule.unit, basis),
                              details=Details.of(zero=zero, prior=prior or None), inputs=used)
    if gap_amount and all(f in values for f in gap_amount.per_unit.fields):
        try:
            measurement.amount_per_unit = gap_amount.per_unit.evaluate(values)
        except DivisionByZero:
            measurement.amount_per_unit = None
    return measurement


def prepared(rule: Rule, measurement: Measurement) -> common.Prepared:
    value = None if measurement.missing else measurement.observed
    return common.Prepared([Fact(rule.id, value)], {"measurement": measurement})


def conclude(rule: Rule, submission: Submission, prepared_facts: common.Prepared, verdicts: list[Verdict]) -> Finding:
    measurement: Measurement = prepared_facts.context["measurement"]
    verdict = verdicts[0]
    comparison = measurement.comparison
    unit = rule.unit
    required = common.requirement(comparison, unit, measurement.basis)
    base = {"measure": measurement.measure_name, "required": required, "inputs": measurement.inputs}
    if verdict is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA, Reason.MISSING_INPUT,
                              details=common.missing_details(measurement.missing, submission), **base)
    observed_value = measurement.observed
    assert observed_value is not None
    observed = Quantity(observed_value, difference_unit(unit) if measurement.basis is Basis.CHANGE else unit)
    if verdict is Verdict.OUT_OF_RANGE:
        return common.finding(rule, submission, Status.ERROR, Reason.OUT_OF_RANGE, observed=observed, **base)
    status = common.status_for(rule, verdict)
    if status is Status.ERROR:
        return common.finding(rule, submission, Status.ERROR, Reason.ENGINE_ERROR, observed=observed,
                              details=Details.of(verdict=verdict.value), **base)
    gap = common.shortfall(comparison, observed_value)
    amount = common.gap_amount(gap, measurement.amount_per_unit)
    details = Details()
    if measurement.basis is Basis.CHANGE:
        details = Details.of(current=Quantity(measurement.current, unit) if measurement.current is not None else None,
                             prior=Quantity(measurement.prior, unit) if measurement.prior is not None else None)
    return common.finding(
        rule, submission, status, Reason.MET if status is Status.PASS else Reason.NOT_MET,
        observed=observed, gap=common.gap_of(gap, unit),
        gap_amounts=(Quantity(amount, measurement.amount_unit),) if amount is not None else (),
        gap_amount_label=measurement.amount_label if amount is not None else "",
        details=details, **base,
    )
