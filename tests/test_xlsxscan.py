"""The worksheet XML scan: its fast paths must agree with the careful ones."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from xml.sax.saxutils import quoteattr

import pytest
from defusedxml import DefusedXmlException
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from compliance.ingest import xlsxscan

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _package_xml(names: list[str], prefix: str = "r", quote: str = '"') -> tuple[bytes, bytes]:
    sheets = "".join(
        f"<sheet name={quoteattr(name)} sheetId={quote}{i}{quote} {prefix}:id={quote}rId{i}{quote}/>"
        for i, name in enumerate(names, start=1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
                f'xmlns:{prefix}="{DOC_REL_NS}"><sheets>{sheets}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{DOC_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    return workbook.encode(), f'<Relationships xmlns="{RELS_NS}">{rels}</Relationships>'.encode()


@pytest.mark.parametrize("names", [
    ["基本信息", "指标"],
    ["A & B", "<x>", "it's \"quoted\""],
    ["   spaced  ", "中文&amp;"],
])
@pytest.mark.parametrize("prefix", ["r", "rel"])
def test_fast_sheet_parts_agree_with_the_parser(names: list[str], prefix: str) -> None:
    workbook, rels = _package_xml(names, prefix)
    assert xlsxscan._sheet_parts_fast(workbook, rels) == xlsxscan._sheet_parts_parsed(workbook, rels)
    assert list(xlsxscan._sheet_parts_fast(workbook, rels)) == names


_sheet_name = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=31)


@settings(max_examples=150, deadline=None)
@given(st.lists(_sheet_name, min_size=1, max_size=5, unique=True))
def test_fast_sheet_parts_agree_for_any_names(names: list[str]) -> None:
    workbook, rels = _package_xml(names)
    assert xlsxscan._sheet_parts_fast(workbook, rels) == xlsxscan._sheet_parts_parsed(workbook, rels)


def test_entity_declarations_are_left_to_the_safe_parser() -> None:
    workbook, rels = _package_xml(["x"])
    hostile = workbook.replace(b"<workbook", b'<!DOCTYPE w [<!ENTITY a "aaaa">]><workbook', 1)
    assert xlsxscan._sheet_parts_fast(hostile, rels) == {}
    with pytest.raises(DefusedXmlException):
        xlsxscan._sheet_parts_parsed(hostile, rels)


@pytest.mark.parametrize("raw, expected", [
    (b'<row r="3"><c r="B3"><v>1</v></c></row>', (3, 2)),
    (b"<row r='7'><c r='AA7' s='1'><v>1</v></c></row>", (7, 27)),
    (b'<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', (1048576, 16384)),
    (b"<sheetData/>", (0, 0)),
])
def test_extent_reads_every_cell_reference(raw: bytes, expected: tuple[int, int]) -> None:
    assert xlsxscan._extent(raw) == expected


@pytest.mark.parametrize("raw, count, bad", [
    (b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>4</v></c>', 5, []),
    (b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>5</v></c>', 5, ["B1"]),
    (b'<c r="A1" t="s"><v>x</v></c>', 5, ["A1"]),
    (b'<c r="C2" t="s"><v> 1 </v></c>', 5, []),
])
def test_shared_string_indexes_are_checked(raw: bytes, count: int, bad: list[str]) -> None:
    indexes = xlsxscan._SHARED_INDEX.findall(raw)
    assert xlsxscan._bad_shared_strings(raw, indexes, count) == bad


@pytest.mark.parametrize("raw, cells", [
    (b'<c r="A1"><f>SUM(B1:B2)</f></c><dataValidation><formula1>0</formula1></dataValidation>', {(1, 1)}),
    (b'<c r="A1"><f>SUM(B1:B2)</f><v>3</v></c>', set()),
    (b'<dataValidations><dataValidation><formula1>0</formula1></dataValidation></dataValidations>', set()),
])
def test_formulas_without_cached_values(raw: bytes, cells: set[tuple[int, int]]) -> None:
    xml = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'.encode() + raw + b"</row></sheetData></worksheet>"
    if b"dataValidation" in raw and b"<c " not in raw:
        xml = f'<worksheet xmlns="{MAIN_NS}">'.encode() + raw + b"</worksheet>"
    assert xlsxscan._formulas_without_values(xml) == cells


@pytest.mark.parametrize("rows, cells", [
    # no r on the cells: after the previous cell of the row, or in its first column
    (b'<row r="3"><c><f>1+1</f></c><c r="C3"><f>2+2</f><v></v></c><c><f>3+3</f></c></row>', {(3, 1), (3, 3), (3, 4)}),
    # no r on the rows either: after the previous row
    (b'<row r="2"><c r="B2"><v>1</v></c></row><row><c r="b3"><f>1</f></c></row><row><c><f>2</f></c></row>',
     {(3, 2), (4, 1)}),
])
def test_formula_cells_without_a_reference_are_placed_as_the_native_reader_places_them(
        rows: bytes, cells: set[tuple[int, int]]) -> None:
    assert xlsxscan._formulas_without_values(_sheet(rows)) == cells


def _sheet(rows: bytes) -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode() + rows + b"</sheetData></worksheet>"


def test_small_extent_passes_every_cap() -> None:
    from compliance.ingest.workbook import (
        MAX_SCANNED_CELLS,
        MAX_SCANNED_ROWS,
        MAX_SHEET_WIDTH,
    )

    rows, columns = xlsxscan.SMALL_EXTENT
    assert rows <= MAX_SCANNED_ROWS and columns <= MAX_SHEET_WIDTH and rows * columns <= MAX_SCANNED_CELLS


@pytest.mark.parametrize("raw", [
    b'<row r="3"><c r="B3"><v>1</v></c></row>',
    b'<row r="9999" spans="1:702"><c r="ZZ9999" s="1"><v>1</v></c><c r="a1"/></row>',
    b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><cols><col min="1" max="9"/></cols>',
    b'<sheetData/>',
])
def test_regular_sheets_take_the_fast_bound(raw: bytes) -> None:
    assert xlsxscan.extent_bound(_sheet(raw)) == xlsxscan.SMALL_EXTENT
    assert all(a <= b for a, b in zip(xlsxscan._extent(_sheet(raw)), xlsxscan.SMALL_EXTENT))


@pytest.mark.parametrize("raw, expected", [
    (b'<row r="1"><c r="XFD1"><v>1</v></c></row>', (1, 16384)),  # three letters
    (b'<row r="1"><c r="AAA1"><v>1</v></c></row>', (1, 703)),  # just outside two letters
    (b'<row r="10000"><c r="A10000"><v>1</v></c></row>', (10000, 1)),  # just outside four digits
    (b'<row r="9999"><c r="A9999"/></row><row r="10000"/>', (10000, 1)),  # a row with no cells
    (b'<row r="1048576"/>', (1048576, 0)),
    (b'<row r="1"><c r="A1048576"><v>1</v></c></row>', (1048576, 1)),
    (b'<row r="1"><c r="xfd1"><v>1</v></c></row>', (1, 16384)),  # lower case: the native reader accepts it
    (b'<row r="1"><c r="A123456789"><v>1</v></c></row>', (123456789, 1)),
    (b'<row r="1"><c r="AAAA1"><v>1</v></c></row>', (1, 18279)),
    (b'<row r="1"><c r = "XFD1"><v>1</v></c></row>', (1, 16384)),  # spaces around =
    (b'<row r="1"><c s="1" r="XFD1"><v>1</v></c></row>', (1, 16384)),  # r not the first attribute
    (b"<row r='1'><c r='XFD1'><v>1</v></c></row>", (1, 16384)),
    (b'<row r="3">' + b"<c/>" * 3000 + b'<c><v>1</v></c></row>', (3, 3001)),  # cells without r
    (b'<row><c><v>1</v></c></row>' * 3 + b'<row r="200001"><c><v>1</v></c></row>', (200001, 1)),
    (b'<row r="5"><c r="C5"/><c/></row><row><c/></row>', (6, 4)),  # after C5 comes D5; the next row is 6
    (b'<!-- <c r="XFD1"/> --><row r="2"><c r="B2"/></row>', (2, 16384)),  # read as a cell, to be safe
    (b'<!-- <c/> --><row r="2"><c r="B2"/></row>', (2, 2)),  # parsed: a comment holds no cell
])
def test_irregular_sheets_get_the_exact_extent(raw: bytes, expected: tuple[int, int]) -> None:
    assert xlsxscan.extent_bound(_sheet(raw)) == expected


def test_prefixed_elements_get_the_exact_extent() -> None:
    raw = (f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="2"><x:c r="B2"/><x:c/></x:row>'
           f'</x:sheetData></x:worksheet>').encode()
    assert xlsxscan.extent_bound(raw) == (2, 3)


@pytest.mark.parametrize("ref", [b"$A$1", b"A1B", b"", b"1A", b"A 1"])
def test_a_reference_the_native_reader_cannot_read_is_refused(ref: bytes) -> None:
    with pytest.raises(ValueError):
        xlsxscan.extent_bound(_sheet(b'<row r="1"><c r="%s"><v>1</v></c></row>' % ref))


_letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz", min_size=0, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 20_000)),
                          st.lists(st.one_of(st.none(), st.tuples(_letters, st.integers(1, 20_000))), max_size=4)),
                max_size=5))
def test_the_bound_never_falls_short_of_the_exact_extent(rows: list) -> None:
    xml = b"".join(
        (b"<row>" if row is None else b'<row r="%d">' % row)
        + b"".join(b"<c/>" if cell is None else b'<c r="%s%d"/>' % (cell[0].encode(), cell[1]) for cell in cells)
        + b"</row>" for row, cells in rows)
    exact = xlsxscan._extent(_sheet(xml))
    bound = xlsxscan.extent_bound(_sheet(xml))
    assert bound == exact or (bound == xlsxscan.SMALL_EXTENT and exact[0] <= bound[0] and exact[1] <= bound[1])


@functools.cache
def _one_sheet_package() -> dict[str, bytes]:
    book = Workbook()
    book.active["A1"] = 1
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _native_extent(sheet_data: bytes) -> tuple[int, int]:
    """The farthest cell python-calamine itself places, for a sheet with these rows."""
    from python_calamine import CalamineWorkbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in _one_sheet_package().items():
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", lambda _: sheet_data, data, flags=re.DOTALL)
            archive.writestr(name, data)
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    sheet = book.get_sheet_by_name(book.sheet_names[0])
    return (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)


_row = st.tuples(st.one_of(st.none(), st.integers(1, 40)),
                 st.lists(st.one_of(st.none(), st.text("ABCZabz", min_size=1, max_size=2)), min_size=1, max_size=5))


@settings(max_examples=100, deadline=None)
@given(st.lists(_row, min_size=1, max_size=6))
def test_the_exact_extent_places_cells_as_the_native_reader_does(rows: list) -> None:
    """Rows and cells with and without r, in any order: every cell holds a value, so the native reader's
    range ends at the farthest cell."""
    xml = b""
    for row, cells in rows:
        xml += b"<row>" if row is None else b'<row r="%d">' % row
        for letters in cells:
            ref = b"" if letters is None or row is None else b' r="%s%d"' % (letters.encode(), row)
            xml += b'<c%s t="n"><v>1</v></c>' % ref
        xml += b"</row>"
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode() + xml + b"</sheetData></worksheet>"
    assert xlsxscan._extent(sheet) == _native_extent(b"<sheetData>" + xml + b"</sheetData>")


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                               max_size=20), st.binary(max_size=300), max_size=6))
def test_the_verified_package_is_the_zip_zipfile_writes(parts: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    assert xlsxscan.stored_zip(parts) == buffer.getvalue()
