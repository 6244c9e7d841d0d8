"""The gap workbook's matrix sheet: subjects down, rules across, each cell a subject's status on a rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from compliance.report.xlsxcells import (
    GRID,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    MATRIX_ID_FONT,
    MATRIX_MAX_HEADER_LINES,
    MATRIX_STATUS_FONT,
    MATRIX_STATUS_WIDTH,
    NOT_EVALUATED_FILL,
    NOTE_FONT,
    STATUS_COLOURS,
    SUBHEADER_FILL,
    CellStyles,
    Column,
    _grid_top_left,
    _grid_top_wrap,
    _header,
    _lines,
    _put,
    _status_rule,
    fit_height,
    start_sheet,
)
from compliance.report.xlsxstream import StreamSheet
from compliance.results.findings import Finding
from compliance.results.run import CheckResult
from compliance.results.status import SATISFIED, SEVERITY_ORDER, Status
from compliance.rules.spec import Rule
from compliance.wording import findings as worded
from compliance.wording.catalogue import level_label, status_label, text


def _matrix_columns(result: CheckResult, rules: Sequence[Rule], lang: str) -> list[tuple[str, str]]:
    """(rule id, title) of every rule evaluated for some subject; data-quality checks last.

    Rules are grouped by the first subject that was checked on them (so a batch of hospitals and
    their region shows the hospital rules, then the region rules), in profile order within a group.
    """
    evaluated: dict[str, tuple[int, str]] = {}
    for number, subject in enumerate(result.subjects):
        for f in subject.findings:
            evaluated.setdefault(f.rule_id, (number, worded.title(f, lang)))
    position = {rule.id: index for index, rule in enumerate(rules)}
    in_profile = sorted((rule_id for rule_id in evaluated if rule_id in position),
                        key=lambda rule_id: (evaluated[rule_id][0], position[rule_id]))
    titles = {rule.id: rule.title for rule in rules}
    columns = [(rule_id, titles[rule_id]) for rule_id in in_profile]
    columns += [(rule_id, title) for rule_id, (_, title) in evaluated.items() if rule_id not in position]
    return columns


def wrap_rule_id(rule_id: str, width: int) -> str:
    """``rule_id`` broken into lines of at most ``width`` characters after ``.`` or ``-``.

    Spreadsheets do not wrap at these characters by themselves, so the matrix header holds the id
    with explicit line breaks; ``value.replace("\\n", "")`` gives the id back (ids have no blanks).
    """
    pieces = re.findall(r"[^.\-]+[.\-]?|[.\-]", rule_id)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        while len(piece) > width:  # a piece too long for one line is cut hard
            if line:
                lines.append(line)
                line = ""
            lines.append(piece[:width])
            piece = piece[width:]
        if len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    if line:
        lines.append(line)
    return "\n".join(lines)


def _matrix_status(findings: list[Finding]) -> dict[str, Status]:
    """The worst status per rule id among a subject's findings."""
    rank = {status: index for index, status in enumerate(SEVERITY_ORDER)}
    worst: dict[str, Status] = {}
    for f in findings:
        if f.rule_id not in worst or rank[f.status] < rank[worst[f.rule_id]]:
            worst[f.rule_id] = f.status
    return worst


MATRIX_STATUS_ALIGN = Alignment(horizontal="center", vertical="top")


def _status_cell(cell: Cell) -> None:
    cell.alignment = MATRIX_STATUS_ALIGN
    cell.font = MATRIX_STATUS_FONT
    cell.border = GRID


def _not_evaluated_cell(cell: Cell) -> None:
    _status_cell(cell)
    cell.fill = NOT_EVALUATED_FILL


