"""Data-quality checks run before the rules, reported as findings of their own.

Like the logic checks of national performance-assessment uploads: a part
larger than its total, a share outside 0-100%, a prior-year value that
differs from the same hospital's earlier submission, and implausible jumps
against last year. Impossible values are withdrawn (rules that need them say
missing_data and cite the check); suspect values are used but flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compliance.ingest.submission import DataProblem, Reading, Submission
from compliance.results.findings import Finding, InputUsed
from compliance.results.status import Status
from compliance.rules.spec import Catalog, Citation, FieldSpec
from compliance.wording import formatting

QUALITY_CITATION = Citation("数据质量校验", "—", "填报逻辑校验", "", "")
CHANGE_TOLERANCE = 0.005  # prior-year values differing by less than 0.5% from the earlier submission are the same


@dataclass(frozen=True)
class QualityCheck:
    rule_id: str
    title: str


PART_OF_TOTAL = QualityCheck("quality.part-exceeds-total", "分项不得大于合计")
SHARE_RANGE = QualityCheck("quality.share-out-of-range", "比例应在 0–100% 之间")
PRIOR_CHANGED = QualityCheck("quality.prior-year-changed", "上年同期数与上年报送数一致")
SUSPECT_JUMP = QualityCheck("quality.suspect-jump", "较上年变化幅度异常")
CHECKS = (PART_OF_TOTAL, SHARE_RANGE, PRIOR_CHANGED, SUSPECT_JUMP)


def _finding(check: QualityCheck, submission: Submission, status: Status, message: str, fix: str,
             inputs: list[InputUsed]) -> Finding:
    subject = submission.subject
    return Finding(
        subject_id=subject.code, subject_name=subject.name, period=subject.period.label, rule_id=check.rule_id,
        title=check.title, kind="quality", domain="数据质量", status=status, severity=status, comparator="",
        observed=None, required=None, gap=None, unit="", gap_amount=None, gap_amount_unit="", gap_amount_label="",
        message=message, remediation=fix, citation=QUALITY_CITATION, inputs=tuple(inputs),
        source_file=submission.path,
    )


def _used(spec: FieldSpec, reading: Reading, prior: bool) -> InputUsed:
    return InputUsed(spec.code, spec.name + ("（上年同期）" if prior else ""), reading.value, spec.unit,
                     "prior" if prior else "current", str(reading.cell) if reading.cell else "")


def _number(reading: Reading | None) -> float | None:
    value = reading.value if reading else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _withdraw(submission: Submission, code: str, prior: bool, expected: str, found: str, fix: str) -> None:
    """Withdraw an impossible value so no rule uses it; the data problem says why."""
    target = submission.prior if prior else submission.current
    reading = target[code]
    target[code] = Reading(None, reading.cell)
    file_name = submission.path.rsplit("/", 1)[-1]
    where = f"{file_name} {reading.cell}" if reading.cell else file_name
    submission.problems.append(DataProblem(file_name, where, expected, found, fix, "error", code))


def _part_of_total(submission: Submission, fields: dict[str, FieldSpec]) -> list[Finding]:
    found = []
    for spec in fields.values():
        if not spec.part_of or spec.part_of not in fields:
            continue
        total_spec = fields[spec.part_of]
        for prior, source in ((False, submission.current), (True, submission.prior)):
            part, total = _number(source.get(spec.code)), _number(source.get(spec.part_of))
            if part is None or total is None or part <= total:
                continue
            when = "上年同期" if prior else "本期"
            message = (f"{when}{spec.name} {formatting.amount(part, spec.unit)}（{source[spec.code].cell}）大于"
                       f"{total_spec.name} {formatting.amount(total, total_spec.unit)}（{source[spec.part_of].cell}），"
                       "两者均不采用，相关规则按缺少数据处理。")
            inputs = [_used(spec, source[spec.code], prior), _used(total_spec, source[spec.part_of], prior)]
            fix = f"请核对{spec.name}和{total_spec.name}：分项不应大于合计。"
            found.append(_finding(PART_OF_TOTAL, submission, Status.ERROR, message, fix, inputs))
            expected = f"{when}{spec.name}不大于{total_spec.name}（{PART_OF_TOTAL.title}）"
            facts = (f"{formatting.amount(part, spec.unit)} 大于 {formatting.amount(total, total_spec.unit)}，"
                     "两项均未采用")
            _withdraw(submission, spec.code, prior, expected, facts, fix)
            _withdraw(submission, spec.part_of, prior, expected, facts, fix)
    return found


def _share_range(submission: Submission, fields: dict[str, FieldSpec]) -> list[Finding]:
    found = []
    for spec in fields.values():
        if spec.value_type != "ratio" or spec.minimum is None or spec.minimum < 0:
            continue
        for prior, source in ((False, submission.current), (True, submission.prior)):
            value = _number(source.get(spec.code))
            if value is None or 0 <= value <= 1:
                continue
            message = f"{spec.name} {formatting.measure(value, '%')}（{source[spec.code].cell}）不在 0–100% 之间，不予采用。"
            fix = "比例请填 0–100% 之间的数值（如 60% 或 0.6）。"
            found.append(_finding(SHARE_RANGE, submission, Status.ERROR, message, fix,
                                  [_used(spec, source[spec.code], prior)]))
            _withdraw(submission, spec.code, prior, f"{spec.name}在 0–100% 之间（{SHARE_RANGE.title}）",
                      f"{formatting.measure(value, '%')}，未采用", fix)
    return found


def _suspect_jumps(submission: Submission, fields: dict[str, FieldSpec]) -> list[Finding]:
    found = []
    for spec in fields.values():
        if not spec.has_prior or spec.max_change is None or spec.value_type not in ("money", "number", "count"):
            continue
        now, before = _number(submission.current.get(spec.code)), _number(submission.prior.get(spec.code))
        if now is None or before is None or before <= 0:
            continue
        change = now / before - 1
        if abs(change) <= spec.max_change:
            continue
        message = (f"{spec.name}本期 {formatting.amount(now, spec.unit)}（{submission.current[spec.code].cell}），"
                   f"上年同期 {formatting.amount(before, spec.unit)}（{submission.prior[spec.code].cell}），"
                   f"变化 {change:+.0%}，超过 ±{spec.max_change:.0%}，标记为疑似异常；检查仍按所填数值进行。")
        found.append(_finding(SUSPECT_JUMP, submission, Status.WARN, message,
                              f"请核实{spec.name}的本期数和上年同期数（口径、单位是否一致）。",
                              [_used(spec, submission.current[spec.code], False),
                               _used(spec, submission.prior[spec.code], True)]))
    return found


def _earlier(submission: Submission, everyone: Sequence[Submission]) -> Submission | None:
    """The same institution's submission for the same period one year earlier, if in this batch."""
    subject = submission.subject
    wanted = subject.period.label.replace(str(subject.period.start.year), str(subject.period.start.year - 1), 1)
    for other in everyone:
        if other is not submission and other.subject.code == subject.code and other.subject.period.label == wanted:
            return other
    return None


