"""Generate the blank self-assessment workbook from the rules' data dictionary.

It prints on A4: each sheet one page wide (landscape), its header rows repeated on every page,
labels beside their input cells, guidance wrapped in rows tall enough to show it.  Each input
cell validates by its field's type (a money amount, a count, a share, yes/no, a date, text), and
an institution's or region's identification can be filled in beforehand (the portal's download).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from compliance.errors import ConfigError
from compliance.ingest.schema import (
    IDENTIFICATION,
    INDICATOR_HEADERS,
    INFO_HEADERS,
    REGION_IDENTIFICATION,
    SHEET_GUIDE,
    SHEET_INDICATORS,
    SHEET_INFO,
    SUBJECT_LEVEL_TITLE,
    IdentificationField,
)
from compliance.report.escape import safe_text
from compliance.rules.kinds.units import HOSPITALS, UnitsSpec
from compliance.rules.spec import Catalog, Profile, Rule, TableSpec
from compliance.rules.vocab import VOCABULARIES

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
CODE_FONT = Font(color="808080", size=9)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NUMBER_FORMAT = MappingProxyType({"money": "#,##0.00", "number": "#,##0.00", "count": "#,##0", "ratio": "0.00%",
                                  "date": "yyyy-mm-dd", "text": "@", "bool": "@"})
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_TEXT = 2000  # characters: the reader refuses longer text (see ingest/cells.py)
MAX_NUMBER = 1e15  # the reader refuses numbers beyond this
#: What an input cell of each type accepts, and what a wrong entry is told: (kind, operator, formula1,
#: formula2, message).  Numbers stay within the reader's bounds; a share is a fraction (95% is 0.95).
VALIDATION = MappingProxyType({
    "money": ("decimal", "between", "0", str(int(MAX_NUMBER)), "请填写不小于 0 的金额（按“单位”列，如万元），不要带单位"),
    "number": ("decimal", "between", str(-int(MAX_NUMBER)), str(int(MAX_NUMBER)), "请填写数值，不要带单位"),
    "count": ("whole", "between", "0", str(int(MAX_NUMBER)), "请填写不小于 0 的整数"),
    "ratio": ("decimal", "between", "0", "1", "请填写 0% 到 100% 之间的比例（如 95%）"),
    "date": ("date", "between", "1", "109574", "请填写日期，如 2024-09-30"),  # 1900-01-01 .. 2199-12-31
    "text": ("textLength", "lessThanOrEqual", str(MAX_TEXT), None, f"文字不超过 {MAX_TEXT} 个字"),
})


def _header(sheet: Worksheet, row: int, titles: tuple[str, ...] | list[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _lines(value: str, width: float) -> int:
    """Lines a wrapped cell `width` characters wide needs for `value` (CJK counts double)."""
    usable = max((width - 1) * 1.15, 4)  # a CJK character is about 1.7 width units of the default font
    return sum(max(1, math.ceil(max(wcswidth(part), len(part)) / usable)) for part in str(value).split("\n"))


def _fit_rows(sheet: Worksheet, columns: Mapping[int, float], first: int, last: int) -> None:
    """Row heights for the wrapped text of `columns` (column number: width), which openpyxl cannot measure."""
    for row in range(first, last + 1):
        lines = max((_lines(value, width) for column, width in columns.items()
                     if isinstance(value := sheet.cell(row=row, column=column).value, str)), default=1)
        if lines > 1:
            sheet.row_dimensions[row].height = lines * LINE_HEIGHT + 2


def _print_setup(sheet: Worksheet, title_rows: str | None, landscape: bool = True) -> None:
    """A4, one page wide, narrow margins, `title_rows` repeated on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows


def _validate(sheet: Worksheet, ranges: Mapping[str, list[str]]) -> None:
    """One data validation per value type over its cells: each input accepts what its field holds."""
    for value_type, cells in ranges.items():
        if not cells:
            continue
        if value_type == "bool":
            validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                                        errorTitle="请选择“是”或“否”", error="此项填“是”或“否”")
        else:
            kind, operator, low, high, message = VALIDATION[value_type]
            validation = DataValidation(type=kind, operator=operator, formula1=low, formula2=high, allow_blank=True,
                                        showErrorMessage=True, errorTitle="填写有误", error=message,
                                        showInputMessage=False)
        sheet.add_data_validation(validation)
        for cell in cells:
            validation.add(cell)