def matrix_sheet(ws: StreamSheet, result: CheckResult, rules: Sequence[Rule], lang: str) -> None:
    """Subjects down, rules across, each cell the status code; two header rows (titles, ids)."""
    t = lambda key: text(key, lang)
    lead = [Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 24, wrap=True),
            Column(t("col.level"), 8), Column(t("col.period"), 9), Column(t("col.not_satisfied"), 10)]
    rule_columns = _matrix_columns(result, rules, lang)
    first_rule = len(lead) + 1
    last_column = len(lead) + len(rule_columns)

    widths = {index: column.width for index, column in enumerate(lead, start=1)}
    widths.update({index: MATRIX_STATUS_WIDTH for index in range(first_rule, last_column + 1)})
    start_sheet(ws, [], f"{get_column_letter(first_rule)}3", widths=widths)

    # row 1: rule titles; row 2: the subject headers and the rule ids
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(lead))
    label = _put(ws, 1, 1, t("xlsx.matrix_rules_label"))
    label.font, label.fill = HEADER_FONT, HEADER_FILL
    label.alignment = Alignment(horizontal="right", vertical="center")
    title_lines = id_lines = 1
    for index, (_, title) in enumerate(rule_columns, start=first_rule):
        cell = _put(ws, 1, index, title)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, GRID
        cell.alignment = Alignment(horizontal="center", vertical="bottom", wrap_text=True)
        title_lines = max(title_lines, _lines(title, MATRIX_STATUS_WIDTH))
    ws.row_dimensions[1].height = min(MATRIX_MAX_HEADER_LINES, title_lines) * LINE_HEIGHT + 3
    _header(ws, 2, lead)
    for index, (rule_id, _) in enumerate(rule_columns, start=first_rule):
        # no hyperlink here: LibreOffice draws a linked cell on one line, ignoring the line breaks
        shown = wrap_rule_id(rule_id, MATRIX_STATUS_WIDTH + 2)
        cell = _put(ws, 2, index, shown)
        cell.font = MATRIX_ID_FONT
        cell.fill, cell.border = SUBHEADER_FILL, GRID
        cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
        id_lines = max(id_lines, shown.count("\n") + 1)
    ws.row_dimensions[2].height = max(2 * LINE_HEIGHT, min(MATRIX_MAX_HEADER_LINES, id_lines) * 11.0 + 3)

    row = 2
    styles = CellStyles()
    for subject in result.subjects:
        row += 1
        sub = subject.subject
        statuses = _matrix_status(subject.findings)
        open_count = sum(1 for status in statuses.values() if status not in SATISFIED)
        lines = 1
        for index, (column, value) in enumerate(zip(lead, [sub.code, sub.name, level_label(sub.level, lang),
                                                            sub.period.label, open_count]), start=1):
            cell = _put(ws, row, index, value)
            styles.apply(cell, index, _grid_top_wrap if column.wrap else _grid_top_left)
            if column.wrap and isinstance(cell.value, str):
                lines = max(lines, _lines(cell.value, column.width))
        for index, (rule_id, _) in enumerate(rule_columns, start=first_rule):
            status = statuses.get(rule_id)
            cell = _put(ws, row, index, status.value if status else None)
            styles.apply(cell, status is None, _not_evaluated_cell if status is None else _status_cell)
        fit_height(ws, row, lines)
    if rule_columns and row >= 3:
        first_letter = get_column_letter(first_rule)
        cells = f"{first_letter}3:{get_column_letter(last_column)}{row}"
        for code in STATUS_COLOURS:  # relative reference: each cell is coloured by its own code
            ws.conditional_formatting.add(cells, _status_rule(f'{first_letter}3="{code}"', code, STATUS_COLOURS))
        count_letter = get_column_letter(len(lead))
        ws.conditional_formatting.add(f"{count_letter}3:{count_letter}{row}", CellIsRule(
            operator="greaterThan", formula=["0"], font=Font(bold=True, color=STATUS_COLOURS["fail"][1])))
    ws.auto_filter.ref = f"A2:{get_column_letter(max(last_column, len(lead)))}{max(row, 3)}"
    open_labels = [status_label(s, lang) for s in SEVERITY_ORDER if s not in SATISFIED]
    if lang == "zh":
        legend = f"{t('xlsx.matrix_not_evaluated')}；{t('col.not_satisfied')}：{'、'.join(open_labels)}。"
    else:
        legend = f"{t('xlsx.matrix_not_evaluated')}. {t('col.not_satisfied')}: {', '.join(open_labels).lower()}."
    _put(ws, row + 2, 1, legend).font = NOTE_FONT
