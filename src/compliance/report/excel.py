"""The Excel gap workbook: summary, findings, items, rules, inputs and data problems.

Every string goes through :func:`compliance.report.escape.safe_text` and is stored as a
plain string cell, so nothing from a submission can become a formula.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from ..codes import STATUS_LABEL_ZH, Status
from ..evaluate import CheckResult
from ..findings import Finding, InputUsed, ItemResult
from ..formatting import PERCENT
from ..spec import Catalog, Rule
from ..vocab import label as vocab_label
from .escape import safe_text
from .summary import all_counts, count_statuses, ordered_findings

SHEET_SUMMARY = "汇总"
SHEET_FINDINGS = "问题清单"
SHEET_ITEMS = "品项明细"
SHEET_RULES = "规则"
SHEET_INPUTS = "填报数据"
SHEET_PROBLEMS = "数据问题"

PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MAX_CELL_TEXT = 32_000  # Excel refuses more than 32,767 characters in a cell.
LINE_HEIGHT = 14.0
RULE_ID_WIDTH = 44  # rule ids have no spaces, so they cannot wrap
MAX_ROW_HEIGHT = 300.0

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="305496", end_color="305496")
SECTION_FONT = Font(bold=True, size=12, color="1F3864")
TITLE_FONT = Font(bold=True, size=16, color="1F3864")
LINK_FONT = Font(color="0563C1", underline="single")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_LEFT = Alignment(vertical="top")
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

# (fill, font colour) per status code; conditional formatting keys off the code, not the label.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.PASS.value: ("C6EFCE", "006100"),
    Status.WARN.value: ("FFE699", "7F6000"),
    Status.FAIL.value: ("FFC7CE", "9C0006"),
    Status.MISSING_DATA.value: ("FCD5B4", "974706"),
    Status.NOT_APPLICABLE.value: ("E7E6E6", "595959"),
    Status.NOT_DUE.value: ("DDEBF7", "1F4E78"),
    Status.ERROR.value: ("C00000", "FFFFFF"),
    Status.WAIVED.value: ("E4DFEC", "5B2C6F"),
}
FILE_STATUS_LABEL = {"read": "已读取", "read_with_warnings": "已读取（有警告）", "refused": "拒收"}
FILE_STATUS_COLOURS = {"read": STATUS_COLOURS["pass"], "read_with_warnings": STATUS_COLOURS["warn"],
                       "refused": STATUS_COLOURS["fail"]}
PROBLEM_SEVERITY_LABEL = {"error": "错误", "warning": "警告"}
PROBLEM_COLOURS = {"error": STATUS_COLOURS["fail"], "warning": STATUS_COLOURS["warn"]}
WHICH_LABEL = {"current": "本期", "prior": "上年同期"}
BINDING_LABEL = {"binding": "约束性", "expected": "预期性", "soft": "原则上/力争", "plain": "明确要求"}


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


def write_gap_workbook(result: CheckResult, catalog: Catalog, path: Path) -> Path:
    """Write the batch's gap workbook to ``path`` and return it."""
    rules = catalog.rules_for(result.profile)
    rule_rows = {rule.id: index + 2 for index, rule in enumerate(rules)}
    workbook = Workbook()
    summary = workbook.active
    summary.title = SHEET_SUMMARY
    _summary_sheet(summary, result, rules)
    _findings_sheet(workbook.create_sheet(SHEET_FINDINGS), result, rule_rows)
    _items_sheet(workbook.create_sheet(SHEET_ITEMS), result, catalog, rule_rows)
    _rules_sheet(workbook.create_sheet(SHEET_RULES), rules)
    _inputs_sheet(workbook.create_sheet(SHEET_INPUTS), result, catalog, rule_rows)
    _problems_sheet(workbook.create_sheet(SHEET_PROBLEMS), result)
    for ws in workbook.worksheets:
        _page_setup(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


# ---------------------------------------------------------------- cells and tables


def number_format(unit: str) -> str:
    return PERCENT_FORMAT if unit == PERCENT else NUMBER_FORMAT


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
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


def _header(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = _put(ws, row, index, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = GRID
    ws.row_dimensions[row].height = 2 * LINE_HEIGHT


def _table(ws: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]], first_row: int = 1,
           filter_and_freeze: bool = True) -> int:
    """Header at ``first_row``, then ``rows``; returns the last row used."""
    _header(ws, first_row, columns)
    row = first_row
    for values in rows:
        row += 1
        for index, (column, value) in enumerate(zip(columns, values), start=1):
            cell = _put(ws, row, index, value)
            cell.alignment = TOP_WRAP if column.wrap else TOP_LEFT
            cell.border = GRID
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = max(column.width, dimension.width if dimension.customWidth else 0)
    if filter_and_freeze:
        ws.auto_filter.ref = f"A{first_row}:{get_column_letter(len(columns))}{max(row, first_row + 1)}"
        ws.freeze_panes = f"A{first_row + 1}"
    _fit_heights(ws, columns, first_row + 1, row)
    return row


def _text_width(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else len(text) * 2


def _fit_heights(ws: Worksheet, columns: Sequence[Column], first_row: int, last_row: int) -> None:
    """Set row heights for wrapped text (CJK counts double), since openpyxl cannot measure text."""
    for row in range(first_row, last_row + 1):
        lines = 1
        for index, column in enumerate(columns, start=1):
            value = ws.cell(row=row, column=index).value
            if not column.wrap or not isinstance(value, str):
                continue
            usable = max((ws.column_dimensions[get_column_letter(index)].width - 2) * 0.9, 4)
            needed = sum(max(1, math.ceil(_text_width(part) / usable)) for part in value.split("\n"))
            lines = max(lines, needed)
        if lines > 1:
            ws.row_dimensions[row].height = min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 3)


def _colour_by_code(ws: Worksheet, code_column: int, cells: str, first_row: int,
                    colours: dict[str, tuple[str, str]]) -> None:
    """Conditional fill on ``cells`` keyed off the code in ``code_column`` (e.g. 'fail')."""
    letter = get_column_letter(code_column)
    for code, (fill, font) in colours.items():
        ws.conditional_formatting.add(cells, FormulaRule(
            formula=[f'${letter}{first_row}="{code}"'],
            fill=PatternFill("solid", start_color=fill, end_color=fill),
            font=Font(color=font, bold=code in ("fail", "error", "refused")),
            stopIfTrue=True,
        ))


def _colour_status(ws: Worksheet, code_column: int, first_row: int, last_row: int,
                   colours: dict[str, tuple[str, str]] = STATUS_COLOURS) -> None:
    """Colour the code cell and the label next to it."""
    if last_row < first_row:
        return
    start, end = get_column_letter(code_column), get_column_letter(code_column + 1)
    _colour_by_code(ws, code_column, f"{start}{first_row}:{end}{last_row}", first_row, colours)


def _page_setup(ws: Worksheet) -> None:
    """Print landscape on A4, one page wide, repeating the frozen header rows."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    if ws.freeze_panes and ws.title != SHEET_SUMMARY:
        ws.print_title_rows = f"1:{int(ws.freeze_panes[1:]) - 1}"


def _rule_link(rule_id: str, rule_rows: dict[str, int]) -> Link:
    row = rule_rows.get(rule_id)
    return Link(rule_id, f"{quote_sheetname(SHEET_RULES)}!A{row}" if row else None)


def _section(ws: Worksheet, row: int, text: str) -> None:
    _put(ws, row, 1, text).font = SECTION_FONT


# ---------------------------------------------------------------- sheets


def _summary_sheet(ws: Worksheet, result: CheckResult, rules: Sequence[Rule]) -> None:
    counts = all_counts(result)
    read = [o for o in result.outcomes if o.status != "refused"]
    _put(ws, 1, 1, "医改政策合规差距报告").font = TITLE_FONT
    ws.row_dimensions[1].height = 24
    facts: list[tuple[str, Any]] = [
        ("检查方案", f"{result.profile.title}（{result.profile.name}）"),
        ("检查基准日", result.as_of if result.as_of else "各报告期期末"),
        ("读取文件数", len(read)),
        ("拒收文件数", len(result.refused)),
        ("检查对象数", len(result.subjects)),
        ("规则数", len(rules)),
        ("检查结论数", len(result.findings)),
        ("总体合规率", Num(counts.compliance_rate, PERCENT_FORMAT) if counts.compliance_rate is not None else "—"),
    ]
    row = 2
    for key, value in facts:
        row += 1
        _put(ws, row, 1, key).font = Font(bold=True)
        _put(ws, row, 2, value).alignment = Alignment(horizontal="left")
    row += 1
    _put(ws, row, 1, "合规率 =（达标 + 未到期限 + 已豁免）÷ 适用结论数（不含“不适用”）；缺少数据不按达标计。"
         ).font = Font(italic=True, color="595959")

    row += 2
    _section(ws, row, "状态统计")
    status_columns = [Column("状态", 20), Column("状态说明", 34), Column("数量", 12)]
    first = row + 1
    row = _table(ws, status_columns, [(s.value, text, n) for s, text, n in counts.rows()], first,
                 filter_and_freeze=False)
    _colour_status(ws, 1, first + 1, row)

    row += 2
    _section(ws, row, "各机构情况")
    subject_columns = [Column("机构代码", 20), Column("机构名称", 34, wrap=True), Column("报告期", 12),
                       Column("适用规则数", 10), Column("达标", 8), Column("不达标", 8), Column("预警", 8),
                       Column("缺少数据", 10), Column("合规率", 10), Column("总体状态", 16), Column("总体状态说明", 14)]
    subject_rows = []
    for subject in result.subjects:
        sub = subject.submission.subject
        c = count_statuses(subject.findings)
        rate = c.compliance_rate
        subject_rows.append([
            sub.code, sub.name, sub.period.label, c.applicable, c.counts[Status.PASS], c.counts[Status.FAIL],
            c.counts[Status.WARN], c.counts[Status.MISSING_DATA],
            Num(rate, PERCENT_FORMAT) if rate is not None else "—", subject.worst.value,
            STATUS_LABEL_ZH[subject.worst],
        ])
    first = row + 1
    row = _table(ws, subject_columns, subject_rows, first)
    _colour_status(ws, 10, first + 1, row)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 20


def _data_sources(finding: Finding) -> str:
    if finding.items:
        sources = [item.source for item in finding.items]
    else:
        sources = [used.source for used in finding.inputs]
    return "; ".join(dict.fromkeys(s for s in sources if s))


FINDING_COLUMNS = [
    Column("机构代码", 20), Column("机构名称", 24, wrap=True), Column("报告期", 9), Column("规则编号", RULE_ID_WIDTH),
    Column("规则名称", 26, wrap=True), Column("领域", 10, wrap=True), Column("状态", 14), Column("状态说明", 10),
    Column("实际值", 11), Column("要求", 11), Column("差距", 11), Column("单位", 7), Column("金额/数量缺口", 14),
    Column("缺口单位", 8), Column("说明", 48, wrap=True), Column("整改建议", 48, wrap=True),
    Column("数据来源", 22, wrap=True), Column("文件号", 18, wrap=True), Column("条款", 10, wrap=True),
    Column("源文件", 22, wrap=True),
]


def _findings_sheet(ws: Worksheet, result: CheckResult, rule_rows: dict[str, int]) -> None:
    rows = []
    for subject in result.subjects:
        for f in ordered_findings(subject.findings):
            fmt = number_format(f.unit)
            rows.append([
                f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, rule_rows), f.title, f.domain,
                f.status.value, STATUS_LABEL_ZH[f.status], Num(f.observed, fmt), Num(f.required, fmt),
                Num(f.gap, fmt), f.unit, Num(f.gap_amount), f.gap_amount_unit, f.message, f.remediation,
                _data_sources(f), f.citation.document_number, f.citation.clause, Path(f.source_file).name,
            ])
    last = _table(ws, FINDING_COLUMNS, rows)
    _colour_status(ws, 7, 2, last)


def _item_amount_unit(rule: Rule | None, finding: Finding, item: ItemResult) -> str:
    """The unit of an item's gap amount: per-item (e.g. 只, 套) when the rule reads it from a column."""
    column = getattr(rule.spec, "amount_unit_column", None) if rule else None
    if column:
        prefix = f"{item.label}："
        for used in finding.inputs:
            if used.field == column and used.name.startswith(prefix) and used.value not in (None, ""):
                return str(used.value)
        return ""
    gap_amount = getattr(rule.spec, "gap_amount", None) if rule else None
    return gap_amount.unit if gap_amount is not None else finding.gap_amount_unit


def _items_sheet(ws: Worksheet, result: CheckResult, catalog: Catalog, rule_rows: dict[str, int]) -> None:
    columns = [
        Column("机构代码", 20), Column("机构名称", 24, wrap=True), Column("报告期", 9), Column("规则编号", RULE_ID_WIDTH),
        Column("规则名称", 26, wrap=True), Column("品项", 28, wrap=True), Column("状态", 14), Column("状态说明", 10),
        Column("实际值", 11), Column("差距", 11), Column("单位", 7), Column("金额/数量缺口", 14), Column("缺口单位", 8),
        Column("说明", 36, wrap=True), Column("数据来源", 20, wrap=True),
    ]
    rules = {rule.id: rule for rule in catalog.rules}
    rows = []
    for subject in result.subjects:
        for f in ordered_findings(subject.findings):
            fmt = number_format(f.unit)
            for item in f.items:
                rows.append([
                    f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, rule_rows), f.title, item.label,
                    item.status.value, STATUS_LABEL_ZH[item.status], Num(item.observed, fmt), Num(item.gap, fmt),
                    f.unit, Num(item.gap_amount), _item_amount_unit(rules.get(f.rule_id), f, item) if
                    item.gap_amount is not None else "", item.note, item.source,
                ])
    last = _table(ws, columns, rows)
    _colour_status(ws, 7, 2, last)


