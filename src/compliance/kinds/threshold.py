"""Kind ``threshold``: an expression over indicator fields compared with a threshold.

Example: incentive pay / total performance pay >= 60%.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codes import Status
from ..expressions import DivisionByZero, Expression
from ..findings import Finding
from ..node import Node
from ..spec import Comparison, FieldSpec, GapAmount, Rule
from ..submission import Submission
from . import common, scalar

NAME = "threshold"
DESCRIPTION = "An arithmetic expression over indicator fields (this period) compared with a threshold."


@dataclass(frozen=True)
class ThresholdSpec:
    measure_name: str
    expression: Expression
    comparison: Comparison
    gap_amount: GapAmount | None


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, object]) -> ThresholdSpec:
    node.check_keys({"name", "expression", "comparator", "threshold", "tolerance", "gap_amount"})
    known = set(fields)
    return ThresholdSpec(
        measure_name=node.text("name"),
        expression=node.expression("expression", known),
        comparison=common.parse_comparison(node),
        gap_amount=common.parse_gap_amount(node.child("gap_amount", required=False), known),
    )


def fields_used(spec: ThresholdSpec) -> tuple[str, ...]:
    extra = spec.gap_amount.per_unit.fields if spec.gap_amount else ()
    return tuple(dict.fromkeys(spec.expression.fields + extra))



def prepare(rule: Rule, submission: Submission, fields: dict[str, FieldSpec]) -> common.Prepared | Finding:
    spec: ThresholdSpec = rule.spec
    values, used, missing = common.read_numbers(fields_used(spec), fields, submission)
    measurement = scalar.Measurement(
        spec.measure_name, spec.comparison, used,
        missing=[item for item in missing if item.field in spec.expression.fields],
        amount_unit=spec.gap_amount.unit if spec.gap_amount else "",
        amount_label=spec.gap_amount.label if spec.gap_amount else "",
    )
    if measurement.missing:
        return scalar.prepared(rule, measurement)
    try:
        measurement.observed = common.round_measure(spec.expression.evaluate(values))
    except DivisionByZero as exc:
        names = "、".join(f"{fields[f].name}（{f}）" for f in spec.expression.fields if f in exc.denominator)
        return common.finding(
            rule, submission, Status.ERROR,
            f"无法计算{spec.measure_name}：分母 {names or exc.denominator} 为 0。请核对填报数值；若确为 0，请在备注中说明。",
            inputs=used, comparison=spec.comparison,
        )
    if spec.gap_amount and all(f in values for f in spec.gap_amount.per_unit.fields):
        try:
            measurement.amount_per_unit = spec.gap_amount.per_unit.evaluate(values)
        except DivisionByZero:
            measurement.amount_per_unit = None
    return scalar.prepared(rule, measurement)
