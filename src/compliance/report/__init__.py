"""Reports written by ``compliance check --out``: an Excel gap workbook and PDF inspection reports."""

from __future__ import annotations

from pathlib import Path

from ..evaluate import CheckResult
from ..spec import Catalog
from .summary import subject_file_stem

GAP_WORKBOOK = "gap-report.xlsx"


def write_reports(result: CheckResult, catalog: Catalog, out_dir: Path, lang: str = "zh",
                  workers: int | None = None) -> list[Path]:
    """Write the batch's gap workbook and one PDF inspection report per subject; return the paths.

    Hospitals get the hospital report, regions (``subject.level == "region"``) the region report
    with their hospitals' ranking, matrix, indicator charts and failing lists.  The PDFs are
    rendered by a pool of `workers` processes (default: the number of cores) when there are
    several subjects; ``workers=0`` or ``1`` renders them in this process.
    """
    from .excel import write_gap_workbook
    from .pdf import write_inspection_reports

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = out_dir / GAP_WORKBOOK
    written = [write_gap_workbook(result, catalog, workbook, lang=lang)]
    targets = [out_dir / f"{subject_file_stem(subject)}-inspection-report.pdf" for subject in result.subjects]
    written.extend(write_inspection_reports(result, catalog, targets, lang=lang, workers=workers))
    return written
