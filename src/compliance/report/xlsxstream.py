"""A worksheet written row by row, so that a country's gap workbook never holds its cells in memory.

openpyxl's write-only worksheets stream each row to a temporary file as it is appended, but take
whole rows of ready-made cells.  :class:`StreamSheet` lets the sheet builders write cell by cell,
as on an ordinary worksheet (``ws.cell(row=, column=)``, then the cell's font, fill, border and
alignment): it holds the cells of the current row only, and appends that row when a cell of a
later row is taken.  What it therefore requires of its callers:

* rows are written in order: a cell of an earlier row, or a row height of an earlier row, raises;
* column widths, frozen panes and the page set-up are set before the first row is finished
  (openpyxl writes them at the top of the sheet); conditional formats, the auto filter, merged
  ranges and print titles may be set at any time before the sheet is closed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.functions import Element


class RowsWrittenInOrder(RuntimeError):
    """A cell or a row height of a row already written."""


class _PlacesLinked(list[tuple[str, str]]):
    """A streamed sheet's links, kept until its end as (cell, place in the workbook) rather than as
    openpyxl Hyperlink objects (a few hundred bytes each, then a tree of them all)."""

    def append(self, link: Hyperlink) -> None:  # type: ignore[override]
        if link.target or not link.location:
            raise ValueError(f"a streamed sheet links only to places in the workbook, not {link.target!r}")
        super().append((link.ref, link.location))


class _StreamedSheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's sheet writer, writing the sheet's links one element at a time at its end."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        super().__init__(ws)
        ws._hyperlinks = _PlacesLinked()  # noqa: SLF001 - where openpyxl's cell writer puts each link

    def write_hyperlinks(self) -> None:
        links = self.ws._hyperlinks  # noqa: SLF001
        if not links:
            return
        xf = self.xf.send(True)
        with xf.element("hyperlinks"):
            for ref, location in links:
                xf.write(Element("hyperlink", {"ref": ref, "location": location}))
        self.xf.send(None)


class _Height:
    def __init__(self, sheet: StreamSheet, row: int) -> None:
        self._sheet = sheet
        self._row = row

    @property
    def height(self) -> float | None:
        return self._sheet._heights.get(self._row)  # noqa: SLF001

    @height.setter
    def height(self, value: float | None) -> None:
        self._sheet._set_height(self._row, value)  # noqa: SLF001


class _RowHeights:
    """``ws.row_dimensions[row].height = h`` for the row being written (or a later one)."""

    def __init__(self, sheet: StreamSheet) -> None:
        self._sheet = sheet

    def __getitem__(self, row: int) -> _Height:
        return _Height(self._sheet, row)


class StreamSheet:
    """The parts of an openpyxl worksheet the gap workbook's builders use, over a write-only sheet."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.row_dimensions = _RowHeights(self)
        self._row = 0  # the row whose cells are held; 0 before the first
        self._written = 0  # the last row appended to the write-only sheet
        self._cells: dict[int, Cell] = {}
        self._heights: dict[int, float | None] = {}

    # what passes straight through to the write-only sheet: its title, column widths, conditional
    # formats, auto filter and page set-up (read, then changed in place)
    _PASSED = frozenset({"title", "column_dimensions", "conditional_formatting", "auto_filter", "page_setup",
                         "print_options", "sheet_properties"})

    def __getattr__(self, name: str) -> Any:
        if name in StreamSheet._PASSED:
            return getattr(self.ws, name)
        raise AttributeError(name)

    @property
    def freeze_panes(self) -> str | None:
        return self.ws.freeze_panes  # type: ignore[no-any-return]

    @freeze_panes.setter
    def freeze_panes(self, value: str | None) -> None:
        self._before_first_row("frozen panes")
        self.ws.freeze_panes = value

    def print_titles(self, rows: str | None = None, columns: str | None = None) -> None:
        """Rows and columns repeated on every printed page (written with the workbook, at any time)."""
        if rows:
            self.ws.print_title_rows = rows
        if columns:
            self.ws.print_title_cols = columns

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self.ws.merged_cells.add(CellRange(min_row=start_row, min_col=start_column, max_row=end_row,
                                           max_col=end_column))

    # the cells
    def cell(self, row: int, column: int) -> Cell:
        if row != self._row:
            if row < self._row:
                raise RowsWrittenInOrder(f"{self.title}: row {row} was already written (now at row {self._row})")
            self._finish_row()
            self._row = row
        cell = self._cells.get(column)
        if cell is None:
            cell = self._cells[column] = WriteOnlyCell(self.ws)
            cell.row, cell.column = row, column
        return cell

    def _set_height(self, row: int, value: float | None) -> None:
        if row <= self._written:
            raise RowsWrittenInOrder(f"{self.title}: the height of row {row} is set after the row was written")
        self._heights[row] = value

    def _before_first_row(self, what: str) -> None:
        if self.ws._writer is not None:  # noqa: SLF001 - openpyxl writes the sheet's top with its first row
            raise RowsWrittenInOrder(f"{self.title}: {what} set after the first row was written")

    def _finish_row(self) -> None:
        """Append the held row (and the empty rows between it and the last one appended)."""
        for empty in range(self._written + 1, self._row):
            self._append(empty, [])
        if self._row:
            width = max(self._cells, default=0)
            self._append(self._row, [self._cells.get(column) for column in range(1, width + 1)])
        self._written = self._row
        self._cells = {}

    def _append(self, row: int, cells: list[Cell | None]) -> None:
        if self.ws._writer is None:  # noqa: SLF001 - as WriteOnlyWorksheet._get_writer, with the links kept small
            self.ws._writer = _StreamedSheetWriter(self.ws)  # noqa: SLF001
            self.ws._writer.write_top()  # noqa: SLF001
        height = self._heights.pop(row, None)
        if height is not None:
            self.ws.row_dimensions[row] = RowDimension(self.ws, index=row, ht=height)
        self.ws.append(cells)
        if height is not None:
            del self.ws.row_dimensions[row]  # written: nothing about the row is kept

    def close(self) -> None:
        """Write the last row; the workbook's save then closes the write-only sheet."""
        self._finish_row()
        self._row = self._written + 1  # any later cell begins a new row


@contextmanager
def streamed_workbook() -> Iterator[Workbook]:
    """A write-only workbook whose sheets' temporary files (openpyxl's, removed as each sheet is
    saved) are removed however the block ends: a server that stops a report half-way keeps none."""
    workbook = Workbook(write_only=True)
    try:
        yield workbook
    finally:
        for ws in workbook.worksheets:
            writer = getattr(ws, "_writer", None)
            out = getattr(writer, "out", None)
            if isinstance(out, str) and os.path.exists(out):
                rows = getattr(ws, "_rows", None)
                try:
                    if rows is not None:
                        rows.close()  # ends the sheet's rows element, then its document
                    writer.close()
                finally:
                    writer.cleanup()  # removes the file and openpyxl's note of it
