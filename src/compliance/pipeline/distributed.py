"""Running a stage's tasks on a Dask distributed cluster, behind the same :class:`Executor`
interface as this process and the process pool.

The client (the command that runs the check or audit) reads nothing itself: each read task opens
its file on the worker, so the files must be where the workers see them under the same path
(storage the workers share).  Grouping stays with the client: a region's evaluation payload holds
every hospital of the region, however the files were spread over the workers, so no region rule
is judged on part of its hospitals.  A worker writes each PDF it renders under a temporary name
into the output folder, and the client, which holds the folder, puts it in place (or removes it
when the run stops); the client alone writes the history store.

Each task is sent with its :class:`WorkerSetup`, scattered once per run; a worker keeps the
contexts of the catalogs it has seen on the worker object itself (not in a module), one per
thread.  Workers should run one thread each (``--nthreads 1``): the rule engine's host is
process-wide and serialised, so more threads only wait.  A task's time limit is not enforced on a
cluster (signals reach only a process's main thread): a stuck worker is the cluster's to restart.

    compliance audit --scheduler tcp://10.0.0.5:8786 …   # a running scheduler
    compliance audit --scheduler local:4 …                # a LocalCluster of 4 worker processes here
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import Advance, P, R, Task, TaskFailed

#: Contexts a worker keeps per thread (the current catalog and the one before).
KEPT_CONTEXTS = 2
_ATTRIBUTE = "compliance_contexts"


def _context(setup: WorkerSetup) -> WorkerContext:
    from distributed import get_worker

    worker = get_worker()
    contexts: dict[tuple[str, int], WorkerContext] = getattr(worker, _ATTRIBUTE, None) or {}
    setattr(worker, _ATTRIBUTE, contexts)
    key = (setup.catalog.digest, threading.get_ident())
    if key not in contexts:
        mine = [k for k in contexts if k[1] == key[1]]
        while len(mine) >= KEPT_CONTEXTS:
            contexts.pop(mine.pop(0))
        contexts[key] = WorkerContext(setup)
    return contexts[key]


def _run_on_worker(task: Task[Any, Any], payload: Any, setup: WorkerSetup) -> Any:
    try:
        return task(_context(setup), payload)
    except Exception as exc:  # noqa: BLE001 - recorded in the task's place, as the other executors do
        return TaskFailed(payload, type(exc).__name__, str(exc)[:200])


class DaskExecutor:
    """An :class:`Executor` on a Dask distributed client; its workers see the files under the
    paths the client sees (storage the workers share), and write rendered documents there."""

    shared_storage = True

    def __init__(self, client: Any) -> None:
        self.client = client
        workers = client.scheduler_info().get("workers", {})
        self.workers = max(1, sum(int(info.get("nthreads", 1)) for info in workers.values()))

    @classmethod
    def connect(cls, address: str) -> DaskExecutor:
        """``tcp://host:port`` of a running scheduler, or ``local:N`` for N worker processes here."""
        from distributed import Client, LocalCluster

        if address.startswith("local:"):
            count = int(address.removeprefix("local:") or 2)
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None)
            return cls(Client(cluster))
        return cls(Client(address, timeout=10))

    def run(self, task: Task[P, R], payloads: Sequence[P], setup: WorkerSetup, *, timeout: float | None = None,
            per_task: int = 1, progress: Advance | None = None) -> list[R | TaskFailed[P]]:
        from distributed import as_completed

        if not payloads:
            return []
        shared = self.client.scatter(setup, broadcast=True, hash=False)
        futures = self.client.map(_run_on_worker, [task] * len(payloads), list(payloads), [shared] * len(payloads),
                                  pure=False)
        index = {future.key: position for position, future in enumerate(futures)}
        results: dict[int, Any] = {}
        for future in as_completed(futures):
            position = index[future.key]
            try:
                results[position] = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker lost, an unpicklable result: the payload fails
                results[position] = TaskFailed(payloads[position], type(exc).__name__, str(exc)[:200])
            if progress is not None:
                progress(1)
        return [results[position] for position in range(len(payloads))]

    def close(self) -> None:
        cluster = getattr(self.client, "cluster", None)
        self.client.close()
        if cluster is not None:
            cluster.close()
