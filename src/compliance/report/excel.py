"""The Excel gap workbook: summary, matrix, findings, items, rules, inputs and data problems.

Every string goes through :func:`compliance.report.escape.safe_text` and is stored as a
plain string cell, so nothing from a submission can become a formula.  The workbook's own
wording (sheet names, headers, labels) comes from :mod:`compliance.report.i18n` in the
language asked for; text from rule packs and submissions is written as it is.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import quote_sheetname

from compliance.evaluation.quality import CHECKS as QUALITY_CHECKS
from compliance.report.excel_matrix import matrix_sheet, wrap_rule_id  # noqa: F401 - wrap_rule_id: part of this interface
from compliance.report.excel_trends import has_trends, trends_sheet
from compliance.report.summary import all_counts, count_statuses, ordered_findings
from compliance.report.xlsxcells import (
    BOLD_FONT,
    FILE_STATUS_COLOURS,
    NOTE_FONT,
    PERCENT_FORMAT,
    PROBLEM_COLOURS,
    RULE_ID_WIDTH,
    TITLE_FONT,
    WHICH_CODES,
    Column,
    Num,
    _colour_status,
    _finite,
    _put,
    _rule_link,
    _section,
    _table,
    _text_width,
    number_format,
    start_sheet,
)
from compliance.report.xlsxstream import StreamSheet, streamed_workbook
from compliance.results.findings import Finding, InputUsed
from compliance.results.quantities import PERCENT, POINTS, Quantity
from compliance.results.run import CheckResult
from compliance.results.status import SEVERITY_ORDER, FileStatus, Status
from compliance.rules.spec import Catalog, Profile, Rule
from compliance.wording import findings as worded
from compliance.wording import problems as problem_wording
from compliance.wording import quantities as q
from compliance.wording.catalogue import (
    DEFAULT_LANGUAGE,
    domain_label,
    level_label,
    messages,
    paren,
    status_label,
    text,
    unit_name,
    vocab_label,
)
from compliance.wording.documents import time_scope_text, validity_text
from compliance.wording.outcomes import outcome_message

SHEET_KEYS = MappingProxyType({
    "summary": "sheet.summary", "matrix": "sheet.matrix", "findings": "sheet.findings", "items": "sheet.items",
    "rules": "sheet.rules", "inputs": "sheet.inputs", "problems": "sheet.problems", "trends": "sheet.trends",
})
#: The sheets in order; ``trends`` only in an audit's workbook (see report/excel_trends.py).
SHEET_ORDER = ("summary", "matrix", "trends", "findings", "items", "rules", "inputs", "problems")


def sheet_name(sheet: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The title of one of the workbook's sheets (``summary``, ``matrix``, ...) in ``lang``."""
    return text(SHEET_KEYS[sheet], lang)


SHEET_SUMMARY = sheet_name("summary")
SHEET_MATRIX = sheet_name("matrix")
SHEET_FINDINGS = sheet_name("findings")
SHEET_ITEMS = sheet_name("items")
SHEET_RULES = sheet_name("rules")
SHEET_INPUTS = sheet_name("inputs")
SHEET_PROBLEMS = sheet_name("problems")
QUALITY_PREFIX = "quality."

def _label(table: str, code: str, lang: str) -> str:
    """``text(f"{table}.{code}")``, or the code itself when the catalogue has no such label."""
    try:
        return text(f"{table}.{code}", lang)
    except KeyError:
        return code


