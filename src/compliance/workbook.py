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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .errors import SubmissionError

MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_ENTRIES = 2000
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES | {".csv"}


def cell_ref(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


@dataclass
class Grid:
    """Raw values of one sheet keyed by (row, column), 1-based."""

    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    formula_without_value: set[tuple[int, int]] = field(default_factory=set)

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, column: int) -> Any:
        return self.cells.get((row, column))


def check_zip(path: Path) -> None:
    """Refuse zip bombs and oversized containers before any parsing."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SubmissionError(path, "文件", "可读取的文件", f"无法打开（{exc.strerror}）", "请确认文件存在且有读取权限。") from None
    if size > MAX_FILE_BYTES:
        raise SubmissionError(path, "文件", f"不超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的文件",
                              f"{size / 1024 / 1024:.1f} MB", "请删除无关工作表或图片后重新提交。")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise SubmissionError(path, "文件", "Excel 工作簿（.xlsx/.xlsm）", "无法识别的文件内容（不是有效的 xlsx 压缩包）",
                              "请用 Excel、WPS 或 LibreOffice 另存为 .xlsx 后重新提交。") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise SubmissionError(path, "文件", f"不超过 {MAX_ZIP_ENTRIES} 个内部部件", f"{len(entries)} 个",
                              "文件结构异常，请另存为新的 .xlsx 后重新提交。")
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_COMPRESSION_RATIO:
        raise SubmissionError(path, "文件", "正常压缩比例的工作簿",
                              f"解压后 {total / 1024 / 1024:.0f} MB、压缩比 {total / compressed:.0f}:1",
                              "文件疑似压缩炸弹，已拒绝读取；请提交正常填写的工作簿。")


def _load_excel(path: Path) -> list[Grid]:
    import openpyxl

    check_zip(path)
    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise SubmissionError(path, "文件", "可读取的 Excel 工作簿", f"读取失败（{type(exc).__name__}: {exc}）",
                              "请用 Excel、WPS 或 LibreOffice 打开并另存为 .xlsx 后重新提交。") from None
    grids: list[Grid] = []
    formula_cells: dict[str, list[tuple[int, int]]] = {}
    try:
        for sheet in formulas.worksheets:
            grid = Grid(sheet.title)
            for row in sheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=MAX_COLUMNS):
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None:
                        continue
                    position = (cell.row, cell.column)
                    if getattr(cell, "data_type", None) == "f":
                        formula_cells.setdefault(sheet.title, []).append(position)
                    grid.cells[position] = value
            grids.append(grid)
    finally:
        formulas.close()
    if formula_cells:
        _resolve_formulas(path, grids, formula_cells)
    return grids


def _resolve_formulas(path: Path, grids: list[Grid], formula_cells: dict[str, list[tuple[int, int]]]) -> None:
    import openpyxl

    cached = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        for grid in grids:
            positions = formula_cells.get(grid.name)
            if not positions:
                continue
            sheet = cached[grid.name]
            values: dict[tuple[int, int], Any] = {}
            last_row = max(r for r, _ in positions)
            for row in sheet.iter_rows(min_row=1, max_row=last_row, max_col=MAX_COLUMNS):
                for cell in row:
                    if getattr(cell, "value", None) is not None:
                        values[(cell.row, cell.column)] = cell.value
            for position in positions:
                if position in values:
                    grid.cells[position] = values[position]
                else:
                    del grid.cells[position]
                    grid.formula_without_value.add(position)
    finally:
        cached.close()


def _load_csv(path: Path) -> list[Grid]:
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise SubmissionError(path, "文件", "不超过 50 MB 的 CSV", f"{len(raw) / 1024 / 1024:.1f} MB", "请拆分后重新提交。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SubmissionError(path, "文件", "UTF-8 或 GB18030 编码的 CSV", "无法识别的编码", "请另存为 UTF-8 编码的 CSV。")
    grid = Grid(path.stem)
    for row_index, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if row_index > MAX_ROWS:
            break
        for column_index, value in enumerate(row[:MAX_COLUMNS], start=1):
            if value.strip():
                grid.cells[(row_index, column_index)] = value
    return [grid]


def load_grids(path: Path) -> list[Grid]:
    """Load every sheet of a supported file; SubmissionError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _load_excel(path)
    if suffix == ".csv":
        return _load_csv(path)
    raise SubmissionError(path, "文件", "扩展名为 .xlsx、.xlsm 或 .csv 的文件", f"“{path.suffix or '无扩展名'}”",
                          "请用模板填报并保存为 .xlsx。")
