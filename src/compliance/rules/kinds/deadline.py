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
from compliance.results.findings import Details, Finding
from compliance.results.quantities import Quantity, Requirement
from compliance.results.status import Reason, Status
from compliance.rules.kinds import common
from compliance.rules.kinds.boolean import field_of_type
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec

NAME = "deadline"
DESCRIPTION = "Done by the rule's deadline: a 是/否 field, the completion date and the evidence."
DAYS = "天"


@dataclass(frozen=True)
class DeadlineSpec:
    measure_name: str
    done_field: str
    date_field: str
    evidence_field: str | None
    comparison: Comparison

    def fields_used(self) -> tuple[str, ...]:
        return (self.done_field, self.date_field) + ((self.evidence_field,) if self.evidence_field else ())

    def tables_used(self) -> tuple[str, ...]:
        return ()


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> DeadlineSpec:
    node.check_keys({"name", "done_field", "date_field", "evidence_field"})
    evidence = field_of_type(node, "evidence_field", fields, "text") if node.has("evidence_field") else None
    return DeadlineSpec(node.text("name"), field_of_type(node, "done_field", fields, "bool"),
                        field_of_type(node, "date_field", fields, "date"), evidence, Comparison("<=", 0.0))


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: DeadlineSpec = rule.spec  # type: ignore[assignment]
    if rule.deadline is None:
        raise ValueError(f"rule {rule.id} of kind deadline has no deadline")  # the loader guarantees one
    used = [common.input_used(context.fields[code], submission) for code in spec.fields_used()]
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
    spec: DeadlineSpec = rule.spec  # type: ignore[assignment]
    context = prepared.context
    inputs = context["inputs"]
    assert rule.deadline is not None
    required = Requirement("<=", Quantity(rule.deadline))
    base = {"measure": spec.measure_name, "required": required, "inputs": inputs}
    if verdicts[0] is Verdict.MISSING:
        return common.finding(rule, submission, Status.MISSING_DATA, Reason.MISSING_INPUT,
                              details=common.missing_details(context["missing"], submission), **base)
    status = common.status_for(rule, verdicts[0])
    done, date = context["done"], context["date"]
    days_late = prepared.facts[0].value or 0.0  # negative: done that many days early
    late = max(0.0, days_late)
    observed = Quantity(date) if done and isinstance(date, dt.date) else Quantity(False)
    details = Details.of(done=bool(done), days_late=days_late,
                         verdict=verdicts[0].value if status is Status.ERROR else None)
    return common.finding(rule, submission, status, common.reason_for(status), observed=observed,
                          gap=Quantity(late, DAYS) if late else None, details=details, **base)
