#!/usr/bin/env python3
"""How fast are the PDF inspection reports?  Targets (2-core machine):

* a small hospital report (the non-compliant example, 4 findings) <= 0.5 s median and
  <= 3x a Latin-text floor measured in the same run (``--small``);
* a 30-finding hospital report <= 1.5 s median;
* 2,000 hospital reports printed with every core within 10 minutes (``--reports N``
  renders N of them and projects the time for 2,000).

The floor is a one-page Latin-only HTML page (heading, paragraphs, a 12-row table) laid
out by WeasyPrint in this process with a shared FontConfiguration: what any report costs
before CJK text, charts and a multi-page layout.  Every single-report figure is the median
wall time over ``-n`` repeats after one discarded warm-up (matplotlib import, font
parsing, template compilation), with the per-process caches of compliance.report.pdf in
place, as in a real batch.  The load average is printed: other work on the machine
inflates every figure.

Usage: python benchmarks/pdf_reports.py [-n 7] [--reports 2000] [--workers N] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    from compliance.check import get_profile, load_default_catalog, run_check
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from compliance.check import get_profile, load_default_catalog, run_check

from compliance.evaluate import CheckResult, SubjectResult
from compliance.report import pdf, render

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
    who = subject.submission.subject
    name, code = f"{who.name}{index:04d}", f"{who.code}-{index:04d}"
    submission = dataclasses.replace(subject.submission, subject=dataclasses.replace(who, name=name, code=code))
    return SubjectResult(submission, [dataclasses.replace(f, subject_name=name) for f in subject.findings])


def thirty_findings(subject: SubjectResult) -> SubjectResult:
    """The subject with its findings repeated (new rule ids) up to 30."""
    findings = list(subject.findings)
    copy = 0
    while len(findings) < 30:
        copy += 1
        findings += [dataclasses.replace(f, rule_id=f"{f.rule_id}.copy{copy}")
                     for f in subject.findings][:30 - len(findings)]
    return SubjectResult(subject.submission, findings)


def _pages(result: CheckResult, subject: SubjectResult, catalog: object) -> int:
    """Page count of the subject's report (laid out once more, outside any timing)."""
    from weasyprint import HTML

    from compliance.report.fetcher import SafeURLFetcher

    html = pdf.render_inspection_html(result, subject, catalog)
    return len(HTML(string=html, url_fetcher=SafeURLFetcher()).render(font_config=render.font_config()).pages)


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
    big_hospital = thirty_findings(next(s for s in harbin.subjects if s.submission.subject.level == "hospital"))
    big = CheckResult(harbin.profile, harbin.as_of, [big_hospital], harbin.outcomes, harbin.problems)

    cores = os.cpu_count() or 1
    print(f"cores: {cores}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as scratch:
        out = args.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        floor, floor_min = median_time(latin_floor(out), args.repeats)
        print(f"Latin one-page floor (WeasyPrint):      median {floor:.3f} s  (min {floor_min:.3f}; "
              f"CPU {CPU_MEDIANS[-1]:.3f} s)")

        subject = small.subjects[0]
        small_med, small_min = median_time(
            lambda: pdf.write_inspection_report(small, subject, catalog, out / "small.pdf"), args.repeats)
        small_pages = _pages(small, subject, catalog)
        ok = small_med <= TARGET_SMALL and small_med <= TARGET_RATIO * floor
        print(f"small hospital report ({len(subject.findings)} findings):   median {small_med:.3f} s  "
              f"(min {small_min:.3f}; CPU {CPU_MEDIANS[-1]:.3f} s = {CPU_MEDIANS[-1] / CPU_MEDIANS[0]:.1f}x floor CPU), "
              f"{small_med / floor:.1f}x floor  "
              f"[target <= {TARGET_SMALL} s and <= {TARGET_RATIO:.0f}x: {'ok' if ok else 'MISSED'}]")

        big_med, big_min = median_time(
            lambda: pdf.write_inspection_report(big, big_hospital, catalog, out / "thirty.pdf"), args.repeats)
        big_pages = _pages(big, big_hospital, catalog)
        print(f"30-finding hospital report:             median {big_med:.3f} s  (min {big_min:.3f}; "
              f"CPU {CPU_MEDIANS[-1]:.3f} s), "
              f"{big_med / floor:.1f}x floor  [target <= {TARGET_30} s: {'ok' if big_med <= TARGET_30 else 'MISSED'}]")
        print(f"per page (the floor is one page): small report {small_pages} pages, "
              f"{small_med / small_pages:.3f} s/page = {small_med / small_pages / floor:.2f}x floor; "
              f"30-finding report {big_pages} pages, {big_med / big_pages:.3f} s/page = "
              f"{big_med / big_pages / floor:.2f}x floor")

        # The batch: hospital reports alternating between the small and the 30-finding hospital.
        n = max(1, args.reports)
        sources = [(small, small.subjects[0]), (big, big_hospital)]
        subjects = [renamed(sources[i % 2][1], i) for i in range(n)]
        batch = CheckResult(small.profile, small.as_of, subjects, small.outcomes + harbin.outcomes,
                            small.problems + harbin.problems)
        paths = [out / "batch" / f"report-{i:04d}.pdf" for i in range(n)]
        workers = args.workers if args.workers is not None else cores
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        written = pdf.write_inspection_reports(batch, catalog, paths, workers=workers)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert len(written) == n and all(p.stat().st_size > 1000 for p in written)
        projected = wall / n * BATCH_SIZE
        cpu_bound = child_cpu / n * BATCH_SIZE / workers  # if the workers had their cores to themselves
        print(f"batch: {n} hospital reports with {workers} workers: {wall:.1f} s measured "
              f"({wall / n:.3f} s per report, worker CPU {child_cpu:.1f} s = {child_cpu / wall:.2f} cores busy)")
        print(f"projected for {BATCH_SIZE} reports: {projected:.0f} s ({projected / 60:.1f} min)  "
              f"[target <= {TARGET_BATCH / 60:.0f} min: {'ok' if projected <= TARGET_BATCH else 'MISSED'}]; "
              f"from worker CPU time on {workers} idle cores: {cpu_bound:.0f} s ({cpu_bound / 60:.1f} min)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
