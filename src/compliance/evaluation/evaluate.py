"""Evaluate the rules of a profile against one submission: applicability, kinds, engine, dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from compliance.evaluation import engine
from compliance.evaluation.applicability import (
    CountedHospitals,
    benchmark_bases,
    benchmark_values,
    counted_hospitals,
    decide,
    reads_hospitals,
)
from compliance.ingest.submission import Submission
from compliance.results.findings import Contributor, Counted, Details, Finding
from compliance.results.identity import Subject
from compliance.results.status import Benchmark, Reason, Status
from compliance.rules.kinds import KINDS, common
from compliance.rules.spec import Catalog, HospitalFilter, Profile, Rule, Waiver

WAIVABLE = (Status.FAIL, Status.WARN, Status.NOT_DUE)  # the statuses a waiver turns into waived


def compile_rules(rules: Iterable[Rule]) -> engine.CompiledRules:
    criteria = [criterion for rule in rules for criterion in KINDS[rule.kind].criteria(rule)]
    return engine.compile_criteria(criteria)


def rules_for_subject(rules: Sequence[Rule], profile: Profile, subject: Subject) -> list[Rule]:
    """The profile's rules of the subject's level (and, for a profile by jurisdiction, of packs
    whose jurisdiction covers the subject)."""
    chosen = [rule for rule in rules if rule.applies.level == subject.level]
    if profile.by_jurisdiction:
        chosen = [rule for rule in chosen if rule.jurisdiction.covers(subject.province, subject.city)]
    return chosen


def evaluate_subject(catalog: Catalog, profile: Profile, rules: Sequence[Rule], submission: Submission,
                     compiled: engine.CompiledRules, as_of: dt.date | None) -> list[Finding]:
    """One finding per rule for one submission; data problems never stop evaluation."""
    check_date = as_of or submission.subject.period.end
    context = common.Context(catalog.fields, catalog.tables, check_date,
                             lambda facts: engine.classify(compiled, facts))
    findings = []
    for rule, finding in zip(rules, _evaluate_rules(rules, submission, profile, context, compiled)):
        if submission.members and finding.status in (Status.FAIL, Status.WARN) and any(
                item.summed_over for item in finding.inputs):
            counted = counted_hospitals(rule, submission).submission
            finding = _with_contributors(rule, finding, counted, profile, context, compiled)
        if rule.deadline and check_date < rule.deadline and finding.status in (Status.FAIL, Status.WARN):
            finding = replace(finding, status=Status.NOT_DUE, reason=Reason.BEFORE_DEADLINE,
                              details=finding.details.with_values(deadline=rule.deadline, as_of=check_date,
                                                                  missed=finding.reason))
        waiver = catalog.waiver_for(rule.id, submission.subject.code, submission.subject.period.label) \
            if catalog.waivers else None
        if waiver is not None and finding.status in WAIVABLE:
            finding = _with_waiver(finding, waiver, check_date)
        findings.append(finding)
    return findings


def _with_waiver(finding: Finding, waiver: Waiver, check_date: dt.date) -> Finding:
    """A finding a waiver covers: waived (its gap, values and items kept) while the waiver is valid
    at the check date (its expiry date included); after that, as it was, with the expiry noted."""
    if waiver.expired(check_date):
        return replace(finding, details=finding.details.with_values(
            waiver_expired=waiver.expires, waiver_approver=waiver.approver, waiver_granted=waiver.granted))
    return replace(finding, status=Status.WAIVED, reason=Reason.WAIVED, details=finding.details.with_values(
        justification=waiver.justification, approver=waiver.approver, granted=waiver.granted,
        expires=waiver.expires, waived_status=finding.status, waived_reason=finding.reason,
        waiver_period=waiver.period))


def _evaluate_rules(rules: Sequence[Rule], submission: Submission, profile: Profile, context: common.Context,
                    compiled: engine.CompiledRules) -> list[Finding]:
    pending: list[tuple[Rule, common.Prepared]] = []
    ready: dict[str, Finding] = {}
    benchmarks: dict[str, tuple[Benchmark, ...]] = {}
    views: dict[str, CountedHospitals] = {}
    memo: dict[tuple[HospitalFilter, ...], CountedHospitals] = {}
    for rule in rules:
        decided = decide(rule, submission, profile)
        if decided:
            ready[rule.id] = common.finding(rule, submission, decided.status, decided.reason, details=decided.details)
            continue
        if profile.benchmark:
            benchmarks[rule.id] = benchmark_bases(rule, submission)
        counted = views[rule.id] = counted_hospitals(rule, submission, memo)
        prepared = KINDS[rule.kind].prepare(rule, counted.submission, context)
        if isinstance(prepared, Finding):
            ready[rule.id] = prepared
        else:
            pending.append((rule, prepared))
    facts = [fact for _, prepared in pending for fact in prepared.facts]
    verdicts = engine.classify(compiled, facts)
    position = 0
    for rule, prepared in pending:
        count = len(prepared.facts)
        ready[rule.id] = KINDS[rule.kind].conclude(rule, views[rule.id].submission, prepared,
                                                   verdicts[position:position + count])
        position += count
    for rule in rules:
        if rule.id in views and views[rule.id].hospitals and reads_hospitals(rule, ready[rule.id]):
            ready[rule.id] = _with_hospitals(rule, ready[rule.id], submission, views[rule.id].hospitals)
    return [_as_benchmark(rule, ready[rule.id], benchmarks[rule.id]) if benchmarks.get(rule.id) else ready[rule.id]
            for rule in rules]


def _with_hospitals(rule: Rule, finding: Finding, region: Submission, hospitals: tuple[Counted, ...]) -> Finding:
    """A region finding over its hospitals lists each, counted or not; one whose attribute the rule
    needs is not given leaves the region's figure undecided (missing_data), never silently smaller."""
    undecided = tuple(item for item in hospitals if item.undecided)
    if not undecided:
        return replace(finding, hospitals=hospitals)
    attributes = tuple(dict.fromkeys(item.attribute for item in undecided))
    missing = common.finding(rule, region, Status.MISSING_DATA, Reason.HOSPITAL_ATTRIBUTE_MISSING,
                             details=Details.of(attributes=attributes, hospitals=tuple(item.name for item in undecided)),
                             inputs=finding.inputs)
    return replace(missing, hospitals=hospitals)


def _as_benchmark(rule: Rule, finding: Finding, bases: tuple[Benchmark, ...]) -> Finding:
    return replace(finding, benchmark=bases, details=finding.details.with_values(**benchmark_values(rule)))


def _with_contributors(rule: Rule, finding: Finding, region: Submission, profile: Profile, context: common.Context,
                       compiled: engine.CompiledRules) -> Finding:
    """Name the hospitals whose own values miss a rule that the region misses on summed values."""
    benchmark = replace(profile, benchmark=True)
    contributors = []
    for member in region.members:
        as_region = replace(member, subject=replace(member.subject, level=rule.applies.level), members=())
        [own] = _evaluate_rules([rule], as_region, benchmark, context, compiled)
        if own.status in (Status.FAIL, Status.WARN):
            contributors.append(Contributor(member.subject.code, member.subject.name, own.observed))
    return replace(finding, contributors=tuple(contributors)) if contributors else finding