def _applies_text(rule: Rule) -> str:
    if rule.applies.description:
        return rule.applies.description
    parts = ["医院" if rule.applies.level == "hospital" else "地区"]
    for vocabulary, codes in (("ownership", rule.applies.ownership), ("grade", rule.applies.grade),
                              ("type", rule.applies.type)):
        if codes:
            parts.append("、".join(vocab_label(vocabulary, code) for code in codes))
    return "；".join(parts)


def _rules_sheet(ws: Worksheet, rules: Sequence[Rule]) -> None:
    columns = [
        Column("规则编号", RULE_ID_WIDTH), Column("规则名称", 28, wrap=True), Column("类型", 11), Column("领域", 10, wrap=True),
        Column("文件号", 18, wrap=True), Column("文件名称", 30, wrap=True), Column("条款", 10, wrap=True),
        Column("原文", 50, wrap=True), Column("辖区", 14, wrap=True), Column("适用范围", 30, wrap=True),
        Column("施行日期", 12), Column("期限", 12), Column("约束性", 18, wrap=True), Column("未达标时状态", 14),
        Column("状态说明", 10),
    ]
    rows = [[
        rule.id, rule.title, rule.kind, rule.domain, rule.citation.document_number, rule.citation.document_title,
        rule.citation.clause, rule.citation.quote, rule.jurisdiction.label, _applies_text(rule), rule.effective_from,
        rule.deadline, f"{BINDING_LABEL.get(rule.binding, rule.binding)}（{rule.binding}）", rule.severity.value,
        STATUS_LABEL_ZH[rule.severity],
    ] for rule in rules]
    last = _table(ws, columns, rows)
    _colour_status(ws, 14, 2, last)


