"""Safe, capped loading of spreadsheet files into plain grids of raw cell values.

Workbooks are untrusted: the zip container is checked before any XML is
parsed, defusedxml guards the XML parsers, rows and columns are capped no
matter what the file's dimension claims, and formula cells are resolved to
their cached values (a formula without one is reported, never read as blank).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from compliance.errors import SubmissionError
from compliance.ingest.odsscan import (
    StructureError,
    clamp,
    read_native_parts,
    repackage,
    scan_content,
)
from compliance.ingest.xlsscan import XlsStructureError, scan_xls
from compliance.ingest.xlsxscan import PackageScanner, PartError, SheetScan
from compliance.results.findings import Details
from compliance.results.problems import Place

MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_ENTRIES = 2000
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
SUPPORTED_SUFFIXES = frozenset(EXCEL_SUFFIXES | {".xls", ".ods", ".csv"})
MAX_SHEET_WIDTH = 2000
MAX_SCANNED_ROWS = 200_000  # beyond this a sheet's dense grid would cost too much memory
MAX_MERGED_RANGES = 10_000
MAX_SCANNED_CELLS = 10_000_000  # rows x columns of calamine's dense grid (about 32 bytes a cell)
_SHEET_CAPS = Details.of(max_rows=MAX_SCANNED_ROWS, max_columns=MAX_SHEET_WIDTH, max_cells=MAX_SCANNED_CELLS)


@lru_cache(maxsize=1 << 16)
def cell_ref(row: int, column: int) -> str:
    """"D7" for (7, 4); cached, so files read in one process share the strings (and pickle them once)."""
    return f"{get_column_letter(column)}{row}"


SheetSelector = Callable[[list[str]], Collection[str]]
"""Given a file's worksheet names in order, the names to load (the others are never parsed)."""


@dataclass
class Grid:
    """Raw values of one sheet as rows of cells; read with 1-based (row, column), blanks as None."""

    name: str
    rows: list[list[Any]] = field(default_factory=list)
    formula_without_value: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    truncated_rows: int = 0
    truncated_columns: int = 0

    def merged_origin(self, row: int, column: int) -> tuple[int, int] | None:
        """The top-left cell of the merged range holding (row, column), if it is not that cell itself."""
        for (top, left), (bottom, right) in self.merged:
            if top <= row <= bottom and left <= column <= right and (row, column) != (top, left):
                return top, left
        return None

    @classmethod
    def from_cells(cls, name: str, cells: dict[tuple[int, int], Any]) -> Grid:
        """A grid from sparse (row, column) -> value pairs."""
        height = max((r for r, _ in cells), default=0)
        width = max((c for _, c in cells), default=0)
        rows: list[list[Any]] = [[""] * width for _ in range(height)]
        for (row, column), value in cells.items():
            rows[row - 1][column - 1] = value
        return cls(name, rows)

    @property
    def max_row(self) -> int:
        return len(self.rows)

    @cached_property
    def max_column(self) -> int:
        """Computed once: grids are filled when loaded and read-only afterwards."""
        return max(map(len, self.rows), default=0)

    def get(self, row: int, column: int) -> Any:
        if row < 1 or column < 1:
            return None
        try:
            value = self.rows[row - 1][column - 1]
        except IndexError:
            return None
        return None if value is None or value == "" else value


def check_zip(path: Path) -> None:
    """Refuse zip bombs and oversized containers before any parsing."""
    open_checked_zip(path).close()


def open_checked_zip(path: Path, data: bytes | None = None) -> zipfile.ZipFile:
    """The open archive once its directory passed the checks against zip bombs (the caller closes it).
    `data`: the file's bytes, when the caller has read them already."""
    _check_size(path, data)
    try:
        # parts are then read without a system call each
        archive = zipfile.ZipFile(io.BytesIO(data if data is not None else path.read_bytes()))
    except (zipfile.BadZipFile, OSError):
        raise SubmissionError(path, "not_a_zip", values=Details.of(format=path.suffix)) from None
    try:
        _check_entries(path, archive.infolist())
    except BaseException:
        archive.close()
        raise
    return archive


