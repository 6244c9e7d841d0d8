#!/usr/bin/env python3
"""How fast are the PDF documents?  Targets (2-core machine):

* a one-page hospital report <= 0.5 s median and <= 3x a Latin-text floor measured in the
  same run: the one-page inspection notice (检查结果告知书) of the non-compliant example
  (4 items needing action);
* a 30-finding hospital report <= 1.5 s median;
* 2,000 hospital reports printed with every core within 10 minutes (``--reports N`` renders
  N of them and projects the time for 2,000).  Three batches are printed: full inspection
  reports of the default (headline) profile, as ``compliance check --out`` writes them for a
  province; full reports alternating between that report and the 30-finding one; notices; and
  the full reports again with every summary chart drawn and embedded anew (see
  charts_drawn_anew: the batch hospitals are copies of one, whose chart is otherwise drawn once).

For context it also times the full inspection report of the non-compliant example (cover,
summary with chart, findings, data problems, appendix: 6 pages).

The floor is a one-page Latin-only HTML page (heading, paragraphs, a 12-row table) laid
out by WeasyPrint in this process with a shared FontConfiguration: what any report costs
before CJK text, charts and a multi-page layout.  Every single-report figure is the median
wall time over ``-n`` repeats after one discarded warm-up (matplotlib import, font
parsing, template compilation), with the per-process caches of compliance.report.render in
place, as in a real batch.  The load average is printed: other work on the machine
inflates every figure.

Usage: python benchmarks/pdf_reports.py [-n 7] [--reports 2000] [--workers N] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    from compliance.pipeline.check import get_profile, load_default_catalog, run_check
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from compliance.pipeline.check import get_profile, load_default_catalog, run_check

from compliance.pipeline.executors import ProcessPool
from compliance.report import notice, pdf, render, render_documents
from compliance.report.inputs import DocumentRequest, SubjectReport
from compliance.outputs import OutputFolder, write_file
from compliance.results.run import CheckResult, SubjectResult

ROOT = Path(__file__).resolve().parents[1]
TARGET_SMALL = 0.5
TARGET_RATIO = 3.0
TARGET_30 = 1.5
TARGET_BATCH = 600.0
BATCH_SIZE = 2000

LATIN_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 25mm 20mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.6; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { border: 0.5pt solid #ccc; padding: 1.2mm 2mm; text-align: left; }
</style></head><body>
<h1>Health-reform compliance inspection report</h1>
<p>This report compares the self-assessment data submitted by the institution with the policy
clauses of the audit profile. The share of performance pay used for incentives is 52.0%, below
the 60% required: a gap of 8.0 percentage points. Personnel spending reaches 38.5% of operating
spending (required: at least 35%).</p>
<p>The data owner is responsible for the data being true and complete; if they prove wrong, the
check must be rerun on corrected data.</p>
<table><thead><tr><th>No.</th><th>Institution</th><th>Indicator</th><th>Value</th><th>Target</th>
<th>Result</th></tr></thead><tbody>
""" + "".join(
    f"<tr><td>{i}</td><td>Example hospital {i}</td><td>Incentive pay share</td><td>{50 + i}.0%</td>"
    f"<td>60%</td><td>{'Pass' if 50 + i >= 60 else 'Fail'}</td></tr>" for i in range(1, 13)
) + "</tbody></table></body></html>"


CPU_MEDIANS: list[float] = []  # CPU-time median of each median_time() call, in order


