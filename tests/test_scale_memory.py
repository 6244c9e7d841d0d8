"""Memory stays flat over a batch of 5,000 workbooks (issue 17): reading and evaluating one
workbook after another in one worker leaves nothing behind (the reader, the rule engine's per-fact
state, the worker's caches), so a worker's memory does not grow with the size of the batch."""

from __future__ import annotations

import gc
from pathlib import Path

from benchmarks.province import make_province, write_province
from compliance.pipeline.check import EvaluationPayload, evaluate_task, get_profile
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.read import read_task
from compliance.rules.spec import Catalog

WORKBOOKS = 5000
#: Generous: a leak of 8 KiB per workbook (one durable-rules fact kept) would exceed it.
GROWTH_BOUND_MIB = 40


def _resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2 ** 20


def test_a_workers_memory_stays_flat_over_a_batch_of_5000_workbooks(tmp_path: Path, catalog: Catalog) -> None:
    province = make_province("510000", WORKBOOKS, 21)
    write_province(province, ["2025Q4"], tmp_path, catalog=catalog, seed=21)
    files = sorted((tmp_path / "2025Q4").rglob("*.xlsx"))
    assert len(files) >= WORKBOOKS
    context = WorkerContext(WorkerSetup(catalog))
    profile = get_profile(catalog, "auto")
    findings = 0
    resident: dict[int, float] = {}
    for count, path in enumerate(files, start=1):
        read = read_task(context, (str(path), path.name))
        for submission in read.submissions:
            findings += len(evaluate_task(context, EvaluationPayload(profile, None, submission)))
        if count in (500, len(files)):
            gc.collect()
            resident[count] = _resident_mib()
    assert findings >= 10 * WORKBOOKS  # every workbook was read and evaluated
    growth = resident[len(files)] - resident[500]
    assert growth < GROWTH_BOUND_MIB, f"memory grew by {growth:.0f} MiB from workbook 500 to {len(files)}"
