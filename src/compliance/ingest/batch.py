"""Read many submissions at once: worker processes, a time limit per file, and crash isolation.

Each file is read in a worker process, so a reader that hangs or crashes
on one hostile file costs that file only: it is recorded as refused and the
batch goes on. Zip archives of workbooks are unpacked (with the same size
checks as workbooks) into a private temporary folder first.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import FrameType

from compliance.errors import SubmissionError
from compliance.ingest.reader import expand_paths, read_file
from compliance.ingest.submission import DataProblem, FileOutcome, Submission
from compliance.ingest.workbook import SUPPORTED_SUFFIXES, check_zip
from compliance.rules.spec import Catalog

DEFAULT_TIMEOUT = 60.0
MAX_ARCHIVE_MEMBERS = 5000


@dataclass
class BatchRead:
    """Everything read from a batch, and one outcome per submitted file."""

    submissions: list[Submission] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)


FileResult = tuple[list[Submission], FileOutcome, list[DataProblem]]
_worker_catalog: Catalog | None = None


class _FileTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _FileTimeout()


WORKER_MEMORY_HEADROOM = 3 * 1024 ** 3  # bytes of address space a worker may add while reading one file


def _limit_memory() -> None:
    """Cap the worker's address space so a file that makes the reader allocate wildly fails alone."""
    try:
        import resource

        status = Path("/proc/self/status").read_text()
        current = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:"))
        limit = current + WORKER_MEMORY_HEADROOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, StopIteration, ImportError):
        pass  # not Linux: the time limit and crash isolation still apply


def _init_worker(catalog: Catalog) -> None:
    global _worker_catalog
    _worker_catalog = catalog
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory()
    # What the worker inherited (the catalog, the modules) is never garbage: keeping the collector
    # off it avoids touching, and so copying, every inherited page on each full collection.
    gc.freeze()


def _read_in_worker(paths: list[str], timeout: float) -> list[FileResult]:
    """Read a few files in turn, each under its own time limit; one pickled reply for all."""
    assert _worker_catalog is not None
    signal.signal(signal.SIGALRM, _on_alarm)
    results = []
    for path in paths:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            results.append(read_file(Path(path), _worker_catalog))
        except _FileTimeout:
            results.append(_refused(Path(path), f"读取超过 {timeout:.0f} 秒仍未完成，已停止读取"))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return results


def _refused(path: Path, why: str) -> FileResult:
    fix = "文件可能已损坏或结构异常，请用电子表格软件另存为新的 .xlsx 后重新提交。"
    return [], FileOutcome(str(path), "refused", (), f"{path}：{why}。{fix}"), [
        DataProblem(path.name, path.name, "可在限定时间内正常读取的工作簿", why, fix)]


def _unpack_archives(paths: Sequence[Path], folder: Path) -> tuple[list[Path], list[FileResult]]:
    """Replace .zip archives by their supported members; a bad archive is refused."""
    files: list[Path] = []
    early: list[FileResult] = []  # archive outcomes and refusals, reported first
    for index, path in enumerate(paths):
        if path.suffix.lower() != ".zip":
            files.append(path)
            continue
        try:
            check_zip(path)
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) > MAX_ARCHIVE_MEMBERS:
                    raise SubmissionError(path, "压缩包", f"不超过 {MAX_ARCHIVE_MEMBERS} 个文件", f"{len(members)} 个",
                                          "请拆分成多个压缩包提交。")
                target = folder / f"{index:04d}-{path.stem}"
                skipped: list[str] = []
                unpacked = 0
                for member in members:
                    name = PurePosixPath(member.filename)
                    if name.suffix.lower() not in SUPPORTED_SUFFIXES - {".zip"} or name.name.startswith(("~$", ".")):
                        skipped.append(member.filename)
                        continue
                    # Never trust member paths: flatten them into the private folder.
                    safe_name = "__".join(part for part in name.parts if part not in ("..", "/", ""))
                    destination = target / safe_name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(archive.read(member))
                    files.append(destination)
                    unpacked += 1
            if not unpacked:
                raise SubmissionError(path, "压缩包", "至少一个 .xlsx/.xlsm/.xls/.ods/.csv 工作簿",
                                      f"{len(members)} 个文件，没有工作簿", "请把填报的工作簿放进压缩包后重新提交。")
            note = f"，跳过 {len(skipped)} 个非工作簿文件：{'、'.join(skipped[:10])}" if skipped else ""
            early.append(([], FileOutcome(str(path), "read_with_warnings" if skipped else "read", (),
                                            f"解开 {unpacked} 个工作簿{note}"), []))
        except SubmissionError as exc:
            early.append(([], FileOutcome(str(path), "refused", (), str(exc)),
                            [DataProblem(path.name, f"{path.name} {exc.where}", exc.expected, exc.found, exc.fix)]))
        except (zipfile.BadZipFile, OSError) as exc:
            early.append(_refused(path, f"压缩包无法解开（{type(exc).__name__}）"))
    return files, early


