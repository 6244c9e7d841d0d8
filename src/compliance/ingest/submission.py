"""What a submission holds once read: the subject, values with their cells, problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from compliance.results.periods import Period

_NEW_TUPLE = tuple.__new__


class Cell(NamedTuple):
    """Where a value came from: file, sheet and cell reference such as D7.

    Cells and readings are named tuples, not dataclasses: a batch creates and
    pickles hundreds per file, and tuples cost a fraction of objects with a dict.
    """

    file: str
    sheet: str
    ref: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.ref}"

    def __reduce__(self) -> tuple[type[Cell], tuple[str, str, str]]:
        # A call to the class pickles in about 60 % of the time the default protocol for tuple subclasses takes.
        return Cell, (self.file, self.sheet, self.ref)


class Reading(NamedTuple):
    """One value as read from a submission, already converted to its type."""

    value: Any
    cell: Cell | None = None

    @property
    def missing(self) -> bool:
        return self.value is None

    def __reduce__(self) -> tuple[type[Reading], tuple[Any, Cell | None]]:
        return Reading, (self.value, self.cell)  # see Cell.__reduce__


@dataclass(frozen=True)
class DataProblem:
    """A problem found in submitted data; collected, never raised."""

    file: str
    where: str
    expected: str
    found: str
    fix: str
    severity: str = "error"
    field_code: str = ""

    @property
    def message(self) -> str:
        return f"{self.where}：应为{self.expected}，实际为{self.found}。{self.fix}"

    def to_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "where": self.where,
            "field": self.field_code,
            "severity": self.severity,
            "expected": self.expected,
            "found": self.found,
            "fix": self.fix,
            "message": self.message,
        }


@dataclass(frozen=True)
class Subject:
    """The institution or region a submission is about."""

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


TableRow = dict[str, Reading]


@dataclass
class Submission:
    """A readable submission: identification, indicator values, item tables."""

    path: str
    subject: Subject
    current: dict[str, Reading] = field(default_factory=dict)
    prior: dict[str, Reading] = field(default_factory=dict)
    tables: dict[str, list[TableRow]] = field(default_factory=dict)
    table_sources: dict[str, str] = field(default_factory=dict)
    problems: list[DataProblem] = field(default_factory=list)
    identification: dict[str, Reading] = field(default_factory=dict)
    members: list[Submission] = field(default_factory=list)  # a region's hospital submissions in this run

    def reading(self, code: str, prior: bool = False) -> Reading:
        source = self.prior if prior else self.current
        return source.get(code, Reading(None))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # A batch pickles every submission in a worker process for the parent: its readings go as
        # columns of plain values (see _pack_readings), pickled without a call into Python per
        # reading and rebuilt the same way: half the time to pickle, two thirds of the bytes.
        groups = [self.current, self.prior, self.identification, *(row for rows in self.tables.values() for row in rows)]
        packed = _pack_readings(groups)
        if packed is None:  # a reading without a cell: the plain way
            return _rebuild_submission, (self.path, self.subject, self.current, self.prior, self.tables,
                                         self.table_sources, self.problems, self.identification, self.members)
        shape = {code: len(rows) for code, rows in self.tables.items()}
        return _unpack_submission, (self.path, self.subject, packed, shape, self.table_sources, self.problems,
                                    self.members)


def _pack_readings(groups: list[dict[str, Reading]]) -> tuple[tuple[Any, ...], ...] | None:
    """The readings of `groups` as columns: sizes, codes, values, files, sheets, cell references."""
    readings = [reading for group in groups for reading in group.values()]
    cells = [reading.cell for reading in readings]
    if any(cell is None for cell in cells):
        return None
    return (tuple(map(len, groups)), tuple(code for group in groups for code in group),
            tuple([reading.value for reading in readings]), tuple([cell[0] for cell in cells]),  # type: ignore[index]
            tuple([cell[1] for cell in cells]), tuple([cell[2] for cell in cells]))  # type: ignore[index]


def _unpack_submission(path: str, subject: Subject, packed: tuple[tuple[Any, ...], ...], shape: dict[str, int],
                       table_sources: dict[str, str], problems: list[DataProblem],
                       members: list[Submission]) -> Submission:
    sizes, codes, values, files, sheets, refs = packed
    cells = map(_NEW_TUPLE, repeat(Cell), zip(files, sheets, refs))  # tuple.__new__: C, no Python call per cell
    readings = list(map(_NEW_TUPLE, repeat(Reading), zip(values, cells)))
    groups: list[dict[str, Reading]] = []
    start = 0
    for size in sizes:
        groups.append(dict(zip(codes[start:start + size], readings[start:start + size])))
        start += size
    rows = iter(groups[3:])
    tables = {code: [next(rows) for _ in range(count)] for code, count in shape.items()}
    return Submission(path, subject, groups[0], groups[1], tables, table_sources, problems, groups[2], members)


def _rebuild_submission(path: str, subject: Subject, current: dict[str, Reading], prior: dict[str, Reading],
                        tables: dict[str, list[TableRow]], table_sources: dict[str, str], problems: list[DataProblem],
                        identification: dict[str, Reading], members: list[Submission]) -> Submission:
    return Submission(path, subject, current, prior, tables, table_sources, problems, identification, members)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one submitted file: read, read with warnings, or refused."""

    path: str
    status: str  # "read" | "read_with_warnings" | "refused"
    subjects: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "subjects": list(self.subjects), "message": self.message}
