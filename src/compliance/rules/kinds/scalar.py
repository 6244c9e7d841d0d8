"""Kinds that measure one number per subject share this: facts in, one finding out."""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Finding, InputUsed
from compliance.results.status import Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.spec import Comparison, GapAmount, Rule
from compliance.wording import formatting


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
    detail: str = ""  # e.g. "（本期 37.0%，上年同期 35.0%）"
    change_direction: str = ""  # "提高" or "降低" when the observed value is a year-on-year change


def measure_expression(rule: Rule, submission: Submission, context: common.Context, name: str,
                       expression: Expression, comparison: Comparison, gap_amount: GapAmount | None = None,
                       prior: bool = False) -> Measurement | Finding:
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
        names = "、".join(f"{fields[f].name}（{f}）" for f in expression.fields if f in exc.denominator)
        when = "上年同期" if prior else ""
        return common.finding(
            rule, submission, Status.ERROR,
            f"无法计算{when}{name}：分母 {names or exc.denominator} 为 0。请核对填报数值；若确为 0，请在备注中说明。",
            inputs=used, comparison=comparison,
        )
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
    required = common.requirement_text(comparison, rule.unit)
    if measurement.change_direction:
        moved = "持平" if observed == 0 else ("提高" if observed > 0 else "降低")
        amount_moved = "" if observed == 0 else f" {formatting.gap(abs(observed), rule.unit)}"
        verdict_text = "符合要求" if status is Status.PASS else f"未实现逐年{measurement.change_direction}"
        message = f"{name}较上年{moved}{amount_moved}{measurement.detail}，{verdict_text}。"
    elif status is Status.PASS:
        message = f"{name} {observed_text}{measurement.detail}，{required}的要求已达到。"
    else:
        target = required if comparison.tolerance else formatting.measure(comparison.threshold, rule.unit)
        message = f"{name} {observed_text}{measurement.detail}，{common.verdict_phrase(comparison, status)} {target}"
        message += f"，差 {formatting.gap(gap, rule.unit)}" if gap else f"，要求{required}"
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
        required_text=f"较上年{measurement.change_direction}" if measurement.change_direction else None,
        observed_text=formatting.change(observed, rule.unit) if measurement.change_direction else None,
    )
