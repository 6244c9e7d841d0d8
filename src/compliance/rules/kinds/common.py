"""Pieces shared by the evaluators of every rule kind."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from compliance.evaluation.engine import Criterion, Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Finding, InputUsed, ItemResult
from compliance.results.status import Status
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, GapAmount, Rule
from compliance.wording import formatting

ROUND_DIGITS = 12  # measures are rounded before comparison so 1100/1000-1 is exactly 0.1
AMOUNT_DIGITS = 4
_remediation_env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class Context:
    """What a kind's prepare() may read besides the rule and the submission."""

    fields: dict[str, FieldSpec]
    tables: dict[str, Any]
    check_date: dt.date
    classify: Callable[[list[Fact]], list[Verdict]]


@dataclass
class Prepared:
    """Facts to classify for one rule and subject, with what conclude() needs."""

    facts: list[Fact]
    context: dict[str, Any] = field(default_factory=dict)


def round_measure(value: float) -> float:
    return round(value, ROUND_DIGITS)


def gap_amount(gap: float, per_unit: float | None) -> float | None:
    """Money or quantity behind a gap, rounded so float noise does not show."""
    if per_unit is None or not gap:
        return None
    return round(abs(gap) * per_unit, AMOUNT_DIGITS)


def parse_comparison(node: Node) -> Comparison:
    from compliance.rules.spec import COMPARATORS

    comparator = node.choice("comparator", COMPARATORS)
    threshold = node.number("threshold")
    tolerance = node.number("tolerance", 0.0)
    if tolerance < 0:
        raise node.fail("tolerance", "must not be negative")
    return Comparison(comparator=comparator, threshold=threshold, tolerance=tolerance)


def parse_gap_amount(node: Node | None, known_fields: set[str]) -> GapAmount | None:
    if node is None:
        return None
    node.check_keys({"per_unit", "unit", "label", "unit_column"})
    return GapAmount(per_unit=node.expression("per_unit", known_fields), unit=node.text("unit", ""), label=node.text("label"))


def no_tables(spec: Any) -> tuple[str, ...]:
    return ()


def requirement_text(comparison: Comparison, unit: str) -> str:
    return formatting.threshold_text(comparison.comparator, comparison.threshold, unit, comparison.tolerance)


def criteria(rule: Rule) -> list[Criterion]:
    """The engine criterion of a rule whose spec has one ``comparison``, keyed by rule id."""
    comparison: Comparison = rule.spec.comparison
    return [Criterion(rule.id, comparison.comparator, comparison.threshold, comparison.tolerance)]


def shortfall(comparison: Comparison, observed: float) -> float:
    """How far ``observed`` is from meeting the comparison, in the rule's unit (0 if met)."""
    threshold = comparison.threshold
    if comparison.comparator in (">=", ">"):
        return round_measure(max(0.0, threshold - observed))
    if comparison.comparator in ("<=", "<"):
        return round_measure(max(0.0, observed - threshold))
    distance = round_measure(abs(observed - threshold))
    return distance if distance > round_measure(comparison.tolerance) else 0.0


def status_for(rule: Rule, verdict: Verdict) -> Status:
    if verdict is Verdict.MET:
        return Status.PASS
    if verdict is Verdict.NOT_MET:
        return rule.severity
    if verdict is Verdict.MISSING:
        return Status.MISSING_DATA
    return Status.ERROR


AGGREGATED_PREFIX = "汇总自"


def input_used(spec: FieldSpec, submission: Submission, prior: bool = False) -> InputUsed:
    reading = submission.reading(spec.code, prior)
    value, source = reading.value, str(reading.cell) if reading.cell else ""
    if value is None and spec.aggregate == "sum" and submission.subject.level == "region" and submission.members:
        value, source = _summed(spec, submission, prior)
    return InputUsed(
        field=spec.code,
        name=spec.name + ("（上年同期）" if prior else ""),
        value=value,
        unit=spec.unit,
        which="prior" if prior else "current",
        source=source,
    )


