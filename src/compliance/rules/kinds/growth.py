"""Kind ``growth``: growth of a field against the same period last year.

growth = this period / same period last year - 1, compared with a threshold.
The money behind a gap is the excess growth times last year's value.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.ingest.submission import Submission
from compliance.results.findings import Details, Finding
from compliance.results.quantities import Quantity
from compliance.results.status import Reason, Status
from compliance.rules.kinds import common, scalar
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec

NAME = "growth"
DESCRIPTION = "Growth of one indicator against the same period last year, compared with a threshold."


@dataclass(frozen=True)
class GrowthSpec:
    measure_name: str
    field: str
    comparison: Comparison
    amount_label: str

    def fields_used(self) -> tuple[str, ...]:
        return (self.field,)

    def tables_used(self) -> tuple[str, ...]:
        return ()


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> GrowthSpec:
    node.check_keys({"name", "field", "comparator", "threshold", "tolerance", "gap_amount_label"})
    code = node.text("field")
    if code not in fields:
        raise node.fail("field", f"unknown field {code!r}", "declare it under fields:")
    if not fields[code].has_prior:
        raise node.fail("field", f"field {code!r} has no same-period-last-year value", "set prior: true on the field")
    return GrowthSpec(
        measure_name=node.text("name"),
        field=code,
        comparison=common.parse_comparison(node),
        amount_label=node.text("gap_amount_label", "超出部分对应金额"),
    )


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    fields = context.fields
    spec: GrowthSpec = rule.spec  # type: ignore[assignment]
    current, used_now, missing_now = common.read_numbers([spec.field], fields, submission)
    prior, used_prior, missing_prior = common.read_numbers([spec.field], fields, submission, prior=True)
    measurement = scalar.Measurement(spec.measure_name, spec.comparison, used_now + used_prior,
                                     missing=missing_now + missing_prior, amount_unit=fields[spec.field].unit,
                                     amount_label=spec.amount_label)
    if measurement.missing:
        return scalar.prepared(rule, measurement)
    base = prior[spec.field]
    if base <= 0:
        return common.finding(rule, submission, Status.ERROR, Reason.INVALID_BASE, measure=spec.measure_name,
                              required=common.requirement(spec.comparison, rule.unit),
                              details=Details.of(field=spec.field, base=Quantity(base, fields[spec.field].unit)),
                              inputs=measurement.inputs)
    measurement.observed = common.round_measure(current[spec.field] / base - 1)
    measurement.amount_per_unit = base
    return scalar.prepared(rule, measurement)