def _which_text(used: InputUsed, catalog: Catalog) -> str:
    if used.which in WHICH_LABEL:
        return WHICH_LABEL[used.which]
    table = catalog.tables.get(used.which)
    return f"品项表：{table.name}" if table else used.which


def _input_value(used: InputUsed) -> Any:
    number = _finite(used.value)
    if number is not None:
        return Num(number, number_format(used.unit))
    return used.value


def _inputs_sheet(ws: Worksheet, result: CheckResult, catalog: Catalog, rule_rows: dict[str, int]) -> None:
    columns = [
        Column("机构代码", 20), Column("机构名称", 24, wrap=True), Column("报告期", 9), Column("规则编号", RULE_ID_WIDTH),
        Column("字段代码", 24, wrap=True), Column("名称", 34, wrap=True), Column("填报值", 16, wrap=True),
        Column("单位", 8), Column("口径", 22, wrap=True), Column("数据来源", 18),
    ]
    rows = [[
        f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, rule_rows), used.field, used.name,
        _input_value(used), used.unit, _which_text(used, catalog), used.source,
    ] for subject in result.subjects for f in subject.findings for used in f.inputs]
    _table(ws, columns, rows)


def _problems_sheet(ws: Worksheet, result: CheckResult) -> None:
    _section(ws, 1, "文件读取情况")
    file_columns = [
        Column("文件", 40, wrap=True), Column("读取结果", 20), Column("读取结果说明", 16), Column("机构代码", 22, wrap=True),
        Column("说明", 50, wrap=True),
    ]
    file_rows = [[o.path, o.status, FILE_STATUS_LABEL.get(o.status, o.status), "\n".join(o.subjects), o.message]
                 for o in result.outcomes]
    last = _table(ws, file_columns, file_rows, 2, filter_and_freeze=False)
    _colour_status(ws, 2, 3, last, FILE_STATUS_COLOURS)

    start = last + 2
    _section(ws, start, "数据问题")
    problem_columns = [
        Column("文件", 40, wrap=True), Column("严重程度", 20), Column("严重程度说明", 16), Column("字段", 22, wrap=True),
        Column("位置", 50, wrap=True), Column("应为", 24, wrap=True), Column("实际", 24, wrap=True),
        Column("修改建议", 40, wrap=True),
    ]
    problem_rows = [[p.file, p.severity, PROBLEM_SEVERITY_LABEL.get(p.severity, p.severity), p.field_code, p.where,
                     p.expected, p.found, p.fix] for p in result.problems]
    if not problem_rows:
        problem_rows = [["（无）"]]
    last = _table(ws, problem_columns, problem_rows, start + 1)
    _colour_status(ws, 2, start + 2, last, PROBLEM_COLOURS)
    ws.freeze_panes = "A3"  # keep the file-outcome header in view; the problem table has the filter

