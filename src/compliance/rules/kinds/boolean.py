"""Kind ``boolean``: an attestation (是/否) that must hold, with optional evidence."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Details, Finding
from compliance.results.quantities import Quantity, Requirement
from compliance.results.status import Reason, Status
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec

NAME = "boolean"
DESCRIPTION = "A 是/否 attestation must hold the expected value; an evidence field, if named, must not be blank."


@dataclass(frozen=True)
class BooleanSpec:
    measure_name: str
    field: str
    expected: bool
    evidence_field: str | None
    comparison: Comparison

    def fields_used(self) -> tuple[str, ...]:
        return (self.field,) + ((self.evidence_field,) if self.evidence_field else ())

    def tables_used(self) -> tuple[str, ...]:
        return ()


def field_of_type(node: Node, key: str, fields: dict[str, FieldSpec], value_type: str) -> str:
    code = node.text(key)
    if code not in fields:
        raise node.fail(key, f"unknown field {code!r}", "declare it under fields:")
    if fields[code].value_type != value_type:
        raise node.fail(key, f"field {code!r} must have type {value_type}, not {fields[code].value_type}")
    return code


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> BooleanSpec:
    node.check_keys({"name", "field", "expected", "evidence_field"})
    expected = node.flag("expected", True)
    evidence = field_of_type(node, "evidence_field", fields, "text") if node.has("evidence_field") else None
    return BooleanSpec(node.text("name"), field_of_type(node, "field", fields, "bool"), expected, evidence,
                       Comparison("==", 1.0 if expected else 0.0))


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: BooleanSpec = rule.spec  # type: ignore[assignment]
    used = [common.input_used(context.fields[code], submission) for code in spec.fields_used()]
    value = used[0].value
    missing = [used[0]] if not isinstance(value, bool) else []
    if spec.evidence_field and not missing and value == spec.expected and not used[1].value:
        missing = [used[1]]
    fact_value = None if missing else (1.0 if value else 0.0)
    return common.Prepared([Fact(rule.id, fact_value)], {"inputs": used, "missing": missing})


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: BooleanSpec = rule.spec  # type: ignore[assignment]
    inputs = prepared.context["inputs"]
    required = Requirement("==", Quantity(spec.expected))
    base = {"measure": spec.measure_name, "required": required, "inputs": inputs}
    if verdicts[0] is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA, Reason.MISSING_INPUT,
                              details=common.missing_details(prepared.context["missing"], submission), **base)
    status = common.status_for(rule, verdicts[0])
    evidence = inputs[1].value if spec.evidence_field and inputs[1].value else None
    details = Details.of(evidence=evidence, verdict=verdicts[0].value if status is Status.ERROR else None)
    return common.finding(rule, submission, status, common.reason_for(status), observed=Quantity(inputs[0].value),
                          details=details, **base)
