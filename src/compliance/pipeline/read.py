"""The read stage: files, folders and zip archives in, submissions and one outcome per file out.

Each file is read by a task of an executor: in worker processes (the default), a file that
hangs or crashes the reader costs that file only: it is refused and the batch goes on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compliance.ingest.archives import FileToRead, unpack_archives
from compliance.ingest.reader import (
    FileRead,
    expand_paths,
    file_ref,
    read_file,
    refused,
)
from compliance.ingest.submission import Submission
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import Executor, TaskFailed, executor_for
from compliance.pipeline.progress import NO_PROGRESS, Progress
from compliance.results.findings import Details
from compliance.results.problems import FileOutcome
from compliance.rules.spec import Catalog

DEFAULT_TIMEOUT = 60.0
MAX_FILES_PER_TASK = 8


@dataclass(frozen=True)
class BatchRead:
    """Everything read from a batch, and one outcome per submitted file, in the order given."""

    submissions: tuple[Submission, ...] = ()
    outcomes: tuple[FileOutcome, ...] = ()


def read_task(context: WorkerContext, payload: FileToRead) -> FileRead:
    """Read one file (a task of the read stage)."""
    path, shown = payload
    return read_file(Path(path), context.reader_layout, shown)


def _failed(failure: TaskFailed[FileToRead], timeout: float) -> FileRead:
    path, shown = failure.payload
    file = file_ref(Path(path), shown)
    if failure.why == "timeout":
        return refused(file, "read_timeout", values=Details.of(seconds=round(timeout)))
    if failure.why == "crashed":
        return refused(file, "read_crashed")
    return refused(file, "read_error", values=Details.of(detail=failure.why))


def read_batch(paths: Iterable[Path], catalog: Catalog, workers: int | None = None,
               timeout: float = DEFAULT_TIMEOUT, executor: Executor | None = None,
               owns_process: bool = False, progress: Progress = NO_PROGRESS) -> BatchRead:
    """Read files, folders and zip archives; every file gets an outcome, in the order given.

    `executor` defaults to worker processes (one per core, at most one per file; ``workers=0``:
    this process).  ``owns_process``: the caller is a program of its own (the command line), so
    the parent may turn its collector off while it takes the results in.
    """
    with tempfile.TemporaryDirectory(prefix="compliance-batch-") as scratch:
        expanded = expand_paths(paths)
        missing = [path for path in expanded if not path.exists()]
        files, archives = unpack_archives([path for path in expanded if path.exists()], Path(scratch))
        early = archives + [refused(file_ref(path), "file_missing") for path in missing]
        if executor is None:
            executor = executor_for(workers, tasks=len(files), limit_memory=True, collect_quietly=owns_process)
        setup = WorkerSetup(catalog, owns_process=owns_process or executor.workers > 0)
        payloads = [(str(path), shown) for path, shown in files]
        progress.start("read", len(payloads))
        results = executor.run(read_task, payloads, setup, timeout=timeout, per_task=MAX_FILES_PER_TASK,
                               progress=progress.advance)
        progress.finish()
        reads = [_failed(result, timeout) if isinstance(result, TaskFailed) else result for result in results]
    everything = [*early, *reads]
    return BatchRead(tuple(s for read in everything for s in read.submissions),
                     tuple(read.outcome for read in everything))
