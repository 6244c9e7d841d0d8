"""Whether a rule applies to a subject and period, and why not: level, jurisdiction, scope, dates."""

from __future__ import annotations

from typing import NamedTuple

from compliance.ingest.submission import Submission
from compliance.results.findings import Details
from compliance.results.status import Reason, Status
from compliance.rules.spec import Profile, Rule

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
    return None


def _unknown(attribute: str, submission: Submission) -> Decided:
    reading = submission.identification.get(attribute)
    return Decided(Status.MISSING_DATA, Reason.MISSING_ATTRIBUTE,
                   Details.of(attribute=attribute, cell=reading.cell if reading else None))
