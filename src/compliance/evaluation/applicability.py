"""Whether a rule applies to a subject and period, and why not: level, jurisdiction, scope, time.

How time is judged (docs/time.md has the table of examples): a rule judges a period that ends on
or after its effective date (its own, else its document's), that overlaps its document's time
scope (unless the rule continues beyond it), and that starts before the document lapsed or was
repealed.  A benchmark profile sets aside the jurisdiction, the time scope and the validity, and
the finding records what it set aside; it never judges a period before the rule took effect.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from compliance.ingest.submission import Submission
from compliance.results.findings import Counted, Details, Finding
from compliance.results.periods import Period
from compliance.results.status import Benchmark, Reason, Status
from compliance.rules.spec import HospitalFilter, Profile, Rule

SCOPE_ATTRIBUTES = ("ownership", "grade", "type")


class Decided(NamedTuple):
    """A rule that does not apply (not_applicable) or whose applicability cannot be decided
    (missing_data), with the reason and its parameters."""

    status: Status
    reason: Reason
    details: Details


def decide(rule: Rule, submission: Submission, profile: Profile) -> Decided | None:
    """Why `rule` does not apply to `submission`, or None when it applies."""
    subject = submission.subject
    if rule.applies.level != subject.level:
        return Decided(Status.NOT_APPLICABLE, Reason.OTHER_LEVEL,
                       Details.of(rule_level=rule.applies.level, subject_level=subject.level))
    if not profile.benchmark:
        if subject.province is None:
            return _unknown("province", submission)
        if not rule.jurisdiction.covers(subject.province, subject.city):
            return Decided(Status.NOT_APPLICABLE, Reason.OUTSIDE_JURISDICTION,
                           Details.of(jurisdiction=rule.jurisdiction.label, province=subject.province,
                                      city=subject.city))
    for attribute in SCOPE_ATTRIBUTES:
        allowed = getattr(rule.applies, attribute)
        value = getattr(subject, attribute)
        if not allowed:
            continue
        if value is None:
            return _unknown(attribute, submission)
        if value not in allowed:
            return Decided(Status.NOT_APPLICABLE, Reason.OUTSIDE_SCOPE,
                           Details.of(attribute=attribute, allowed=tuple(allowed), value=value))
    if rule.effective_from and subject.period.end < rule.effective_from:
        return Decided(Status.NOT_APPLICABLE, Reason.BEFORE_EFFECTIVE,
                       Details.of(effective_from=rule.effective_from, period=subject.period.label))
    if profile.benchmark:
        return None
    if _outside_time_scope(rule, subject.period):
        return Decided(Status.NOT_APPLICABLE, Reason.OUTSIDE_TIME_SCOPE,
                       Details.of(scope_start=rule.scope_start, scope_end=rule.scope_end, period=subject.period.label))
    if _after_validity(rule, subject.period):
        return Decided(Status.NOT_APPLICABLE, Reason.REPEALED,
                       Details.of(validity=rule.citation.validity.value, ends=rule.ends, period=subject.period.label))
    return None


class CountedHospitals(NamedTuple):
    """A region as a rule sees it: only the hospitals the rule counts as members, and the verdict
    on each of the region's hospitals."""

    submission: Submission
    hospitals: tuple[Counted, ...]


def counted_hospitals(rule: Rule, submission: Submission,
                      memo: dict[tuple[HospitalFilter, ...], CountedHospitals] | None = None) -> CountedHospitals:
    """The region's hospitals that `rule` counts (``applies_to.hospitals``), and why the others are
    left out; a hospital that does not give an attribute the rule filters on is left out undecided.
    `memo`: views of this same submission already made, by filter (a province's rules share a few)."""
    if not submission.members:
        return CountedHospitals(submission, ())
    if memo is None:
        return _counted_hospitals(rule.applies.hospitals, submission)
    if rule.applies.hospitals not in memo:
        memo[rule.applies.hospitals] = _counted_hospitals(rule.applies.hospitals, submission)
    return memo[rule.applies.hospitals]


def _counted_hospitals(filters: tuple[HospitalFilter, ...], submission: Submission) -> CountedHospitals:
    if not filters:
        return CountedHospitals(submission, tuple(Counted(member.subject.code, member.subject.name, True)
                                                  for member in submission.members))
    kept = []
    verdicts = []
    for member in submission.members:
        subject = member.subject
        left_out = next(((f.key, getattr(subject, f.key)) for f in filters
                         if getattr(subject, f.key) not in f.values), None)
        if left_out is None:
            kept.append(member)
            verdicts.append(Counted(subject.code, subject.name, True))
        else:
            verdicts.append(Counted(subject.code, subject.name, False, left_out[0], left_out[1]))
    view = submission if len(kept) == len(submission.members) else replace(submission, members=tuple(kept))
    return CountedHospitals(view, tuple(verdicts))


def reads_hospitals(rule: Rule, finding: Finding) -> bool:
    """Whether a region's finding was made from its hospitals' submissions (a summed value, a
    hospital lacking one, or the hospitals as units)."""
    if getattr(rule.spec, "units", None) == "hospitals":
        return True
    if any(used.summed_over or used.lacking for used in finding.inputs) or finding.contributors:
        return True
    # every hospital left out: the total the region left blank could not be summed from any
    return bool(rule.applies.hospitals) and finding.status is Status.MISSING_DATA and any(
        used.value is None and used.cell is None for used in finding.inputs)


def benchmark_bases(rule: Rule, submission: Submission) -> tuple[Benchmark, ...]:
    """What a benchmark profile set aside to apply `rule` to `submission` (empty: the rule judges
    it in its own right)."""
    subject = submission.subject
    bases = []
    if not rule.jurisdiction.covers(subject.province, subject.city):
        bases.append(Benchmark.JURISDICTION)
    if _outside_time_scope(rule, subject.period):
        bases.append(Benchmark.TIME_SCOPE)
    if _after_validity(rule, subject.period):
        bases.append(Benchmark.VALIDITY)
    return tuple(bases)


def benchmark_values(rule: Rule) -> dict[str, object]:
    """What a benchmark finding's sentence names: the document's jurisdiction, time scope and validity."""
    return {"benchmark_jurisdiction": rule.jurisdiction.label, "benchmark_scope_start": rule.scope_start,
            "benchmark_scope_end": rule.scope_end, "benchmark_validity": rule.citation.validity.value,
            "benchmark_ends": rule.ends}


def _outside_time_scope(rule: Rule, period: Period) -> bool:
    if rule.scope_start is not None and period.end < rule.scope_start:
        return True
    return rule.scope_end is not None and period.start > rule.scope_end


def _after_validity(rule: Rule, period: Period) -> bool:
    return rule.ends is not None and period.start >= rule.ends


def _unknown(attribute: str, submission: Submission) -> Decided:
    reading = submission.identification.get(attribute)
    return Decided(Status.MISSING_DATA, Reason.MISSING_ATTRIBUTE,
                   Details.of(attribute=attribute, cell=reading.cell if reading else None))
