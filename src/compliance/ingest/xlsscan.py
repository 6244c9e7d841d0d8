"""Checks on legacy .xls workbooks (BIFF records in an OLE2 compound file) that the native reader cannot make.

python-calamine (0.9.1, calamine 0.37) parses every sheet of an .xls as soon as the file is opened and
stores each one as dense grids, so one cell record at row and column 65535 makes it request 128 GiB and
abort the interpreter. Measured with that version, by rewriting records of a LibreOffice-written file in
place, what it allocates for each sheet is:

* a grid of values (32 bytes a cell) spanning the smallest to the largest row and the smallest to the
  largest column of the cells it keeps. Those come from FORMULA (unless its cached value is a string,
  which the STRING record after it stores at the formula's position; a STRING before any FORMULA of the
  sheet lands on A1), LABELSST, NUMBER, RK, LABEL, BOOLERR, RSTRING and MULRK (one cell per RK in the
  record, from its first column on). BLANK and MULBLANK cost nothing; neither does any other record type
  (every type from 0x0000-0x00FF, 0x0200-0x02FF, 0x0400-0x04FF and 0x0800-0x08FF was tried);
* a grid of formula texts (24 bytes a cell) spanning the FORMULA records alone;
* a list of cells (40 bytes each) for which every DIMENSIONS record reserves the rows x columns it
  declares, computed in wrapping 32-bit arithmetic (a first row after the last one reserves billions).

The scan counts a little more than the native reader keeps, never less: a LABELSST whose string index is
invalid, or a BOOLERR or FORMULA whose error code is unknown (the native reader skips the first and
refuses the file for the others). A sheet is read from the stream offset its BOUNDSHEET record gives up
to its first EOF record (or the end of the stream), whatever the records in between: that walk is
repeated here. Every BOUNDSHEET is parsed (worksheets, charts, macro sheets), and all the grids stay in
memory together.

The container is opened with olefile in its strict mode; the stream read is the one the native reader
picks (the first directory entry named "Workbook", else "Book", in directory order), which must also be
the one olefile finds from the root. Every loop is bounded by the stream's length: each record advances
by at least its 4-byte header, and the sheets' walks together may cover the stream at most twice.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import olefile

from compliance.results.findings import Details

OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
BOF, EOF, BOUNDSHEET, FILEPASS, CODEPAGE, DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x002F, 0x0042, 0x0200
FORMULA, STRING, MULRK = 0x0006, 0x0207, 0x00BD
# LABELSST, NUMBER, RK, LABEL, BOOLERR, RSTRING: one cell at the (row, column) of their first four bytes
SINGLE_CELLS = frozenset({0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x00D6})
FORMULA_MIN_LENGTH = 20  # the native reader refuses shorter FORMULA records
MAX_SHEETS = 10_000  # the native reader keeps a name, metadata and grids for each: far more is no workbook
WALK_FACTOR = 2  # the sheets' walks may cover the stream this many times (sheets missing their EOF)
_HEADER = struct.Struct("<HH")  # a record's type and length
_CELL_HEADER = struct.Struct("<HHHH")  # and its first four bytes: a cell record's row and column
_U32 = struct.Struct("<I")
_DIMENSIONS_8 = struct.Struct("<IIHH")  # BIFF8: first row, last row + 1, first column, last column + 1
_DIMENSIONS_5 = struct.Struct("<HHHH")  # BIFF5 and older
_MASK32 = 0xFFFFFFFF
_OLDER_BIFF = frozenset({0x0002, 0x0007, 0x0200, 0x0300, 0x0400, 0x0500})  # BOF versions before BIFF8
_NO_ROW = 1 << 40


class XlsStructureError(Exception):
    """The file cannot be scanned as the native reader would read it: ``code`` is the data-problem
    code (``xls_...``), ``values`` its parameters; ``sheet`` names the sheet, if any."""

    def __init__(self, code: str, values: Details | None = None, sheet: str | None = None) -> None:
        self.code = code
        self.values = values or Details()
        self.sheet = sheet
        super().__init__(f"{code} {dict(self.values)}" + (f" (sheet {sheet!r})" if sheet else ""))

    @property
    def encrypted(self) -> bool:
        return self.code == "xls_encrypted"


@dataclass
class Box:
    """The 0-based, inclusive span of a dense grid the native reader allocates."""

    top: int = _NO_ROW
    bottom: int = -1
    left: int = _NO_ROW
    right: int = -1

    @property
    def empty(self) -> bool:
        return self.bottom < 0

    @property
    def rows(self) -> int:
        return 0 if self.empty else self.bottom - self.top + 1

    @property
    def columns(self) -> int:
        return 0 if self.empty else self.right - self.left + 1

    @property
    def cells(self) -> int:
        return self.rows * self.columns


@dataclass
class SheetScan:
    name: str
    values: Box = field(default_factory=Box)
    formulas: Box = field(default_factory=Box)
    reserved: int = 0  # the largest capacity of the native reader's list of cells (DIMENSIONS included)
    declared: tuple[int, int] = (0, 0)  # rows, columns of the DIMENSIONS record that reserved the most

    @property
    def cells(self) -> int:
        """Cells of both dense grids, which stay allocated as long as the workbook is open."""
        return self.values.cells + self.formulas.cells


@dataclass
class XlsScan:
    sheets: list[SheetScan]
    stream: str  # "Workbook" or "Book"
    stream_bytes: int

    @property
    def cells(self) -> int:
        return sum(sheet.cells for sheet in self.sheets)


def scan_xls(data: bytes) -> XlsScan:
    """What the native reader would allocate for each sheet of the .xls file ``data``;
    XlsStructureError when the container or the record stream is malformed."""
    name, stream = read_workbook_stream(data)
    sheets, _ = scan_stream(stream)
    return XlsScan(sheets, name, len(stream))


def read_workbook_stream(data: bytes) -> tuple[str, bytes]:
    """The name and bytes of the stream the native reader parses."""
    if not data.startswith(OLE_SIGNATURE):
        raise XlsStructureError("xls_not_ole2")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except Exception as exc:  # noqa: BLE001 - olefile raises many types for a broken container
        raise XlsStructureError("xls_ole_malformed", Details.of(detail=_describe(exc))) from None
    try:
        index, name = _native_entry(ole)
        entry = ole.direntries[index] if index < len(ole.direntries) else None
        at_root = any(kid is entry for kid in ole.root.kids)  # entries compare equal by name alone
        if entry is None or not at_root or entry.entry_type != olefile.STGTY_STREAM:
            raise XlsStructureError("xls_stream_not_at_root", Details.of(stream=name))
        if entry.size > len(data):
            raise XlsStructureError("xls_stream_larger_than_file",
                                    Details.of(stream=name, declared_bytes=entry.size, file_bytes=len(data)))
        try:
            with ole.openstream(entry.name) as handle:
                stream = handle.read()
        except Exception as exc:  # noqa: BLE001 - a broken sector chain
            raise XlsStructureError("xls_stream_unreadable", Details.of(stream=name, detail=_describe(exc))) from None
        if len(stream) != entry.size:
            raise XlsStructureError("xls_stream_size_mismatch",
                                    Details.of(stream=name, read_bytes=len(stream), declared_bytes=entry.size))
        return name, stream
    finally:
        ole.close()


def _native_entry(ole: olefile.OleFileIO) -> tuple[int, str]:
    """Index and name of the directory entry the native reader opens: the first one named exactly
    "Workbook" in directory order, reachable from the root or not, else the first one named "Book"."""
    directory = ole.directory_fp.getvalue() if ole.directory_fp is not None else b""
    names = [directory[start:start + 64].decode("utf-16-le", "replace").split("\x00", 1)[0]
             for start in range(0, len(directory) - 127, 128)]
    for wanted in ("Workbook", "Book"):
        if wanted in names:
            return names.index(wanted), wanted
    raise XlsStructureError("xls_no_workbook_stream")


def scan_stream(stream: bytes) -> tuple[list[SheetScan], int]:
    """The scans of every sheet the workbook globals list, in order, and the bytes walked for them.
    Like the native reader, the globals are read to their end before any sheet."""
    listed: list[tuple[int, str]] = []
    for position, name in _globals(stream):
        if len(listed) == MAX_SHEETS:
            raise XlsStructureError("xls_too_many_sheets", Details.of(max_sheets=MAX_SHEETS))
        if position > len(stream):
            raise XlsStructureError("xls_sheet_beyond_stream", Details.of(offset=position, stream_bytes=len(stream)),
                                    name)
        listed.append((position, name))
    sheets: list[SheetScan] = []
    done: dict[int, SheetScan] = {}
    budget = WALK_FACTOR * len(stream) + 65536
    walked = 0
    for position, name in listed:
        known = done.get(position)
        if known is None:
            known, length = _walk_sheet(stream, position, name)
            done[position] = known
            walked += length
            if walked > budget:
                raise XlsStructureError("xls_sheets_overlap", sheet=name)
        sheets.append(SheetScan(name, known.values, known.formulas, known.reserved, known.declared))
    return sheets, walked


def _globals(stream: bytes) -> Iterator[tuple[int, str]]:
    """(stream offset, name) of each BOUNDSHEET record, read as the native reader does: from the
    start of the stream to the first EOF record."""
    biff8 = True
    codepage = 1252
    for typ, start, end in _records(stream):
        if typ == EOF:
            return
        if typ == BOF and end - start >= 2:
            version = int.from_bytes(stream[start:start + 2], "little")
            kind = int.from_bytes(stream[start + 2:start + 4], "little") if end - start >= 4 else 0
            biff8 = version not in _OLDER_BIFF and not (version == 0 and kind == 0x1000)
        elif typ == CODEPAGE and end - start >= 2:
            codepage = int.from_bytes(stream[start:start + 2], "little")
        elif typ == FILEPASS:
            if end - start < 2:
                raise XlsStructureError("xls_filepass_incomplete")
            if stream[start:start + 2] != b"\x00\x00":
                raise XlsStructureError("xls_encrypted")
        elif typ == BOUNDSHEET:
            if end - start < 8:
                raise XlsStructureError("xls_boundsheet_short", Details.of(offset=start - 4, size_bytes=end - start))
            yield _U32.unpack_from(stream, start)[0], _sheet_name(stream[start + 6:end], biff8, codepage)


def _sheet_name(raw: bytes, biff8: bool, codepage: int) -> str:
    """A BOUNDSHEET name (ShortXLUnicodeString in BIFF8: length, flags, characters), for messages."""
    length = raw[0]
    if biff8:
        wide = raw[1] & 0x01
        text = raw[2:2 + length * (2 if wide else 1)]
        name = text.decode("utf-16-le" if wide else "latin-1", "replace")
    else:
        try:
            name = raw[1:1 + length].decode(f"cp{codepage}", "replace")
        except LookupError:
            name = raw[1:1 + length].decode("latin-1")
    name = name.replace("\x00", "")
    return name if name.isprintable() and name else repr(name)


def _records(stream: bytes) -> Iterator[tuple[int, int, int]]:
    """(type, body start, body end) of each record from the start of the stream to its end."""
    offset, end = 0, len(stream)
    while offset < end:
        if end - offset < 4:
            raise XlsStructureError("xls_record_header_truncated", Details.of(offset=offset, stream_bytes=end))
        typ, size = _HEADER.unpack_from(stream, offset)
        body = offset + 4
        offset = body + size
        if offset > end:
            raise XlsStructureError("xls_record_beyond_stream", Details.of(
                offset=body - 4, record_type=f"0x{typ:04X}", size_bytes=size, stream_bytes=end))
        yield typ, body, offset


def _walk_sheet(stream: bytes, start: int, name: str) -> tuple[SheetScan, int]:
    """Replay the native reader's pass over one sheet: from ``start`` to the first EOF record.
    The hot loop reads a record's header and its first four bytes (a cell's row and column) at once."""
    scan = SheetScan(name)
    top = left = _NO_ROW
    bottom = right = -1
    count = capacity = 0  # the native reader's list of cells (a Rust Vec): length and capacity
    formula_at = (0, 0)  # where a STRING record stores its text: the last FORMULA's cell
    unpack, stream_end, offset = _CELL_HEADER.unpack_from, len(stream), start
    while offset < stream_end:
        if stream_end - offset >= 8:
            typ, size, row, column = unpack(stream, offset)
        else:
            if stream_end - offset < 4:
                raise XlsStructureError("xls_record_header_truncated",
                                        Details.of(offset=offset, stream_bytes=stream_end), name)
            (typ, size), row, column = _HEADER.unpack_from(stream, offset), 0, 0
        body = offset + 4
        offset = body + size
        if offset > stream_end:
            raise XlsStructureError("xls_record_beyond_stream", Details.of(
                offset=body - 4, record_type=f"0x{typ:04X}", size_bytes=size, stream_bytes=stream_end), name)
        if typ in SINGLE_CELLS:
            if size < 4:
                raise XlsStructureError("xls_cell_record_short", Details.of(
                    offset=body - 4, record_type=f"0x{typ:04X}", size_bytes=size), name)
            added = 1
        elif typ == EOF:
            break
        elif typ == MULRK:
            added = _mulrk_cells(stream, body, offset, name)
        elif typ == FORMULA:
            if size < FORMULA_MIN_LENGTH:
                raise XlsStructureError("xls_formula_record_short", Details.of(offset=body - 4, size_bytes=size), name)
            formula_at = (row, column)
            _grow(scan.formulas, row, column)
            added = 0 if stream[body + 12:body + 14] == b"\xff\xff" and stream[body + 6] == 0 else 1  # 0: a string
        elif typ == STRING:
            (row, column), added = formula_at, 1
        elif typ == DIMENSIONS:
            rows, columns = _declared(stream, body, offset, name)
            if rows * columns > capacity - count:  # Vec::reserve
                capacity = max(capacity * 2, count + rows * columns, 4)
            if capacity > scan.reserved:
                scan.reserved, scan.declared = capacity, (rows, columns)
            continue
        else:
            continue
        if not added:
            continue
        # the cells span (row, column) to (row, column + added - 1); if-statements: min() and max() cost twice as much
        if row < top:  # noqa: PLR1730
            top = row
        if row > bottom:  # noqa: PLR1730
            bottom = row
        if column < left:  # noqa: PLR1730
            left = column
        last = column + added - 1
        if last > right:  # noqa: PLR1730
            right = last
        count += added
        if count > capacity:
            while capacity < count:  # Vec::push: doubles, from 4
                capacity = max(capacity * 2, 4)
            scan.reserved = max(scan.reserved, capacity)
    if bottom >= 0:
        scan.values = Box(top, bottom, left, right)
    return scan, offset - start


def _grow(box: Box, row: int, column: int) -> None:
    box.top = min(box.top, row)
    box.bottom = max(box.bottom, row)
    box.left = min(box.left, column)
    box.right = max(box.right, column)


def _mulrk_cells(stream: bytes, body: int, end: int, sheet: str) -> int:
    """How many cells a MULRK record stores, from its first column on. Its length must match its first
    and last columns counted in wrapping 16-bit arithmetic, as the native reader counts them (which
    then stores cells past column 65535 if the count wrapped)."""
    length = end - body
    if length < 6:
        raise XlsStructureError("xls_mulrk_short", Details.of(offset=body - 4, size_bytes=length), sheet)
    first = int.from_bytes(stream[body + 2:body + 4], "little")
    last = int.from_bytes(stream[end - 2:end], "little")
    if length != 6 + 6 * ((last - first + 1) & 0xFFFF):
        raise XlsStructureError("xls_mulrk_length_mismatch", Details.of(
            offset=body - 4, size_bytes=length, first_column=first + 1, last_column=last + 1), sheet)
    return (length - 6) // 6


def _declared(stream: bytes, body: int, end: int, sheet: str) -> tuple[int, int]:
    """Rows and columns a DIMENSIONS record makes the native reader reserve (wrapping u32 arithmetic)."""
    if end - body == 14:
        first_row, last_row, first_column, last_column = _DIMENSIONS_8.unpack_from(stream, body)
    elif end - body == 10:
        first_row, last_row, first_column, last_column = _DIMENSIONS_5.unpack_from(stream, body)
    else:
        raise XlsStructureError("xls_dimensions_length", Details.of(offset=body - 4, size_bytes=end - body), sheet)
    if last_row < 1 or last_column < 1:
        return 1, 1
    return (last_row - 1 - first_row + 1) & _MASK32, (last_column - 1 - first_column + 1) & _MASK32


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 120 else text[:117] + "..."
