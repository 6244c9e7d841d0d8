"""Hostile legacy .xls files: the BIFF record stream is measured before calamine allocates for it.

Split from test_hostile.py (shared helpers and the native-reader spy come from there).
"""

from __future__ import annotations

import io
import random
import re
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.ingest.reader import read_file
from compliance.ingest.xlsscan import XlsStructureError
from compliance.results.identity import FileRef
from compliance.results.problems import PROBLEM_MEANING, DataProblem, Place
from compliance.wording import problems as problem_wording
from compliance.wording.outcomes import outcome_message

from .test_hostile import (
    EXAMPLE,
    GIB,
    HAN,
    XLS_EXAMPLE,
    _mutate_bytes,
    _names_the_file_in_chinese,
    _read_isolated,
    _refusal,
    native_reader_spy,
)

__all__ = ["native_reader_spy"]  # a fixture: imported so that pytest finds it here


def _found(exc: XlsStructureError) -> str:
    """What the scan found, as a refused file's data problem says it in Chinese."""
    problem = DataProblem(FileRef("scanned.xls", ""), exc.code, Place(exc.sheet or ""), exc.values)
    return problem_wording.found(problem, "zh")


def _xls_with_far_cell(tmp_path: Path) -> Path:
    """The .xls fixture with one LABELSST record moved to row 65536, column 65536."""
    data = bytearray(XLS_EXAMPLE.read_bytes())
    records = [m.start() for m in re.finditer(rb"\xfd\x00\x0a\x00", bytes(data))]
    assert records
    struct.pack_into("<HH", data, records[-1] + 4, 0xFFFF, 0xFFFF)
    path = tmp_path / "far-cell.xls"
    path.write_bytes(bytes(data))
    return path


