"""What one subject's documents are made from: an explicit value cut from the check's result.

A worker rendering a hospital's PDF receives this and nothing else: the hospital's own findings,
its own data problems and its file's outcome (and, for a region, its hospitals' results).  No
other subject's data reaches the document, and the value pickles to any worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance.results.problems import DataProblem, FileOutcome
from compliance.results.run import CheckResult, Run, SubjectResult


@dataclass(frozen=True)
class SubjectReport:
    """A subject's result with what its documents show about the run and its file."""

    run: Run
    subject: SubjectResult
    members: tuple[SubjectResult, ...] = ()  # a region's hospitals, in result order
    outcome: FileOutcome | None = None  # of the subject's own file
    problems: tuple[DataProblem, ...] = ()  # the subject's own and its file's
    refused: tuple[FileOutcome, ...] = ()  # files of the run that could not be read at all

    @classmethod
    def of(cls, result: CheckResult, subject: SubjectResult) -> SubjectReport:
        members = tuple(result.members_of(subject)) if subject.subject.level == "region" else ()
        return cls(result.run, subject, members, result.outcome_of(subject.submission),
                   tuple(result.problems_of(subject)), tuple(result.refused))


@dataclass(frozen=True)
class DocumentRequest:
    """One PDF to render: which document, for which subject, in which language, dated when."""

    document: str  # "report" or "notice"
    report: SubjectReport
    lang: str
    today: dt.date | None = None
