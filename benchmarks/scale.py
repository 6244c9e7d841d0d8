#!/usr/bin/env python3
"""How does an audit scale?  A generated province (benchmarks/province.py) of 200, 2,000 and
20,000 hospitals, one quarter, checked and audited stage by stage in this process, as
`compliance audit` runs them:

    read       read_batch over the quarter's folder (worker processes, one per core)
    evaluate   grouping, data-quality checks and every rule (check_submissions)
    json       the findings as `compliance check --format json` prints them
    store      the run saved in a fresh SQLite history store (save_run)
    excel      the gap workbook (gap_workbook_bytes)
    pdf        every subject's inspection report (worker processes), for --pdf-sizes only

Each stage prints wall seconds, CPU seconds (this process and its workers) and the peak memory of
this process and its workers while it ran, sampled every 20 ms from /proc: the proportional set
size (PSS: pages a forked worker shares with this process counted once, the tree's real use of
memory) and the sum of the resident sizes (RSS: shared pages counted in every process).  Floors,
measured in the same run on the same data:

    read floor      bare python-calamine reading every sheet of the same files, a pool of one
                    process per core
    evaluate floor  the same threshold checks (each finding's observed value against its rule's
                    comparator and threshold) as vectorised pandas comparisons on one table
    store floor     the same finding rows inserted with sqlite3 executemany into a bare table

Targets (issue 17, 2-core machine): check-only (read + evaluate + json) of 2,000 hospitals
<= 15 s and <= 3x the floors; 20,000 within 15 % of 10x the 2,000 figure; a full audit of 2,000
(store, workbook, every PDF) <= 10 minutes; peak memory < 1 GB at 20,000.

    python benchmarks/scale.py                                   # 200, 2,000 and 20,000; PDFs at 200 and 2,000
    python benchmarks/scale.py --sizes 200 --pdf-sizes 200       # quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from benchmarks.province import make_province, write_province  # noqa: E402
from compliance.pipeline.check import (  # noqa: E402
    check_submissions,
    get_profile,
    load_default_catalog,
)
from compliance.pipeline.read import read_batch  # noqa: E402
from compliance.results.run import CheckResult, Run  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "compliance-bench-scale"
QUARTER = "2025Q4"
PROFILE = "auto"


def _kib(path: str, field: str) -> int:
    """A "Field:  N kB" line of a /proc file (0 when the process has gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kib(pid: int) -> int:
    return _kib(f"/proc/{pid}/status", "VmRSS:")


def _pss_kib(pid: int) -> int:
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found.extend(_tree(int(child)))
    except OSError:
        pass
    return found


@dataclass
class Stage:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak_mib: float = 0.0  # PSS of the process tree
    peak_rss_mib: float = 0.0  # RSS summed over the process tree
    floor: float | None = None


@dataclass
class Measured:
    size: int
    stages: list[Stage] = field(default_factory=list)

    def stage(self, name: str) -> Stage:
        return next(stage for stage in self.stages if stage.name == name)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def measured(into: Measured, name: str) -> Iterator[None]:
    """Wall, CPU and the peak memory of this process tree while the block runs."""
    gc.collect()
    peak = [0, 0]
    running = threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            tree = _tree(os.getpid())
            peak[0] = max(peak[0], sum(_pss_kib(pid) for pid in tree))
            peak[1] = max(peak[1], sum(_rss_kib(pid) for pid in tree))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu, started = _cpu(), time.perf_counter()
    try:
        yield
    finally:
        wall = time.perf_counter() - started
        running.clear()
        sampler.join()
        into.stages.append(Stage(name, wall, _cpu() - cpu, peak[0] / 1024, peak[1] / 1024))


def province_files(size: int, seed: int) -> Path:
    folder = CACHE / f"v1-{size}-seed{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        started = time.perf_counter()
        write_province(make_province("510000", size, seed), [QUARTER], folder, PROFILE, seed)
        marker.write_text("ok\n")
        print(f"generated {size} hospitals in {folder} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder / QUARTER


def calamine_floor(paths: list[Path]) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        pool.map(_calamine_one, [str(path) for path in paths], chunksize=32)


def _calamine_one(path: str) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def evaluate_floor(result: CheckResult) -> float:
    """The same comparisons as vectorised pandas operations on one table; seconds."""
    import pandas as pd

    rows = [(f.rule_id, float(f.observed.value), f.required.comparator, float(f.required.threshold.value))
            for f in result.findings if f.required is not None and f.observed is not None
            and isinstance(f.observed.value, (int, float)) and not isinstance(f.observed.value, bool)
            and isinstance(f.required.threshold.value, (int, float))
            and not isinstance(f.required.threshold.value, bool)]
    table = pd.DataFrame(rows, columns=["rule", "observed", "comparator", "threshold"])
    started = time.perf_counter()
    met = pd.Series(False, index=table.index)
    for comparator, compare in ((">=", table.observed.ge), ("<=", table.observed.le), (">", table.observed.gt),
                                ("<", table.observed.lt), ("==", table.observed.eq)):
        chosen = table.comparator == comparator
        met[chosen] = compare(table.threshold)[chosen]
    table["met"] = met
    table.groupby("rule")["met"].mean()
    return time.perf_counter() - started


def store_floor(result: CheckResult, folder: Path) -> float:
    rows = [(result.run.id, f.subject_id, f.rule_id, f.status.value, f.reason.value,
             json.dumps(f.observed.value if f.observed else None, default=str),
             json.dumps({k: str(v) for k, v in f.details.items()})) for f in result.findings]
    connection = sqlite3.connect(folder / "floor.sqlite3")
    connection.execute("create table finding (run, subject, rule, status, reason, observed, details)")
    started = time.perf_counter()
    with connection:
        connection.executemany("insert into finding values (?, ?, ?, ?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def run_size(size: int, seed: int, pdfs: bool) -> Measured:
    from compliance.cli.output import json_chunks
    from compliance.pipeline.executors import executor_for
    from compliance.report import DocumentRequest, SubjectReport, render_documents
    from compliance.report.excel import gap_workbook_bytes
    from compliance.store import api
    from compliance.store.setup import sqlite_url

    folder = province_files(size, seed)
    catalog = load_default_catalog(ROOT)
    profile = get_profile(catalog, PROFILE)
    paths = sorted(folder.rglob("*.xlsx"))
    out = Measured(size)
    with measured(out, "read"):
        batch = read_batch([folder], catalog, owns_process=True)
    with measured(out, "evaluate"):
        result = check_submissions(catalog, profile, batch, Run.new(catalog.digest, profile.name, profile.title))
    del batch
    with measured(out, "json"), open(os.devnull, "w", encoding="utf-8") as stdout:
        stdout.writelines(json_chunks(result))  # as `compliance check --format json` writes it
    with tempfile.TemporaryDirectory(prefix="compliance-scale-") as scratch:
        url = sqlite_url(Path(scratch) / "store.sqlite3")
        api.migrate(url)
        with measured(out, "store"):
            api.save_run(result, url)
        out.stage("store").floor = store_floor(result, Path(scratch))
    with measured(out, "excel"):
        gap_workbook_bytes(result, catalog)
    if pdfs:
        requests = [DocumentRequest("report", SubjectReport.of(result, subject), "zh", None)
                    for subject in result.subjects]
        with measured(out, "pdf"):
            executor = executor_for(None, tasks=len(requests))
            for start in range(0, len(requests), 128):
                render_documents(requests[start:start + 128], catalog, executor)
    started = time.perf_counter()
    calamine_floor(paths)
    out.stage("read").floor = time.perf_counter() - started
    out.stage("evaluate").floor = evaluate_floor(result)
    print(f"{size} hospitals: {len(result.subjects)} subjects, {len(result.findings)} findings, "
          f"{len(result.problems)} data problems, {sum(o.status.value == 'refused' for o in result.outcomes)} refused",
          flush=True)
    return out


def report_size(measured_size: Measured) -> None:
    """One size's table, printed as soon as it is measured."""
    print(f"\n{measured_size.size} hospitals (load average {os.getloadavg()[0]:.1f})\n")
    print("| stage | wall s | CPU s | peak PSS MiB | peak RSS sum MiB | floor s | × floor |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for stage in measured_size.stages:
        ratio = f"{stage.wall / stage.floor:.1f}" if stage.floor else "–"
        floor = f"{stage.floor:.3f}" if stage.floor is not None else "–"
        print(f"| {stage.name} | {stage.wall:.2f} | {stage.cpu:.2f} | {stage.peak_mib:.0f} | {stage.peak_rss_mib:.0f} "
              f"| {floor} | {ratio} |")
    check = sum(measured_size.stage(name).wall for name in ("read", "evaluate", "json"))
    floors = sum(measured_size.stage(name).floor or 0 for name in ("read", "evaluate"))
    total = sum(stage.wall for stage in measured_size.stages)
    print(f"\ncheck-only (read + evaluate + json): {check:.1f} s, {check / floors:.1f}× the floors ({floors:.2f} s); "
          f"all stages: {total:.1f} s; peak {max(s.peak_mib for s in measured_size.stages):.0f} MiB (PSS)", flush=True)


def report(results: list[Measured]) -> None:
    print(f"\n{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    by_size = {m.size: m for m in results}
    if 2000 in by_size:
        m = by_size[2000]
        check = sum(m.stage(n).wall for n in ("read", "evaluate", "json"))
        floors = sum(m.stage(n).floor or 0 for n in ("read", "evaluate"))
        print(f"\ntarget check-only 2,000 <= 15 s and <= 3x floors: {check:.1f} s, {check / floors:.1f}x: "
              f"{'PASS' if check <= 15 and check / floors <= 3 else 'MISS'}")
        if any(s.name == "pdf" for s in m.stages):
            total = sum(s.wall for s in m.stages)
            print(f"target full audit 2,000 <= 600 s: {total:.0f} s: {'PASS' if total <= 600 else 'MISS'}")
    if 2000 in by_size and 20000 in by_size:
        small = sum(by_size[2000].stage(n).wall for n in ("read", "evaluate", "json"))
        large = sum(by_size[20000].stage(n).wall for n in ("read", "evaluate", "json"))
        print(f"target 20,000 linear (within 15 % of 10x 2,000): {large:.1f} s vs {10 * small:.1f} s "
              f"({large / (10 * small) - 1:+.0%}): {'PASS' if abs(large / (10 * small) - 1) <= 0.15 else 'MISS'}")
        peak = max(s.peak_mib for s in by_size[20000].stages)
        print(f"target peak memory (PSS of the process tree) at 20,000 < 1 GB: {peak:.0f} MiB: "
              f"{'PASS' if peak < 1024 else 'MISS'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,2000,20000")
    parser.add_argument("--pdf-sizes", default="200,2000", help="sizes whose every PDF is rendered too")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    pdf_sizes = {int(size) for size in args.pdf_sizes.split(",") if size}
    results = []
    for size in args.sizes.split(","):
        results.append(run_size(int(size), args.seed, int(size) in pdf_sizes))
        report_size(results[-1])
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
