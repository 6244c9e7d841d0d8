"""Data problems and file outcomes: what went wrong reading a file, kept with the file or the
submission it belongs to (by identity, never by a file's name)."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.results.identity import FileRef, SubmissionRef
from compliance.results.status import FileStatus, Severity


@dataclass(frozen=True)
class DataProblem:
    """A problem found in submitted data; collected, never raised.

    ``where`` names the file, sheet and cell; ``expected``, ``found`` and ``fix`` say what was
    expected, what was found and how to fix it.
    """

    file: FileRef
    where: str
    expected: str
    found: str
    fix: str
    severity: Severity = Severity.ERROR
    field_code: str = ""


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one submitted file.

    ``submissions`` are the subjects read from it (one for a workbook, one per row of a flat
    table); ``refusal`` says why a refused file could not be read; ``problems`` are the file's
    own problems that belong to no submission (a row of a flat table without an institution
    code, say).  An archive's outcome counts the workbooks unpacked from it and names the
    members skipped; each workbook then has an outcome of its own.
    """

    file: FileRef
    status: FileStatus
    submissions: tuple[SubmissionRef, ...] = ()
    refusal: DataProblem | None = None
    problems: tuple[DataProblem, ...] = ()
    rows_refused: int = 0
    unpacked: int = 0
    skipped: tuple[str, ...] = ()
    not_checked: tuple[SubmissionRef, ...] = ()  # replaced by another file's submission of the same subject and period

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def is_archive(self) -> bool:
        return bool(self.unpacked or self.skipped) or self.file.path.lower().endswith(".zip")
