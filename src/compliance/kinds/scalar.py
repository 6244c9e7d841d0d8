"""Conclusion shared by kinds that measure one number per subject."""

from __future__ import annotations

from .. import formatting
from ..codes import Status
from ..engine import Verdict
from ..findings import Finding, InputUsed
from ..spec import Comparison, Rule
from ..submission import Submission
from . import common


def conclude(
    rule: Rule,
    submission: Submission,
    verdict: Verdict,
    *,
    measure_name: str,
    comparison: Comparison,
    observed: float,
    inputs: list[InputUsed],
    amount_per_unit: float | None,
    amount_unit: str,
    amount_label: str,
) -> Finding:
    status = common.status_for(rule, verdict)
    if verdict is Verdict.OUT_OF_RANGE:
        return common.finding(
            rule, submission, Status.ERROR,
            f"{measure_name} 计算结果 {observed} 超出可比较范围，请核对填报数值的单位（元/万元）。",
            observed=observed, inputs=inputs, comparison=comparison,
        )
    if status is Status.ERROR:
        return common.finding(
            rule, submission, Status.ERROR,
            f"规则引擎未能对 {measure_name} 作出判断（{verdict.value}），请联系管理员检查规则 {rule.id}。",
            observed=observed, inputs=inputs, comparison=comparison,
        )
    gap = common.shortfall(comparison, observed)
    gap_amount = common.gap_amount(gap, amount_per_unit)
    observed_text = formatting.measure(observed, rule.unit)
    required_text = formatting.measure(comparison.threshold, rule.unit)
    if status is Status.PASS:
        message = (
            f"{measure_name} {observed_text}，"
            f"{formatting.threshold_text(comparison.comparator, comparison.threshold, rule.unit)}的要求已达到。"
        )
    else:
        message = (
            f"{measure_name} {observed_text}，{common.verdict_phrase(comparison, status)} {required_text}，"
            f"差 {formatting.gap(gap, rule.unit)}"
        )
        if gap_amount is not None:
            message += f"，{amount_label} {formatting.amount(gap_amount, amount_unit)}"
        message += "。"
    return common.finding(
        rule, submission, status, message,
        observed=observed, gap=gap, gap_amount=gap_amount,
        gap_amount_unit=amount_unit if gap_amount is not None else "",
        gap_amount_label=amount_label if gap_amount is not None else "",
        inputs=inputs, comparison=comparison,
        remediation_values={"measure_name": measure_name},
    )
