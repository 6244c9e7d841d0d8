"""Reports written by ``compliance check --out``: an Excel gap workbook and PDF documents.

The render stage: each PDF is a task of an executor, given an explicit :class:`DocumentRequest`
(the subject's result and what its documents show about the run) and returning the PDF's bytes,
which this process writes; on a cluster whose workers share the output folder's storage, the
worker writes the PDF under a temporary name and this process puts it in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from compliance.errors import ConfigError, StageError
from compliance.outputs import (
    MANIFEST_NAME,
    NameCollision,
    OutputFolder,
    PlannedOutput,
    StagedFile,
    WrittenFile,
    manifest_bytes,
    stage_file,
    subject_stems,
)
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import (
    Executor,
    InProcessExecutor,
    TaskFailed,
    executor_for,
)
from compliance.pipeline.progress import NO_PROGRESS, Progress
from compliance.report.inputs import DocumentRequest, SubjectReport
from compliance.results.run import CheckResult, SubjectResult
from compliance.rules.spec import Catalog

T = TypeVar("T")
GAP_WORKBOOK = "gap-report.xlsx"
#: PDFs rendered before they are written: a bound on the documents held in memory at once (a few
#: MiB each at most), large enough that starting a round's worker processes costs under 1 %.
RENDER_ROUND = 128
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


@dataclass(frozen=True)
class StagingRequest:
    """A document to render and write, under a temporary name, into the output folder (on a
    worker that shares the folder's storage)."""

    request: DocumentRequest
    folder: Path
    name: str


def render_and_stage_task(context: WorkerContext, staging: StagingRequest) -> StagedFile:
    """One PDF document, written by the worker into the shared output folder (a task of the render stage)."""
    return stage_file(staging.folder, staging.name, render_task(context, staging.request))


def _rendered(requests: list[DocumentRequest], results: list[T | TaskFailed[Any]]) -> list[T]:
    for request, result in zip(requests, results):
        if isinstance(result, TaskFailed):
            who = request.report.subject.subject
            raise StageError(f"the {request.document} of {who.name} ({who.code}, {who.period.label}) could not "
                             f"be rendered: {result.why} {result.detail}")
    return results  # type: ignore[return-value]


def _load_weasyprint(executor: Executor) -> None:
    if executor.workers > 0:
        # WeasyPrint locates its C libraries with ctypes.util.find_library, which runs gcc and
        # ldconfig over temporary files: done once here, where a stop unwinds and removes them,
        # the forked workers inherit the loaded libraries instead of each searching again.
        import_module("weasyprint")


def render_documents(requests: list[DocumentRequest], catalog: Catalog, executor: Executor,
                     progress: Progress = NO_PROGRESS) -> list[bytes]:
    """The PDFs of `requests`, in order; a document that fails to render raises, naming it."""
    _load_weasyprint(executor)
    results = executor.run(render_task, requests, WorkerSetup(catalog, owns_process=executor.workers > 0),
                           progress=progress.advance)
    return _rendered(requests, results)


def _write_documents(folder: OutputFolder, outputs: list[PlannedOutput], requests: list[DocumentRequest],
                     catalog: Catalog, executor: Executor, progress: Progress) -> list[WrittenFile]:
    """Render and write one round of documents: rendered here or by worker processes and written by
    this process, or, on a cluster with shared storage, written by the workers and put in place here."""
    if not executor.shared_storage:
        documents = render_documents(requests, catalog, executor, progress)
        return [folder.write(output.name, document) for output, document in zip(outputs, documents)]
    staging = [StagingRequest(request, folder.path, output.name) for output, request in zip(outputs, requests)]
    results = executor.run(render_and_stage_task, staging, WorkerSetup(catalog, owns_process=True),
                           progress=progress.advance)
    folder.adopt(result for result in results if isinstance(result, StagedFile))
    return [folder.commit(staged) for staged in _rendered(requests, results)]


@dataclass(frozen=True)
class WrittenReports:
    """What a run put in its output folder: each file with its size and hash, in the order
    written (the manifest last), and the subjects whose file names had to be told apart."""

    files: tuple[WrittenFile, ...]
    collisions: tuple[NameCollision, ...] = ()

    @property
    def paths(self) -> list[Path]:
        return [file.path for file in self.files]


def planned_outputs(result: CheckResult, pdf: str) -> tuple[list[PlannedOutput], tuple[NameCollision, ...]]:
    """The files a run writes, named: the gap workbook, then each document of each subject
    (``<code>-<period>-inspection-report.pdf``; see :mod:`compliance.outputs.names`)."""
    if pdf not in PDF_CHOICES:
        raise ConfigError("unknown_pdf_choice", choice=pdf, known=tuple(PDF_CHOICES))
    stems = subject_stems([subject.subject for subject in result.subjects])
    planned = [PlannedOutput(GAP_WORKBOOK, "gap_workbook")]
    for document in PDF_CHOICES[pdf]:
        planned.extend(PlannedOutput(f"{stem}-inspection-{document}.pdf", f"inspection_{document}", subject.subject)
                       for stem, subject in zip(stems.stems, result.subjects))
    return planned, stems.collisions


def write_reports(result: CheckResult, catalog: Catalog, out_dir: Path, lang: str = "zh",
                  workers: int | None = None, pdf: str = "report", *, executor: Executor | None = None,
                  today: dt.date | None = None, owns_process: bool = False,
                  progress: Progress = NO_PROGRESS) -> WrittenReports:
    """Write the batch's gap workbook, per subject the PDF documents `pdf` names, and last the
    run's manifest into `out_dir` (see :mod:`compliance.outputs`); return what was written.

    ``pdf="report"`` (default): the inspection report (``<subject>-inspection-report.pdf``).
    Hospitals get the hospital report, regions (``subject.level == "region"``) the region report
    with their hospitals' ranking, matrix, indicator charts and failing lists.  ``"notice"``: the
    one-page inspection notice (``<subject>-inspection-notice.pdf``); ``"both"``; ``"none"``.
    The PDFs are rendered by `executor` (default: worker processes, one per core, when there are
    several documents; ``workers=0``: this process).  Every name is checked before anything is
    written; the previous run's manifest is removed first, so the folder has a manifest again
    only once this run's files are all in place.
    """
    from compliance.report.excel import gap_workbook_bytes

    planned, collisions = planned_outputs(result, pdf)
    with OutputFolder(Path(out_dir)) as folder:
        folder.reserve([MANIFEST_NAME, *(output.name for output in planned)])
        folder.remove(MANIFEST_NAME)
        folder.sync()
        written = [(planned[0], folder.write(GAP_WORKBOOK, gap_workbook_bytes(result, catalog, lang=lang)))]
        documents = planned[1:]
        requests = [DocumentRequest(output.kind.removeprefix("inspection_"), SubjectReport.of(result, subject), lang,
                                    today) for output, subject in zip(documents, _subjects_of(result, pdf))]
        if requests:
            progress.start("render", len(requests))
            executor = executor or executor_for(workers, tasks=len(requests))
            if executor.workers == 0 and owns_process:
                executor = InProcessExecutor(WorkerContext(WorkerSetup(catalog, owns_process=True)))
            for start in range(0, len(requests), RENDER_ROUND):
                chosen = slice(start, start + RENDER_ROUND)
                files = _write_documents(folder, documents[chosen], requests[chosen], catalog, executor, progress)
                written.extend(zip(documents[chosen], files))
            progress.finish()
        folder.sync()
        options = {"lang": lang, "pdf": pdf}
        manifest = folder.write(MANIFEST_NAME, manifest_bytes(result, written, collisions, options))
        folder.sync()
    return WrittenReports(tuple(file for _, file in written) + (manifest,), collisions)


def _subjects_of(result: CheckResult, pdf: str) -> list[SubjectResult]:
    return [subject for _document in PDF_CHOICES[pdf] for subject in result.subjects]
