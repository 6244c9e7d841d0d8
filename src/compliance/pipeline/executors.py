"""Executors: run a stage's tasks in this process or in a pool of worker processes.

A task is a module-level function ``task(context, payload) -> result``; payloads and results
are explicit, picklable values, and each worker builds its own :class:`WorkerContext` from the
:class:`WorkerSetup` it is started with.  Nothing reaches a worker through inherited memory, so
the same tasks run under ``fork``, ``spawn`` or, later, a cluster's workers.

A task that raises, exceeds its time limit or takes its worker process down with it becomes a
:class:`TaskFailed` in its place; the other tasks go on.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import ProcessPoolExecutor as _Pool
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Generic, Protocol, TypeVar

from compliance.pipeline.context import WorkerContext, WorkerSetup, start_worker_process

P = TypeVar("P")
R = TypeVar("R")
Task = Callable[[WorkerContext, P], R]
Advance = Callable[[int], None]  # told how many more payloads are done, in the parent process


def _no_progress(count: int) -> None:
    return None


@dataclass(frozen=True)
class TaskFailed(Generic[P]):
    """A task that gave no result: ``why`` is ``timeout``, ``crashed`` or the exception's name."""

    payload: P
    why: str
    detail: str = ""


class Executor(Protocol):
    """Runs ``task`` on every payload and returns the results in payload order."""

    workers: int
    #: Whether the workers see this process's files under the same paths on other machines (a
    #: cluster's shared storage): a rendered document is then written there by its worker.
    shared_storage: bool

    def run(self, task: Task[P, R], payloads: Sequence[P], setup: WorkerSetup, *, timeout: float | None = None,
            per_task: int = 1, progress: Advance | None = None) -> list[R | TaskFailed[P]]: ...


class InProcessExecutor:
    """Runs tasks one after another in this process, with one context for the run (built from the
    setup, or the one given).  No time limit: a task that hangs hangs the run."""

    workers = 0
    shared_storage = False

    def __init__(self, context: WorkerContext | None = None, *, collect_quietly: bool = False) -> None:
        self._context = context
        self.collect_quietly = collect_quietly  # collector off during the run: only in a process the tool owns

    def run(self, task: Task[P, R], payloads: Sequence[P], setup: WorkerSetup, *, timeout: float | None = None,
            per_task: int = 1, progress: Advance | None = None) -> list[R | TaskFailed[P]]:
        context = self._context if self._context is not None else WorkerContext(setup)
        results: list[R | TaskFailed[P]] = []
        collecting = gc.isenabled()
        if self.collect_quietly:
            gc.disable()  # results hold no cycles; collecting while thousands accumulate costs seconds
        try:
            for payload in payloads:
                try:
                    results.append(task(context, payload))
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception as exc:  # noqa: BLE001 - one task's failure is recorded, the others go on
                    results.append(TaskFailed(payload, type(exc).__name__, str(exc)[:200]))
                if progress is not None:
                    progress(1)
        finally:
            if self.collect_quietly and collecting:
                gc.enable()
        return results


# ---------------------------------------------------------------- worker side

# The context of this worker process, built by _start from the setup the pool started it with.
# Only pool worker processes set it; the parent never does.
_worker: WorkerContext | None = None
WORKER_MEMORY_HEADROOM = 3 * 1024 ** 3  # bytes of address space a worker may add for one task


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


def _limit_memory() -> None:
    """Cap the worker's address space so a task that makes native code allocate wildly fails alone."""
    try:
        import resource

        status = Path("/proc/self/status").read_text()
        current = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:"))
        limit = current + WORKER_MEMORY_HEADROOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, StopIteration, ImportError):
        pass  # not Linux: the time limit and crash isolation still apply


def _start(setup: WorkerSetup, limit_memory: bool) -> None:
    global _worker
    # The parent stops the workers itself; a signal sent to the whole process group must not raise
    # the parent's Interrupted in a worker (a stray "Process ForkProcess-N" traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if limit_memory:
        _limit_memory()
    _worker = start_worker_process(setup)


def _run_chunk(task: Task[Any, Any], payloads: list[Any], timeout: float | None) -> list[Any]:
    """Run a few tasks in turn, each under its own time limit; one pickled reply for all."""
    assert _worker is not None, "worker started without a setup"
    if timeout:
        signal.signal(signal.SIGALRM, _on_alarm)
    results: list[Any] = []
    for payload in payloads:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            results.append(task(_worker, payload))
        except _Timeout:
            results.append(TaskFailed(payload, "timeout", f"{timeout:.0f} s"))
        except Exception as exc:  # noqa: BLE001 - recorded in the task's place
            results.append(TaskFailed(payload, type(exc).__name__, str(exc)[:200]))
        finally:
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
    return results


# ---------------------------------------------------------------- parent side

IN_FLIGHT_PER_WORKER = 4