def median_time(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and minimum wall time; the median CPU time is appended to CPU_MEDIANS
    (on a busy machine wall time includes waiting for a core, CPU time does not)."""
    action()  # warm-up, discarded
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_MEDIANS.append(statistics.median(cpu))
    return statistics.median(times), min(times)


def latin_floor(out: Path) -> Callable[[], object]:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return lambda: HTML(string=LATIN_PAGE).write_pdf(out / "floor.pdf", font_config=font_config)


def renamed(subject: SubjectResult, index: int) -> SubjectResult:
    who = subject.subject
    name, code = f"{who.name}{index:04d}", f"{who.code}-{index:04d}"
    ref = dataclasses.replace(subject.submission, institution=code)
    return dataclasses.replace(subject, submission=ref, subject=dataclasses.replace(who, name=name, code=code),
                               findings=tuple(dataclasses.replace(f, subject_name=name, submission=ref)
                                              for f in subject.findings))


def thirty_findings(subject: SubjectResult) -> SubjectResult:
    """The subject with its findings repeated (new rule ids) up to 30."""
    findings = list(subject.findings)
    copy = 0
    while len(findings) < 30:
        copy += 1
        findings += [dataclasses.replace(f, rule_id=f"{f.rule_id}.copy{copy}")
                     for f in subject.findings][:30 - len(findings)]
    return dataclasses.replace(subject, findings=tuple(findings))


def _batch(result: CheckResult, sources: list[SubjectResult], n: int,
           extra: CheckResult | None = None) -> CheckResult:
    """n renamed copies of `sources`, in turn, as one check result."""
    subjects = tuple(renamed(sources[i % len(sources)], i) for i in range(n))
    outcomes = result.outcomes + (extra.outcomes if extra else ())
    return CheckResult(result.run, subjects, outcomes)


def write_documents(batch: CheckResult, catalog: object, paths: list[Path], document: str, workers: int) -> list[Path]:
    """What ``write_reports`` does for the PDFs: one render task per subject on a pool of `workers`
    processes, each PDF's bytes written by this process."""
    requests = [DocumentRequest(document, SubjectReport.of(batch, subject), "zh") for subject in batch.subjects]
    documents = render_documents(requests, catalog, ProcessPool(workers))  # type: ignore[arg-type]
    with OutputFolder(paths[0].parent) as folder:
        return [folder.write(path.name, data).path for path, data in zip(paths, documents)]


def _time_batch(label: str, batch: CheckResult, catalog: object, document: str, folder: Path, workers: int) -> None:
    n = len(batch.subjects)
    paths = [folder / f"{i:04d}.pdf" for i in range(n)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    written = write_documents(batch, catalog, paths, document, workers)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert len(written) == n and all(p.stat().st_size > 1000 for p in written)
    projected = wall / n * BATCH_SIZE
    cpu_bound = child_cpu / n * BATCH_SIZE / workers  # if the workers had their cores to themselves
    print(f"batch, {label}: {n} with {workers} workers in {wall:.1f} s ({wall / n:.3f} s each, worker CPU "
          f"{child_cpu:.1f} s = {child_cpu / wall:.2f} cores busy); projected for {BATCH_SIZE}: {projected:.0f} s "
          f"({projected / 60:.1f} min) [target <= {TARGET_BATCH / 60:.0f} min: "
          f"{'ok' if projected <= TARGET_BATCH else 'MISSED'}]; from worker CPU on {workers} idle cores: "
          f"{cpu_bound / 60:.1f} min")


@contextlib.contextmanager
def charts_drawn_anew() -> Iterator[None]:
    """The batches above print copies of one hospital, so each worker draws its summary chart once
    (charts are memoized per worker for equal data) and WeasyPrint decodes it once (the worker's
    image cache).  Hospitals with other results draw their own: this turns both caches off (in the
    forked workers too), the worst case of a batch in which no two hospitals share a distribution
    of results."""
    memo, cache = render.DocumentCaches.chart, render.DocumentCaches.image_cache
    render.DocumentCaches.chart = lambda self, key, draw: draw()  # type: ignore[method-assign]
    render.DocumentCaches.image_cache = lambda self: {}  # type: ignore[method-assign]
    try:
        yield
    finally:
        render.DocumentCaches.chart, render.DocumentCaches.image_cache = memo, cache  # type: ignore[method-assign]


def _pages(path: Path) -> int:
    """Page count from poppler's pdfinfo (0 when it is not installed)."""
    try:
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 0
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repeats", type=int, default=7, help="repeats per single-report figure")
    parser.add_argument("--reports", type=int, default=BATCH_SIZE,
                        help=f"hospital reports in the batch run (projected to {BATCH_SIZE})")
    parser.add_argument("--workers", type=int, default=None, help="processes for the batch (default: cores)")
    parser.add_argument("--out", type=Path, default=None, help="keep the PDFs here")
    args = parser.parse_args()

    catalog = load_default_catalog(ROOT)
    small = run_check(catalog, get_profile(catalog, "headline"), [ROOT / "examples" / "hospital-noncompliant.xlsx"])
    harbin = run_check(catalog, get_profile(catalog, "auto"), sorted((ROOT / "examples" / "harbin").glob("*.xlsx")))
    big_hospital = thirty_findings(next(s for s in harbin.subjects if s.subject.level == "hospital"))
    big = CheckResult(harbin.run, (big_hospital,), harbin.outcomes)
    # one worker's caches, as in a batch: fonts, stylesheets, charts and images are reused
    caches = render.DocumentCaches(owns_process=True)

    cores = os.cpu_count() or 1
    print(f"cores: {cores}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as scratch:
        out = args.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        floor, floor_min = median_time(latin_floor(out), args.repeats)
        print(f"Latin one-page floor (WeasyPrint):      median {floor:.3f} s  (min {floor_min:.3f}; "
              f"CPU {CPU_MEDIANS[-1]:.3f} s)")

        subject = small.subjects[0]
        one_med, one_min = median_time(
            lambda: write_file(out / "notice.pdf", notice.notice_pdf(SubjectReport.of(small, subject), catalog,
                                                                      caches)), args.repeats)
        one_cpu = CPU_MEDIANS[-1]
        one_pages = _pages(out / "notice.pdf")
        ok = one_med <= TARGET_SMALL and one_med <= TARGET_RATIO * floor
        print(f"one-page hospital report (inspection notice, {one_pages} page): median {one_med:.3f} s  "
              f"(min {one_min:.3f}; CPU {one_cpu:.3f} s = {one_cpu / CPU_MEDIANS[0]:.1f}x floor CPU), "
              f"{one_med / floor:.1f}x floor  "
              f"[target <= {TARGET_SMALL} s and <= {TARGET_RATIO:.0f}x: {'ok' if ok else 'MISSED'}]")

        small_med, small_min = median_time(
            lambda: write_file(out / "small.pdf", pdf.inspection_report_pdf(SubjectReport.of(small, subject),
                                                                             catalog, caches)), args.repeats)
        small_pages = _pages(out / "small.pdf")
        print(f"full inspection report, same hospital ({len(subject.findings)} findings, {small_pages} pages): "
              f"median {small_med:.3f} s  (min {small_min:.3f}; CPU {CPU_MEDIANS[-1]:.3f} s), "
              f"{small_med / floor:.1f}x floor")

        big_med, big_min = median_time(
            lambda: write_file(out / "thirty.pdf", pdf.inspection_report_pdf(SubjectReport.of(big, big_hospital),
                                                                              catalog, caches)), args.repeats)
        big_pages = _pages(out / "thirty.pdf")
        print(f"30-finding hospital report ({big_pages} pages):   median {big_med:.3f} s  (min {big_min:.3f}; "
              f"CPU {CPU_MEDIANS[-1]:.3f} s), "
              f"{big_med / floor:.1f}x floor  [target <= {TARGET_30} s: {'ok' if big_med <= TARGET_30 else 'MISSED'}]")
        print(f"per page (the floor is one page): full report {small_med / small_pages:.3f} s/page = "
              f"{small_med / small_pages / floor:.2f}x floor; 30-finding report {big_med / big_pages:.3f} s/page = "
              f"{big_med / big_pages / floor:.2f}x floor")

        n = max(1, args.reports)
        workers = args.workers if args.workers is not None else cores
        full_batch = _batch(small, [small.subjects[0]], n)
        mixed_batch = _batch(small, [small.subjects[0], big_hospital], n, extra=harbin)
        for label, batch, document in (
                ("full reports, default profile", full_batch, "report"),
                ("full reports, alternating with the 30-finding one", mixed_batch, "report"),
                ("inspection notices", full_batch, "notice")):
            _time_batch(label, batch, catalog, document, out / "batch", workers)
        with charts_drawn_anew():
            _time_batch("full reports, default profile, every summary chart drawn and embedded anew", full_batch,
                        catalog, "report", out / "batch", workers)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