def _guide(sheet: Worksheet, rules: list[Rule], level: str, table_names: list[str], summed: list[str]) -> None:
    sheet["A1"] = f"{SUBJECT_LEVEL_TITLE[level]}医改政策符合性自评表 — 填报说明"
    sheet["A1"].font = TITLE_FONT
    who = "机构代码、名称、所在省市、等级、类别、所有制" if level == "hospital" else "地区代码、名称、省市、地区层级"
    lines = [
        f"1. 在“基本信息”表填写{who}和报告期（全年、半年、季度、月份，或累计如 2024年1-9月）。",
        ("2. 在“指标”表按字段代码逐行填写本期数和上年同期数（上年同一报告期的数：报告期为 2024年1-9月的，填 2023年1-9月累计数）；"
         "金额单位以“单位”列为准（如万元），请勿改动字段代码。"),
        "3. 是否类指标填“是”或“否”；日期填 2024-09-30 或 2024年9月30日；证明材料填文件号或材料名称。",
        f"4. 逐项填报的表格：{'、'.join(table_names) or '无'}。每行一项，按列填写；表头下灰色字段代码行请勿删除。",
        "5. 黄色单元格为填报区。没有数据的项目留空，不要填 0；留空的项目按“缺少数据”处理，不视为达标。",
        "6. 填好后保存为 .xlsx，提交检查：compliance check 文件名.xlsx",
    ]
    if level == "region":
        lines.append("7. 地区的部分合计指标（如全市医疗收入）可留空，由同批提交的本地区医院填报表汇总计算。")
    if summed:
        lines.append(f"7. 地区检查汇总本地区医院填报的以下指标，请一并填写：{'、'.join(f'“{name}”' for name in summed)}。")
    widths = [48, 40, 60, 18]
    for row, line in enumerate(lines, start=3):  # each line across the four columns, wrapped
        sheet.cell(row=row, column=1, value=line).alignment = WRAP_TOP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        sheet.row_dimensions[row].height = _lines(line, sum(widths)) * LINE_HEIGHT + 2
    row = len(lines) + 5
    sheet.cell(row=row, column=1, value="本表检查的政策要求").font = Font(bold=True, size=12)
    row += 1
    _header(sheet, row, ["规则编号", "要求", "文件", "条款"])
    for rule in rules:
        row += 1
        for column, value in enumerate(
            [rule.id, rule.title, f"{rule.citation.document_number}《{rule.citation.document_title}》", rule.citation.clause],
            start=1,
        ):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.alignment = WRAP_TOP
            cell.border = BORDER
    _widths(sheet, widths)
    _fit_rows(sheet, dict(enumerate(widths, start=1)), len(lines) + 7, row)
    _print_setup(sheet, f"{len(lines) + 6}:{len(lines) + 6}")


def _info(sheet: Worksheet, identification: tuple[IdentificationField, ...], filled: Mapping[str, str]) -> None:
    sheet["A1"] = "基本信息"
    sheet["A1"].font = TITLE_FONT
    _header(sheet, 2, INFO_HEADERS)
    for row, spec in enumerate(identification, start=3):
        sheet.cell(row=row, column=1, value=spec.code).font = CODE_FONT
        sheet.cell(row=row, column=2, value=spec.name).font = Font(bold=True)
        value_cell = sheet.cell(row=row, column=3)
        value_cell.fill = INPUT_FILL
        value_cell.number_format = "@"
        if filled.get(spec.code):
            value_cell.value = safe_text(filled[spec.code])
            value_cell.data_type = "s"  # text as given, never a formula
        sheet.cell(row=row, column=4, value=spec.description).alignment = WRAP_TOP
        for column in range(1, 5):
            sheet.cell(row=row, column=column).border = BORDER
        if spec.vocabulary:
            labels = ",".join(VOCABULARIES[spec.vocabulary][0].values())
            validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True,
                                        errorTitle="请从列表中选择", error=f"{spec.name}请从下拉列表中选择")
            sheet.add_data_validation(validation)
            validation.add(value_cell)
    sheet.freeze_panes = "A3"
    _widths(sheet, [20, 14, 36, 60])
    _fit_rows(sheet, {4: 60}, 3, len(identification) + 2)
    _print_setup(sheet, "1:2")


def _indicators(sheet: Worksheet, catalog: Catalog, field_codes: list[str]) -> None:
    sheet["A1"] = "指标填报"
    sheet["A1"].font = TITLE_FONT
    _header(sheet, 2, INDICATOR_HEADERS)
    fields = catalog.fields
    ranges: dict[str, list[str]] = {}
    for row, code in enumerate(field_codes, start=3):
        spec = fields[code]
        sheet.cell(row=row, column=1, value=code).font = CODE_FONT
        sheet.cell(row=row, column=2, value=spec.name).alignment = WRAP_TOP
        sheet.cell(row=row, column=3, value=spec.unit or None)
        current = sheet.cell(row=row, column=4)
        current.fill = INPUT_FILL
        current.number_format = NUMBER_FORMAT.get(spec.value_type, "General")
        ranges.setdefault(spec.value_type, []).append(f"D{row}")
        prior = sheet.cell(row=row, column=5)
        if spec.has_prior:
            prior.fill = INPUT_FILL
            prior.number_format = current.number_format
            ranges[spec.value_type].append(f"E{row}")
        else:
            prior.fill = LOCKED_FILL
        sheet.cell(row=row, column=6).fill = INPUT_FILL
        ranges.setdefault("text", []).append(f"F{row}")
        sheet.cell(row=row, column=7, value=spec.description).alignment = WRAP_TOP
        for column in range(1, 8):
            cell = sheet.cell(row=row, column=column)
            cell.border = BORDER
            if column in (1, 3, 4, 5, 6):
                cell.alignment = Alignment(vertical="top")
    _validate(sheet, ranges)
    sheet.freeze_panes = "A3"
    widths = [26, 28, 8, 16, 16, 22, 56]
    _widths(sheet, widths)
    _fit_rows(sheet, {2: widths[1], 7: widths[6]}, 3, len(field_codes) + 2)
    _print_setup(sheet, "1:2")