def _prior_changed(submission: Submission, everyone: Sequence[Submission], fields: dict[str, FieldSpec]) -> list[Finding]:
    earlier = _earlier(submission, everyone)
    if earlier is None:
        return []
    found = []
    for code, reading in submission.prior.items():
        stated, reported = _number(reading), _number(earlier.current.get(code))
        if stated is None or reported is None:
            continue
        if abs(stated - reported) <= CHANGE_TOLERANCE * max(abs(reported), 1e-9):
            continue
        spec = fields[code]
        message = (f"{spec.name}上年同期数 {formatting.amount(stated, spec.unit)}（{reading.cell}）与 "
                   f"{earlier.subject.period.label} 报送的 {formatting.amount(reported, spec.unit)}"
                   f"（{earlier.path.rsplit('/', 1)[-1]} {earlier.current[code].cell}）不一致。")
        found.append(_finding(PRIOR_CHANGED, submission, Status.WARN, message,
                              "请说明调整原因，或按上年报送数填写上年同期数。", [_used(spec, reading, True)]))
    return found


def check_quality(catalog: Catalog, submissions: Sequence[Submission]) -> dict[int, list[Finding]]:
    """Quality findings per submission (keyed by id()); withdraws impossible values in place."""
    fields = catalog.fields
    results: dict[int, list[Finding]] = {}
    for submission in submissions:
        found = _prior_changed(submission, submissions, fields)
        found += _part_of_total(submission, fields)
        found += _share_range(submission, fields)
        found += _suspect_jumps(submission, fields)
        results[id(submission)] = found
    return results
