"""Read submissions: the generated self-assessment workbook, or a flat table of hospitals.

Every value keeps the cell it came from. Problems are collected as
DataProblem entries naming file, sheet and cell; a file that cannot yield a
subject at all is refused with a SubmissionError, which the batch records
and moves past.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from compliance.errors import ConfigError, Interrupted, SubmissionError
from compliance.ingest import values as conv
from compliance.ingest.cells import CellReader
from compliance.ingest.identities import check_institution_code, check_region_code
from compliance.ingest.schema import (
    IDENTIFICATION,
    IDENTIFICATION_BY_CODE,
    PRIOR_NAME_SUFFIXES,
    PRIOR_SUFFIX,
    REGION_IDENTIFICATION,
    SHEET_INDICATORS,
    SHEET_INFO,
)
from compliance.ingest.submission import Reading, Submission, TableRow, TableSource
from compliance.ingest.workbook import Grid, load_grids
from compliance.results.findings import Details
from compliance.results.identity import FileRef, Subject
from compliance.results.periods import parse_period
from compliance.results.problems import DataProblem, FileOutcome, Place
from compliance.results.status import FileStatus, Severity
from compliance.rules.spec import Catalog, FieldSpec, TableSpec
from compliance.rules.vocab import normalize

HEADER_SEARCH_ROWS = 15


def require_defusedxml() -> None:
    """Refuse to read workbooks unless openpyxl parses XML through defusedxml."""
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise ConfigError("defusedxml_inactive")


@dataclass(frozen=True)
class ReaderLayout:
    """What the reader derives from a catalog: built once per run or worker, not per file."""

    fields: dict[str, FieldSpec]
    tables: tuple[TableSpec, ...]
    field_by_name: dict[str, str]
    flat_columns: dict[str, tuple[str, str]]
    template_sheets: frozenset[str]

    @classmethod
    def of(cls, catalog: Catalog) -> ReaderLayout:
        fields = catalog.fields
        tables = tuple(catalog.tables.values())
        return cls(fields, tables, {spec.name: code for code, spec in fields.items()}, _flat_columns(catalog),
                   frozenset({SHEET_INFO, SHEET_INDICATORS} | {table.name for table in tables}))


def grid_problems(path: Path, grid: Grid, file: FileRef) -> list[DataProblem]:
    """Content beyond the row and column caps is reported, never silently dropped."""
    from compliance.ingest.workbook import MAX_COLUMNS, MAX_ROWS

    problems = []
    if grid.truncated_rows:
        problems.append(DataProblem(file, "rows_truncated", Place(grid.name),
                                    Details.of(max_rows=MAX_ROWS, rows=grid.truncated_rows)))
    if grid.truncated_columns:
        problems.append(DataProblem(file, "columns_truncated", Place(grid.name),
                                    Details.of(max_columns=MAX_COLUMNS, columns=grid.truncated_columns)))
    return problems


def _find_header(grid: Grid, wanted: Iterable[str], minimum_hits: int = 1) -> tuple[int, dict[str, int]] | None:
    """Find the row holding most of ``wanted`` headers; returns (row, header -> column)."""
    wanted_set = set(wanted)
    best: tuple[int, dict[str, int]] | None = None
    for row, values in enumerate(grid.rows[:HEADER_SEARCH_ROWS], start=1):
        found: dict[str, int] = {}
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and value and value.strip() in wanted_set:  # "" reads as blank
                found.setdefault(value.strip(), column)
        if len(found) >= minimum_hits and (best is None or len(found) > len(best[1])):
            best = (row, found)
            if len(found) == len(wanted_set):  # no later row can hold more
                break
    return best


def _place(reading: Reading) -> Place:
    return Place(reading.cell.sheet, reading.cell.ref) if reading.cell else Place()


def _subject(path: Path, file: FileRef, identification: dict[str, Reading],
             context_problems: list[DataProblem], read_problems: Iterable[DataProblem] = ()) -> Subject:
    """The subject `identification` names; `read_problems`: those of its cells (a code, name or
    period whose text is too long refuses the file or row, as a blank one does)."""

    def text(code: str) -> str | None:
        reading = identification.get(code)
        return str(reading.value).strip() if reading and reading.value not in (None, "") else None

    def refusal(code: str, problem: str, **values: object) -> SubmissionError:
        reading = identification.get(code)
        if reading is None:
            problem = "identification_not_found"
        return SubmissionError(path, problem, _place(reading) if reading else Place(),
                               Details.of(field=code, name=IDENTIFICATION_BY_CODE[code].name, **values))

    is_region = "region_code" in identification and "institution_code" not in identification
    code_field, name_field = ("region_code", "region_name") if is_region else ("institution_code", "institution_name")
    for problem in read_problems:
        if problem.code == "text_too_long" and problem.field_code in (code_field, name_field, "period"):
            raise SubmissionError(path, problem.code, problem.place,
                                  problem.values.with_values(field=problem.field_code))
    for code in (code_field, name_field):
        if not text(code):
            raise refusal(code, "identification_missing")
    subject_code = _checked_code(path, file, identification, code_field, text, context_problems)
    period = parse_period(identification["period"].value) if identification.get("period") else None
    if period is None:
        raise refusal("period", "period_invalid",
                      value=conv.raw_text(identification["period"].value) if identification.get("period") else None)
    coded: dict[str, str | None] = {}
    for code in ("region_level",) if is_region else ("grade", "type", "ownership"):
        value = text(code)
        coded[code] = normalize(IDENTIFICATION_BY_CODE[code].vocabulary or code, value) if value else None
        if value and coded[code] is None:
            context_problems.append(DataProblem(
                file, "unknown_choice", _place(identification[code]),
                Details.of(field=code, name=IDENTIFICATION_BY_CODE[code].name, value=conv.raw_text(value)),
                Severity.ERROR, code))
    return Subject(
        code=subject_code,
        name=text(name_field) or "",
        province=text("province"),
        city=text("city"),
        grade=coded.get("grade"),
        type=coded.get("type"),
        ownership=coded.get("ownership"),
        period=period,
        level="region" if is_region else "hospital",
        region_level=coded.get("region_level"),
    )


def _checked_code(path: Path, file: FileRef, identification: dict[str, Reading], code_field: str,
                  text: Callable[[str], str | None], context_problems: list[DataProblem]) -> str:
    """The subject's code once checked (see :mod:`compliance.ingest.identities`): a code that
    cannot be one refuses the file or row, naming its cell; a lowercase institution code is read
    upper-cased, with a warning, and the identification holds the code read."""
    reading = identification[code_field]
    written = text(code_field) or ""
    if code_field == "region_code":
        checked = check_region_code(written, text("province"), text("city"))
    else:
        checked = check_institution_code(written)
    values = checked.values.with_values(field=code_field, name=IDENTIFICATION_BY_CODE[code_field].name)
    other = identification.get({"region_code_province_mismatch": "province",
                                "region_code_city_mismatch": "city"}.get(checked.problem, ""))
    if other is not None and other.cell is not None:  # the cell the code disagrees with
        values = values.with_values(other_cell=other.cell.ref)
    if not checked.usable:
        raise SubmissionError(path, checked.problem, _place(reading), values)
    if checked.problem:
        context_problems.append(DataProblem(file, checked.problem, _place(reading), values, Severity.WARNING,
                                            code_field))
        identification[code_field] = Reading(checked.code, reading.cell)
    return checked.code


class _Draft:
    """A submission being read: filled sheet by sheet, then frozen into a Submission."""

    def __init__(self, file: FileRef, subject: Subject, identification: dict[str, Reading],
                 problems: list[DataProblem]) -> None:
        self.file = file
        self.subject = subject
        self.identification = identification
        self.problems = problems
        self.current: dict[str, Reading] = {}
        self.prior: dict[str, Reading] = {}
        self.tables: dict[str, tuple[TableRow, ...]] = {}
        self.table_sources: dict[str, TableSource] = {}

    def freeze(self) -> Submission:
        return Submission(self.file, self.subject, self.current, self.prior, self.tables, self.table_sources,
                          tuple(self.problems), self.identification)


def _read_identification(path: Path, file: FileRef, grid: Grid, problems: list[DataProblem]) -> dict[str, Reading]:
    context = CellReader(path, grid, file)
    header = _find_header(grid, ["字段代码", "项目", "填报内容"], 2)
    if header is None:
        raise SubmissionError(path, "header_missing", Place(grid.name), Details.of(headers="字段代码 / 项目 / 填报内容"))
    header_row, columns = header
    value_column = columns.get("填报内容", 3)
    by_name = {f.name: f.code for f in IDENTIFICATION + REGION_IDENTIFICATION}
    found: dict[str, Reading] = {}
    for row in range(header_row + 1, grid.max_row + 1):
        code = grid.get(row, columns.get("字段代码", 1))
        name = grid.get(row, columns.get("项目", 2))
        code = code.strip() if isinstance(code, str) else None
        if code not in IDENTIFICATION_BY_CODE and isinstance(name, str):
            code = by_name.get(name.strip())
        if code is None:
            continue
        spec = IDENTIFICATION_BY_CODE[code]
        found[spec.code] = context.read(row, value_column, "text", spec.name, spec.code)
    problems.extend(context.problems)
    return found


def _read_indicators(path: Path, grid: Grid, layout: ReaderLayout, draft: _Draft) -> None:
    context = CellReader(path, grid, draft.file)
    header = _find_header(grid, ["字段代码", "指标名称", "单位", "本期数", "上年同期数"], 2)
    if header is None:
        raise SubmissionError(path, "header_missing", Place(grid.name),
                              Details.of(headers="字段代码 / 指标名称 / 本期数 / 上年同期数"))
    header_row, columns = header
    code_column = columns.get("字段代码", 1)
    current_column = columns.get("本期数", 4)
    unit_column = columns.get("单位")
    prior_column = columns.get("上年同期数", 5)
    fields, by_name = layout.fields, layout.field_by_name
    name_column = columns.get("指标名称", 2)
    seen: dict[str, int] = {}
    for row in range(header_row + 1, grid.max_row + 1):
        raw_code = grid.get(row, code_column)
        code = raw_code.strip() if isinstance(raw_code, str) else None
        if code is None:
            name = grid.get(row, name_column)
            code = by_name.get(name.strip()) if isinstance(name, str) else None
            if code is None:
                continue
        if code not in fields:
            context.problem(row, code_column, "unknown_field_code", Details.of(value=conv.raw_text(code)), code)
            continue
        if code in seen:
            context.problem(row, code_column, "duplicate_field_code", Details.of(field=code, first_row=seen[code]),
                            code)
            continue
        seen[code] = row
        spec = fields[code]
        code = spec.code  # the catalog's string, not the cell's: shared by all files, so pickled once per reply
        if spec.value_type == "ratio":
            cells = [(row, current_column, "current")]
            if spec.has_prior:
                cells.append((row, prior_column, "prior"))
            readings = context.read_ratios(cells, spec.name, code, spec.minimum)
            draft.current[code] = readings[0]
            if spec.has_prior:
                draft.prior[code] = readings[1]
        else:
            draft.current[code] = context.read(row, current_column, spec.value_type, spec.name, code, spec.minimum,
                                               "current")
            if spec.has_prior:
                draft.prior[code] = context.read(row, prior_column, spec.value_type, spec.name, code, spec.minimum,
                                                 "prior")
        if unit_column is not None:
            context.apply_unit(spec, row, unit_column, [(draft.current, current_column, "current"),
                                                        (draft.prior, prior_column, "prior")])
    draft.problems.extend(context.problems)


def _read_table(path: Path, grid: Grid, table: TableSpec, draft: _Draft) -> None:
    context = CellReader(path, grid, draft.file)
    names = {column.name: column.code for column in table.columns}
    codes = {column.code for column in table.columns}
    header = _find_header(grid, list(codes) + list(names), 2)
    if header is None:
        draft.problems.append(DataProblem(draft.file, "table_header_missing", Place(grid.name),
                                          Details.of(table=table.name)))
        return
    header_row, found = header
    column_of: dict[str, int] = {}
    for header_text, column in found.items():
        code = header_text if header_text in codes else names[header_text]
        column_of.setdefault(code, column)
    data_start = header_row + 1
    # The template puts field codes on the row under the Chinese names; skip it.
    if any(grid.get(data_start, column) == code for code, column in column_of.items()):
        data_start += 1
    for code in (c.code for c in table.columns if c.required):
        if code not in column_of:
            context.problem(header_row, 1, "column_missing", Details.of(name=table.column(code).name), code)
    rows: list[TableRow] = []
    for row in range(data_start, grid.max_row + 1):
        if all(conv.is_blank(grid.get(row, column)) for column in column_of.values()):
            continue
        record: TableRow = {}
        for column_spec in table.columns:
            if column_spec.code in column_of:
                record[column_spec.code] = context.read(row, column_of[column_spec.code], column_spec.value_type,
                                                        column_spec.name, column_spec.code,
                                                        0.0 if column_spec.value_type in ("money", "number", "count") else None)
        rows.append(record)
    draft.tables[table.code] = tuple(rows)
    draft.table_sources[table.code] = TableSource(sheet=grid.name)
    draft.problems.extend(context.problems)


def _read_template(path: Path, file: FileRef, grids: dict[str, Grid], layout: ReaderLayout) -> Submission:
    problems: list[DataProblem] = [p for grid in grids.values() for p in grid_problems(path, grid, file)]
    identification = _read_identification(path, file, grids[SHEET_INFO], problems)
    draft = _Draft(file, _subject(path, file, identification, problems, problems), identification, problems)
    _read_indicators(path, grids[SHEET_INDICATORS], layout, draft)
    for table in layout.tables:
        if table.name in grids:
            _read_table(path, grids[table.name], table, draft)
    return draft.freeze()


def _flat_columns(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Header text -> (field code, 'id' | 'current' | 'prior')."""
    mapping: dict[str, tuple[str, str]] = {}
    for spec in IDENTIFICATION:
        mapping[spec.code] = (spec.code, "id")
        mapping[spec.name] = (spec.code, "id")
    for code, spec in catalog.fields.items():
        mapping[code] = (code, "current")
        mapping[spec.name] = (code, "current")
        if spec.has_prior:
            mapping[code + PRIOR_SUFFIX] = (code, "prior")
            for suffix in PRIOR_NAME_SUFFIXES:
                mapping[spec.name + suffix] = (code, "prior")
    return mapping