def _summed(spec: FieldSpec, submission: Submission, prior: bool) -> tuple[float | None, str]:
    """A region total summed over its hospitals; None (naming who lacks it) when any hospital lacks it."""
    values = [(member, member.reading(spec.code, prior).value) for member in submission.members]
    lacking = [member.subject.name for member, value in values
               if not isinstance(value, (int, float)) or isinstance(value, bool)]
    if lacking:
        return None, f"无法汇总：{'、'.join(lacking[:10])} 未填报"
    total = sum(float(value) for _, value in values)
    return round(total, AMOUNT_DIGITS), f"{AGGREGATED_PREFIX} {len(values)} 家医院"


def read_numbers(
    codes: Iterable[str], fields: dict[str, FieldSpec], submission: Submission, prior: bool = False
) -> tuple[dict[str, float], list[InputUsed], list[InputUsed]]:
    """Values of numeric fields; returns (values, inputs used, inputs missing)."""
    values: dict[str, float] = {}
    used: list[InputUsed] = []
    missing: list[InputUsed] = []
    for code in codes:
        item = input_used(fields[code], submission, prior)
        used.append(item)
        value = item.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            values[code] = float(value)
        else:
            missing.append(item)
    return values, used, missing


def missing_message(missing: list[InputUsed], submission: Submission) -> str:
    parts = []
    for item in missing:
        where = item.source or "未找到该字段"
        parts.append(f"{item.name}（字段 {item.field}，{where}）")
    problems = [p.message for p in submission.problems if p.field_code in {m.field for m in missing}]
    text = "缺少数据：" + "、".join(parts) + " 未填写或无法识别，无法判断是否达标，不按达标处理。"
    if problems:
        text += "".join(problems)
    else:
        text += "请在填报表中补填该数值后重新检查。"
    return text


def render_remediation(rule: Rule, status: Status, values: dict[str, str]) -> str:
    if status not in (Status.FAIL, Status.WARN, Status.NOT_DUE) or not rule.remediation:
        return ""
    return _remediation_env.from_string(rule.remediation).render(**values).strip()


def finding(
    rule: Rule,
    submission: Submission,
    status: Status,
    message: str,
    *,
    observed: float | None = None,
    gap: float | None = None,
    gap_amount: float | None = None,
    gap_amount_unit: str = "",
    gap_amount_label: str = "",
    inputs: Iterable[InputUsed] = (),
    items: Iterable[ItemResult] = (),
    comparison: Comparison | None = None,
    remediation_values: dict[str, str] | None = None,
    required_text: str | None = None,
    observed_text: str | None = None,
    gap_text: str | None = None,
) -> Finding:
    required = comparison.threshold if comparison else None
    if observed_text is None:
        observed_text = formatting.measure(observed, rule.unit) if observed is not None else "—"
    if required_text is None:
        required_text = requirement_text(comparison, rule.unit) if comparison else "—"
    if gap_text is None:  # no gap to make up (met, or missed at a strict bound such as 持平 for a rise): "—"
        gap_text = formatting.gap(gap, rule.unit) if gap else "—"
    values = {
        "observed": observed_text,
        "required": required_text,
        "gap": gap_text,
        "gap_amount": formatting.amount(gap_amount, gap_amount_unit) if gap_amount is not None else "—",
    }
    values.update(remediation_values or {})
    return Finding(
        subject_id=submission.subject.code,
        subject_name=submission.subject.name,
        period=submission.subject.period.label,
        rule_id=rule.id,
        title=rule.title,
        kind=rule.kind,
        domain=rule.domain,
        status=status,
        severity=rule.severity,
        comparator=comparison.comparator if comparison else "",
        observed=observed,
        required=required,
        gap=gap,
        unit=rule.unit,
        gap_amount=gap_amount,
        gap_amount_unit=gap_amount_unit,
        gap_amount_label=gap_amount_label,
        message=message,
        remediation=render_remediation(rule, status, values),
        citation=rule.citation,
        inputs=tuple(inputs),
        items=tuple(items),
        source_file=submission.path,
        observed_text=observed_text,
        required_text=required_text,
        gap_text=gap_text,
    )


def verdict_phrase(comparison: Comparison, status: Status) -> str:
    """'低于' / '高于' / '达到' wording between observed and required."""
    if status is Status.PASS:
        return "符合要求"
    if comparison.comparator == "==" and comparison.tolerance:
        return "偏离目标"
    if comparison.comparator in (">=", ">"):
        return "低于"
    if comparison.comparator in ("<=", "<"):
        return "高于"
    return "不等于"