def test_read_file_refuses_an_xls_cell_far_outside_instead_of_aborting(tmp_path: Path) -> None:
    """Without the record scan calamine requests 128 GiB for this file and aborts the interpreter."""
    path = _xls_with_far_cell(tmp_path)
    result = _read_isolated([path], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    record = result.records[path.name]
    assert record["status"] == "refused" and _names_the_file_in_chinese(record["message"], path.name), record
    assert "第 1–65,536 行" in record["message"] and "万个单元格" in record["message"]


class _XlsEdit:
    """The .xls fixture's Workbook stream, its records, and in-place edits written back through the
    stream's sectors (the stream keeps its length, so the compound file stays valid)."""

    def __init__(self, source: Path = XLS_EXAMPLE) -> None:
        import olefile

        self.data = bytearray(source.read_bytes())
        with olefile.OleFileIO(io.BytesIO(bytes(self.data))) as ole:
            entry = next(kid for kid in ole.root.kids if kid.name == "Workbook")
            with ole.openstream("Workbook") as handle:
                self.stream = handle.read()
            self.sector_size, sector, self.sectors = ole.sectorsize, entry.isectStart, []
            while len(self.sectors) * self.sector_size < entry.size:
                self.sectors.append(sector)
                sector = ole.fat[sector]
            sector, self.directory = ole.first_dir_sector, []
            while sector < len(ole.fat) and len(self.directory) < 64:
                self.directory.append(sector)
                sector = ole.fat[sector]
        self.sheets: dict[str, int] = {}
        for offset, typ, length in self._records(0):
            if typ == 0x000A:
                break
            if typ == 0x0085:
                count, wide = self.stream[offset + 10], self.stream[offset + 11] & 1
                raw = self.stream[offset + 12:offset + 12 + count * (2 if wide else 1)]
                self.sheets[raw.decode("utf-16-le" if wide else "latin-1")] = struct.unpack_from("<I", self.stream, offset + 4)[0]

    def _records(self, offset: int) -> Iterator[tuple[int, int, int]]:
        while offset + 4 <= len(self.stream):
            typ, length = struct.unpack_from("<HH", self.stream, offset)
            yield offset, typ, length
            offset += 4 + length

    def records(self, sheet: str, *types: int) -> list[tuple[int, int, int]]:
        """(stream offset, type, body length) of the sheet's records of those types (all if none)."""
        found = []
        for record in self._records(self.sheets[sheet]):
            if not types or record[1] in types:
                found.append(record)
            if record[1] == 0x000A:
                break
        return found

    def patch(self, offset: int, raw: bytes) -> None:
        for index, byte in enumerate(raw, start=offset):
            sector, within = divmod(index, self.sector_size)
            self.data[(self.sectors[sector] + 1) * self.sector_size + within] = byte

    def move(self, offset: int, row: int, column: int) -> None:
        """Give the cell record at ``offset`` another (0-based) row and (first) column."""
        self.patch(offset + 4, struct.pack("<HH", row, column))
        typ, length = struct.unpack_from("<HH", self.stream, offset)
        if typ == 0x00BD:  # MULRK: its last column follows
            self.patch(offset + 2 + length, struct.pack("<H", (column + (length - 6) // 6 - 1) & 0xFFFF))

    def entry(self, index: int) -> int:
        """File offset of the compound file's directory entry ``index`` (128 bytes each)."""
        sector, within = divmod(index * 128, self.sector_size)
        return (self.directory[sector] + 1) * self.sector_size + within

    def save(self, path: Path) -> Path:
        path.write_bytes(bytes(self.data))
        return path


_XLS_CELLS = (0x00FD, 0x0203, 0x027E, 0x00BD)  # LABELSST, NUMBER, RK, MULRK: the fixture's value records


def test_the_xls_scan_measures_each_sheet_as_the_native_reader_expands_it() -> None:
    from python_calamine import CalamineWorkbook

    from compliance.ingest.xlsscan import scan_xls

    scan = scan_xls(XLS_EXAMPLE.read_bytes())
    book = CalamineWorkbook.from_path(str(XLS_EXAMPLE))
    assert [sheet.name for sheet in scan.sheets] == book.sheet_names
    for sheet in scan.sheets:
        native = book.get_sheet_by_name(sheet.name)
        assert ((sheet.values.top, sheet.values.left), (sheet.values.bottom, sheet.values.right)) == (native.start, native.end)
        assert sheet.formulas.empty and 0 < sheet.reserved < 1000


def test_xls_cells_moved_anywhere_are_measured_as_the_native_reader_expands_them(tmp_path: Path) -> None:
    """Cell records moved at random (within a few thousand rows and a few hundred columns, so the
    native reader allocates little whatever it does): the scan predicts the span of every sheet."""
    from python_calamine import CalamineWorkbook

    from compliance.ingest.xlsscan import scan_xls

    rng = random.Random(20240)
    base = _XlsEdit()
    cells = [offset for sheet in base.sheets for offset, _, _ in base.records(sheet, *_XLS_CELLS)]
    for case in range(60):
        edit = _XlsEdit()
        for offset in rng.sample(cells, rng.randint(1, 4)):
            edit.move(offset, rng.choice((0, rng.randrange(3000))), rng.choice((0, rng.randrange(250))))
        path = edit.save(tmp_path / f"moved-{case}.xls")
        scan = scan_xls(bytes(edit.data))
        book = CalamineWorkbook.from_path(str(path))
        for sheet in scan.sheets:
            native = book.get_sheet_by_name(sheet.name)
            predicted = ((sheet.values.top, sheet.values.left), (sheet.values.bottom, sheet.values.right))
            assert predicted == (native.start, native.end), (case, sheet.name)


def test_a_normal_xls_reads_the_same_values_after_the_scan(catalog) -> None:
    from python_calamine import CalamineWorkbook

    from compliance.ingest.workbook import load_grids

    book = CalamineWorkbook.from_path(str(XLS_EXAMPLE))
    grids = {grid.name: grid.rows for grid in load_grids(XLS_EXAMPLE)}
    assert grids == {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    [submission], outcome = read_file(XLS_EXAMPLE, catalog)
    [expected], example_outcome = read_file(EXAMPLE, catalog)
    assert outcome.status == example_outcome.status
    assert (outcome_message(outcome, len(outcome.problems) + len(submission.problems), "zh")
            == outcome_message(example_outcome, len(example_outcome.problems) + len(expected.problems), "zh"))
    assert submission.current["incentive_performance_pay"].value == 780
    assert {k: r.value for k, r in submission.current.items()} == {k: r.value for k, r in expected.current.items()}


def test_an_xls_column_beyond_the_width_cap_is_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    edit = _XlsEdit()
    offset = edit.records("指标", 0x00FD)[-1][0]
    edit.move(offset, 5, 2000)  # column 2001
    path = edit.save(tmp_path / "wide.xls")
    _, outcome = read_file(path, catalog)
    problem = outcome.refusal
    assert not outcome.problems  # the refusal is the file's one problem
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "工作表“指标”" in _refusal(outcome)
    assert "第 1–2,001 列" in _refusal(outcome) and "2,000 列" in _refusal(outcome)
    assert problem_wording.where(problem, "zh") == f"{path.name} 工作表“指标”"
    assert problem.code == "xls_cells_too_spread" and problem.place.sheet == "指标"
    values = problem.values
    assert (values["first_column"], values["last_column"], values["max_columns"]) == (1, 2001, 2000)


def test_a_far_cell_in_an_excel_5_book_stream_is_refused_before_parsing(catalog, tmp_path: Path,
                                                                        native_reader_spy) -> None:
    """calamine reads a stream named Book when there is no Workbook stream; so does the scan."""
    edit = _XlsEdit()
    at = edit.data.find("Workbook".encode("utf-16-le"))
    edit.data[at:at + 64] = "Book".encode("utf-16-le").ljust(64, b"\0")
    struct.pack_into("<H", edit.data, at + 64, 10)  # the name's length in bytes, with its terminator
    edit.move(edit.records("基本信息", 0x00FD)[-1][0], 0xFFFF, 0xFFFF)
    path = edit.save(tmp_path / "book-stream.xls")
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "工作表“基本信息”" in _refusal(outcome) and "65,536 行 × 65,536 列" in _refusal(outcome)


def test_an_xls_area_beyond_the_cell_cap_is_refused_though_rows_and_columns_alone_are_allowed(tmp_path: Path) -> None:
    """Row 60,001 and column 301 each pass their own cap; together calamine would allocate about
    1.1 GB (the grid, then a copy of it). The scan refuses the file before calamine opens it."""
    edit = _XlsEdit()
    edit.move(edit.records("指标", 0x00FD)[-1][0], 60000, 300)
    path = edit.save(tmp_path / "wide-and-tall.xls")
    result = _read_isolated([path, XLS_EXAMPLE], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    record = result.records[path.name]
    assert record["status"] == "refused" and "万个单元格" in record["message"], record
    assert "60,001 行 × 301 列" in record["message"] and record["peak_mb"] < 300, record
    assert result.records[XLS_EXAMPLE.name]["status"] != "refused"


def test_xls_grids_of_all_sheets_count_together(catalog, tmp_path: Path, native_reader_spy) -> None:
    """calamine keeps every sheet's grid while the workbook is open: four sheets of 3.1 million cells
    each pass the cap one by one, not together."""
    edit = _XlsEdit()
    for sheet in ("填报说明", "基本信息", "指标", "药品价格"):
        edit.move(edit.records(sheet, 0x00FD)[-1][0], 60000, 51)
    path = edit.save(tmp_path / "four-large-sheets.xls")
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "所有工作表合计" in _refusal(outcome) and "7 个工作表合计" in _refusal(outcome)
    assert outcome.refusal.code == "xls_workbook_too_large" and outcome.refusal.values["sheets"] == 7


def test_xls_formulas_far_apart_are_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    """calamine keeps a second grid for formula texts: two formulas with string results (so no value
    is stored for them) at A1 and at row and column 65536 made it request 96 GiB and abort."""
    edit = _XlsEdit()
    offset, _, length = next(r for r in edit.records("基本信息", 0x01BE) if r[2] >= 60)  # a data validation

    def formula(row: int, column: int) -> bytes:  # cached value: a string, in the STRING record that would follow
        body = struct.pack("<HHH", row, column, 0) + bytes([0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) + bytes(6) + struct.pack("<H", 0)
        return struct.pack("<HH", 0x0006, len(body)) + body

    records = formula(0, 0) + formula(0xFFFF, 0xFFFF)
    edit.patch(offset, records + struct.pack("<HH", 0x00EF, length - len(records)))
    path = edit.save(tmp_path / "far-formulas.xls")
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "公式单元格分布在第 1–65,536 行、第 1–65,536 列" in _refusal(outcome)
    assert outcome.refusal.code == "xls_formulas_too_spread"


def test_an_xls_dimensions_record_reserving_billions_of_cells_is_refused_before_parsing(
        catalog, tmp_path: Path, native_reader_spy) -> None:
    """A DIMENSIONS record whose first row comes after its last makes calamine reserve about
    2^32 rows x columns of 40 bytes (measured: it aborts asking for 858,993,449,200 bytes)."""
    edit = _XlsEdit()
    [(offset, _, length)] = edit.records("指标", 0x0200)
    assert length == 14
    edit.patch(offset + 4, struct.pack("<IIHH", 100, 50, 0, 5))
    path = edit.save(tmp_path / "inverted-dimensions.xls")
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "DIMENSIONS" in _refusal(outcome) and "4,294,967,246 行 × 5 列" in _refusal(outcome)
    assert outcome.refusal.code == "xls_dimensions_too_large" and outcome.refusal.values["rows"] == 4294967246


def _garbled_xls(edit: _XlsEdit, how: str) -> None:
    """Break the fixture's record stream (or its container) in one of several ways."""
    if how == "record-past-the-end":
        offset = edit.records("指标", 0x00FD)[3][0]
        edit.patch(offset + 2, struct.pack("<H", 0xFFFF))
    elif how == "stream-cut-mid-record":  # the directory declares the Workbook stream shorter
        at = edit.data.find("Workbook".encode("utf-16-le"))
        cut = edit.records("指标", 0x00FD)[3][0] + 7
        struct.pack_into("<I", edit.data, at + 120, cut)
    elif how == "sheet-beyond-the-stream":
        offset = next(o for o, t, _ in edit._records(0) if t == 0x0085)
        edit.patch(offset + 4, struct.pack("<I", 0x7FFFFFFF))  # calamine panics on this one
    elif how == "mulrk-length":
        offset, _, length = edit.records("指标", 0x00BD)[0]
        edit.patch(offset + 4 + length - 2, struct.pack("<H", 0xFFFF))
    elif how == "short-formula":
        offset = edit.records("指标", 0x00FD)[3][0]
        edit.patch(offset, struct.pack("<H", 0x0006))
    elif how == "dimensions-length":
        offset = edit.records("指标", 0x0200)[0][0]
        edit.patch(offset, struct.pack("<HH", 0x0200, 6) + bytes(6) + struct.pack("<HH", 0x00EF, 4) + bytes(4))
    elif how == "broken-sector-chain":  # the FAT sends the Workbook stream's fourth sector out of the file
        fat_sector = struct.unpack_from("<I", edit.data, 76)[0]
        struct.pack_into("<I", edit.data, (fat_sector + 1) * edit.sector_size + 4 * edit.sectors[3], 0x00FFFFF0)
    elif how == "orphan-workbook-entry":
        # The real Workbook entry moves to a free slot (the tree now points there) and a copy of it,
        # declaring half the size, stays first in directory order, outside the tree: olefile would
        # read the real one, calamine the orphan (it takes the first entry of that name).
        entries = [bytes(edit.data[edit.entry(i):edit.entry(i) + 128]) for i in range(len(edit.directory) * 4)]
        real = next(i for i, raw in enumerate(entries) if raw[:16] == "Workbook".encode("utf-16-le"))
        free = next(i for i, raw in enumerate(entries) if raw[66] == 0 and i > real)  # an unused entry
        for i, raw in enumerate(entries):
            for field in (68, 72, 76):  # left sibling, right sibling, child
                if struct.unpack_from("<I", raw, field)[0] == real:
                    struct.pack_into("<I", edit.data, edit.entry(i) + field, free)
        edit.data[edit.entry(free):edit.entry(free) + 128] = entries[real]
        struct.pack_into("<I", edit.data, edit.entry(real) + 120, len(edit.stream) // 2)
    elif how == "not-ole":
        edit.data[:8] = b"PK\x03\x04" + bytes(4)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["record-past-the-end", "stream-cut-mid-record", "sheet-beyond-the-stream",
                                 "mulrk-length", "short-formula", "dimensions-length", "broken-sector-chain",
                                 "orphan-workbook-entry", "not-ole"])
def test_a_garbled_xls_is_refused_with_a_message_before_parsing(catalog, tmp_path: Path, native_reader_spy,
                                                                 how: str) -> None:
    edit = _XlsEdit()
    _garbled_xls(edit, how)
    path = edit.save(tmp_path / f"{how}.xls")
    _, outcome = read_file(path, catalog)
    problem = outcome.refusal
    assert not outcome.problems  # the refusal is the file's one problem
    assert outcome.status == "refused" and not native_reader_spy.opened, outcome
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "另存为" in _refusal(outcome)
    assert "结构完整的 .xls 工作簿" in problem_wording.expected(problem, "zh"), problem
    assert problem.code.startswith("xls_") and problem.code in PROBLEM_MEANING


def test_an_encrypted_xls_is_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    edit = _XlsEdit()
    [offset] = [o for o, t, n in edit._records(0) if t == 0x0042 and n == 2]  # CODEPAGE becomes FILEPASS
    edit.patch(offset, struct.pack("<HHH", 0x002F, 2, 1))
    path = edit.save(tmp_path / "encrypted.xls")
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "打开密码" in _refusal(outcome) and "取消" in _refusal(outcome)
    assert outcome.refusal.code == "xls_encrypted"


def test_xls_sheets_walking_over_each_other_are_refused_quickly() -> None:
    """Thousands of BOUNDSHEET records pointing into one long stretch without an EOF record would
    make a naive scan (and calamine) walk it thousands of times."""
    from compliance.ingest.xlsscan import XlsStructureError, scan_stream

    sheets = 3000
    start = 8 + sheets * 12 + 4  # where the stretch begins: after BOF, the BOUNDSHEETs and EOF
    stream = (struct.pack("<HHHH", 0x0809, 4, 0x0600, 0x0005)
              + b"".join(struct.pack("<HHIBBBB", 0x0085, 8, start + 4 * index, 0, 0, 1, 0) for index in range(sheets))
              + struct.pack("<HH", 0x000A, 0)
              + struct.pack("<HH", 0x00EF, 0) * 200_000)
    started = time.monotonic()
    with pytest.raises(XlsStructureError) as raised:
        scan_stream(stream)
    assert time.monotonic() - started < 2
    assert raised.value.code == "xls_sheets_overlap" and "相互重叠" in _found(raised.value)


def test_an_xls_listing_more_sheets_than_any_workbook_is_refused() -> None:
    from compliance.ingest.xlsscan import MAX_SHEETS, XlsStructureError, scan_stream

    stream = (struct.pack("<HHHH", 0x0809, 4, 0x0600, 0x0005)
              + struct.pack("<HHIBBBB", 0x0085, 8, 0, 0, 0, 1, 0) * (MAX_SHEETS + 1) + struct.pack("<HH", 0x000A, 0))
    with pytest.raises(XlsStructureError) as raised:
        scan_stream(stream)
    assert raised.value.code == "xls_too_many_sheets" and f"超过 {MAX_SHEETS:,} 个" in _found(raised.value)


def _xls_stream_region() -> tuple[int, int]:
    edit = _XlsEdit()
    first = (edit.sectors[0] + 1) * edit.sector_size
    assert edit.sectors == list(range(edit.sectors[0], edit.sectors[0] + len(edit.sectors)))  # stored in one run
    return first, first + len(edit.stream)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=12),
       in_stream=st.booleans())
def test_random_byte_flips_never_crash_or_hang_the_xls_scan(flips: list[tuple[float, int]], in_stream: bool) -> None:
    from compliance.ingest.xlsscan import XlsScan, XlsStructureError, scan_xls

    data = bytearray(XLS_EXAMPLE.read_bytes())
    low, high = _xls_stream_region() if in_stream else (0, len(data))
    for where, value in flips:
        data[low + int(where * (high - low))] = value
    started = time.monotonic()
    try:
        result = scan_xls(bytes(data))
    except XlsStructureError as exc:
        assert exc.code in PROBLEM_MEANING and HAN.search(_found(exc)), _found(exc)
    else:
        assert isinstance(result, XlsScan)
    assert time.monotonic() - started < 1


def test_mutated_xls_files_never_crash_or_hang_the_scan() -> None:
    """Insertions, deletions, truncations and runs of zeros too (the corpus's mutations), 400 of them."""
    from compliance.ingest.xlsscan import XlsStructureError, scan_xls

    rng = random.Random(77)
    data = XLS_EXAMPLE.read_bytes()
    refused = 0
    started = time.monotonic()
    for _ in range(400):
        _, mutated = _mutate_bytes(data, rng)
        try:
            scan_xls(mutated)
        except XlsStructureError:
            refused += 1
    assert time.monotonic() - started < 20
    assert 0 < refused < 400
