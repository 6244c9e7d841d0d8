"""Checks on the XML of .xlsx/.xlsm worksheets that the fast value reader cannot make.

python-calamine returns values only: it reads a formula without a cached
value as blank, reads a malformed shared-string index as the first string,
and allocates a dense grid up to the farthest cell before any cap applies.
The worksheet XML is therefore scanned first (regular expressions over the
raw bytes; defusedxml only for the few parts it must parse as a tree).

Every part the native reader decompresses (the package parts in NATIVE_PARTS
and the worksheets it is asked for) is first decompressed here, through
Python's zipfile: it stops at the size the zip directory declares (already
capped against zip bombs) and checks the CRC, so an entry whose data is
larger than declared, or otherwise altered, is refused as a PartError before
the native reader ever opens the file. No part is decompressed twice.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from compliance.results.findings import Details

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Literal-led patterns: the regex engine skips ahead to each literal instead of trying every byte.
# The native reader places a cell (or row) at its r attribute, or after the previous one when it has
# none; it accepts references in either case, of any length, and element names with any prefix.
# IRREGULAR finds a c or row element written otherwise than Excel and openpyxl write them (first
# attribute r="..." with at most two letters and four digits); POSITIONAL finds one whose first
# attribute is not r="..." with a reference of any length.
_IRREGULAR_CELL = re.compile(rb'<c(?! r="[A-Za-z]{0,2}+[0-9]{1,4}+"|[\w.:-])')
_IRREGULAR_ROW = re.compile(rb'<row(?! r="[0-9]{1,4}+"|[\w.:-])')
_POSITIONAL_CELL = re.compile(rb'<c(?! r="[A-Za-z]*+[0-9]++"|[\w.:-])')
_POSITIONAL_ROW = re.compile(rb'<row(?! r="[0-9]++"|[\w.:-])')
_PREFIXED_CELL_OR_ROW = re.compile(rb":(?:c|row)(?![\w.:-])")
_CELL_REFERENCE = re.compile(rb'<c r="([A-Za-z]*)([0-9]+)"')
_ROW_REFERENCE = re.compile(rb'<row r="([0-9]+)"')
_REFERENCE_TEXT = re.compile(r"([A-Za-z]*)([0-9]+)")
# No cell lies beyond this when every cell and row element is regular (two letters, four digits).
SMALL_EXTENT = (9_999, 702)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_FORMULA_HINT = re.compile(rb"f[\s/>]")  # found in every match of _FORMULA, and rarely elsewhere
_SHARED_INDEX = re.compile(rb't=["\']s["\'][^>]*>\s*<(?:\w+:)?v>([^<]*)<')
_SHARED_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt=["\']s["\'][^>]*)>\s*<(?:\w+:)?v>([^<]*)<')
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w.:-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF_ATTR = re.compile(rb'\br=["\']([A-Z]{1,3}[0-9]{1,8})["\']')
# What python-calamine (0.9.1, calamine 0.37) decompresses when it opens an .xlsx/.xlsm, besides the
# worksheets it is asked for (found by giving each part of a workbook a false size, one at a time).
NATIVE_PARTS = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                "xl/styles.xml")


class PartError(Exception):
    """A package part that cannot be decompressed as the zip directory describes it: ``code`` is
    the data-problem code (``part_...``), ``values`` its parameters."""

    def __init__(self, part: str, code: str, values: Details | None = None) -> None:
        self.part = part
        self.code = code
        self.values = values or Details()
        super().__init__(f"{part}: {code} {dict(self.values)}")


def read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """The part's bytes, decompressed no further than its declared size (the directory check capped
    it); PartError unless they are exactly what the directory declares (size and CRC-32)."""
    info = archive.getinfo(name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # nor can the native reader
        raise PartError(name, "part_compression_unsupported", Details.of(method=info.compress_type))
    if info.flag_bits & 0x1:
        raise PartError(name, "part_encrypted")
    try:
        with archive.open(info) as handle:
            # read(n) inflates at most n bytes at a time; read() would inflate all the compressed data at once
            data = handle.read(max(info.file_size, 1))
    except zipfile.BadZipFile as exc:  # CRC mismatch (the data goes on past the declared size), bad header
        raise PartError(name, "part_crc_mismatch", Details.of(declared_bytes=info.file_size, detail=str(exc))) from None
    except (zlib.error, EOFError) as exc:
        raise PartError(name, "part_corrupt", Details.of(declared_bytes=info.file_size,
                                                         detail=f"{type(exc).__name__}: {exc}")) from None
    if len(data) != info.file_size or (info.compress_type == zipfile.ZIP_STORED
                                       and info.compress_size != info.file_size):
        raise PartError(name, "part_size_mismatch", Details.of(actual_bytes=len(data),
                                                               compressed_bytes=info.compress_size,
                                                               declared_bytes=info.file_size))
    return data


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
_DOS_DATE_1980 = 0x21  # 1980-01-01, the date zipfile.ZipInfo defaults to
_MADE_BY = zipfile.ZipInfo().create_system << 8 | 20


def stored_zip(parts: dict[str, bytes]) -> bytes:
    """The parts as an uncompressed zip, byte for byte the archive zipfile writes for ZipInfo(name)
    entries with ZIP_STORED, without its per-part bookkeeping (sizes stay far below the zip64 limits)."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, data in parts.items():
        encoded, flags = name.encode(), 0 if name.isascii() else 0x800  # 0x800: the name is UTF-8
        crc, size = zlib.crc32(data), len(data)
        header = _LOCAL_HEADER.pack(b"PK\x03\x04", 20, flags, 0, 0, _DOS_DATE_1980, crc, size, size, len(encoded), 0)
        directory += (_CENTRAL_HEADER.pack(b"PK\x01\x02", _MADE_BY, 20, flags, 0, 0, _DOS_DATE_1980, crc, size, size,
                                           len(encoded), 0, 0, 0, 0, 0o600 << 16, offset), encoded)
        chunks += (header, encoded, data)
        offset += len(header) + len(encoded) + size
    central = b"".join(directory)
    end = _END_OF_DIRECTORY.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(central), offset, 0)
    return b"".join(chunks) + central + end