def gap_workbook_bytes(result: CheckResult, catalog: Catalog, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The batch's gap workbook in ``lang`` ("zh" or "en"), as the bytes of an .xlsx file."""
    with streamed_workbook() as workbook:
        fill_gap_workbook(workbook, result, catalog, lang)
        return workbook_bytes(workbook, result.run.started)


class _StampedZip(zipfile.ZipFile):
    """A zip whose members all carry one time (openpyxl stamps each with the clock otherwise)."""

    def __init__(self, file: io.BytesIO, stamp: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.stamp = stamp

    def writestr(self, name: str | zipfile.ZipInfo, data: str | bytes, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, date_time=self.stamp)
            name.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename: str | os.PathLike[str], arcname: str | None = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        """A worksheet openpyxl wrote to a temporary file, under the one time (not the file's),
        copied in pieces (a province's sheet is hundreds of MiB of XML)."""
        member = zipfile.ZipInfo(arcname or os.path.basename(filename), date_time=self.stamp)
        member.compress_type = zipfile.ZIP_DEFLATED
        member.file_size = os.path.getsize(filename)  # the zip then knows whether it needs Zip64
        with open(filename, "rb") as source, self.open(member, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def workbook_bytes(workbook: Workbook, made: dt.datetime) -> bytes:
    """`workbook` as .xlsx bytes that depend on its content and `made` only (the run's start, as
    the document's created and modified time and every member's time): the same run writes the
    same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    utc = made.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = utc
    buffer = io.BytesIO()
    with _StampedZip(buffer, (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def write_gap_workbook(result: CheckResult, catalog: Catalog, path: Path, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Write the batch's gap workbook to ``path`` (atomically) and return it."""
    from compliance.outputs import write_file

    return write_file(Path(path), gap_workbook_bytes(result, catalog, lang)).path


def _profile(result: CheckResult, catalog: Catalog) -> Profile:
    return catalog.profiles[result.run.profile]


def fill_gap_workbook(workbook: Workbook, result: CheckResult, catalog: Catalog, lang: str = DEFAULT_LANGUAGE) -> None:
    """Write the gap workbook's sheets, row by row, into an empty write-only `workbook`."""
    rules = catalog.rules_for(_profile(result, catalog))
    rules_sheet = sheet_name("rules", lang)
    quality_ids = _quality_ids(result)
    quality_first = len(rules) + 5  # header row, rules, a blank row, the section title and a note
    rule_rows = {rule.id: index + 2 for index, rule in enumerate(rules)}
    rule_rows.update({rule_id: quality_first + 1 + index for index, rule_id in enumerate(quality_ids)})
    links = {rule_id: f"{quote_sheetname(rules_sheet)}!A{row}" for rule_id, row in rule_rows.items()}
    sheets: list[StreamSheet] = []

    def sheet(key: str) -> StreamSheet:
        sheets.append(StreamSheet(workbook.create_sheet(sheet_name(key, lang))))
        return sheets[-1]

    _summary_sheet(sheet("summary"), result, rules, lang)
    matrix_sheet(sheet("matrix"), result, rules, lang)
    if has_trends(result):
        trends_sheet(sheet("trends"), result, lang)
    _findings_sheet(sheet("findings"), result, links, lang)
    _items_sheet(sheet("items"), result, catalog, links, lang)
    rules_ws = sheet("rules")
    _rules_sheet(rules_ws, rules, lang)
    _quality_section(rules_ws, quality_first, quality_ids, result, lang)
    _inputs_sheet(sheet("inputs"), result, catalog, links, lang)
    _problems_sheet(sheet("problems"), result, lang)
    for ws in sheets:
        ws.close()


def _quality_ids(result: CheckResult) -> list[str]:
    """Every data-quality check id (known checks first, then any other the findings carry)."""
    ids = [check.rule_id for check in QUALITY_CHECKS]
    for f in result.findings:
        if f.rule_id.startswith(QUALITY_PREFIX) and f.rule_id not in ids:
            ids.append(f.rule_id)
    return ids


# ---------------------------------------------------------------- sheets


def _summary_sheet(ws: StreamSheet, result: CheckResult, rules: Sequence[Rule], lang: str) -> None:
    t = lambda key: text(key, lang)
    counts = all_counts(result)
    read = [o for o in result.outcomes if o.status is not FileStatus.REFUSED]
    facts: list[tuple[str, Any]] = [
        (t("xlsx.profile"), paren(result.run.profile_title, result.run.profile, lang)),
        (t("xlsx.as_of"), result.run.as_of if result.run.as_of else t("xlsx.as_of_default")),
        (t("xlsx.files_read"), len(read)),
        (t("xlsx.files_refused"), len(result.refused)),
        (t("xlsx.subjects"), len(result.subjects)),
        (t("xlsx.rules"), len(rules)),
        (t("xlsx.findings"), len(result.findings)),
        (t("xlsx.compliance_rate"),
         Num(counts.compliance_rate, PERCENT_FORMAT) if counts.compliance_rate is not None else t("dash")),
    ]
    status_columns = [Column(t("col.status"), 20), Column(t("col.status_label"), 34), Column(t("col.count"), 12)]
    subject_columns = [Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 34, wrap=True),
                       Column(t("col.period"), 12), Column(t("col.applicable"), 10), Column(t("col.pass"), 8),
                       Column(t("col.fail"), 8), Column(t("col.warn"), 8), Column(t("col.missing_data"), 10),
                       Column(t("col.rate"), 10), Column(t("col.worst"), 16), Column(t("col.worst_label"), 14)]
    start_sheet(ws, [status_columns, subject_columns], "A2", print_titles=False,
                widths={1: max(20, *(_text_width(key) * 1.1 + 2 for key, _ in facts))})
    _put(ws, 1, 1, t("xlsx.title")).font = TITLE_FONT
    ws.row_dimensions[1].height = 24
    row = 2
    for key, value in facts:
        row += 1
        _put(ws, row, 1, key).font = BOLD_FONT
        _put(ws, row, 2, value).alignment = Alignment(horizontal="left")
    row += 1
    _put(ws, row, 1, t("xlsx.rate_note")).font = NOTE_FONT

    row += 2
    _section(ws, row, t("xlsx.section.statuses"))
    first = row + 1
    row = _table(ws, status_columns, [(s.value, status_label(s, lang), counts.counts.get(s, 0))
                                      for s in SEVERITY_ORDER], first, filter_and_freeze=False)
    _colour_status(ws, 1, first + 1, row)

    row += 2
    _section(ws, row, t("xlsx.section.subjects"))
    subject_rows = []
    for subject in result.subjects:
        sub = subject.subject
        c = count_statuses(subject.findings)
        rate = c.compliance_rate
        subject_rows.append([
            sub.code, sub.name, sub.period.label, c.applicable, c.counts[Status.PASS], c.counts[Status.FAIL],
            c.counts[Status.WARN], c.counts[Status.MISSING_DATA],
            Num(rate, PERCENT_FORMAT) if rate is not None else t("dash"), subject.worst.value,
            status_label(subject.worst, lang),
        ])
    first = row + 1
    row = _table(ws, subject_columns, subject_rows, first)
    _colour_status(ws, 10, first + 1, row)


def _shown(quantity: Quantity | None, worded_text: str) -> Any:
    """A value as a number with its display format when it is one (a ratio, and a difference of
    ratios, as a percentage: 0.08 shows 8.0%, as a spreadsheet shows the difference of two
    percentage cells), else as the worded text (是/否, a date, 2/3 个单位达标)."""
    if quantity is None:
        return None
    number = quantity.number
    if number is None or quantity.of is not None:
        return worded_text
    return Num(number, PERCENT_FORMAT if quantity.unit == POINTS else number_format(quantity.unit))


def _amount(finding: Finding, lang: str) -> Any:
    amount = finding.gap_amount
    if amount is not None:
        return Num(amount.number)
    return worded.gap_amount(finding, lang) or None


def _amount_unit(finding: Finding, lang: str) -> str:
    amount = finding.gap_amount
    return unit_name(amount.unit, lang, amount.number or 0) if amount is not None else ""


def _data_sources(finding: Finding, lang: str) -> str:
    if finding.items:
        sources = [worded.row_source(item.source, lang) for item in finding.items]
    else:
        sources = [worded.input_source(used, lang) for used in finding.inputs]
    return "; ".join(dict.fromkeys(s for s in sources if s))


def finding_columns(lang: str = DEFAULT_LANGUAGE) -> list[Column]:
    t = lambda key: text(key, lang)
    return [
        Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 24, wrap=True), Column(t("col.period"), 9),
        Column(t("col.rule_id"), RULE_ID_WIDTH), Column(t("col.rule_title"), 26, wrap=True),
        Column(t("col.domain"), 10, wrap=True), Column(t("col.status"), 14), Column(t("col.status_label"), 10),
        Column(t("col.observed"), 11), Column(t("col.required"), 11), Column(t("col.gap"), 11),
        Column(t("col.unit"), 7), Column(t("col.gap_amount"), 14), Column(t("col.gap_amount_unit"), 8),
        Column(t("col.message"), 48, wrap=True), Column(t("col.remediation"), 48, wrap=True),
        Column(t("col.data_sources"), 22, wrap=True), Column(t("col.document_number"), 18, wrap=True),
        Column(t("col.document_validity"), 10), Column(t("col.clause"), 10, wrap=True),
        Column(t("col.benchmark"), 12, wrap=True), Column(t("col.source_file"), 22, wrap=True),
    ]



def _findings_sheet(ws: StreamSheet, result: CheckResult, links: dict[str, str], lang: str) -> None:
    columns = finding_columns(lang)
    start_sheet(ws, [columns])
    last = _table(ws, columns, _finding_rows(result, links, lang))
    _colour_status(ws, 7, 2, last)


def _finding_rows(result: CheckResult, links: dict[str, str], lang: str) -> Iterator[list[Any]]:
    for subject in result.subjects:
        for f in ordered_findings(subject.findings):
            yield [
                f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, links), worded.title(f, lang),
                domain_label(f.domain, lang), f.status.value, status_label(f.status, lang),
                _shown(f.observed, worded.observed(f, lang)), _shown(f.required.threshold if f.required else None,
                                                                    worded.required(f, lang)),
                _shown(f.gap, worded.gap(f, lang)), unit_name(f.unit, lang), _amount(f, lang), _amount_unit(f, lang),
                worded.message(f, lang), worded.remediation(f, lang), _data_sources(f, lang),
                f.citation.document_number, validity_text(f.citation, lang), f.citation.clause,
                ", ".join(basis.value for basis in f.benchmark), f.submission.path,
            ]


