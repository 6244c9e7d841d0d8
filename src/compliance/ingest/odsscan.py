"""Checks on the content.xml of .ods files that the fast value reader cannot make.

python-calamine expands every table of an .ods file into dense grids (values, and formulas when
there are any) as soon as the file is opened, honouring ``table:number-rows-repeated`` and
``table:number-columns-repeated``: a 30 KB file can repeat one row a million times. Measured with
python-calamine 0.9.1 (calamine 0.37), what it allocates for is, per table, every row from the
first to the last row with content (repeats and empty rows in between included) times the columns
up to the farthest cell with content. What it skips costs nothing: empty rows before the first and
after the last row with content, empty cells after a row's last cell with content, and anything
beyond row 1,048,576 or column 16,384. LibreOffice pads every sheet with exactly such rows and
columns (a last empty row repeated about a million times, empty cells repeated to column 16,384),
so those are left alone.

The extent is measured with regular expressions over the raw bytes (nothing is parsed as a tree,
so no entity is ever expanded). A cell counts as content when its start tag carries any office:
attribute (a value, a value type) or a formula; that is a little more than calamine counts, never
less. Tables, rows and cells must be nested as in a spreadsheet (StructureError otherwise): calamine
skips whatever a cell holds, so a row tag hidden in a cell would otherwise split a row for this scan
but not for calamine. Since no more than the row cap is ever read, the repeat counts that reach
beyond it can be lowered in a copy of content.xml (``clamp``) so the native reader never expands
them; the table keeps its true height for the warning about the rows that were not read.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from operator import itemgetter

from compliance.ingest.xlsxscan import read_part

ROW_LIMIT = 1_048_576  # calamine ignores rows and columns beyond these
COLUMN_LIMIT = 16_384
NATIVE_PARTS = ("mimetype", "META-INF/manifest.xml", "content.xml")  # what calamine decompresses

# A start tag's attributes ('>' is allowed inside values). Possessive quantifiers (Python 3.11) never
# backtrack: these patterns need none, and they run faster.
_QUOTED_TAG = rb"""[^>"']*+(?:(?:"[^"]*+"|'[^']*+')[^>"']*+)*+"""
_TABLE_OR_ROW = re.compile(rb"<table:(table|table-row)(?=[\s/>])(" + _QUOTED_TAG + rb")>")
_TABLE_END = re.compile(rb"</table:table\s*>")
# A row's body, checked to be what the native reader sees too: cells one after the other, each closed
# before anything else starts (no table, row or cell tag inside a cell), then the row's end. findall
# yields (text before a cell, the cell, its attributes) per cell, then the rest of the row, and flags
# with a single character (last group) anything else: it could hide a row from this scan.
_STRUCTURE = rb"/?table:(?:table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
_TEXT = rb"[^<]*+(?:<(?!" + _STRUCTURE + rb")[^<]*+)*+"  # anything but those tags
_ROW_BODY = re.compile(rb"(" + _TEXT + rb")(<table:(?:covered-)?table-cell(?=[\s/>])(" + _QUOTED_TAG + rb")"
                       rb"(?:(?<=/)>|>" + _TEXT + rb"</table:(?:covered-)?table-cell\s*>))"
                       rb"|(" + _TEXT + rb"(?:</table:table-row\s*>" + _TEXT + rb")?\Z)|((?s:.))")
_ATTRIBUTES, _UNEXPECTED = itemgetter(2), itemgetter(4)  # of _ROW_BODY's findall tuples
_NAME = re.compile(rb"""(?:^|\s)table:name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROWS_REPEATED = re.compile(rb"""(?:^|\s)table:number-rows-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COLUMNS_REPEATED = re.compile(rb"""(?:^|\s)table:number-columns-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_HIDDEN = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
_COUNT = re.compile(r"\+?[0-9]+")


class StructureError(ValueError):
    """Tables, rows and cells not nested as in a spreadsheet (a table in a table, a row in a cell):
    the native reader would see other rows and cells than this scan.  ``code`` is the data-problem
    code; ``table`` names the table, if any."""

    code = "ods_structure"

    def __init__(self, table: str | None) -> None:
        super().__init__(f"{self.code}: unexpected table structure in {table or 'content.xml'}")
        self.table = table


@dataclass
class TableScan:
    """One table of content.xml as the native reader would expand it."""

    name: str
    first_row: int | None = None  # 0-based index of the first row with content
    end_row: int = 0  # one past the last row with content
    width: int = 0  # columns up to the farthest cell with content
    clamped_first: int | None = None  # the same two once repeats stop at the limit given to scan_content
    clamped_end: int = 0
    edits: list[tuple[int, int, bytes]] = field(default_factory=list)  # repeat counts to lower: span, value

    @property
    def height(self) -> int:
        """Rows the native reader expands (what it reports as the sheet's height)."""
        return 0 if self.first_row is None else self.end_row - self.first_row

    @property
    def clamped_height(self) -> int:
        """Rows it expands once ``clamp`` lowered the repeat counts."""
        return 0 if self.clamped_first is None else self.clamped_end - self.clamped_first


class _TableBuilder:
    """Follows one table's rows in document order."""

    def __init__(self, name: str, limit: int) -> None:
        self.scan = TableScan(name)
        self.limit = limit
        self.next_row = 0  # where the next row starts, as written and once clamped
        self.next_clamped = 0

    def row(self, attributes: bytes, offset: int, cells: list[bytes]) -> None:
        """A row whose start tag's attributes begin at ``offset`` of content.xml."""
        scan = self.scan
        match = _ROWS_REPEATED.search(attributes) if b"repeated" in attributes else None
        repeats = _count(match)
        rows = max(1, repeats)  # a count of 0 is odd: counted as one row, to stay on the safe side
        clamped = rows
        if repeats and self.next_clamped + repeats > self.limit:  # a row that starts beyond it stays one row
            clamped = max(1, self.limit - self.next_clamped)
            if match is not None and clamped != repeats:
                group = 1 if match.group(1) is not None else 2
                scan.edits.append((offset + match.start(group), offset + match.end(group), b"%d" % clamped))
        width = _row_width(cells)
        if width and self.next_row < ROW_LIMIT:
            scan.first_row = self.next_row if scan.first_row is None else scan.first_row
            scan.end_row = min(self.next_row + rows, ROW_LIMIT)
        if width and self.next_clamped < ROW_LIMIT:  # rows beyond the limit as written may come within it
            scan.clamped_first = self.next_clamped if scan.clamped_first is None else scan.clamped_first
            scan.clamped_end = min(self.next_clamped + clamped, ROW_LIMIT)
        scan.width = max(scan.width, width)
        self.next_row += rows
        self.next_clamped += clamped


def _has_content(attributes: bytes) -> bool:
    """Every office: attribute of a cell is about its value (value, value-type, string-value, currency...)."""
    return b"office:" in attributes or b"table:formula" in attributes


def _row_width(cells: list[bytes]) -> int:
    """Columns up to the end of the row's last cell with content (given the cells' start-tag attributes)."""
    last = len(cells)
    while last and not _has_content(cells[last - 1]):  # empty cells after the last value cost nothing
        last -= 1
    if not last:
        return 0
    counts = [_count(_COLUMNS_REPEATED.search(cell)) for cell in cells[:last] if b"repeated" in cell]
    width = last - len(counts) + sum(max(1, count) for count in counts)
    if width <= COLUMN_LIMIT:
        return width
    width = column = 0  # cells starting beyond the column limit are ignored: walk them one by one
    for cell in cells[:last]:
        repeats = max(1, _count(_COLUMNS_REPEATED.search(cell))) if b"repeated" in cell else 1
        if column < COLUMN_LIMIT and _has_content(cell):
            width = min(column + repeats, COLUMN_LIMIT)
        column += repeats
    return width


def _count(match: re.Match[bytes] | None) -> int:
    """A repeat count as calamine reads it (character references resolved); 1 when absent or not a
    number, which calamine refuses anyway."""
    if match is None:
        return 1
    raw = match.group(1) if match.group(1) is not None else match.group(2)
    text = html.unescape(raw.decode("utf-8", "replace"))
    return int(text) if _COUNT.fullmatch(text) else 1


def _masked(raw: bytes) -> bytes:
    """``raw`` with comments, CDATA sections and processing instructions blanked, offsets kept: a
    table tag inside them is not one the native reader sees."""
    if b"<!" not in raw and raw.find(b"<?", 1) == -1:  # at most the XML declaration, first
        return raw
    return _HIDDEN.sub(lambda match: b" " * len(match.group(0)), raw)


def scan_content(raw: bytes, limit: int) -> list[TableScan]:
    """Every named table of content.xml (the native reader ignores the others), measured; repeat
    counts reaching beyond ``limit`` rows are noted in ``edits``. StructureError when tables, rows
    and cells are not nested as in a spreadsheet."""
    text = _masked(raw)
    ends = [match.start() for match in _TABLE_END.finditer(text)]
    marks = list(_TABLE_OR_ROW.finditer(text))
    tables: list[TableScan] = []
    table: _TableBuilder | None = None
    opened = False  # inside a table, named or not
    next_end = 0
    for index, match in enumerate(marks):
        while next_end < len(ends) and ends[next_end] < match.start():
            next_end, opened, table = next_end + 1, False, None
        kind, attributes = match.group(1), match.group(2)
        if kind == b"table":
            if opened:
                raise StructureError(tables[-1].name if tables else None)
            opened = not attributes.endswith(b"/")
            name = _NAME.search(attributes)
            if name is not None:
                value = name.group(1) if name.group(1) is not None else name.group(2)
                builder = _TableBuilder(html.unescape(value.decode("utf-8", "replace")), limit)
                tables.append(builder.scan)
                table = builder if opened else None
        elif table is not None:
            cells: list[bytes] = []
            if not attributes.endswith(b"/"):
                stop = marks[index + 1].start() if index + 1 < len(marks) else len(text)
                stop = min(stop, ends[next_end]) if next_end < len(ends) else stop
                found = _ROW_BODY.findall(text, match.end(), stop)
                if any(map(_UNEXPECTED, found)):
                    raise StructureError(table.scan.name)
                cells = list(map(_ATTRIBUTES, found))  # the row's end adds b"": an empty cell after the last
            table.row(attributes, match.start(2), cells)
    return tables


def clamp(raw: bytes, tables: list[TableScan]) -> bytes:
    """content.xml with the noted repeat counts of ``tables`` lowered."""
    edits = sorted(edit for table in tables for edit in table.edits)
    pieces, position = [], 0
    for start, end, value in edits:
        pieces += [raw[position:start], value]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces)


def repackage(parts: dict[str, bytes]) -> bytes:
    """An in-memory .ods holding just ``parts`` (what the native reader needs), stored uncompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_native_parts(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """The parts the native reader decompresses, each checked against the zip directory (PartError)."""
    names = set(archive.namelist())
    return {name: read_part(archive, name) for name in NATIVE_PARTS if name in names}
