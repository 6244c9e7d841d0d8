"""Kind ``approx``: a 左右 / 保持稳定 target, met within a stated tolerance."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.ingest.submission import Submission
from compliance.results.findings import Finding
from compliance.rules.expressions import Expression
from compliance.rules.kinds import common, scalar
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec

NAME = "approx"
DESCRIPTION = "An expression over indicator fields within a tolerance of a target (左右, 保持稳定)."


@dataclass(frozen=True)
class ApproxSpec:
    measure_name: str
    expression: Expression
    comparison: Comparison

    def fields_used(self) -> tuple[str, ...]:
        return self.expression.fields

    def tables_used(self) -> tuple[str, ...]:
        return ()


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> ApproxSpec:
    node.check_keys({"name", "expression", "target", "tolerance"})
    tolerance = node.number("tolerance")
    if tolerance <= 0:
        raise node.fail("tolerance", "must be greater than 0", "an exact target is a threshold rule with ==")
    return ApproxSpec(node.text("name"), node.expression("expression", set(fields)),
                      Comparison("==", node.number("target"), tolerance))


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    spec: ApproxSpec = rule.spec  # type: ignore[assignment]
    measured = scalar.measure_expression(rule, submission, context, spec.measure_name, spec.expression,
                                         spec.comparison)
    return measured if isinstance(measured, Finding) else scalar.prepared(rule, measured)