def _read_flat(path: Path, file: FileRef, grid: Grid, layout: ReaderLayout) -> list[Submission | SubmissionError]:
    mapping = layout.flat_columns
    header = _find_header(grid, list(mapping), 2)
    if header is None or not any(mapping[h][0] == "institution_code" for h in header[1]):
        raise SubmissionError(path, "layout_unrecognised", Place(grid.name),
                              Details.of(sheets=(SHEET_INFO, SHEET_INDICATORS)))
    header_row, found = header
    columns: dict[str, dict[str, int]] = {"id": {}, "current": {}, "prior": {}}
    for header_text, column in found.items():
        code, which = mapping[header_text]
        columns[which].setdefault(code, column)
    results: list[Submission | SubmissionError] = []
    for row in range(header_row + 1, grid.max_row + 1):
        if all(conv.is_blank(grid.get(row, column)) for column in found.values()):
            continue
        context = CellReader(path, grid, file)
        identification = {code: context.read(row, column, "text", IDENTIFICATION_BY_CODE[code].name, code)
                          for code, column in columns["id"].items()}
        problems: list[DataProblem] = []
        try:
            subject = _subject(path, file, identification, problems, context.problems)
        except SubmissionError as exc:
            results.append(exc)
            continue
        draft = _Draft(file, subject, identification, problems)
        for code, column in columns["current"].items():
            spec = layout.fields[code]
            prior_column = columns["prior"].get(code)
            if spec.value_type == "ratio":  # this period and last year's, read the same way
                cells = [(row, column, "")]
                if prior_column is not None:
                    cells.append((row, prior_column, "prior_column"))
                readings = context.read_ratios(cells, spec.name, code, spec.minimum)
                draft.current[code] = readings[0]
                if prior_column is not None:
                    draft.prior[code] = readings[1]
            else:
                draft.current[code] = context.read(row, column, spec.value_type, spec.name, code, spec.minimum)
        for code, column in columns["prior"].items():
            spec = layout.fields[code]
            if spec.value_type != "ratio" or code not in columns["current"]:
                draft.prior[code] = context.read(row, column, spec.value_type, spec.name, code, spec.minimum,
                                                 "prior_column")
        for table in layout.tables:
            draft.table_sources[table.code] = TableSource(flat=True)
        draft.problems.extend(context.problems)
        results.append(draft.freeze())
    return results