@dataclass
class SheetScan:
    max_row: int = 0  # at least the farthest row and column of a cell: see extent_bound
    max_column: int = 0
    formulas_without_values: set[tuple[int, int]] = field(default_factory=set)
    bad_shared_strings: list[str] = field(default_factory=list)


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name -> worksheet part path inside the package, from workbook.xml and its relationships."""
    return _sheet_parts_fast(workbook, rels) or _sheet_parts_parsed(workbook, rels)


def _part_path(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _sheet_parts_fast(workbook: bytes, rels: bytes) -> dict[str, str]:
    """The common case read with regular expressions (no entities can be expanded); empty when unsure."""
    if b"<!" in workbook or b"<!" in rels:  # a DOCTYPE or entity declaration: leave it to defusedxml
        return {}
    try:
        targets: dict[str, str] = {}
        for attributes in _RELATIONSHIP.findall(rels):
            found = _attributes(attributes)
            targets[found.get(b"Id", "")] = found.get(b"Target", "")
        parts: dict[str, str] = {}
        for attributes in _SHEET.findall(workbook):
            found = _attributes(attributes)
            rel_id = next((value for key, value in found.items() if key.endswith(b":id")), "")
            if targets.get(rel_id):
                parts[found.get(b"name", "")] = _part_path(targets[rel_id])
        return parts
    except UnicodeDecodeError:  # not UTF-8 (UTF-16 is allowed): parse it properly
        return {}


def _attributes(text: bytes) -> dict[bytes, str]:
    return {name: html.unescape((double or single).decode()) for name, double, single in _ATTRIBUTE.findall(text)}


def _sheet_parts_parsed(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    workbook = SafeET.fromstring(workbook_xml)
    rels = SafeET.fromstring(rels_xml)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        if target:
            parts[sheet.get("name", "")] = _part_path(target)
    return parts


def extent_bound(raw: bytes) -> tuple[int, int]:
    """At least the farthest row and column the native reader can place a cell or row of this
    worksheet in: SMALL_EXTENT when every cell and row element is regular, else exactly."""
    if not (_IRREGULAR_CELL.search(raw) or _IRREGULAR_ROW.search(raw) or _PREFIXED_CELL_OR_ROW.search(raw)):
        return SMALL_EXTENT
    return _extent(raw)


def _extent(raw: bytes) -> tuple[int, int]:
    """The farthest row and column the native reader places a cell or row element in."""
    if _POSITIONAL_CELL.search(raw) or _POSITIONAL_ROW.search(raw) or _PREFIXED_CELL_OR_ROW.search(raw):
        return _positional_extent(raw)
    rows = [int(row) for row in set(_ROW_REFERENCE.findall(raw))]
    columns = [0]
    for letters, row in set(_CELL_REFERENCE.findall(raw)):
        rows.append(int(row))
        columns.append(_column_number(letters.decode()))
    return max(rows, default=0), max(columns)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _reference(text: str, row_only: bool) -> tuple[int, int]:
    """(row, column) of an r attribute as the native reader reads it: letters (either case) then digits."""
    match = _REFERENCE_TEXT.fullmatch(text)
    if match is None or (row_only and match[1]):
        raise ValueError(f"the cell or row position r={text!r} is not a valid reference")
    return int(match[2]), _column_number(match[1])


def _positional_extent(raw: bytes) -> tuple[int, int]:
    """Walk the cell and row elements as the native reader does: a row without r follows the previous
    one, a cell without r follows the previous cell of its row (or the first column)."""
    max_row = max_column = 0
    row = 1  # where the next element without r goes
    column = 1
    for event, element in SafeET.iterparse(io.BytesIO(raw), events=("start", "end")):
        name = element.tag.rpartition("}")[2]
        if event == "end":
            if name == "row":
                row, column = row + 1, 1
            element.clear()
        elif name == "row":
            ref = element.get("r")
            row = _reference(ref, row_only=True)[0] if ref is not None else row
            max_row = max(max_row, row)
        elif name == "c":
            ref = element.get("r")
            cell_row, column = _reference(ref, row_only=False) if ref is not None else (row, column)
            max_row, max_column = max(max_row, cell_row), max(max_column, column)
            column += 1
    return max_row, max_column


def _formulas_without_values(raw: bytes) -> set[tuple[int, int]]:
    """(row, column) of the formula cells without a cached value; a cell or row without an r
    attribute is placed as the native reader places it (see _positional_extent)."""
    cells: set[tuple[int, int]] = set()
    if not _FORMULA_HINT.search(raw) or not _FORMULA.search(raw):  # <formula1> is not a formula cell
        return cells
    row, column = 1, 1  # where the next row or cell without r goes
    here = (1, 1)  # the cell being read
    for event, element in SafeET.iterparse(io.BytesIO(raw), events=("start", "end")):
        if element.tag == f"{MAIN}row":
            if event == "start":
                ref = element.get("r")
                row, column = (_reference(ref, row_only=True)[0] if ref is not None else row), 1
            else:
                row, column = row + 1, 1
                element.clear()
        elif element.tag == f"{MAIN}c":
            if event == "start":
                ref = element.get("r")
                here = _reference(ref, row_only=False) if ref is not None else (row, column)
                column = here[1] + 1
                continue
            has_formula = element.find(f"{MAIN}f") is not None
            value = element.find(f"{MAIN}v")
            if has_formula and (value is None or value.text in (None, "")) and element.find(f"{MAIN}is") is None:
                cells.add(here)
            element.clear()
    return cells


def _bad_shared_strings(raw: bytes, indexes: list[bytes], count: int) -> list[str]:
    """Cells whose shared-string index is not a number below the table's length (checked fast first)."""
    if b"".join(indexes).isdigit() and max(map(int, indexes)) < count:
        return []
    bad = []
    for match in _SHARED_CELL.finditer(raw):
        index = match.group(2).strip()
        if index.isdigit() and int(index) < count:
            continue
        ref = _REF_ATTR.search(match.group(1))
        bad.append(ref.group(1).decode() if ref else "?")
    return bad


