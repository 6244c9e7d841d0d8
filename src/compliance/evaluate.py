"""Evaluate the rules of a profile against submissions: applicability, dates, kinds, engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import engine
from .codes import SATISFIED, SEVERITY_ORDER, Status
from .findings import Finding
from .kinds import KINDS, common
from .spec import Catalog, Profile, Rule
from .submission import DataProblem, FileOutcome, Submission
from .vocab import label


@dataclass
class SubjectResult:
    """Every finding for one subject and period, with the submission it came from."""

    submission: Submission
    findings: list[Finding]

    @property
    def worst(self) -> Status:
        present = {f.status for f in self.findings}
        return next((s for s in SEVERITY_ORDER if s in present), Status.NOT_APPLICABLE)

    @property
    def compliant(self) -> bool:
        return all(f.status in SATISFIED for f in self.findings)


@dataclass
class CheckResult:
    """The outcome of ``compliance check``: per-subject findings and per-file outcomes."""

    profile: Profile
    as_of: dt.date | None
    subjects: list[SubjectResult] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for subject in self.subjects for f in subject.findings]

    @property
    def refused(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "refused"]


def _not_applicable_reason(rule: Rule, submission: Submission, profile: Profile) -> str | None:
    subject = submission.subject
    if rule.applies.level != subject.level:
        return f"本规则适用于{rule.applies.level}层级，检查对象为{subject.level}层级。"
    if not profile.benchmark and not rule.jurisdiction.covers(subject.province, subject.city):
        where = (subject.province or "未填省份") + (subject.city or "")
        return f"本规则为{rule.jurisdiction.label}文件要求，检查对象位于{where}，不适用。"
    for attribute, vocabulary in (("ownership", "ownership"), ("grade", "grade"), ("type", "type")):
        allowed = getattr(rule.applies, attribute)
        value = getattr(subject, attribute)
        if allowed and value not in allowed:
            wanted = "、".join(label(vocabulary, code) for code in allowed)
            found = label(vocabulary, value) if value else "未填写"
            return f"本规则仅适用于{wanted}医疗机构，本机构为{found}。"
    if rule.effective_from and subject.period.end < rule.effective_from:
        return f"本规则自 {rule.effective_from.isoformat()} 起施行，检查期间 {subject.period.label} 在此之前。"
    return None


def _not_applicable(rule: Rule, submission: Submission, reason: str) -> Finding:
    return common.finding(rule, submission, Status.NOT_APPLICABLE, reason)


def _mark_not_due(finding: Finding, rule: Rule, as_of: dt.date) -> Finding:
    from dataclasses import replace

    if finding.status not in (Status.FAIL, Status.WARN):
        return finding
    message = f"未到期限：本规则期限为 {rule.deadline.isoformat() if rule.deadline else ''}，检查基准日 {as_of.isoformat()}。当前差距：{finding.message}"
    return replace(finding, status=Status.NOT_DUE, message=message)


def evaluate_subject(catalog: Catalog, profile: Profile, rules: Sequence[Rule], submission: Submission,
                     compiled: engine.CompiledRules, as_of: dt.date | None) -> SubjectResult:
    """One finding per rule for one submission; data problems never stop evaluation."""
    fields = catalog.fields
    tables = catalog.tables
    check_date = as_of or submission.subject.period.end
    pending: list[tuple[Rule, common.Prepared]] = []
    ready: dict[str, Finding] = {}
    for rule in rules:
        reason = _not_applicable_reason(rule, submission, profile)
        if reason:
            ready[rule.id] = _not_applicable(rule, submission, reason)
            continue
        kind = KINDS[rule.kind]
        if kind.uses_table:
            prepared = kind.prepare(rule, submission, fields, tables[rule.spec.table])
        else:
            prepared = kind.prepare(rule, submission, fields)
        if isinstance(prepared, Finding):
            ready[rule.id] = prepared
        else:
            pending.append((rule, prepared))
    facts = [fact for _, prepared in pending for fact in prepared.facts]
    verdicts = engine.classify(compiled, facts)
    position = 0
    for rule, prepared in pending:
        count = len(prepared.facts)
        ready[rule.id] = KINDS[rule.kind].conclude(rule, submission, prepared, verdicts[position:position + count])
        position += count
    findings = []
    for rule in rules:
        finding = ready[rule.id]
        if rule.deadline and check_date < rule.deadline:
            finding = _mark_not_due(finding, rule, check_date)
        findings.append(finding)
    return SubjectResult(submission, findings)


def compile_rules(rules: Iterable[Rule]) -> engine.CompiledRules:
    tests = [test for rule in rules for test in KINDS[rule.kind].criteria(rule)]
    return engine.compile_criteria(tests)


def check_submissions(catalog: Catalog, profile: Profile, submissions: Iterable[Submission],
                      as_of: dt.date | None = None) -> list[SubjectResult]:
    rules = catalog.rules_for(profile)
    compiled = compile_rules(rules)
    return [evaluate_subject(catalog, profile, rules, submission, compiled, as_of) for submission in submissions]