def _items_sheet(ws: StreamSheet, result: CheckResult, catalog: Catalog, links: dict[str, str], lang: str) -> None:
    t = lambda key: text(key, lang)
    columns = [
        Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 24, wrap=True), Column(t("col.period"), 9),
        Column(t("col.rule_id"), RULE_ID_WIDTH), Column(t("col.rule_title"), 26, wrap=True),
        Column(t("col.item"), 28, wrap=True), Column(t("col.status"), 14), Column(t("col.status_label"), 10),
        Column(t("col.observed"), 11), Column(t("col.gap"), 11), Column(t("col.unit"), 7),
        Column(t("col.gap_amount"), 14), Column(t("col.gap_amount_unit"), 8), Column(t("col.message"), 36, wrap=True),
        Column(t("col.data_sources"), 20, wrap=True),
    ]
    start_sheet(ws, [columns])
    last = _table(ws, columns, _item_rows(result, links, lang))
    _colour_status(ws, 7, 2, last)


def _item_rows(result: CheckResult, links: dict[str, str], lang: str) -> Iterator[list[Any]]:
    for subject in result.subjects:
        for f in ordered_findings(subject.findings):
            label = worded.gap_amount_label(f, lang)
            for item in f.items:
                amount = item.gap_amount
                yield [
                    f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, links), worded.title(f, lang),
                    worded.item_label(item, lang), item.status.value, status_label(item.status, lang),
                    _shown(item.observed, q.quantity(item.observed, lang)),
                    _shown(item.gap, q.quantity(item.gap, lang)),
                    unit_name(item.observed.unit, lang) if item.observed is not None else "",
                    Num(amount.number) if amount is not None else None,
                    unit_name(amount.unit, lang, amount.number or 0) if amount is not None else "",
                    worded.item_note(item, lang, label), worded.row_source(item.source, lang),
                ]


