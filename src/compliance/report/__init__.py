"""Reports written by ``compliance check --out``: an Excel gap workbook and PDF documents.

The render stage: each PDF is a task of an executor, given an explicit :class:`DocumentRequest`
(the subject's result and what its documents show about the run) and returning the PDF's bytes;
this process writes every file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from compliance.errors import ConfigError, StageError
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import Executor, TaskFailed, executor_for
from compliance.report.inputs import DocumentRequest, SubjectReport
from compliance.report.output import write_bytes
from compliance.report.summary import subject_file_stem
from compliance.results.run import CheckResult
from compliance.rules.spec import Catalog

GAP_WORKBOOK = "gap-report.xlsx"
#: Which PDF documents ``write_reports`` writes per subject.
PDF_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "report": ("report",),
    "notice": ("notice",),
    "both": ("report", "notice"),
    "none": (),
})


def render_task(context: WorkerContext, request: DocumentRequest) -> bytes:
    """One PDF document (a task of the render stage)."""
    from compliance.report.notice import notice_pdf
    from compliance.report.pdf import inspection_report_pdf

    make = inspection_report_pdf if request.document == "report" else notice_pdf
    return make(request.report, context.catalog, context.documents, request.today, request.lang)


def render_documents(requests: list[DocumentRequest], catalog: Catalog, executor: Executor) -> list[bytes]:
    """The PDFs of `requests`, in order; a document that fails to render raises, naming it."""
    results = executor.run(render_task, requests, WorkerSetup(catalog, owns_process=executor.workers > 0))
    for request, result in zip(requests, results):
        if isinstance(result, TaskFailed):
            who = request.report.subject.subject
            raise StageError(f"the {request.document} of {who.name} ({who.code}, {who.period.label}) could not "
                               f"be rendered: {result.why} {result.detail}")
    return results  # type: ignore[return-value]


def write_reports(result: CheckResult, catalog: Catalog, out_dir: Path, lang: str = "zh",
                  workers: int | None = None, pdf: str = "report", *, executor: Executor | None = None,
                  today: dt.date | None = None, owns_process: bool = False) -> list[Path]:
    """Write the batch's gap workbook and, per subject, the PDF documents `pdf` names; return the paths.

    ``pdf="report"`` (default): the inspection report (``<subject>-inspection-report.pdf``).
    Hospitals get the hospital report, regions (``subject.level == "region"``) the region report
    with their hospitals' ranking, matrix, indicator charts and failing lists.  ``"notice"``: the
    one-page inspection notice (``<subject>-inspection-notice.pdf``); ``"both"``; ``"none"``.
    The PDFs are rendered by `executor` (default: worker processes, one per core, when there are
    several documents; ``workers=0``: this process).
    """
    from compliance.report.excel import gap_workbook_bytes

    if pdf not in PDF_CHOICES:
        raise ConfigError(f"unknown PDF choice {pdf!r}: expected one of {', '.join(PDF_CHOICES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_bytes(out_dir / GAP_WORKBOOK, gap_workbook_bytes(result, catalog, lang=lang))]
    requests = [DocumentRequest(document, SubjectReport.of(result, subject), lang, today)
                for document in PDF_CHOICES[pdf] for subject in result.subjects]
    if not requests:
        return written
    executor = executor or executor_for(workers, tasks=len(requests))
    if executor.workers == 0 and owns_process:
        from compliance.pipeline.executors import InProcessExecutor

        executor = InProcessExecutor(WorkerContext(WorkerSetup(catalog, owns_process=True)))
    documents = render_documents(requests, catalog, executor)
    for request, document in zip(requests, documents):
        name = f"{subject_file_stem(request.report.subject)}-inspection-{request.document}.pdf"
        written.append(write_bytes(out_dir / name, document))
    return written
