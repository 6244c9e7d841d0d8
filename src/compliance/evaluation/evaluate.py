"""Evaluate the rules of a profile against submissions: applicability, dates, kinds, engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from compliance.evaluation import engine
from compliance.evaluation.quality import check_quality
from compliance.ingest.submission import DataProblem, FileOutcome, Subject, Submission
from compliance.results.findings import Finding
from compliance.results.status import SATISFIED, SEVERITY_ORDER, Status
from compliance.rules.kinds import KINDS, common
from compliance.rules.spec import Catalog, Profile, Rule
from compliance.rules.vocab import label


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


LEVEL_LABEL = {"hospital": "医院", "region": "地区"}
ATTRIBUTE_LABEL = {"ownership": "所有制", "grade": "医院等级", "type": "机构类别", "province": "省份"}


def _applicability(rule: Rule, submission: Submission, profile: Profile) -> tuple[Status, str] | None:
    """Why a rule does not apply (not_applicable), or cannot be decided (missing_data); None if it applies."""
    subject = submission.subject
    if rule.applies.level != subject.level:
        return Status.NOT_APPLICABLE, (f"本规则适用于{LEVEL_LABEL.get(rule.applies.level, rule.applies.level)}，"
                                       f"检查对象为{LEVEL_LABEL.get(subject.level, subject.level)}。")
    if not profile.benchmark:
        if subject.province is None:
            return Status.MISSING_DATA, _unknown_attribute("province", submission)
        if not rule.jurisdiction.covers(subject.province, subject.city):
            where = subject.province + (subject.city or "")
            return Status.NOT_APPLICABLE, f"本规则为{rule.jurisdiction.label}文件要求，检查对象位于{where}，不适用。"
    for attribute in ("ownership", "grade", "type"):
        allowed = getattr(rule.applies, attribute)
        value = getattr(subject, attribute)
        if not allowed:
            continue
        if value is None:
            return Status.MISSING_DATA, _unknown_attribute(attribute, submission)
        if value not in allowed:
            wanted = "、".join(label(attribute, code) for code in allowed)
            return Status.NOT_APPLICABLE, f"本规则仅适用于{ATTRIBUTE_LABEL[attribute]}为{wanted}的机构，本机构为{label(attribute, value)}。"
    if rule.effective_from and subject.period.end < rule.effective_from:
        return Status.NOT_APPLICABLE, (f"本规则自 {rule.effective_from.isoformat()} 起施行，"
                                       f"检查期间 {subject.period.label} 在此之前。")
    return None


def _unknown_attribute(attribute: str, submission: Submission) -> str:
    reading = submission.identification.get(attribute)
    where = f"{Path(submission.path).name} {reading.cell}" if reading and reading.cell else Path(submission.path).name
    return (f"缺少数据：{ATTRIBUTE_LABEL[attribute]}未填写或无法识别（{where}），无法判断本规则是否适用，不按达标处理。"
            f"请在基本信息中填写{ATTRIBUTE_LABEL[attribute]}后重新检查。")


def _mark_not_due(finding: Finding, rule: Rule, as_of: dt.date) -> Finding:
    if finding.status not in (Status.FAIL, Status.WARN):
        return finding
    message = f"未到期限：本规则期限为 {rule.deadline.isoformat() if rule.deadline else ''}，检查基准日 {as_of.isoformat()}。当前差距：{finding.message}"
    return replace(finding, status=Status.NOT_DUE, message=message)


def evaluate_subject(catalog: Catalog, profile: Profile, rules: Sequence[Rule], submission: Submission,
                     compiled: engine.CompiledRules, as_of: dt.date | None) -> SubjectResult:
    """One finding per rule for one submission; data problems never stop evaluation."""
    check_date = as_of or submission.subject.period.end
    context = common.Context(catalog.fields, catalog.tables, check_date,
                             lambda facts: engine.classify(compiled, facts))
    findings = []
    for rule, finding in zip(rules, _evaluate_rules(rules, submission, profile, context, compiled)):
        if submission.members and finding.status in (Status.FAIL, Status.WARN) and any(
                item.source.startswith(common.AGGREGATED_PREFIX) for item in finding.inputs):
            finding = _with_contributors(rule, finding, submission, profile, context, compiled)
        if rule.deadline and check_date < rule.deadline:
            finding = _mark_not_due(finding, rule, check_date)
        findings.append(finding)
    return SubjectResult(submission, findings)


def _evaluate_rules(rules: Sequence[Rule], submission: Submission, profile: Profile, context: common.Context,
                    compiled: engine.CompiledRules) -> list[Finding]:
    pending: list[tuple[Rule, common.Prepared]] = []
    ready: dict[str, Finding] = {}
    for rule in rules:
        decided = _applicability(rule, submission, profile)
        if decided:
            status, reason = decided
            ready[rule.id] = common.finding(rule, submission, status, reason)
            continue
        prepared = KINDS[rule.kind].prepare(rule, submission, context)
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
    return [ready[rule.id] for rule in rules]


def _with_contributors(rule: Rule, finding: Finding, region: Submission, profile: Profile, context: common.Context,
                       compiled: engine.CompiledRules) -> Finding:
    """Name the hospitals whose own values miss a rule that the region misses on summed values."""
    benchmark = replace(profile, benchmark=True)
    missing_hospitals = []
    for member in region.members:
        as_region = replace(member, subject=replace(member.subject, level=rule.applies.level), members=[])
        [own] = _evaluate_rules([rule], as_region, benchmark, context, compiled)
        if own.status in (Status.FAIL, Status.WARN):
            missing_hospitals.append(f"{member.subject.name}（{own.observed_text}）")
    if not missing_hospitals:
        return finding
    listed = "、".join(missing_hospitals[:15]) + (f" 等 {len(missing_hospitals)} 家" if len(missing_hospitals) > 15 else "")
    return replace(finding, message=f"{finding.message} 未达标医院：{listed}。", contributors=tuple(missing_hospitals))


def compile_rules(rules: Iterable[Rule]) -> engine.CompiledRules:
    criteria = [criterion for rule in rules for criterion in KINDS[rule.kind].criteria(rule)]
    return engine.compile_criteria(criteria)


def in_region(hospital: Subject, region: Subject) -> bool:
    """A hospital belongs to a region submission of the same period and place."""
    if hospital.period.label != region.period.label or hospital.province != region.province:
        return False
    return region.city is None or hospital.city == region.city


def check_submissions(catalog: Catalog, profile: Profile, submissions: Iterable[Submission],
                      as_of: dt.date | None = None) -> list[SubjectResult]:
    """Evaluate each submission on the profile's rules of its own level; regions also see their hospitals."""
    rules = catalog.rules_for(profile)
    compiled = compile_rules(rules)
    chosen = list(submissions)
    quality = check_quality(catalog, chosen)
    hospitals = [s for s in chosen if s.subject.level == "hospital"]
    for submission in chosen:
        if submission.subject.level == "region":
            submission.members = [h for h in hospitals if in_region(h.subject, submission.subject)]
    results = []
    for submission in chosen:
        result = evaluate_subject(catalog, profile, _rules_for_subject(rules, profile, submission), submission,
                                  compiled, as_of)
        result.findings[:0] = quality[id(submission)]
        results.append(result)
    return results


def _rules_for_subject(rules: Sequence[Rule], profile: Profile, submission: Submission) -> list[Rule]:
    subject = submission.subject
    chosen = [rule for rule in rules if rule.applies.level == subject.level]
    if profile.by_jurisdiction:
        chosen = [rule for rule in chosen if rule.jurisdiction.covers(subject.province, subject.city)]
    return chosen