def _shared_string_count(raw: bytes) -> int:
    if b":si" in raw:
        return len(re.findall(rb"<(?:\w+:)?si[\s>/]", raw))
    return len(re.findall(rb"<si[\s>/]", raw))


def scan_xlsx(path: Path, sheets: Collection[str] | None = None) -> dict[str, SheetScan]:
    """Per sheet (all, or those named): extent of the cells, formulas without cached values,
    malformed shared-string cells."""
    with zipfile.ZipFile(path) as archive:
        return PackageScanner(archive).scan(sheets)


class PackageScanner:
    """Scans the worksheets of one open package, decompressing each part at most once."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        self.decompressed: dict[str, bytes] = {}  # part -> its verified bytes
        self._parts: dict[str, str] | None = None
        self._shared_strings: int | None = None

    def _read(self, name: str) -> bytes:
        if name not in self.decompressed:
            self.decompressed[name] = read_part(self.archive, name)
        return self.decompressed[name]

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> part, in workbook order; empty when the package has no workbook."""
        if self._parts is None:
            self._parts = {}
            if "xl/workbook.xml" in self.names and "xl/_rels/workbook.xml.rels" in self.names:
                self._parts = _sheet_parts(self._read("xl/workbook.xml"), self._read("xl/_rels/workbook.xml.rels"))
        return self._parts

    def worksheet_names(self) -> list[str]:
        """The names the native reader lists as worksheets (parts under xl/worksheets/), in order."""
        return [name for name, part in self.sheet_parts().items() if part.split("/")[1:2] == ["worksheets"]]

    def scan(self, sheets: Collection[str] | None = None) -> dict[str, SheetScan]:
        """Per sheet (all, or those named) that has a worksheet part: see ``scan_xlsx``."""
        found: dict[str, SheetScan] = {}
        for sheet_name, part in self.sheet_parts().items():
            if part not in self.names or (sheets is not None and sheet_name not in sheets):
                continue
            raw = self._read(part)
            scan = SheetScan()
            scan.max_row, scan.max_column = extent_bound(raw)
            scan.formulas_without_values = _formulas_without_values(raw)
            indexes = _SHARED_INDEX.findall(raw)
            if indexes:
                scan.bad_shared_strings = _bad_shared_strings(raw, indexes, self._shared_string_count())
            found[sheet_name] = scan
        return found

    def _shared_string_count(self) -> int:
        if self._shared_strings is None:
            part = "xl/sharedStrings.xml"
            self._shared_strings = _shared_string_count(self._read(part)) if part in self.names else 0
        return self._shared_strings

    def verified_package(self) -> bytes:
        """The parts read so far (the package parts the native reader needs and the scanned
        worksheets), as an uncompressed zip in memory: the native reader then reads exactly the
        verified bytes, and does not inflate them a second time."""
        return stored_zip(self.decompressed)

    def verify_native_parts(self) -> None:
        """Decompress (and so check) every part in NATIVE_PARTS that the scan has not read yet."""
        for name in NATIVE_PARTS:
            if name in self.names and name not in self.decompressed:
                self._read(name)
