"""Kind ``boolean``: an attestation (是/否) that must hold, with optional evidence."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Finding
from compliance.results.status import Status
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule

NAME = "boolean"
DESCRIPTION = "A 是/否 attestation must hold the expected value; an evidence field, if named, must not be blank."


@dataclass(frozen=True)
class BooleanSpec:
    measure_name: str
    field: str
    expected: bool
    evidence_field: str | None
    comparison: Comparison


def _field_of_type(node: Node, key: str, fields: dict[str, FieldSpec], value_type: str) -> str:
    code = node.text(key)
    if code not in fields:
        raise node.fail(key, f"unknown field {code!r}", "declare it under fields:")
    if fields[code].value_type != value_type:
        raise node.fail(key, f"field {code!r} must have type {value_type}, not {fields[code].value_type}")
    return code


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, object]) -> BooleanSpec:
    node.check_keys({"name", "field", "expected", "evidence_field"})
    expected = node.flag("expected", True)
    evidence = _field_of_type(node, "evidence_field", fields, "text") if node.has("evidence_field") else None
    return BooleanSpec(node.text("name"), _field_of_type(node, "field", fields, "bool"), expected, evidence,
                       Comparison("==", 1.0 if expected else 0.0))


def fields_used(spec: BooleanSpec) -> tuple[str, ...]:
    return (spec.field,) + ((spec.evidence_field,) if spec.evidence_field else ())


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: BooleanSpec = rule.spec
    used = [common.input_used(context.fields[code], submission) for code in fields_used(spec)]
    value = used[0].value
    missing = [used[0]] if not isinstance(value, bool) else []
    if spec.evidence_field and not missing and value == spec.expected and not used[1].value:
        missing = [used[1]]
    fact_value = None if missing else (1.0 if value else 0.0)
    return common.Prepared([Fact(rule.id, fact_value)], {"inputs": used, "missing": missing})


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: BooleanSpec = rule.spec
    inputs = prepared.context["inputs"]
    if verdicts[0] is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA,
                              common.missing_message(prepared.context["missing"], submission),
                              inputs=inputs, comparison=spec.comparison)
    status = common.status_for(rule, verdicts[0])
    value = inputs[0].value
    evidence = f"（证明材料：{inputs[1].value}）" if spec.evidence_field and inputs[1].value else ""
    where = f"（{inputs[0].source}）" if inputs[0].source else ""
    if status is Status.PASS:
        message = f"{spec.measure_name}：填报为“{_yes_no(value)}”{where}{evidence}，符合要求。"
    elif status is Status.ERROR:
        message = f"规则引擎未能对 {spec.measure_name} 作出判断，请联系管理员检查规则 {rule.id}。"
    else:
        message = f"{spec.measure_name}：填报为“{_yes_no(value)}”{where}，要求为“{_yes_no(spec.expected)}”。"
    return common.finding(rule, submission, status, message, observed=1.0 if value else 0.0,
                          gap=0.0 if status is Status.PASS else 1.0, inputs=inputs, comparison=spec.comparison,
                          remediation_values={"measure_name": spec.measure_name})