def chunk_size(count: int, workers: int, per_task: int) -> int:
    """Payloads per chunk: several once there are many (fewer messages, and strings shared within a
    reply are pickled once, up to `per_task`); one each for a few, so every worker stays busy."""
    return max(1, min(per_task, count // (workers * IN_FLIGHT_PER_WORKER * 4)))


class ProcessPool:
    """Runs tasks in worker processes (one per core by default).

    At most a few chunks per worker are in flight, so a stuck or dead worker implicates only the
    payloads of those chunks, which are then run again one by one; a payload that still takes its
    worker down, or exceeds its time limit, becomes a TaskFailed.  ``start_method`` defaults to
    ``fork`` where there is one (fast to start); the tasks and setup never rely on it.
    ``limit_memory`` caps each worker's address space (readers of hostile files).
    ``collect_quietly``: the parent turns its garbage collector off while it unpickles results
    (thousands of small objects, no cycles); only for a process this program owns.
    """

    shared_storage = False

    def __init__(self, workers: int | None = None, *, start_method: str | None = None, limit_memory: bool = False,
                 collect_quietly: bool = False) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("fork" if "fork" in methods else methods[0])
        self.limit_memory = limit_memory
        self.collect_quietly = collect_quietly

    def run(self, task: Task[P, R], payloads: Sequence[P], setup: WorkerSetup, *, timeout: float | None = None,
            per_task: int = 1, progress: Advance | None = None) -> list[R | TaskFailed[P]]:
        if not payloads:
            return []
        collecting = gc.isenabled()
        if self.collect_quietly:
            gc.disable()
        try:
            found = self._run(task, list(range(len(payloads))), payloads, setup, timeout, per_task, self.workers,
                              progress or _no_progress)
        finally:
            if self.collect_quietly and collecting:
                gc.enable()
        return [found[index] for index in range(len(payloads))]

    def _run(self, task: Task[P, R], indices: list[int], payloads: Sequence[P], setup: WorkerSetup,
             timeout: float | None, per_task: int, workers: int, progress: Advance) -> dict[int, R | TaskFailed[P]]:
        results: dict[int, R | TaskFailed[P]] = {}
        pending = list(indices)
        while pending:
            size = chunk_size(len(pending), workers, per_task)
            chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
            suspects = self._round(task, chunks, payloads, setup, timeout, min(workers, len(chunks)), results,
                                   progress)
            pending = [index for index in pending if index not in results and index not in suspects]
            for index in suspects:
                if len(suspects) == 1 or workers == 1:
                    results[index] = TaskFailed(payloads[index], "crashed", "the worker process died or hung")
                    progress(1)
                else:
                    results.update(self._run(task, [index], payloads, setup, timeout, 1, 1, progress))
        return results

    def _round(self, task: Task[P, R], chunks: list[list[int]], payloads: Sequence[P], setup: WorkerSetup,
               timeout: float | None, workers: int, results: dict[int, R | TaskFailed[P]],
               progress: Advance) -> list[int]:
        """Run the chunks in one pool until all are done or a worker dies or hangs; record the
        results and return the payloads of the chunks that took a worker down (the suspects)."""
        queue = iter(chunks)
        futures: dict[Future[list[Any]], list[int]] = {}
        suspects: list[int] = []
        context = multiprocessing.get_context(self.start_method)
        with _stopped_on_the_way_out(_Pool(max_workers=workers, mp_context=context, initializer=_start,
                                           initargs=(setup, self.limit_memory))) as pool:

            def submit_next() -> None:
                chunk = next(queue, None)
                if chunk is not None:
                    futures[pool.submit(_run_chunk, task, [payloads[i] for i in chunk], timeout)] = chunk

            for _ in range(workers * IN_FLIGHT_PER_WORKER):
                submit_next()
            waiting = set(futures)
            limit = (timeout * len(chunks[0]) + 10) if timeout else None
            while waiting:
                done, waiting = wait(waiting, timeout=limit, return_when=FIRST_COMPLETED)
                if not done:  # a worker is stuck in native code past its alarm
                    stuck = [f for f in waiting if f.running()] or list(waiting)[:workers]
                    suspects = [index for future in stuck for index in futures[future]]
                    for process in list(getattr(pool, "_processes", {}).values()):
                        process.kill()
                    break
                for future in done:
                    chunk = futures[future]
                    try:
                        results.update(zip(chunk, future.result()))
                        progress(len(chunk))
                    except BrokenProcessPool:
                        suspects.extend(chunk)
                    except Exception as exc:  # noqa: BLE001 - an unpicklable result: the payloads fail
                        for index in chunk:
                            results[index] = TaskFailed(payloads[index], type(exc).__name__, str(exc)[:200])
                        progress(len(chunk))
                    if not suspects:
                        before = set(futures)
                        submit_next()
                        waiting |= set(futures) - before
        return suspects


@contextmanager
def _stopped_on_the_way_out(pool: _Pool) -> Iterator[_Pool]:
    """The pool, shut down when the block ends; when it ends by an exception (a signal, Ctrl-C),
    its workers are killed and its queued tasks dropped at once rather than run to the end."""
    try:
        yield pool
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def executor_for(workers: int | None, *, tasks: int, limit_memory: bool = False,
                 collect_quietly: bool = False) -> Executor:
    """In this process for ``workers=0`` (or a single task with no worker count asked for),
    else a process pool of `workers` (default: one per core, at most one per task)."""
    if workers == 0 or (workers is None and tasks <= 1):
        return InProcessExecutor(collect_quietly=collect_quietly)
    count = workers if workers is not None else min(os.cpu_count() or 1, max(1, tasks))
    return ProcessPool(count, limit_memory=limit_memory, collect_quietly=collect_quietly)
