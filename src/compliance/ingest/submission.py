"""What a submission holds once read: the subject, values with their cells, its data problems.

A Submission is built by the reader and never changed afterwards: the data-quality stage and
the grouping of regions return new Submissions (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple

from compliance.results.identity import Cell, FileRef, Subject, SubmissionRef
from compliance.results.problems import DataProblem

_NEW_TUPLE = tuple.__new__


class Reading(NamedTuple):
    """One value as read from a submission, already converted to its type."""

    value: Any
    cell: Cell | None = None

    @property
    def missing(self) -> bool:
        return self.value is None

    def __reduce__(self) -> tuple[type[Reading], tuple[Any, Cell | None]]:
        return Reading, (self.value, self.cell)  # see Cell.__reduce__


TableRow = dict[str, Reading]
_NO_READING = Reading(None)


@dataclass(frozen=True)
class TableSource:
    """Where a per-item table was looked for: the sheet it was read from, or a flat table
    (one row per institution), which has no per-item tables."""

    sheet: str = ""
    flat: bool = False


@dataclass(frozen=True, eq=False)
class Submission:
    """A readable submission: identification, indicator values, item tables, data problems.

    ``members`` are, for a region, the hospital submissions of the same run it covers (set by
    the grouping stage on a new value).
    """

    file: FileRef
    subject: Subject
    current: dict[str, Reading]
    prior: dict[str, Reading]
    tables: dict[str, tuple[TableRow, ...]]
    table_sources: dict[str, TableSource]
    problems: tuple[DataProblem, ...]
    identification: dict[str, Reading]
    members: tuple[Submission, ...] = ()
    #: prior-year values an audit took from an earlier submission (the field, that one's period and file)
    prior_from: tuple[tuple[str, str, str], ...] = ()

    @property
    def ref(self) -> SubmissionRef:
        return SubmissionRef(self.file, self.subject.code, self.subject.period.label)

    @property
    def path(self) -> str:
        return self.file.path

    def reading(self, code: str, prior: bool = False) -> Reading:
        return (self.prior if prior else self.current).get(code, _NO_READING)

    def prior_taken_from(self, code: str) -> str:
        """The period of the earlier submission a prior-year value was taken from ('' when submitted here)."""
        return next((period for field, period, _ in self.prior_from if field == code), "")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # A batch pickles every submission in a worker process for the parent: its readings go as
        # columns of plain values (see _pack_readings), pickled without a call into Python per
        # reading and rebuilt the same way: half the time to pickle, two thirds of the bytes.
        groups = [self.current, self.prior, self.identification, *(row for rows in self.tables.values() for row in rows)]
        packed = _pack_readings(groups)
        if packed is None:  # a reading without a cell: the plain way
            return _rebuild_submission, (self.file, self.subject, self.current, self.prior, self.tables,
                                         self.table_sources, self.problems, self.identification, self.members,
                                         self.prior_from)
        shape = {code: len(rows) for code, rows in self.tables.items()}
        return _unpack_submission, (self.file, self.subject, packed, shape, self.table_sources, self.problems,
                                    self.members, self.prior_from)


def _pack_readings(groups: list[dict[str, Reading]]) -> tuple[tuple[Any, ...], ...] | None:
    """The readings of `groups` as columns: sizes, codes, values, files, sheets, cell references."""
    readings = [reading for group in groups for reading in group.values()]
    cells = [reading.cell for reading in readings]
    if any(cell is None for cell in cells):
        return None
    return (tuple(map(len, groups)), tuple(code for group in groups for code in group),
            tuple([reading.value for reading in readings]), tuple([cell[0] for cell in cells]),  # type: ignore[index]
            tuple([cell[1] for cell in cells]), tuple([cell[2] for cell in cells]))  # type: ignore[index]


def _unpack_submission(file: FileRef, subject: Subject, packed: tuple[tuple[Any, ...], ...], shape: dict[str, int],
                       table_sources: dict[str, TableSource], problems: tuple[DataProblem, ...],
                       members: tuple[Submission, ...], prior_from: tuple[tuple[str, str, str], ...] = ()) -> Submission:
    sizes, codes, values, files, sheets, refs = packed
    cells = map(_NEW_TUPLE, repeat(Cell), zip(files, sheets, refs))  # tuple.__new__: C, no Python call per cell
    readings = list(map(_NEW_TUPLE, repeat(Reading), zip(values, cells)))
    groups: list[dict[str, Reading]] = []
    start = 0
    for size in sizes:
        groups.append(dict(zip(codes[start:start + size], readings[start:start + size])))
        start += size
    rows = iter(groups[3:])
    tables = {code: tuple(next(rows) for _ in range(count)) for code, count in shape.items()}
    return Submission(file, subject, groups[0], groups[1], tables, table_sources, problems, groups[2], members,
                      prior_from)


def _rebuild_submission(file: FileRef, subject: Subject, current: dict[str, Reading], prior: dict[str, Reading],
                        tables: dict[str, tuple[TableRow, ...]], table_sources: dict[str, TableSource],
                        problems: tuple[DataProblem, ...], identification: dict[str, Reading],
                        members: tuple[Submission, ...], prior_from: tuple[tuple[str, str, str], ...] = ()) -> Submission:
    return Submission(file, subject, current, prior, tables, table_sources, problems, identification, members,
                      prior_from)
