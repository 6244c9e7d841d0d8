"""Kinds ``yoy_increase`` and ``yoy_decrease``: a measure must rise (or fall) against last year.

The observed value is the change: this period's measure minus the same
period last year's. Without last year's values the finding is missing_data.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.ingest.submission import Submission
from compliance.results.findings import Finding
from compliance.results.quantities import Basis
from compliance.rules.expressions import Expression
from compliance.rules.kinds import common, scalar
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec

INCREASE = "yoy_increase"
DECREASE = "yoy_decrease"
DESCRIPTION_INCREASE = "A measure must be higher than in the same period last year."
DESCRIPTION_DECREASE = "A measure must be lower than in the same period last year."


@dataclass(frozen=True)
class YoySpec:
    measure_name: str
    expression: Expression
    comparison: Comparison
    increase: bool

    def fields_used(self) -> tuple[str, ...]:
        return self.expression.fields

    def tables_used(self) -> tuple[str, ...]:
        return ()


def _parse(node: Node, fields: dict[str, FieldSpec], increase: bool) -> YoySpec:
    node.check_keys({"name", "expression", "min_change"})
    expression = node.expression("expression", set(fields))
    lacking = [code for code in expression.fields if not fields[code].has_prior]
    if lacking:
        raise node.fail("expression", f"field {', '.join(lacking)} has no same-period-last-year value",
                        "set prior: true on the field")
    min_change = node.number("min_change", 0.0)
    if min_change < 0:
        raise node.fail("min_change", "must not be negative")
    # No min_change: any rise (fall) will do. With one: a rise (fall) of at least min_change.
    if min_change == 0:
        comparison = Comparison(">", 0.0) if increase else Comparison("<", 0.0)
    else:
        comparison = Comparison(">=", min_change) if increase else Comparison("<=", -min_change)
    return YoySpec(node.text("name"), expression, comparison, increase)


def parse_increase(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> YoySpec:
    return _parse(node, fields, increase=True)


def parse_decrease(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> YoySpec:
    return _parse(node, fields, increase=False)


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    spec: YoySpec = rule.spec  # type: ignore[assignment]
    name = spec.measure_name
    now = scalar.measure_expression(rule, submission, context, name, spec.expression, spec.comparison,
                                    basis=Basis.CHANGE)
    if isinstance(now, Finding):
        return now
    before = scalar.measure_expression(rule, submission, context, name, spec.expression, spec.comparison,
                                       prior=True, basis=Basis.CHANGE)
    if isinstance(before, Finding):
        return before
    change = scalar.Measurement(name, spec.comparison, now.inputs + before.inputs,
                                missing=now.missing + before.missing, basis=Basis.CHANGE)
    if not change.missing:
        assert now.observed is not None and before.observed is not None
        change.observed = common.round_measure(now.observed - before.observed)
        change.current, change.prior = now.observed, before.observed
    return scalar.prepared(rule, change)
