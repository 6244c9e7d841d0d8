"""Reports written by ``compliance check --out``: an Excel gap workbook and PDF documents."""

from __future__ import annotations

from pathlib import Path

from compliance.errors import ConfigError
from compliance.evaluation.evaluate import CheckResult
from compliance.report.summary import subject_file_stem
from compliance.rules.spec import Catalog

GAP_WORKBOOK = "gap-report.xlsx"
#: Which PDF documents ``write_reports`` writes per subject.
PDF_CHOICES: dict[str, tuple[str, ...]] = {
    "report": ("report",),
    "notice": ("notice",),
    "both": ("report", "notice"),
    "none": (),
}


def write_reports(result: CheckResult, catalog: Catalog, out_dir: Path, lang: str = "zh",
                  workers: int | None = None, pdf: str = "report") -> list[Path]:
    """Write the batch's gap workbook and, per subject, the PDF documents `pdf` names; return the paths.

    ``pdf="report"`` (default): the inspection report (``<subject>-inspection-report.pdf``).
    Hospitals get the hospital report, regions (``subject.level == "region"``) the region report
    with their hospitals' ranking, matrix, indicator charts and failing lists.  ``"notice"``: the
    one-page inspection notice (``<subject>-inspection-notice.pdf``); ``"both"``; ``"none"``.
    The PDFs are rendered by a pool of `workers` processes (default: the number of cores) when
    there are several subjects; ``workers=0`` or ``1`` renders them in this process.
    """
    from compliance.report.excel import write_gap_workbook
    from compliance.report.notice import write_notices
    from compliance.report.pdf import write_inspection_reports

    if pdf not in PDF_CHOICES:
        raise ConfigError(f"unknown PDF choice {pdf!r}: expected one of {', '.join(PDF_CHOICES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = out_dir / GAP_WORKBOOK
    written = [write_gap_workbook(result, catalog, workbook, lang=lang)]
    writers = {"report": write_inspection_reports, "notice": write_notices}
    for document in PDF_CHOICES[pdf]:
        targets = [out_dir / f"{subject_file_stem(subject)}-inspection-{document}.pdf" for subject in result.subjects]
        written.extend(writers[document](result, catalog, targets, lang=lang, workers=workers))
    return written
