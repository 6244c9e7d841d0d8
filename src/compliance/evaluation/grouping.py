"""The group stage: one submission per subject and period, and each region with its hospitals.

Both steps return new values and change nothing they are given.  Membership is explicit: a
region's hospitals are the hospital submissions of the same period and place in this run,
recorded on a new region value (``members``) and, by identity, in its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from compliance.ingest.submission import Reading, Submission
from compliance.results.findings import Details
from compliance.results.identity import Cell, Subject, SubmissionRef
from compliance.results.problems import DataProblem, Place
from compliance.results.status import Severity


@dataclass(frozen=True)
class Deduplicated:
    """The submissions to check (one per subject and period) and, for each that replaced others,
    the ones it replaced."""

    submissions: tuple[Submission, ...]
    superseded: dict[SubmissionRef, tuple[SubmissionRef, ...]]


def _code_cell(submission: Submission) -> Cell | None:
    """The cell of the submission's institution (or region) code."""
    reading = submission.identification.get("institution_code") or submission.identification.get("region_code")
    return reading.cell if reading else None


def _where(submission: Submission) -> str:
    """The file's path as given and the cell of its code (sheet!cell), e.g. for a list of files."""
    cell = _code_cell(submission)
    return f"{submission.file.path} {cell}" if cell else submission.file.path


def _content(submission: Submission) -> tuple[object, ...]:
    """What a submission says, wherever it says it: its values without their cells (two rows of a
    flat table share a file, and so its hash, yet may say different things)."""
    def values(readings: dict[str, Reading]) -> tuple[tuple[str, object], ...]:
        return tuple(sorted((code, reading.value) for code, reading in readings.items()))

    tables = tuple(sorted((code, tuple(values(row) for row in rows)) for code, rows in submission.tables.items()))
    return (values(submission.identification), values(submission.current), values(submission.prior), tables)


def deduplicate(submissions: Sequence[Submission]) -> Deduplicated:
    """Keep one submission per (level, code, period): the one given last (folders in name order),
    so that a corrected file named after the original replaces it.  The kept submission gets a data
    problem naming every file of the subject and period and the one used: a warning when the
    contents are identical (the same file twice), an error when they differ."""
    by_key: dict[tuple[str, str, str], list[Submission]] = {}
    for submission in submissions:
        by_key.setdefault(submission.subject.key, []).append(submission)
    kept: list[Submission] = []
    superseded: dict[SubmissionRef, tuple[SubmissionRef, ...]] = {}
    for submission in submissions:
        group = by_key[submission.subject.key]
        if submission is not group[-1]:
            continue
        if len(group) == 1:
            kept.append(submission)
            continue
        others = group[:-1]
        identical = all(_content(other) == _content(submission) for other in others)
        who = submission.subject
        cell = _code_cell(submission)
        problem = DataProblem(
            submission.file, "duplicate_submission_identical" if identical else "duplicate_submission",
            Place(cell.sheet, cell.ref) if cell else Place(),
            Details.of(institution=who.name, code=who.code, period=who.period.label, submissions=len(group),
                       others=tuple(_where(other) for other in others), used=_where(submission)),
            Severity.WARNING if identical else Severity.ERROR,
            "institution_code" if who.level == "hospital" else "region_code")
        kept.append(replace(submission, problems=submission.problems + (problem,)))
        superseded[submission.ref] = tuple(other.ref for other in others)
    return Deduplicated(tuple(kept), superseded)


def in_region(hospital: Subject, region: Subject) -> bool:
    """A hospital belongs to a region submission of the same period and place."""
    if hospital.period.label != region.period.label or hospital.province != region.province:
        return False
    return region.city is None or hospital.city == region.city


def group_regions(submissions: Sequence[Submission]) -> tuple[Submission, ...]:
    """The submissions in the order given, each region as a new value holding its hospitals."""
    hospitals = [s for s in submissions if s.subject.level == "hospital"]
    return tuple(
        replace(s, members=tuple(h for h in hospitals if in_region(h.subject, s.subject)))
        if s.subject.level == "region" else s
        for s in submissions
    )