IN_FLIGHT_PER_WORKER = 4
MAX_FILES_PER_TASK = 8


def _files_per_task(count: int, workers: int) -> int:
    """Several files per task once a batch is large: fewer messages, and strings shared within
    a reply are pickled once; small batches stay one file per task so both cores stay busy."""
    return max(1, min(MAX_FILES_PER_TASK, count // (workers * IN_FLIGHT_PER_WORKER * 4)))


def _run_pool(files: list[Path], catalog: Catalog, workers: int, timeout: float) -> dict[Path, FileResult]:
    """Read files in worker processes; a worker that dies takes down only the files it held.

    At most a few tasks per worker are in flight, so waiting stays cheap for
    large batches and a stuck or dead worker implicates only the files of
    those tasks, which are then read again one by one.
    """
    results: dict[Path, FileResult] = {}
    pending = list(files)
    context = multiprocessing.get_context("fork")
    while pending:
        suspects: list[Path] = []
        size = _files_per_task(len(pending), workers)
        tasks = iter([pending[i:i + size] for i in range(0, len(pending), size)])
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                 initargs=(catalog,)) as executor:
            futures: dict[Future[list[FileResult]], list[Path]] = {}

            def submit_next() -> None:
                task = next(tasks, None)
                if task is not None:
                    futures[executor.submit(_read_in_worker, [str(path) for path in task], timeout)] = task

            for _ in range(workers * IN_FLIGHT_PER_WORKER):
                submit_next()
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, timeout=timeout * size + 10, return_when=FIRST_COMPLETED)
                if not done:  # a worker is stuck in native code past the alarm
                    stuck = [f for f in waiting if f.running()] or list(waiting)[:workers]
                    suspects = [path for future in stuck for path in futures[future]]
                    for process in list(getattr(executor, "_processes", {}).values()):
                        process.kill()
                    break
                for future in done:
                    task = futures[future]
                    try:
                        results.update(zip(task, future.result()))
                    except BrokenProcessPool:
                        suspects.extend(task)
                    except Exception as exc:  # noqa: BLE001 - unpicklable or unexpected result: refuse the files
                        for path in task:
                            results[path] = _refused(path, f"读取出错（{type(exc).__name__}）")
                    if not suspects:
                        before = set(futures)
                        submit_next()
                        waiting |= set(futures) - before
        pending = [path for path in files if path not in results and path not in suspects]
        for path in suspects:
            if len(suspects) == 1 or workers == 1:
                results[path] = _refused(path, "读取进程异常退出或超时（文件可能已损坏，或含有超大范围的单元格）")
            else:
                results.update(_run_pool([path], catalog, 1, timeout))
    return results


def read_batch(paths: Iterable[Path], catalog: Catalog, workers: int | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> BatchRead:
    """Read files, folders and zip archives; every file gets an outcome, in the order given."""
    batch = BatchRead()
    with tempfile.TemporaryDirectory(prefix="compliance-batch-") as scratch:
        expanded = expand_paths(paths)
        missing = [p for p in expanded if not p.exists()]
        files, early = _unpack_archives([p for p in expanded if p.exists()], Path(scratch))
        for path in missing:
            early.append(([], FileOutcome(str(path), "refused", (), f"{path}：文件不存在，请检查路径。"), []))
        count = workers if workers is not None else min(os.cpu_count() or 1, max(1, len(files)))
        collecting = gc.isenabled()
        gc.disable()  # results hold no cycles; collection while unpickling thousands of them costs seconds
        try:
            if count <= 0:
                results = {path: read_file(path, catalog) for path in files}
            else:
                results = _run_pool(files, catalog, count, timeout)
        finally:
            if collecting:
                gc.enable()
        for read, outcome, problems in [*early, *(results[path] for path in files)]:
            batch.submissions.extend(read)
            batch.outcomes.append(outcome)
            batch.problems.extend(problems)
    return batch