def _applies_text(rule: Rule, lang: str) -> str:
    if rule.applies.description:
        return rule.applies.description
    parts = [level_label(rule.applies.level, lang)]
    for vocabulary, codes in (("ownership", rule.applies.ownership), ("grade", rule.applies.grade),
                              ("type", rule.applies.type)):
        if codes:
            parts.append(("、" if lang == "zh" else ", ").join(vocab_label(vocabulary, code, lang) for code in codes))
    return ("；" if lang == "zh" else "; ").join(parts)


def _rules_sheet(ws: StreamSheet, rules: Sequence[Rule], lang: str) -> None:
    t = lambda key: text(key, lang)
    columns = [
        Column(t("col.rule_id"), RULE_ID_WIDTH), Column(t("col.rule_title"), 28, wrap=True),
        Column(t("col.kind"), 14, wrap=True), Column(t("col.domain"), 10, wrap=True),
        Column(t("col.document_number"), 18, wrap=True), Column(t("col.document_title"), 30, wrap=True),
        Column(t("col.clause"), 10, wrap=True), Column(t("col.quote"), 50, wrap=True),
        Column(t("col.jurisdiction"), 14, wrap=True), Column(t("col.applies"), 30, wrap=True),
        Column(t("col.effective_from"), 12), Column(t("col.time_scope"), 14, wrap=True),
        Column(t("col.document_validity"), 10), Column(t("col.deadline"), 12), Column(t("col.binding"), 18, wrap=True),
        Column(t("col.severity"), 14), Column(t("col.status_label"), 10),
    ]
    rows = [[
        rule.id, rule.title, paren(_label("kind", rule.kind, lang), rule.kind, lang), domain_label(rule.domain, lang),
        rule.citation.document_number, rule.citation.document_title, rule.citation.clause, rule.citation.quote_text,
        rule.jurisdiction.label, _applies_text(rule, lang), rule.effective_from,
        time_scope_text(rule.scope_start, rule.scope_end, lang), validity_text(rule.citation, lang), rule.deadline,
        paren(_label("binding", rule.binding, lang), rule.binding, lang), rule.severity.value,
        status_label(rule.severity, lang),
    ] for rule in rules]
    start_sheet(ws, [columns, quality_columns(lang)])
    last = _table(ws, columns, rows)
    _colour_status(ws, 16, 2, last)


def quality_columns(lang: str) -> list[Column]:
    return [Column(text("col.check_id", lang), RULE_ID_WIDTH), Column(text("col.check_title", lang), 28, wrap=True),
            Column(text("col.kind", lang), 14, wrap=True)]


