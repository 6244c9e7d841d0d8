"""Cells, tables, styles and status colours shared by the sheets of the Excel gap workbook."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from compliance.report.escape import safe_text
from compliance.report.xlsxstream import StreamSheet
from compliance.results.quantities import PERCENT
from compliance.results.status import Status

PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MAX_CELL_TEXT = 32_000  # Excel refuses more than 32,767 characters in a cell.
LINE_HEIGHT = 14.0
RULE_ID_WIDTH = 44  # rule ids have no spaces, so they cannot wrap
MAX_ROW_HEIGHT = 300.0
MIN_TABLE_WIDTH = 13  # a table's columns are never narrower (the header's two lines fit)

BODY_FONT_NAME = "Calibri"  # openpyxl's default; named so LibreOffice does not fall back to a serif
HEADER_FONT = Font(name=BODY_FONT_NAME, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="305496", end_color="305496")
SECTION_FONT = Font(name=BODY_FONT_NAME, bold=True, size=12, color="1F3864")
TITLE_FONT = Font(name=BODY_FONT_NAME, bold=True, size=16, color="1F3864")
LINK_FONT = Font(name=BODY_FONT_NAME, color="0563C1", underline="single")
NOTE_FONT = Font(name=BODY_FONT_NAME, italic=True, color="595959")
BOLD_FONT = Font(name=BODY_FONT_NAME, bold=True)
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_LEFT = Alignment(vertical="top")
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

# (fill, font colour) per status code; conditional formatting keys off the code, not the label.
STATUS_COLOURS: Mapping[str, tuple[str, str]] = MappingProxyType({
    Status.PASS.value: ("C6EFCE", "006100"),
    Status.WARN.value: ("FFE699", "7F6000"),
    Status.FAIL.value: ("FFC7CE", "9C0006"),
    Status.MISSING_DATA.value: ("FCD5B4", "974706"),
    Status.NOT_APPLICABLE.value: ("E7E6E6", "595959"),
    Status.NOT_DUE.value: ("DDEBF7", "1F4E78"),
    Status.ERROR.value: ("C00000", "FFFFFF"),
    Status.WAIVED.value: ("E4DFEC", "5B2C6F"),
})
FILE_STATUS_COLOURS = MappingProxyType({"read": STATUS_COLOURS["pass"], "read_with_warnings": STATUS_COLOURS["warn"],
                       "refused": STATUS_COLOURS["fail"]})
PROBLEM_COLOURS = MappingProxyType({"error": STATUS_COLOURS["fail"], "warning": STATUS_COLOURS["warn"]})
WHICH_CODES = ("current", "prior")
NOT_EVALUATED_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
SUBHEADER_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
MATRIX_STATUS_WIDTH = 13  # "not_applicable" fits at the 10-point status font
MATRIX_MAX_HEADER_LINES = 8
MATRIX_STATUS_FONT = Font(name=BODY_FONT_NAME, size=10)
MATRIX_ID_FONT = Font(name=BODY_FONT_NAME, size=8, color="1F3864")
MATRIX_PRINT_SCALE = 70


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    wrap: bool = False


@dataclass(frozen=True)
class Num:
    """A number written as a number, with its display format."""

    value: float | None
    format: str = NUMBER_FORMAT


@dataclass(frozen=True)
class Link:
    """Text that links to a place inside the workbook, e.g. ``'规则'!A5``."""

    text: str
    location: str | None



# ---------------------------------------------------------------- cells and tables


def number_format(unit: str) -> str:
    return PERCENT_FORMAT if unit == PERCENT else NUMBER_FORMAT


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _put(ws: StreamSheet, row: int, column: int, value: Any) -> Cell:
    """Write one value: numbers as numbers, dates as dates, every string escaped and typed as text."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, Link):
        _put(ws, row, column, value.text)
        if value.location:
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=value.location)
            cell.font = LINK_FONT
        return cell
    if isinstance(value, Num):
        number = _finite(value.value)
        if number is not None:
            cell.value = number
            cell.number_format = value.format
        return cell
    if value is None:
        return cell
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)):
        number = _finite(value)
        cell.value = number if number is not None else safe_text(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = safe_text(value)[:MAX_CELL_TEXT]
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never "f" (formula) or "e" (error code such as #N/A)
    return cell


def _header(ws: StreamSheet, row: int, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = _put(ws, row, index, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = GRID
    ws.row_dimensions[row].height = 2 * LINE_HEIGHT


class CellStyles:
    """Cell styles built once and copied: openpyxl hashes every style object it is given, cell by
    cell (minutes for a country's workbook), so a style is applied to the first cell of its kind
    (`key`, plus what the value itself brought: a number format, a link font) and that cell's style
    array is copied to the others."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[Hashable, tuple[int, ...]], StyleArray] = {}

    def apply(self, cell: Cell, key: Hashable, style: Callable[[Cell], None]) -> None:
        full = (key, tuple(cell._style or ()))  # noqa: SLF001 - openpyxl's own per-cell style array
        array = self._arrays.get(full)
        if array is not None:
            cell._style = copy(array)  # noqa: SLF001
            return
        style(cell)
        self._arrays[full] = copy(cell._style)  # noqa: SLF001


def _grid_top_left(cell: Cell) -> None:
    cell.alignment, cell.border = TOP_LEFT, GRID


def _grid_top_wrap(cell: Cell) -> None:
    cell.alignment, cell.border = TOP_WRAP, GRID


def start_sheet(ws: StreamSheet, tables: Sequence[Sequence[Column]], freeze: str | None = "A2",
                widths: Mapping[int, float] | None = None, print_titles: bool = True) -> None:
    """What a sheet sets before its first row: each column as wide as the widest of `tables`
    needs it (or `widths` says), the frozen panes, and the page set-up."""
    wanted: dict[int, float] = {}
    for columns in tables:
        for index, column in enumerate(columns, start=1):
            wanted[index] = max(wanted.get(index, MIN_TABLE_WIDTH), column.width)
    for index, width in (widths or {}).items():
        wanted[index] = max(wanted.get(index, 0), width)
    for index, width in sorted(wanted.items()):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = freeze
    _page_setup(ws, print_titles)


def _table(ws: StreamSheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]], first_row: int = 1,
           filter_and_freeze: bool = True) -> int:
    """Header at ``first_row``, then ``rows``, each as high as its wrapped texts need (the
    columns' widths set by :func:`start_sheet`); returns the last row used."""
    _header(ws, first_row, columns)
    row = first_row
    styles = CellStyles()
    widths = {index: ws.column_dimensions[get_column_letter(index)].width or column.width
              for index, column in enumerate(columns, start=1) if column.wrap}
    for values in rows:
        row += 1
        lines = 1
        for index, (column, value) in enumerate(zip(columns, values), start=1):
            cell = _put(ws, row, index, value)
            styles.apply(cell, index, _grid_top_wrap if column.wrap else _grid_top_left)
            if column.wrap and isinstance(cell.value, str):
                lines = max(lines, _lines(cell.value, widths[index]))
        fit_height(ws, row, lines)
    if filter_and_freeze:
        ws.auto_filter.ref = f"A{first_row}:{get_column_letter(len(columns))}{max(row, first_row + 1)}"
    return row


def _text_width(value: str) -> int:
    width = wcswidth(value)
    return width if width >= 0 else len(value) * 2


def _lines(value: str, width: float) -> int:
    """How many lines ``value`` needs in a wrapped cell ``width`` characters wide (CJK counts double)."""
    usable = max((width - 2) * 0.9, 4)
    return sum(max(1, math.ceil(_text_width(part) / usable)) for part in value.split("\n"))


def fit_height(ws: StreamSheet, row: int, lines: int) -> None:
    """A row as high as `lines` lines of text (openpyxl cannot measure text); one line is the default."""
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 3)


def _status_rule(formula: str, code: str, colours: dict[str, tuple[str, str]]) -> FormulaRule:
    fill, font = colours[code]
    return FormulaRule(formula=[formula], fill=PatternFill("solid", start_color=fill, end_color=fill),
                       font=Font(color=font, bold=code in ("fail", "error", "refused")), stopIfTrue=True)


def _colour_by_code(ws: StreamSheet, code_column: int, cells: str, first_row: int,
                    colours: dict[str, tuple[str, str]]) -> None:
    """Conditional fill on ``cells`` keyed off the code in ``code_column`` (e.g. 'fail')."""
    letter = get_column_letter(code_column)
    for code in colours:
        ws.conditional_formatting.add(cells, _status_rule(f'${letter}{first_row}="{code}"', code, colours))


def _colour_status(ws: StreamSheet, code_column: int, first_row: int, last_row: int,
                   colours: dict[str, tuple[str, str]] = STATUS_COLOURS) -> None:
    """Colour the code cell and the label next to it."""
    if last_row < first_row:
        return
    start, end = get_column_letter(code_column), get_column_letter(code_column + 1)
    _colour_by_code(ws, code_column, f"{start}{first_row}:{end}{last_row}", first_row, colours)


def _page_setup(ws: StreamSheet, print_titles: bool) -> None:
    """Print landscape on A4, repeating the frozen header rows (and frozen columns, if any).

    A sheet with frozen columns (the matrix) is too wide for one page: it prints at a fixed scale
    over several pages, each repeating the subject columns.  Every other sheet is one page wide.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.print_options.gridLines = False
    letter, row = coordinate_from_string(ws.freeze_panes) if ws.freeze_panes else ("A", 1)
    frozen_columns = column_index_from_string(letter) - 1
    if frozen_columns:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = MATRIX_PRINT_SCALE
        ws.print_titles(columns=f"A:{get_column_letter(frozen_columns)}")
    else:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if row > 1 and print_titles:
        ws.print_titles(rows=f"1:{row - 1}")


def _rule_link(rule_id: str, links: dict[str, str]) -> Link:
    return Link(rule_id, links.get(rule_id))


def _section(ws: StreamSheet, row: int, value: str) -> None:
    _put(ws, row, 1, value).font = SECTION_FONT
