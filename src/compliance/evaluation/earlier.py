"""Last year's values from the history store, for a submission that leaves them blank.

A year-over-year rule compares a period with the same months one year earlier (上年同期).  When
a submission gives no value for last year and the store holds the subject's submission for that
period, the stored value is used, with the stored cell (file, sheet, cell) as where it came from,
so a finding shows that it was not read from this submission.  The stage is pure: it returns a new
submission and changes nothing it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from compliance.ingest.submission import Reading, Submission
from compliance.results.history import EarlierSubmission, StoredValue, SubjectPeriod
from compliance.rules.spec import FieldSpec


def earlier_key(submission: Submission) -> SubjectPeriod:
    """The (level, code, period) of the submission one year before `submission`."""
    subject = submission.subject
    return (subject.level, subject.code, subject.period.previous_year().label)


def wanted_earlier(submissions: list[Submission], fields: Mapping[str, FieldSpec]) -> set[SubjectPeriod]:
    """The earlier submissions worth asking the store for: of every submission that lacks a
    prior-year value or states one (to compare with what was stored)."""
    if not any(spec.has_prior for spec in fields.values()):
        return set()
    return {earlier_key(submission) for submission in submissions}


def with_stored_priors(submission: Submission, earlier: EarlierSubmission | None,
                       fields: Mapping[str, FieldSpec]) -> Submission:
    """`submission` with each blank prior-year value taken from `earlier` (same subject, the same
    months a year before), where the store has one; the submission itself when nothing changes."""
    if earlier is None:
        return submission
    filled = dict(submission.prior)
    taken = []
    for code, spec in fields.items():
        if not spec.has_prior or not filled.get(code, Reading(None)).missing:
            continue
        stored = earlier.value(code)
        if stored is None or stored.value is None:
            continue
        filled[code] = Reading(stored.value, stored.cell)
        taken.append((code, earlier.period, earlier.path))
    if not taken:
        return submission
    return replace(submission, prior=filled, prior_from=submission.prior_from + tuple(taken))


def earlier_from_submission(submission: Submission, fields: Mapping[str, FieldSpec]) -> EarlierSubmission:
    """A submission read in this run (last year's file in an audit's inbox), as the store would keep it."""
    subject = submission.subject
    values = tuple(StoredValue(code, reading.value, fields[code].unit if code in fields else "", reading.cell)
                   for code, reading in sorted(submission.current.items()) if not reading.missing)
    return EarlierSubmission(subject.level, subject.code, subject.period.label, submission.file.path,
                             submission.file.sha256, values)
