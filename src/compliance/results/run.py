"""A run of the check and everything it found: per subject and per file."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from compliance.results.findings import Finding, InputValue
from compliance.results.history import SubjectTrend
from compliance.results.identity import Cell, FileRef, Subject, SubmissionRef
from compliance.results.periods import Period
from compliance.results.problems import DataProblem, FileOutcome
from compliance.results.status import SATISFIED, SEVERITY_ORDER, FileStatus, Status


@dataclass(frozen=True)
class Run:
    """One check: when, under which profile and rules (``catalog_digest`` hashes every rule pack
    and profile loaded), as of which date, and who or what started it."""

    id: str
    started: dt.datetime
    catalog_digest: str
    profile: str
    profile_title: str
    as_of: dt.date | None = None
    started_by: str = ""
    audit_period: Period | None = None  # the one period an audit covers; None for a check of any files

    @classmethod
    def new(cls, catalog_digest: str, profile: str, profile_title: str, as_of: dt.date | None = None,
            started_by: str = "", started: dt.datetime | None = None) -> Run:
        return cls(uuid.uuid4().hex, started or dt.datetime.now(dt.UTC), catalog_digest, profile,
                   profile_title, as_of, started_by)


@dataclass(frozen=True)
class Identification:
    """One identification value as submitted (institution code, name, province ...)."""

    code: str
    name: str
    value: InputValue
    cell: Cell | None


@dataclass(frozen=True)
class SubjectResult:
    """Every finding for one subject and period, with the submission it came from, that
    submission's own data problems, and (for a region) the hospital submissions it covers."""

    submission: SubmissionRef
    subject: Subject
    findings: tuple[Finding, ...]
    problems: tuple[DataProblem, ...] = ()
    identification: tuple[Identification, ...] = ()
    members: tuple[SubmissionRef, ...] = ()
    superseded: tuple[SubmissionRef, ...] = ()  # other submissions of the same subject and period, not used
    trend: SubjectTrend | None = None  # changes since the last audit (set by an audit, from the history store)

    @property
    def worst(self) -> Status:
        present = {f.status for f in self.findings}
        return next((s for s in SEVERITY_ORDER if s in present), Status.NOT_APPLICABLE)

    @property
    def compliant(self) -> bool:
        return all(f.status in SATISFIED for f in self.findings)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: the run, per-subject results and one outcome per submitted file."""

    run: Run
    subjects: tuple[SubjectResult, ...] = ()
    outcomes: tuple[FileOutcome, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return [f for subject in self.subjects for f in subject.findings]

    @property
    def refused(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status is FileStatus.REFUSED]

    @property
    def problems(self) -> list[DataProblem]:
        """Every data problem: each file's own, then each subject's (refusals are in the outcomes)."""
        return [p for o in self.outcomes for p in o.problems] + [p for s in self.subjects for p in s.problems]

    def subject(self, ref: SubmissionRef) -> SubjectResult:
        for subject in self.subjects:
            if subject.submission == ref:
                return subject
        raise KeyError(ref)

    def members_of(self, region: SubjectResult) -> list[SubjectResult]:
        """The results of the hospital submissions the region covers, in result order."""
        wanted = set(region.members)
        return [subject for subject in self.subjects if subject.submission in wanted]

    def outcome_of(self, ref: SubmissionRef) -> FileOutcome | None:
        return next((o for o in self.outcomes if o.file == ref.file), None)

    def problems_in(self, file: FileRef) -> list[DataProblem]:
        """The data problems of a file: its own and those of the submissions it holds."""
        outcome = next((o for o in self.outcomes if o.file == file), None)
        return [*(outcome.problems if outcome else ()),
                *(p for s in self.subjects if s.submission.file == file for p in s.problems)]

    def problem_counts(self) -> dict[FileRef, int]:
        """How many data problems each file has (``len(problems_in(file))`` for every file at once:
        one pass, where asking file by file would go over every subject for each file)."""
        counts: dict[FileRef, int] = {}
        for outcome in self.outcomes:
            if outcome.file not in counts:
                counts[outcome.file] = len(outcome.problems)
        for subject in self.subjects:
            if subject.problems:
                counts[subject.submission.file] = counts.get(subject.submission.file, 0) + len(subject.problems)
        return counts

    def problems_of(self, subject: SubjectResult) -> list[DataProblem]:
        """A subject's own data problems and those of its file that belong to no subject."""
        outcome = self.outcome_of(subject.submission)
        return [*(outcome.problems if outcome else ()), *subject.problems]
