"""Kind ``threshold``: an expression over indicator fields compared with a threshold.

Example: incentive pay / total performance pay >= 60%.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.ingest.submission import Submission
from compliance.results.findings import Finding
from compliance.rules.expressions import Expression
from compliance.rules.kinds import common, scalar
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, GapAmount, Rule, TableSpec

NAME = "threshold"
DESCRIPTION = "An arithmetic expression over indicator fields (this period) compared with a threshold."


@dataclass(frozen=True)
class ThresholdSpec:
    measure_name: str
    expression: Expression
    comparison: Comparison
    gap_amount: GapAmount | None

    def fields_used(self) -> tuple[str, ...]:
        extra = self.gap_amount.per_unit.fields if self.gap_amount else ()
        return tuple(dict.fromkeys(self.expression.fields + extra))

    def tables_used(self) -> tuple[str, ...]:
        return ()


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> ThresholdSpec:
    node.check_keys({"name", "expression", "comparator", "threshold", "tolerance", "gap_amount"})
    known = set(fields)
    return ThresholdSpec(
        measure_name=node.text("name"),
        expression=node.expression("expression", known),
        comparison=common.parse_comparison(node),
        gap_amount=common.parse_gap_amount(node.child("gap_amount", required=False), known),
    )


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    spec: ThresholdSpec = rule.spec  # type: ignore[assignment]
    measured = scalar.measure_expression(rule, submission, context, spec.measure_name, spec.expression,
                                         spec.comparison, spec.gap_amount)
    return measured if isinstance(measured, Finding) else scalar.prepared(rule, measured)
