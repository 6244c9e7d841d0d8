"""Reports written by ``compliance check --out``: an Excel gap workbook and PDF inspection reports."""

from __future__ import annotations

from pathlib import Path

from ..evaluate import CheckResult
from ..spec import Catalog
from .summary import subject_file_stem

GAP_WORKBOOK = "gap-report.xlsx"


def write_reports(result: CheckResult, catalog: Catalog, out_dir: Path) -> list[Path]:
    """Write the batch's gap workbook and one PDF inspection report per subject; return the paths."""
    from .excel import write_gap_workbook
    from .pdf import write_inspection_report

    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_gap_workbook(result, catalog, out_dir / GAP_WORKBOOK)]
    for subject in result.subjects:
        path = out_dir / f"{subject_file_stem(subject)}-inspection-report.pdf"
        written.append(write_inspection_report(result, subject, catalog, path))
    return written