def sheets_to_read(names: list[str], layout: ReaderLayout) -> list[str]:
    """The template's sheets that hold data, or else the first sheet (a flat table); other sheets
    (the instructions sheet, a clerk's own notes) are never parsed."""
    if SHEET_INFO in names and SHEET_INDICATORS in names:
        return [name for name in names if name in layout.template_sheets]
    return names[:1]


class FileRead(NamedTuple):
    """What reading one file gave: its submissions and its outcome."""

    submissions: tuple[Submission, ...]
    outcome: FileOutcome


def file_ref(path: Path, shown: str | None = None) -> FileRef:
    """The file's identity: the path as given (`shown`, e.g. an archive member's name inside its
    archive) and the SHA-256 of its content ('' when it cannot be read or is over the size cap)."""
    return _identified(path, shown)[0]


def _identified(path: Path, shown: str | None) -> tuple[FileRef, bytes | None, SubmissionError | None]:
    """The file's identity and its bytes, or why it cannot be read: missing, unreadable, not a
    regular file (a pipe would block, a device never end), over the size cap.  Opened without
    blocking and read up to the cap, whatever its size claimed."""
    from compliance.ingest.workbook import MAX_FILE_BYTES

    label = shown if shown is not None else str(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return FileRef(label, ""), None, SubmissionError(path, "file_unreadable", values=Details.of(
            detail=exc.strerror or type(exc).__name__))
    with os.fdopen(handle, "rb") as stream:
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return FileRef(label, ""), None, SubmissionError(path, "not_a_regular_file")
            data = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            return FileRef(label, ""), None, SubmissionError(path, "file_unreadable", values=Details.of(
                detail=exc.strerror or type(exc).__name__))
    if len(data) > MAX_FILE_BYTES:
        size = max(len(data), path.stat().st_size if path.exists() else 0)
        return FileRef(label, ""), None, SubmissionError(path, "file_too_large", values=Details.of(
            max_megabytes=MAX_FILE_BYTES // 1024 // 1024, megabytes=round(size / 1024 / 1024, 1)))
    return FileRef.of_bytes(label, data), data, None


def refused(file: FileRef, code: str, place: Place | None = None, values: Details | None = None) -> FileRead:
    """A file that yields no submission, and why (a data-problem code, its place and values)."""
    refusal = DataProblem(file, code, place or Place(), values or Details())
    return FileRead((), FileOutcome(file, FileStatus.REFUSED, refusal=refusal))


def refusal_of(file: FileRef, error: SubmissionError) -> DataProblem:
    """The data problem a SubmissionError stands for, on the file as identified."""
    return DataProblem(file, error.code, error.place, error.values)


def read_file(path: Path, layout: ReaderLayout | Catalog, shown: str | None = None) -> FileRead:
    """Read one file (`shown`: its path as the user gave it). Never raises for bad data: a
    refused file yields an outcome saying why."""
    if not isinstance(layout, ReaderLayout):
        layout = ReaderLayout.of(layout)
    file, data, unreadable = _identified(path, shown)
    if unreadable is not None:
        return refused(file, unreadable.code, unreadable.place, unreadable.values)
    named = Path(file.path)  # how messages name the file: as given, not where a member was unpacked
    try:
        sheets = load_grids(path, select=lambda names: sheets_to_read(names, layout), data=data)
        if not sheets:
            raise SubmissionError(path, "no_sheets")
        grids = {grid.name: grid for grid in sheets}
        items: list[Submission | SubmissionError]
        file_problems: tuple[DataProblem, ...] = ()  # a flat table's own, reported once for the file
        if SHEET_INFO in grids and SHEET_INDICATORS in grids:
            items = [_read_template(named, file, grids, layout)]
        else:
            items = _read_flat(named, file, sheets[0], layout)
            file_problems = tuple(grid_problems(named, sheets[0], file))
    except SubmissionError as exc:
        return refused(file, exc.code, exc.place, exc.values)
    except (KeyboardInterrupt, SystemExit, Interrupted):
        raise
    except BaseException as exc:  # noqa: BLE001 - one broken file must never stop a batch (incl. native panics)
        return refused(file, "read_failed", values=Details.of(detail=f"{type(exc).__name__}: {str(exc)[:120]}"))
    submissions = tuple(item for item in items if isinstance(item, Submission))
    rows = [item for item in items if isinstance(item, SubmissionError)]
    row_problems = tuple(refusal_of(file, e) for e in rows)
    if not submissions:
        if len(rows) == 1:
            return FileRead((), FileOutcome(file, FileStatus.REFUSED, refusal=row_problems[0], problems=file_problems))
        refusal = (DataProblem(file, "rows_without_institution", values=Details.of(rows=len(rows))) if rows
                   else DataProblem(file, "no_data_rows"))
        return FileRead((), FileOutcome(file, FileStatus.REFUSED, refusal=refusal,
                                        problems=file_problems + row_problems, rows_refused=len(rows)))
    warned = file_problems or row_problems or any(s.problems for s in submissions)
    outcome = FileOutcome(file, FileStatus.READ_WITH_WARNINGS if warned else FileStatus.READ,
                          tuple(s.ref for s in submissions), problems=file_problems + row_problems,
                          rows_refused=len(rows))
    return FileRead(submissions, outcome)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and supported files inside named folders (sorted)."""
    from compliance.ingest.workbook import SUPPORTED_SUFFIXES

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                                and not p.name.startswith(("~$", "."))))
        else:
            found.append(path)
    return found
