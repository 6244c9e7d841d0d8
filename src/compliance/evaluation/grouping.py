"""The group stage: one submission per subject and period, and each region with its hospitals.

Both steps return new values and change nothing they are given.  Membership is explicit: a
region's hospitals are the hospital submissions of the same period and place in this run,
recorded on a new region value (``members``) and, by identity, in its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from compliance.ingest.submission import Submission
from compliance.results.identity import Subject, SubmissionRef
from compliance.results.problems import DataProblem
from compliance.results.status import Severity


@dataclass(frozen=True)
class Deduplicated:
    """The submissions to check (one per subject and period) and, for each that replaced others,
    the ones it replaced."""

    submissions: tuple[Submission, ...]
    superseded: dict[SubmissionRef, tuple[SubmissionRef, ...]]


def _where(submission: Submission) -> str:
    reading = submission.identification.get("institution_code") or submission.identification.get("region_code")
    cell = f" {reading.cell}" if reading and reading.cell else ""
    return f"{submission.file.path}{cell}"


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
        identical = all(other.file.sha256 == submission.file.sha256 and other.file.sha256 for other in others)
        places = "、".join(_where(other) for other in others)
        who = submission.subject
        problem = DataProblem(
            submission.file, _where(submission),
            f"{who.name}（{who.code}）{who.period.label} 只提交一份填报",
            f"共 {len(group)} 份：{places} 以及 {_where(submission)}"
            + ("（内容相同）" if identical else "（内容不同）") + f"；本次检查使用 {_where(submission)}",
            "请确认应以哪一份为准，删除其余文件后重新检查。" if not identical else "请删除重复提交的文件。",
            Severity.WARNING if identical else Severity.ERROR, "institution_code" if who.level == "hospital"
            else "region_code")
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