def _quality_section(ws: StreamSheet, first_row: int, quality_ids: Sequence[str], result: CheckResult,
                     lang: str) -> None:
    """Below the rules: the data-quality checks, so their findings link to a row that explains them."""
    t = lambda key: text(key, lang)
    titles = {f.rule_id: worded.title(f, lang) for f in result.findings if f.kind == "quality"}
    _section(ws, first_row - 2, t("xlsx.section.quality"))
    _put(ws, first_row - 1, 1, t("xlsx.quality_note")).font = NOTE_FONT
    _table(ws, quality_columns(lang), [[rule_id, titles.get(rule_id) or messages(lang).get(f"title.{rule_id}", rule_id),
                          t("kind.quality")] for rule_id in quality_ids],
           first_row, filter_and_freeze=False)


def _which_text(used: InputUsed, catalog: Catalog, lang: str) -> str:
    if used.which in WHICH_CODES:
        return text(f"which.{used.which}", lang)
    table = catalog.tables.get(used.which)
    return text("which.table", lang).format(name=table.name) if table else used.which


def _input_value(used: InputUsed, lang: str) -> Any:
    number = _finite(used.value)
    if number is not None:
        return Num(number, number_format(used.unit))
    return worded.input_value(used, lang) if used.value is not None else None


def _inputs_sheet(ws: StreamSheet, result: CheckResult, catalog: Catalog, links: dict[str, str], lang: str) -> None:
    t = lambda key: text(key, lang)
    columns = [
        Column(t("col.subject_code"), 20), Column(t("col.subject_name"), 24, wrap=True), Column(t("col.period"), 9),
        Column(t("col.rule_id"), RULE_ID_WIDTH), Column(t("col.field_code"), 24, wrap=True),
        Column(t("col.field_name"), 34, wrap=True), Column(t("col.value"), 16, wrap=True), Column(t("col.unit"), 8),
        Column(t("col.which"), 22, wrap=True), Column(t("col.data_sources"), 18),
    ]
    rows = ([
        f.subject_id, f.subject_name, f.period, _rule_link(f.rule_id, links), used.field, worded.input_name(used, lang),
        _input_value(used, lang), unit_name(used.unit, lang) if used.unit != PERCENT else "",
        _which_text(used, catalog, lang), worded.input_source(used, lang),
    ] for subject in result.subjects for f in subject.findings for used in f.inputs)
    start_sheet(ws, [columns])
    _table(ws, columns, rows)


def _problems_sheet(ws: StreamSheet, result: CheckResult, lang: str) -> None:
    t = lambda key: text(key, lang)
    file_columns = [
        Column(t("col.file"), 40, wrap=True), Column(t("col.file_status"), 20), Column(t("col.file_status_label"), 16),
        Column(t("col.subject_codes"), 22, wrap=True), Column(t("col.message"), 50, wrap=True),
    ]
    problem_columns = [
        Column(t("col.file"), 40, wrap=True), Column(t("col.problem_severity"), 20),
        Column(t("col.problem_severity_label"), 16), Column(t("col.field"), 22, wrap=True),
        Column(t("col.where"), 50, wrap=True), Column(t("col.expected"), 24, wrap=True),
        Column(t("col.found"), 24, wrap=True), Column(t("col.fix"), 40, wrap=True),
    ]
    start_sheet(ws, [file_columns, problem_columns], "A3")  # the file-outcome header stays in view
    _section(ws, 1, t("xlsx.section.files"))
    counts = result.problem_counts()
    file_rows = [[o.path, o.status.value, _label("file_status", o.status.value, lang),
                  "\n".join(ref.institution for ref in o.submissions),
                  outcome_message(o, counts.get(o.file, 0), lang)]
                 for o in result.outcomes]
    last = _table(ws, file_columns, file_rows, 2, filter_and_freeze=False)
    _colour_status(ws, 2, 3, last, FILE_STATUS_COLOURS)

    start = last + 2
    _section(ws, start, t("xlsx.section.problems"))
    problem_rows: list[list[Any]] = [[p.file.path, p.severity.value, _label("severity", p.severity.value, lang),
                                      p.field_code, problem_wording.where(p, lang), problem_wording.expected(p, lang),
                                      problem_wording.found(p, lang), problem_wording.fix(p, lang)]
                                     for p in result.problems]
    if not problem_rows:
        problem_rows = [[t("none")]]
    last = _table(ws, problem_columns, problem_rows, start + 1)
    _colour_status(ws, 2, start + 2, last, PROBLEM_COLOURS)
