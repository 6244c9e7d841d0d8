"""A long-lived pool of worker processes that several callers share: the portal's requests and
background audits run their stages through it, each call as one :class:`Executor` run.

Every task is sent with its :class:`WorkerSetup`; a worker keeps the context of the catalogs it
has seen (by digest, the last few), so the engine's compiled rules and the PDF caches are built
once per worker and a catalog with a new waiver gets contexts of its own.  Workers are started by
a fork server (never forked from a server's threads).  A worker that dies fails only the tasks it
held; the pool is started again for the next call.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import ProcessPoolExecutor as _Pool
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import (
    Advance,
    P,
    R,
    Task,
    TaskFailed,
    _limit_memory,
    _on_alarm,
    _Timeout,
)

#: Catalog contexts a worker keeps (the current catalog and the one before a waiver changed it).
KEPT_CONTEXTS = 2
PRELOADED = ("compliance.pipeline.check", "compliance.report", "compliance.evaluation.engine")

_contexts: dict[str, WorkerContext] = {}  # per worker process


def _start(limit_memory: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if limit_memory:
        _limit_memory()


def _context(setup: WorkerSetup) -> WorkerContext:
    key = f"{setup.catalog.digest}:{setup.owns_process}"
    if key not in _contexts:
        while len(_contexts) >= KEPT_CONTEXTS:
            _contexts.pop(next(iter(_contexts)))
        _contexts[key] = WorkerContext(setup)
    return _contexts[key]


def _run_one(task: Task[Any, Any], payload: Any, setup: WorkerSetup, timeout: float | None) -> Any:
    context = _context(setup)
    if timeout:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return task(context, payload)
    except _Timeout:
        return TaskFailed(payload, "timeout", f"{timeout:.0f} s")
    except Exception as exc:  # noqa: BLE001 - recorded in the task's place
        return TaskFailed(payload, type(exc).__name__, str(exc)[:200])
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)


class SharedPool:
    """An :class:`Executor` over one pool of `workers` processes, safe to call from many threads."""

    shared_storage = False

    def __init__(self, workers: int | None = None, *, limit_memory: bool = True) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.limit_memory = limit_memory
        self._lock = threading.Lock()
        self._pool: _Pool | None = None

    def _current(self) -> _Pool:
        with self._lock:
            if self._pool is None:
                methods = multiprocessing.get_all_start_methods()
                context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
                if "forkserver" in methods:
                    context.set_forkserver_preload(list(PRELOADED))
                self._pool = _Pool(max_workers=self.workers, mp_context=context, initializer=_start,
                                   initargs=(self.limit_memory,))
            return self._pool

    def _broken(self, pool: _Pool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def run(self, task: Task[P, R], payloads: Sequence[P], setup: WorkerSetup, *, timeout: float | None = None,
            per_task: int = 1, progress: Advance | None = None) -> list[R | TaskFailed[P]]:
        if not payloads:
            return []
        pool = self._current()
        try:
            futures: dict[Future[Any], int] = {pool.submit(_run_one, task, payload, setup, timeout): index
                                               for index, payload in enumerate(payloads)}
        except BrokenProcessPool:
            self._broken(pool)
            pool = self._current()
            futures = {pool.submit(_run_one, task, payload, setup, timeout): index
                       for index, payload in enumerate(payloads)}
        results: dict[int, Any] = {}
        waiting = set(futures)
        broken = False
        while waiting:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures[future]
                try:
                    results[index] = future.result()
                except BrokenProcessPool:
                    broken = True
                    results[index] = TaskFailed(payloads[index], "crashed", "the worker process died")
                except Exception as exc:  # noqa: BLE001 - an unpicklable result: the payload fails
                    results[index] = TaskFailed(payloads[index], type(exc).__name__, str(exc)[:200])
                if progress is not None:
                    progress(1)
        if broken:
            self._broken(pool)
        return [results[index] for index in range(len(payloads))]

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
