"""The worksheet XML scan: its fast paths must agree with the careful ones."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest
from defusedxml import DefusedXmlException
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import xlsxscan

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