def _table(sheet: Worksheet, table: TableSpec, blank_rows: int = 50) -> None:
    titles = [column.name + (f"（{column.unit}）" if column.unit else "") for column in table.columns]
    _header(sheet, 1, titles)
    for column_index, column in enumerate(table.columns, start=1):
        sheet.cell(row=2, column=column_index, value=column.code).font = CODE_FONT
        letter = get_column_letter(column_index)
        for row in range(3, 3 + blank_rows):
            cell = sheet.cell(row=row, column=column_index)
            cell.fill = INPUT_FILL
            cell.border = BORDER
            cell.number_format = NUMBER_FORMAT.get(column.value_type, "@")
        _validate(sheet, {column.value_type: [f"{letter}3:{letter}{2 + blank_rows}"]})
        sheet.column_dimensions[letter].width = max(12, min(30, wcswidth(titles[column_index - 1]) + 4))
        sheet.cell(row=1, column=column_index).alignment = Alignment(horizontal="center", vertical="center",
                                                                     wrap_text=True)
    sheet.row_dimensions[1].height = 2 * LINE_HEIGHT + 4
    sheet.freeze_panes = "A3"
    _print_setup(sheet, "1:2")


def member_fields(catalog: Catalog, rules: list[Rule] | tuple[Rule, ...]) -> list[str]:
    """The hospital fields the region rules among `rules` read from a region's hospitals, in rule
    order: the fields they may sum over them (``aggregate: sum``) and those a rule over the region's
    hospitals (``units: hospitals``) reads from each."""
    fields = catalog.fields
    found: list[str] = []
    for rule in rules:
        if rule.applies.level != "region":
            continue
        over_hospitals = isinstance(rule.spec, UnitsSpec) and rule.spec.units == HOSPITALS
        for code in rule.spec.fields_used():
            if (over_hospitals or fields[code].aggregate == "sum") and code not in found:
                found.append(code)
    return found


def build_template(catalog: Catalog, profile: Profile | None = None, level: str = "hospital",
                   identification: Mapping[str, str] | None = None) -> Workbook:
    """A self-assessment workbook for one subject level covering the profile's (or every) rule of
    that level; a hospital's also carries every field the profile's region rules sum over (or read
    from) the region's hospitals, so that a region can be checked on its hospitals' workbooks.
    `identification` fills in the basic-information sheet (code: value, e.g. institution_code)."""
    fields = IDENTIFICATION if level == "hospital" else REGION_IDENTIFICATION
    filled = dict(identification or {})
    unknown = sorted(set(filled) - {spec.code for spec in fields})
    if unknown:
        raise ConfigError("unknown_identification", fields=tuple(unknown), level=level,
                          known=tuple(spec.code for spec in fields))
    chosen = catalog.rules_for(profile) if profile else catalog.rules
    rules = [r for r in chosen if r.applies.level == level]
    field_codes: list[str] = []
    table_codes: list[str] = []
    for rule in rules:
        for code in rule.spec.tables_used():
            if code not in table_codes:
                table_codes.append(code)
        for code in rule.spec.fields_used():
            if code not in field_codes:
                field_codes.append(code)
    summed = member_fields(catalog, chosen) if level == "hospital" else []
    field_codes += [code for code in summed if code not in field_codes]
    workbook = Workbook()
    guide = workbook.active
    guide.title = SHEET_GUIDE
    _guide(guide, rules, level, [catalog.tables[code].name for code in table_codes],
           [catalog.fields[code].name for code in summed])
    _info(workbook.create_sheet(SHEET_INFO), fields, filled)
    _indicators(workbook.create_sheet(SHEET_INDICATORS), catalog, field_codes)
    for code in table_codes:
        table = catalog.tables[code]
        _table(workbook.create_sheet(table.name), table)
    workbook.active = 1
    return workbook


def template_name(level: str, profile: Profile | None = None) -> str:
    subject = "hospital" if level == "hospital" else "region"
    return f"{subject}-self-assessment{'-' + profile.name if profile else ''}.xlsx"


#: The time a written template carries (document properties and zip members): the zip format's
#: epoch, so that a template is a function of the rules and the same rules give the same bytes
#: (regenerating the committed templates leaves them unchanged).
TEMPLATE_TIME = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def write_template(catalog: Catalog, out_dir: Path, profile: Profile | None = None, level: str = "hospital",
                   identification: Mapping[str, str] | None = None) -> Path:
    """Write the blank workbook into `out_dir` (atomically, never through a symbolic link)."""
    from compliance.outputs import write_file
    from compliance.report.excel import workbook_bytes

    data = workbook_bytes(build_template(catalog, profile, level, identification), TEMPLATE_TIME)
    return write_file(Path(out_dir) / template_name(level, profile), data).path
