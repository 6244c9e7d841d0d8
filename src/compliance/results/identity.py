"""Who and what a result is about: files by path and content hash, subjects, submissions, cells.

Data problems, file outcomes and findings belong to a submission by these identities, never by
a file's name: two hospitals' files are both often called 自评表.xlsx.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import NamedTuple

from compliance.results.periods import Period


@dataclass(frozen=True, order=True)
class FileRef:
    """A submitted file: the path as the user gave it (``archive.zip/member.xlsx`` for an archive
    member) and the SHA-256 of its content."""

    path: str
    sha256: str

    @property
    def name(self) -> str:
        """The file's own name, for display only: never join on it."""
        return PurePath(self.path).name

    @classmethod
    def of_bytes(cls, path: str, data: bytes) -> FileRef:
        return cls(path, hashlib.sha256(data).hexdigest())


class Cell(NamedTuple):
    """Where a value came from: file name, sheet and cell reference such as D7.

    Cells are named tuples, not dataclasses: a batch creates and pickles hundreds per file, and
    tuples cost a fraction of objects with a dict.  ``file`` is the file's name for display; the
    submission's FileRef identifies the file.
    """

    file: str
    sheet: str
    ref: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.ref}"

    @property
    def row(self) -> int:
        digits = "".join(ch for ch in self.ref if ch.isdigit())
        return int(digits) if digits else 0

    def __reduce__(self) -> tuple[type[Cell], tuple[str, str, str]]:
        # A call to the class pickles in about 60 % of the time the default protocol for tuple subclasses takes.
        return Cell, (self.file, self.sheet, self.ref)


@dataclass(frozen=True)
class RowRef:
    """A row of a sheet (an item of a per-item table), or a whole submitted file (``sheet`` and
    ``row`` empty: a hospital counted as a unit of its region)."""

    file: str
    sheet: str = ""
    row: int = 0


@dataclass(frozen=True)
class Subject:
    """The institution or region a submission is about; attributes are vocabulary codes."""

    code: str
    name: str
    province: str | None
    city: str | None
    grade: str | None
    type: str | None
    ownership: str | None
    period: Period
    level: str = "hospital"
    region_level: str | None = None  # province, city, pool, county (regions only)

    @property
    def key(self) -> tuple[str, str, str]:
        """(level, code, period): one submission per key is checked; more are duplicates."""
        return self.level, self.code, self.period.label


@dataclass(frozen=True, order=True)
class SubmissionRef:
    """One subject's data in one file: the file's identity, the institution (or region) code and
    the reporting period.  A flat table holds several, one per row."""

    file: FileRef
    institution: str
    period: str

    @property
    def path(self) -> str:
        return self.file.path
