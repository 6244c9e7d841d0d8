"""Kind ``deadline``: something done by the rule's deadline, with the date and the evidence.

The engine compares the number of days late with 0. Not done counts as late
by the days since the deadline (at least one), so before the deadline the
evaluator reports not_due rather than fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Finding
from compliance.results.status import Status
from compliance.rules.kinds import common
from compliance.rules.kinds.boolean import _field_of_type
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule

NAME = "deadline"
DESCRIPTION = "Done by the rule's deadline: a 是/否 field, the completion date and the evidence."


@dataclass(frozen=True)
class DeadlineSpec:
    measure_name: str
    done_field: str
    date_field: str
    evidence_field: str | None
    comparison: Comparison


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, object]) -> DeadlineSpec:
    node.check_keys({"name", "done_field", "date_field", "evidence_field"})
    evidence = _field_of_type(node, "evidence_field", fields, "text") if node.has("evidence_field") else None
    return DeadlineSpec(node.text("name"), _field_of_type(node, "done_field", fields, "bool"),
                        _field_of_type(node, "date_field", fields, "date"), evidence, Comparison("<=", 0.0))


def fields_used(spec: DeadlineSpec) -> tuple[str, ...]:
    return (spec.done_field, spec.date_field) + ((spec.evidence_field,) if spec.evidence_field else ())


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: DeadlineSpec = rule.spec
    if rule.deadline is None:
        raise ValueError(f"rule {rule.id} of kind deadline has no deadline")  # the loader guarantees one
    used = [common.input_used(context.fields[code], submission) for code in fields_used(spec)]
    done, date, evidence = used[0].value, used[1].value, used[2].value if spec.evidence_field else "—"
    missing = []
    days_late: float | None = None
    if not isinstance(done, bool):
        missing = [used[0]]
    elif not done:
        days_late = float(max(1, (context.check_date - rule.deadline).days))
    else:
        missing = [item for item, value in zip(used[1:], (date, evidence)) if not value]
        if not missing and isinstance(date, dt.date):
            days_late = float((date - rule.deadline).days)
        elif not missing:
            missing = [used[1]]
    return common.Prepared([Fact(rule.id, None if missing else days_late)],
                           {"inputs": used, "missing": missing, "done": done, "date": date})


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: DeadlineSpec = rule.spec
    context = prepared.context
    inputs = context["inputs"]
    assert rule.deadline is not None
    deadline = rule.deadline.isoformat()
    if verdicts[0] is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA,
                              common.missing_message(context["missing"], submission),
                              inputs=inputs, comparison=spec.comparison)
    status = common.status_for(rule, verdicts[0])
    done, date = context["done"], context["date"]
    fact_value = prepared.facts[0].value or 0.0
    late = max(0.0, fact_value)
    if status is Status.PASS:
        message = f"{spec.measure_name}：已于 {date.isoformat()} 完成，未超过期限 {deadline}。"
    elif status is Status.ERROR:
        message = f"规则引擎未能对 {spec.measure_name} 作出判断，请联系管理员检查规则 {rule.id}。"
    elif done:
        message = f"{spec.measure_name}：于 {date.isoformat()} 完成，晚于期限 {deadline}，逾期 {late:.0f} 天。"
    else:
        message = f"{spec.measure_name}：填报为未完成，期限为 {deadline}。"
    return common.finding(rule, submission, status, message, observed=fact_value, gap=late,
                          inputs=inputs, comparison=spec.comparison,
                          remediation_values={"measure_name": spec.measure_name, "deadline": deadline})