def _check_entries(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.filename in seen:
            raise SubmissionError(path, "duplicate_part", Place(part=entry.filename))
        seen.add(entry.filename)
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SubmissionError(path, "too_many_parts", values=Details.of(max_parts=MAX_ZIP_ENTRIES, parts=len(entries)))
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_COMPRESSION_RATIO:
        raise SubmissionError(path, "zip_bomb", values=Details.of(megabytes=round(total / 1024 / 1024),
                                                                   ratio=round(total / compressed)))


def _load_calamine(path: Path, zipped: bool, select: SheetSelector | None, data: bytes | None = None) -> list[Grid]:
    """Values of the selected worksheets through python-calamine (xlsx, xlsm, xls, ods), capped.

    A zipped file is checked before calamine opens it: its zip directory, then every part calamine
    decompresses (through zipfile, so a size or CRC that lies is refused) and what calamine would
    over-allocate for: the selected worksheets of an .xlsx, every table of an .ods (whose repeated
    rows beyond the row cap are cut short in an in-memory copy). An .xls is scanned record by record
    first (every sheet: calamine parses them all when it opens the file)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    archive = open_checked_zip(path, data) if zipped else None
    if archive is None:
        _check_size(path, data)
        _check_xls(path, data)
    scanner = PackageScanner(archive) if archive is not None and path.suffix.lower() in EXCEL_SUFFIXES else None
    scans: dict[str, SheetScan] = {}
    # What calamine reads instead of the file: an .xlsx's verified parts, or an .ods whose over-long
    # tables were cut short.
    copy: bytes | None = None
    heights: dict[str, int] = {}  # their true heights
    try:
        if scanner is not None:
            scans = _scan_package(path, scanner, select)
            copy = scanner.verified_package()
        elif archive is not None:
            copy, heights = _check_ods(path, archive)
        try:
            book = (CalamineWorkbook.from_filelike(io.BytesIO(copy)) if copy is not None
                    else CalamineWorkbook.from_path(str(path)))  # opening reads the directory, not the sheets
        except Exception as exc:  # noqa: BLE001 - calamine raises several types for broken files
            raise SubmissionError(path, "spreadsheet_unreadable",
                                  values=Details.of(detail=f"{type(exc).__name__}: {_short(exc)}")) from None
        grids: list[Grid] = []
        try:
            names = [meta.name for meta in book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]
            if select is not None:
                wanted = set(select(names))
                names = [name for name in names if name in wanted]
            missing = [name for name in names if name not in scans]
            if scanner is not None and missing:  # calamine lists the sheets otherwise than the package scan did
                scans.update(_scan_package(path, scanner, lambda _: missing))
                unscanned = [name for name in missing if name not in scans]
                if unscanned:  # never hand calamine a sheet whose XML was not checked
                    raise SubmissionError(path, "sheet_not_in_package", Place(unscanned[0]))
                book.close()
                book = CalamineWorkbook.from_filelike(io.BytesIO(scanner.verified_package()))
            for name in names:
                grids.append(_sheet_grid(path, book.get_sheet_by_name(name), name))
        finally:
            book.close()
    finally:
        if archive is not None:
            archive.close()
    for grid in grids:
        if grid.name in scans:
            grid.formula_without_value = scans[grid.name].formulas_without_values
        if grid.truncated_rows and grid.name in heights:
            grid.truncated_rows = heights[grid.name]
    return grids


def _sheet_grid(path: Path, sheet: Any, name: str) -> Grid:
    grid = Grid(name)
    width = (sheet.end[1] + 1) if sheet.end else 0
    if width > MAX_SHEET_WIDTH:
        raise SubmissionError(path, "sheet_too_wide", Place(name),
                              Details.of(max_columns=MAX_SHEET_WIDTH, last_column=width))
    rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
    if len(rows) > MAX_ROWS:
        grid.truncated_rows = sheet.height
        rows = rows[:MAX_ROWS]
    if width > MAX_COLUMNS:
        for row in rows:
            if len(row) > MAX_COLUMNS and any(v not in (None, "") for v in row[MAX_COLUMNS:]):
                grid.truncated_columns = max(grid.truncated_columns, len(row))
        rows = [row[:MAX_COLUMNS] for row in rows]
    grid.rows = rows
    merged = sheet.merged_cell_ranges or []
    if len(merged) > MAX_MERGED_RANGES:  # every cell read is checked against each range
        raise SubmissionError(path, "too_many_merged_ranges", Place(name),
                              Details.of(max_ranges=MAX_MERGED_RANGES, ranges=len(merged)))
    for (top, left), (bottom, right) in merged:
        grid.merged.append(((top + 1, left + 1), (bottom + 1, right + 1)))
    return grid


def _scan_package(path: Path, scanner: PackageScanner, select: SheetSelector | None) -> dict[str, SheetScan]:
    """Refuse what calamine would misread or over-allocate, or a part whose stored data was altered;
    return the scans of the worksheets ``select`` picks from the package's own list of them."""
    try:
        names = scanner.worksheet_names()
        scans = scanner.scan(names if select is None else select(names))
        scanner.verify_native_parts()
    except PartError as exc:
        raise _altered_part(path, exc) from None
    except Exception as exc:  # noqa: BLE001 - malformed package parts
        raise SubmissionError(path, "xml_malformed", values=Details.of(detail=_short(exc))) from None
    for name, scan in scans.items():
        if (scan.max_row > MAX_SCANNED_ROWS or scan.max_column > MAX_SHEET_WIDTH
                or scan.max_row * scan.max_column > MAX_SCANNED_CELLS):
            raise SubmissionError(path, "sheet_too_large", Place(name),
                                  _SHEET_CAPS.with_values(last_row=scan.max_row, last_column=scan.max_column))
        if scan.bad_shared_strings:
            raise SubmissionError(path, "bad_shared_strings", Place(name),
                                  Details.of(cells=tuple(scan.bad_shared_strings[:5])))
    return scans


def _check_ods(path: Path, archive: zipfile.ZipFile) -> tuple[bytes | None, dict[str, int]]:
    """Refuse an .ods whose parts were altered or whose tables calamine would expand beyond the caps.
    Returns the package to read instead (None: the file itself) and the true heights of the tables
    that copy cuts short (calamine never reads more than MAX_ROWS + 1 rows anyway)."""
    try:
        parts = read_native_parts(archive)
    except PartError as exc:
        raise _altered_part(path, exc) from None
    content = parts.get("content.xml")
    if content is None:
        return None, {}  # calamine refuses it
    limit = MAX_ROWS + 1
    try:
        tables = scan_content(content, limit)
    except StructureError as exc:
        raise SubmissionError(path, exc.code, Place(exc.table or "", part="content.xml")) from None
    for table in tables:
        rows = table.clamped_height if table.height > limit else table.height
        if rows > MAX_SCANNED_ROWS or table.width > MAX_SHEET_WIDTH or rows * table.width > MAX_SCANNED_CELLS:
            raise SubmissionError(path, "ods_sheet_too_large", Place(table.name, part="content.xml"),
                                  _SHEET_CAPS.with_values(rows=rows, columns=table.width))
    cut = [table for table in tables if table.height > limit and table.edits]
    if not cut:
        return None, {}
    parts["content.xml"] = clamp(content, cut)
    return repackage(parts), {table.name: table.height for table in cut}


def _check_xls(path: Path, data: bytes | None = None) -> None:
    """Refuse an .xls whose container or record stream is malformed, or for which calamine would
    allocate beyond the caps: per sheet, its dense grids of values and of formulas and the cells its
    DIMENSIONS records reserve; for the file, the grids of all sheets, held together."""
    try:
        scan = scan_xls(data if data is not None else path.read_bytes())
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except XlsStructureError as exc:
        raise SubmissionError(path, exc.code, Place(exc.sheet or ""), exc.values) from None
    for sheet in scan.sheets:
        for code, box in (("xls_cells_too_spread", sheet.values), ("xls_formulas_too_spread", sheet.formulas)):
            if box.rows > MAX_SCANNED_ROWS or box.columns > MAX_SHEET_WIDTH or box.cells > MAX_SCANNED_CELLS:
                raise SubmissionError(path, code, Place(sheet.name), _SHEET_CAPS.with_values(
                    first_row=box.top + 1, last_row=box.bottom + 1, first_column=box.left + 1,
                    last_column=box.right + 1, rows=box.rows, columns=box.columns))
        if sheet.reserved > MAX_SCANNED_CELLS:
            rows, columns = sheet.declared
            raise SubmissionError(path, "xls_dimensions_too_large", Place(sheet.name),
                                  _SHEET_CAPS.with_values(rows=rows, columns=columns))
    if scan.cells > MAX_SCANNED_CELLS:
        raise SubmissionError(path, "xls_workbook_too_large",
                              values=Details.of(max_cells=MAX_SCANNED_CELLS, sheets=len(scan.sheets),
                                                total_cells=scan.cells))


def _altered_part(path: Path, exc: PartError) -> SubmissionError:
    return SubmissionError(path, exc.code, Place(part=exc.part), exc.values)


def _unreadable(path: Path, exc: OSError) -> SubmissionError:
    return SubmissionError(path, "file_unreadable", values=Details.of(detail=exc.strerror or type(exc).__name__))


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_size(path: Path, data: bytes | None = None) -> None:
    try:
        size = len(data) if data is not None else path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if size > MAX_FILE_BYTES:
        raise SubmissionError(path, "file_too_large", values=Details.of(
            max_megabytes=MAX_FILE_BYTES // 1024 // 1024, megabytes=round(size / 1024 / 1024, 1)))


def _load_csv(path: Path, data: bytes | None = None) -> list[Grid]:
    """The file's rows within the caps, decoded as they are read (UTF-8, else GB18030) and parsed
    by the csv module one record at a time: only the first columns of the first rows are kept,
    the rest only looked at for content to report."""
    raw = data if data is not None else path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise SubmissionError(path, "csv_too_large", values=Details.of(
            max_megabytes=MAX_FILE_BYTES // 1024 // 1024, megabytes=round(len(raw) / 1024 / 1024, 1)))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="") as lines:
                return [_csv_grid(path, lines)]
        except UnicodeDecodeError:
            continue
    raise SubmissionError(path, "csv_encoding_unknown")


def _csv_grid(path: Path, lines: io.TextIOWrapper) -> Grid:
    grid = Grid(path.stem)
    records = csv.reader(lines)
    try:
        for row_index, row in enumerate(records, start=1):
            if row_index > MAX_ROWS:
                if any(value.strip() for value in row):
                    grid.truncated_rows = row_index
                continue
            grid.rows.append([value if value.strip() else "" for value in row[:MAX_COLUMNS]])
            if any(value.strip() for value in row[MAX_COLUMNS:]):
                grid.truncated_columns = max(grid.truncated_columns, len(row))
    except csv.Error as exc:  # an unclosed quote at the end, a value past the module's 131,072 characters
        raise SubmissionError(path, "csv_malformed", Place(row=records.line_num),
                              Details.of(line=records.line_num, detail=str(exc)[:120])) from None
    return grid


def load_grids(path: Path, select: SheetSelector | None = None, data: bytes | None = None) -> list[Grid]:
    """Load the worksheets of a supported file (all, or those ``select`` picks from the names);
    SubmissionError when it cannot be read.  `data`: the file's bytes, when already read."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES or suffix == ".ods":
        return _load_calamine(path, zipped=True, select=select, data=data)
    if suffix == ".xls":
        return _load_calamine(path, zipped=False, select=select, data=data)
    if suffix == ".csv":
        return _load_csv(path, data)
    raise SubmissionError(path, "unsupported_file_type", values=Details.of(suffix=path.suffix or None))
