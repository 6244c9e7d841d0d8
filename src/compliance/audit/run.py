"""The quarterly audit: one profile, one period, an inbox of submissions, the history store.

An audit reads every file of the inbox, checks the submissions of its period (the others are set
aside and say so), takes last year's values and the earlier audits' results from the store,
classes each rule's change since the last audit, saves the run in one transaction and writes the
reports as ``check --out`` does, into ``<out>/<profile>/<period>/``.

It is idempotent: the run's id is a digest of the profile, period, as-of date, rules and the
files' contents, so running it again over the same inbox finds its run in the store, keeps the
stored start time and writes the same files again; the store gains no rows.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from compliance.audit.lock import audit_lock
from compliance.errors import ConfigError
from compliance.evaluation.earlier import earlier_from_submission, wanted_earlier
from compliance.ingest.submission import Submission
from compliance.evaluation.trends import subject_trend
from compliance.ingest.reader import require_defusedxml
from compliance.outputs.folder import prepare_folder
from compliance.outputs.names import safe_component
from compliance.pipeline.check import check_submissions
from compliance.pipeline.executors import Executor
from compliance.pipeline.progress import NO_PROGRESS, Progress
from compliance.pipeline.read import BatchRead, read_batch
from compliance.results.periods import Period, parse_period
from compliance.results.problems import FileOutcome
from compliance.results.run import CheckResult, Run
from compliance.results.status import FileStatus
from compliance.rules.spec import Catalog, Profile

Log = Callable[[str, dict[str, object]], None]  # an event code and its values, worded by the caller


def last_finished_quarter(today: dt.date) -> Period:
    """The last quarter that ended before `today` (2025Q3 on any day of 2025Q4)."""
    quarter = (today.month - 1) // 3  # 0-based quarter of today
    year = today.year if quarter else today.year - 1
    last = quarter if quarter else 4
    return Period.of_months(year, 3 * last - 2, 3 * last)


def audit_period(text: str | None, today: dt.date) -> Period:
    """The period named by `text` (2025Q3, 2025年第三季度, 2025H1, 2025 ...), else the last finished quarter."""
    if text is None:
        return last_finished_quarter(today)
    period = parse_period(text)
    if period is None:
        raise ConfigError("bad_period", text=str(text))
    return period


@dataclass(frozen=True)
class AuditRequest:
    profile: Profile
    period: Period
    inbox: Path
    out: Path
    as_of: dt.date | None = None
    lang: str = "zh"
    pdf: str = "report"
    workers: int | None = None
    wait: float = 0.0
    store_url: str | None = None
    home: Path | None = None


@dataclass(frozen=True)
class AuditResult:
    result: CheckResult
    folder: Path  # where this audit's reports are
    written: tuple[Path, ...]
    rerun: bool  # the store already held this run: same inputs, same rules, same profile and period
    set_aside: int  # submissions of other periods in the inbox


def audit_folder(out: Path, profile: Profile, period: Period) -> Path:
    return out / safe_component(profile.name) / period.label


def _set_aside(batch: BatchRead, period: Period) -> tuple[BatchRead, tuple[Submission, ...]]:
    """The batch with only `period`'s submissions (each file's outcome names the others), and the others."""
    kept = tuple(s for s in batch.submissions if s.subject.period == period)
    others = tuple(s for s in batch.submissions if s.subject.period != period)
    other = [s.ref for s in others]
    outcomes: list[FileOutcome] = []
    for outcome in batch.outcomes:
        mine = tuple(ref for ref in other if ref.file == outcome.file)
        if mine:
            status = FileStatus.READ_WITH_WARNINGS if outcome.status is FileStatus.READ else outcome.status
            outcome = replace(outcome, other_period=mine, status=status)
        outcomes.append(outcome)
    return BatchRead(kept, tuple(outcomes)), others


def run_id(catalog: Catalog, profile: Profile, period: Period, as_of: dt.date | None, batch: BatchRead) -> str:
    """A digest of everything the audit's findings depend on, but the store's earlier runs: the
    files with a submission of the period, and those refused (not those wholly of other periods,
    nor an archive's own hash: its members count one by one)."""
    contents = sorted(outcome.file.sha256 for outcome in batch.outcomes
                      if not (outcome.is_archive and not outcome.submissions)
                      and len(outcome.other_period) < max(1, len(outcome.submissions)))
    key = json.dumps({"catalog": catalog.digest, "profile": profile.name, "period": period.label,
                      "as_of": as_of.isoformat() if as_of else None, "files": contents}, sort_keys=True)
    return "audit-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _started_by() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name (a container without passwd entry): say so
        user = "unknown"
    return f"compliance audit ({user}@{socket.gethostname()})"


def run_audit(catalog: Catalog, request: AuditRequest, *, log: Log | None = None,
              progress: Progress = NO_PROGRESS, owns_process: bool = False,
              executor: Executor | None = None) -> AuditResult:
    """Audit `request.period` under `request.profile`; see the module's description.  `executor`:
    where files are read, subjects evaluated and PDFs rendered (a server's shared pool; default:
    worker processes of this run's own, evaluation in this process)."""
    from compliance.report import write_reports
    from compliance.store import api

    say = log or (lambda event, values: None)
    require_defusedxml()
    api.require_up_to_date(request.store_url, request.home)  # before any work: a store that cannot be used stops it
    profile, period = request.profile, request.period
    folder = audit_folder(request.out, profile, period)
    prepare_folder(folder.parent)
    with audit_lock(folder.parent, safe_component(profile.name), period.label, request.wait):
        say("audit_started", {"profile": profile.name, "period": period.label, "inbox": str(request.inbox)})
        batch = read_batch([request.inbox], catalog, request.workers, executor=executor, owns_process=owns_process,
                           progress=progress)
        batch, others = _set_aside(batch, period)
        set_aside = len(others)
        if others:
            periods = sorted({o.subject.period for o in others})
            say("audit_set_aside", {"count": set_aside, "periods": ", ".join(
                f"{p.label} ({sum(o.subject.period == p for o in others)})" for p in periods)})
        if not batch.submissions:
            found = sorted({s.subject.period.label for s in others})
            if not found:
                raise ConfigError("inbox_nothing_readable", inbox=str(request.inbox), period=period.label)
            raise ConfigError("inbox_without_period", inbox=str(request.inbox), period=period.label, found=tuple(found))
        identity = run_id(catalog, profile, period, request.as_of, batch)
        stored_run = api.stored_run(identity, request.store_url, request.home)
        started, started_by = stored_run if stored_run else (dt.datetime.now(dt.UTC), _started_by())
        run = Run(identity, started, catalog.digest, profile.name, profile.title, request.as_of, started_by, period)
        wanted = wanted_earlier(list(batch.submissions), catalog.fields)
        stored = api.earlier_submissions(wanted, request.store_url, request.home)
        for other in others:  # last year's files in the inbox stand in for what the store lacks
            key = (other.subject.level, other.subject.code, other.subject.period.label)
            if key in wanted and key not in stored:
                stored[key] = earlier_from_submission(other, catalog.fields)
        result = check_submissions(catalog, profile, batch, run, executor, stored=stored, progress=progress)
        histories = api.audit_history(profile.name, [(s.subject.level, s.subject.code) for s in result.subjects],
                                      period.start, request.store_url, request.home)
        result = replace(result, subjects=tuple(  # a subject without findings (a region's hospital) has no trend
            replace(s, trend=subject_trend(s, histories.get((s.subject.level, s.subject.code))) if s.findings
                    else None) for s in result.subjects))
        if stored_run is None:  # a rerun has nothing to save
            progress.start("store", 1)
            api.save_run(result, request.store_url, request.home)
            progress.advance(1)
            progress.finish()
        say("audit_rerun" if stored_run else "audit_saved",
            {"run": identity, "subjects": len(result.subjects), "findings": len(result.findings),
             "set_aside": set_aside})
        written = write_reports(result, catalog, folder, lang=request.lang, pdf=request.pdf, workers=request.workers,
                                executor=executor, today=started.astimezone().date(), owns_process=owns_process,
                                progress=progress)
        say("audit_written", {"folder": str(folder), "files": len(written.files)})
    return AuditResult(result, folder, tuple(written.paths), stored_run is not None, set_aside)
