"""The check as a pipeline: read → group (one submission per subject, quality checks, regions with
their hospitals) → evaluate.  The library entry point behind ``compliance check`` and, later, the
audit and the portal; each stage takes and returns immutable values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from compliance.errors import ConfigError, StageError
from compliance.evaluation.evaluate import evaluate_subject
from compliance.evaluation.grouping import deduplicate, group_regions
from compliance.evaluation.quality import check_quality
from compliance.ingest.reader import require_defusedxml
from compliance.ingest.schema import IDENTIFICATION_BY_CODE
from compliance.ingest.submission import Submission
from compliance.paths import Home, resolve_home
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import Executor, InProcessExecutor, TaskFailed
from compliance.pipeline.progress import NO_PROGRESS, Progress
from compliance.pipeline.read import BatchRead, read_batch
from compliance.results.findings import Finding
from compliance.results.history import EarlierSubmission, SubjectPeriod
from compliance.results.identity import SubmissionRef
from compliance.results.problems import FileOutcome
from compliance.results.run import CheckResult, Identification, Run, SubjectResult
from compliance.results.status import SATISFIED, ExitCode, FileStatus
from compliance.rules.loader import load_catalog
from compliance.rules.spec import Catalog, Profile

DEFAULT_PROFILE = "headline"


def load_default_catalog(home: Path | Home | None = None) -> Catalog:
    """The rules and profiles of ``home`` (a folder, see :func:`compliance.paths.resolve_home`); without one,
    of ``$COMPLIANCE_HOME``, else the bundled ones."""
    chosen = home if isinstance(home, Home) else resolve_home(home)
    return load_catalog(chosen.rules, chosen.checks)


def get_profile(catalog: Catalog, name: str) -> Profile:
    try:
        return catalog.profiles[name]
    except KeyError:
        raise ConfigError("unknown_profile", name=name, known=tuple(sorted(catalog.profiles)) or ("–",)) from None


@dataclass(frozen=True)
class EvaluationPayload:
    """One subject to evaluate: the profile, the as-of date and the submission (a region with its
    hospitals)."""

    profile: Profile
    as_of: dt.date | None
    submission: Submission


def evaluate_task(context: WorkerContext, payload: EvaluationPayload) -> tuple[Finding, ...]:
    """Every finding of one subject (a task of the evaluate stage)."""
    profile = payload.profile
    chosen = context.rules_for_subject(profile, payload.submission.subject)
    return tuple(evaluate_subject(context.catalog, profile, chosen, payload.submission, context.compiled_for(profile),
                                  payload.as_of))


def _identification(submission: Submission) -> tuple[Identification, ...]:
    return tuple(Identification(code, IDENTIFICATION_BY_CODE[code].name if code in IDENTIFICATION_BY_CODE else code,
                                reading.value, reading.cell)
                 for code, reading in submission.identification.items())


def check_submissions(catalog: Catalog, profile: Profile, batch: BatchRead, run: Run,
                      executor: Executor | None = None,
                      stored: Mapping[SubjectPeriod, EarlierSubmission] | None = None,
                      progress: Progress = NO_PROGRESS) -> CheckResult:
    """Group and evaluate what was read: one result per subject and period, one outcome per file.
    `stored`: earlier submissions from the history store, for blank and restated prior-year values."""
    deduplicated = deduplicate(batch.submissions)
    checked = check_quality(catalog, deduplicated.submissions, stored)
    grouped = group_regions([item.submission for item in checked])
    payloads = [EvaluationPayload(profile, run.as_of, submission) for submission in grouped]
    executor = executor or InProcessExecutor()
    progress.start("evaluate", len(payloads))
    evaluated = executor.run(evaluate_task, payloads, WorkerSetup(catalog, owns_process=executor.workers > 0),
                             progress=progress.advance)
    progress.finish()
    subjects = []
    for submission, quality, findings in zip(grouped, checked, evaluated):
        if isinstance(findings, TaskFailed):
            raise StageError(f"evaluating {submission.path} failed: {findings.why} {findings.detail}")
        subjects.append(SubjectResult(
            submission.ref, submission.subject, quality.findings + findings, submission.problems,
            _identification(submission), tuple(member.ref for member in submission.members),
            deduplicated.superseded.get(submission.ref, ())))
    return CheckResult(run, tuple(subjects), _final_outcomes(batch.outcomes, subjects, deduplicated.superseded))


def evaluate_submissions(catalog: Catalog, profile: Profile, submissions: Sequence[Submission],
                         as_of: dt.date | None = None, executor: Executor | None = None) -> CheckResult:
    """Group and evaluate submissions already in memory (read elsewhere, or built by a caller)."""
    run = Run.new(catalog.digest, profile.name, profile.title, as_of)
    return check_submissions(catalog, profile, BatchRead(tuple(submissions)), run, executor)


def _final_outcomes(outcomes: Sequence[FileOutcome], subjects: Sequence[SubjectResult],
                    superseded: dict[SubmissionRef, tuple[SubmissionRef, ...]]) -> tuple[FileOutcome, ...]:
    """Each file's outcome once the subjects are checked: the submissions not checked because
    another file's replaced them, and read with warnings when one of its submissions gained a
    data problem (a value withdrawn by a data-quality check, a duplicate)."""
    troubled = {subject.submission.file for subject in subjects if subject.problems}
    replaced = [ref for refs in superseded.values() for ref in refs]
    final = []
    for outcome in outcomes:
        not_checked = tuple(ref for ref in replaced if ref.file == outcome.file and ref not in superseded)
        warned = outcome.status is FileStatus.READ and (outcome.file in troubled or bool(not_checked))
        final.append(replace(outcome, not_checked=not_checked,
                             status=FileStatus.READ_WITH_WARNINGS if warned else outcome.status))
    return tuple(final)


def run_check(catalog: Catalog, profile: Profile, paths: Iterable[Path], as_of: dt.date | None = None,
              workers: int | None = None, *, executor: Executor | None = None, started_by: str = "",
              owns_process: bool = False, progress: Progress = NO_PROGRESS) -> CheckResult:
    """Check every file; a file that cannot be read is recorded as refused and the rest go on.

    Files are read by `executor` (default: worker processes, one per core; ``workers=0``: this
    process); subjects are evaluated by `executor` when one is given (a cluster), else in this process.  ``owns_process``: the caller is a program of
    its own (the command line), which may tune the garbage collector.
    """
    require_defusedxml()
    run = Run.new(catalog.digest, profile.name, profile.title, as_of, started_by)
    batch = read_batch(paths, catalog, workers, executor=executor, owns_process=owns_process, progress=progress)
    return check_submissions(catalog, profile, batch, run, executor, progress=progress)


def exit_code(result: CheckResult) -> ExitCode:
    """0 when every finding is satisfied, 1 when any is not, 2 when a file was refused or nothing was read."""
    if result.refused or not result.subjects:
        return ExitCode.USAGE_OR_INPUT_ERROR
    if all(f.status in SATISFIED for f in result.findings):
        return ExitCode.COMPLIANT
    return ExitCode.FINDINGS
