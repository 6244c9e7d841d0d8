"""Kinds that measure one number per subject share this: facts in, one finding out."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import formatting
from ..codes import Status
from ..engine import Fact, Verdict
from ..findings import Finding, InputUsed
from ..spec import Comparison, Rule
from ..submission import Submission
from . import common


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


def prepared(rule: Rule, measurement: Measurement) -> common.Prepared:
    value = None if measurement.missing else measurement.observed
    return common.Prepared([Fact(rule.id, value)], {"measurement": measurement})


def conclude(rule: Rule, submission: Submission, prepared_facts: common.Prepared, verdicts: list[Verdict]) -> Finding:
    measurement: Measurement = prepared_facts.context["measurement"]
    verdict = verdicts[0]
    comparison = measurement.comparison
    name = measurement.measure_name
    if verdict is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA,
                              common.missing_message(measurement.missing, submission),
                              inputs=measurement.inputs, comparison=comparison)
    observed = measurement.observed
    assert observed is not None
    if verdict is Verdict.OUT_OF_RANGE:
        return common.finding(rule, submission, Status.ERROR,
                              f"{name} 计算结果 {observed} 超出可比较范围，请核对填报数值的单位（元/万元）。",
                              observed=observed, inputs=measurement.inputs, comparison=comparison)
    status = common.status_for(rule, verdict)
    if status is Status.ERROR:
        return common.finding(rule, submission, Status.ERROR,
                              f"规则引擎未能对 {name} 作出判断（{verdict.value}），请联系管理员检查规则 {rule.id}。",
                              observed=observed, inputs=measurement.inputs, comparison=comparison)
    gap = common.shortfall(comparison, observed)
    gap_amount = common.gap_amount(gap, measurement.amount_per_unit)
    observed_text = formatting.measure(observed, rule.unit)
    required = formatting.threshold_text(comparison.comparator, comparison.threshold, rule.unit)
    if status is Status.PASS:
        message = f"{name} {observed_text}，{required}的要求已达到。"
    else:
        message = (f"{name} {observed_text}，{common.verdict_phrase(comparison, status)} "
                   f"{formatting.measure(comparison.threshold, rule.unit)}，差 {formatting.gap(gap, rule.unit)}")
        if gap_amount is not None:
            message += f"，{measurement.amount_label} {formatting.amount(gap_amount, measurement.amount_unit)}"
        message += "。"
    has_amount = gap_amount is not None
    return common.finding(
        rule, submission, status, message,
        observed=observed, gap=gap, gap_amount=gap_amount,
        gap_amount_unit=measurement.amount_unit if has_amount else "",
        gap_amount_label=measurement.amount_label if has_amount else "",
        inputs=measurement.inputs, comparison=comparison,
        remediation_values={"measure_name": name},
    )
