"""The Excel gap workbook: sheets, figures, formatting, formula-injection safety and a golden sheet.

Uses the session ``catalog`` fixture from conftest.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from compliance.pipeline.check import get_profile, run_check
from compliance.report.escape import safe_text
from compliance.report.excel import (
    SHEET_FINDINGS,
    SHEET_INPUTS,
    SHEET_ITEMS,
    SHEET_MATRIX,
    SHEET_PROBLEMS,
    SHEET_RULES,
    SHEET_SUMMARY,
    sheet_name,
    wrap_rule_id,
    write_gap_workbook,
)
from compliance.results.findings import Details
from compliance.results.run import CheckResult
from compliance.results.status import SATISFIED, Reason, Status
from compliance.rules.spec import Catalog
from compliance.wording.catalogue import messages

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden" / "gap-report-noncompliant.json"
GOLDEN_MATRIX = Path(__file__).parent / "golden" / "gap-report-matrix-sichuan.json"
SUBJECT = "12230100MB00000010"
INCENTIVE_RULE = "gansu-2020h2.incentive-share-of-performance-pay"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def check(catalog: Catalog, paths: list[Path]) -> CheckResult:
    return run_check(catalog, get_profile(catalog, "headline"), paths)


def header_index(ws: Worksheet, header_row: int = 1) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[header_row] if cell.value is not None}


def records(ws: Worksheet, header_row: int = 1) -> list[dict[str, Any]]:
    headers = [cell.value for cell in ws[header_row]]
    rows = []
    for values in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None for v in values):
            break
        rows.append(dict(zip(headers, values)))
    return rows


@pytest.fixture(scope="module")
def workbook(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    folder = tmp_path_factory.mktemp("excel")
    broken = folder / "broken.xlsx"
    broken.write_bytes(bytes(range(256)) * 4)
    paths = [EXAMPLES / name for name in ("hospital-noncompliant.xlsx", "hospital-compliant.xlsx",
                                          "hospitals-flat.xlsx")] + [broken]
    out = write_gap_workbook(check(catalog, paths), catalog, folder / "gap-report.xlsx")
    return openpyxl.load_workbook(out)


def test_sheets_exist(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [SHEET_SUMMARY, SHEET_MATRIX, SHEET_FINDINGS, SHEET_ITEMS, SHEET_RULES,
                                   SHEET_INPUTS, SHEET_PROBLEMS]
    assert (SHEET_SUMMARY, SHEET_MATRIX, SHEET_FINDINGS, SHEET_ITEMS, SHEET_RULES, SHEET_INPUTS, SHEET_PROBLEMS) == (
        "汇总", "矩阵", "问题清单", "品项明细", "规则", "填报数据", "数据问题")


def test_failing_incentive_finding(workbook: openpyxl.Workbook) -> None:
    ws = workbook[SHEET_FINDINGS]
    rows = [r for r in records(ws) if r["机构代码"] == SUBJECT and r["规则编号"] == INCENTIVE_RULE]
    assert len(rows) == 1
    row = rows[0]
    assert row["状态"] == "fail" and row["状态说明"] == "不达标"
    assert row["实际值"] == pytest.approx(0.52)
    assert row["要求"] == pytest.approx(0.6)
    assert row["差距"] == pytest.approx(0.08)
    assert row["金额/数量缺口"] == pytest.approx(120)
    assert row["缺口单位"] == "万元"
    assert row["数据来源"] == "指标!D3; 指标!D4"
    assert row["文件号"] == "甘政办发〔2020〕92号"
    # numbers are numbers, formatted by unit
    columns = header_index(ws)
    line = next(c.row for c in ws[openpyxl.utils.get_column_letter(columns["规则编号"])]
                if c.value == INCENTIVE_RULE and ws.cell(c.row, columns["机构代码"]).value == SUBJECT)
    assert ws.cell(line, columns["实际值"]).number_format == "0.0%"
    assert ws.cell(line, columns["金额/数量缺口"]).number_format == "#,##0.00"


def test_rule_id_links_to_rules_sheet(workbook: openpyxl.Workbook) -> None:
    ws = workbook[SHEET_FINDINGS]
    column = header_index(ws)["规则编号"]
    cell = ws.cell(2, column)
    assert cell.hyperlink is not None and cell.hyperlink.location
    sheet, ref = cell.hyperlink.location.split("!")
    assert sheet.strip("'") == SHEET_RULES
    assert workbook[SHEET_RULES][ref].value == cell.value


def test_items_list_the_markup_drug(workbook: openpyxl.Workbook) -> None:
    rows = [r for r in records(workbook[SHEET_ITEMS]) if "阿莫西林胶囊" in (r["品项"] or "")
            and r["机构代码"] == SUBJECT]
    assert rows and rows[0]["规则编号"] == "harbin-2017.drug-markup-removal"
    assert rows[0]["状态"] == "fail" and rows[0]["金额/数量缺口"] == pytest.approx(5640)


def test_formatting(workbook: openpyxl.Workbook) -> None:
    ws = workbook[SHEET_FINDINGS]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    formulas = [rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules]
    status_column = openpyxl.utils.get_column_letter(header_index(ws)["状态"])
    for code in ("pass", "warn", "fail", "missing_data", "not_applicable", "not_due", "error", "waived"):
        assert f'${status_column}2="{code}"' in formulas
    for name in (SHEET_ITEMS, SHEET_RULES, SHEET_INPUTS):
        assert workbook[name].freeze_panes == "A2" and workbook[name].auto_filter.ref


def test_summary(workbook: openpyxl.Workbook) -> None:
    ws = workbook[SHEET_SUMMARY]
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert cells["读取文件数"] == 3 and cells["拒收文件数"] == 1 and cells["检查对象数"] == 5
    rate = next(c for c in ws["B"] if c.value == cells["总体合规率"])
    assert rate.number_format == "0.0%" and 0 < rate.value < 1
    assert cells["fail"] == "不达标"


def test_refused_file_listed(workbook: openpyxl.Workbook) -> None:
    ws = workbook[SHEET_PROBLEMS]
    rows = records(ws, header_row=2)
    refused = [r for r in rows if r["读取结果"] == "refused"]
    assert len(refused) == 1 and refused[0]["文件"].endswith("broken.xlsx") and refused[0]["说明"]
    files = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert sum(1 for value in files if value.endswith("broken.xlsx")) == 1  # listed once, not again as a data problem
    assert "broken.xlsx" in refused[0]["说明"] and "应为" in refused[0]["说明"]


def test_rules_sheet_lists_profile_rules(workbook: openpyxl.Workbook, catalog: Catalog) -> None:
    rows = records(workbook[SHEET_RULES])
    expected = [r.id for r in catalog.rules_for(get_profile(catalog, "headline"))]
    assert [r["规则编号"] for r in rows] == expected
    assert all(r["原文"] and r["文件号"] for r in rows)


def test_inputs_sheet(workbook: openpyxl.Workbook) -> None:
    rows = records(workbook[SHEET_INPUTS])
    used = [r for r in rows if r["机构代码"] == SUBJECT and r["字段代码"] == "incentive_performance_pay"]
    assert used and used[0]["填报值"] == 780 and used[0]["口径"] == "本期" and used[0]["数据来源"] == "指标!D3"


# ---------------------------------------------------------------- matrix, languages, data-quality links


@pytest.fixture(scope="module")
def sichuan_books(catalog: Catalog, sichuan: CheckResult,
                  tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("sichuan")
    return {lang: openpyxl.load_workbook(write_gap_workbook(sichuan, catalog, folder / f"gap-{lang}.xlsx", lang=lang))
            for lang in ("zh", "en")}


def matrix_cells(ws: Worksheet) -> tuple[list[str], dict[str, dict[str, Any]], dict[str, Any]]:
    """(rule ids across, {subject code: {rule id: cell value}}, {subject code: not-satisfied count})."""
    lead = 5
    ids = [cell.value.replace("\n", "") for cell in ws[2][lead:]]
    cells: dict[str, dict[str, Any]] = {}
    counts: dict[str, Any] = {}
    for values in ws.iter_rows(min_row=3, values_only=True):
        if values[0] is None:
            break
        cells[values[0]] = dict(zip(ids, values[lead:]))
        counts[values[0]] = values[lead - 1]
    return ids, cells, counts


def test_matrix_sheet(sichuan_books: dict[str, openpyxl.Workbook], sichuan: CheckResult, catalog: Catalog) -> None:
    ws = sichuan_books["zh"][SHEET_MATRIX]
    assert [cell.value for cell in ws[2][:5]] == ["机构代码", "机构名称", "层级", "报告期", "待整改项数"]
    ids, cells, counts = matrix_cells(ws)
    # rows: every subject, in order; columns: every rule evaluated, once, hospital rules before region rules
    assert list(cells) == ["12510100MB0000101H", "12510100MB0000102L", "510000"]
    evaluated = {f.rule_id for f in sichuan.findings}
    assert len(ids) == len(set(ids)) and set(ids) == evaluated
    profile_ids = [rule.id for rule in catalog.rules_for(catalog.profiles[sichuan.run.profile])]
    hospital_ids = [f.rule_id for f in sichuan.subjects[0].findings]
    assert ids[:len(hospital_ids)] == [i for i in profile_ids if i in hospital_ids]
    for subject in sichuan.subjects:
        code = subject.subject.code
        own = {f.rule_id: f.status.value for f in subject.findings}
        assert {rule_id: value for rule_id, value in cells[code].items() if value is not None} == own
        assert counts[code] == sum(1 for f in subject.findings if f.status not in SATISFIED)
    assert cells["510000"]["sichuan-14fyp.bmi-enrollment-rate"] == "pass"
    assert cells["12510100MB0000102L"]["sichuan-14fyp.e-voucher-system-integration"] == "fail"
    assert cells["12510100MB0000102L"]["sichuan-2020h2.no-debt-financed-construction"] == "not_applicable"  # 2020 only
    assert cells["12510100MB0000101H"]["sichuan-14fyp.bmi-enrollment-rate"] is None  # a region rule
    assert counts["12510100MB0000101H"] == 0 and counts["12510100MB0000102L"] == 4
    region = sichuan.subjects[2]
    assert region.members == tuple(s.submission for s in sichuan.subjects[:2])
    # header row of rule titles above the ids
    titles = {rule.id: rule.title for rule in catalog.rules}
    assert [cell.value for cell in ws[1][5:]] == [titles[i] for i in ids]


def test_matrix_formatting(sichuan_books: dict[str, openpyxl.Workbook]) -> None:
    ws = sichuan_books["zh"][SHEET_MATRIX]
    assert ws.freeze_panes == "F3"  # header rows and subject columns stay in view
    assert ws.print_title_rows == "$1:$2" and ws.print_title_cols == "$A:$E"
    findings = sichuan_books["zh"][SHEET_FINDINGS]
    colours = {rule.formula[0].split("=")[1]: (rule.dxf.fill.fgColor.rgb, rule.dxf.font.color.rgb)
               for cf in findings.conditional_formatting for rule in cf.rules}
    matrix = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.type == "expression":
                assert rule.formula[0].startswith("F3=") and str(cf.sqref).startswith("F3:")
                matrix[rule.formula[0].split("=")[1]] = (rule.dxf.fill.fgColor.rgb, rule.dxf.font.color.rgb)
    assert matrix == colours and len(matrix) == len(Status)


def test_wrap_rule_id() -> None:
    for rule_id in ("sichuan-14fyp.online-procurement-drug-amount-share", "quality.part-exceeds-total", "x" * 40):
        wrapped = wrap_rule_id(rule_id, 15)
        assert wrapped.replace("\n", "") == rule_id
        assert all(len(line) <= 15 for line in wrapped.split("\n"))


def test_english_workbook(sichuan_books: dict[str, openpyxl.Workbook]) -> None:
    book = sichuan_books["en"]
    assert book.sheetnames == ["Summary", "Matrix", "Findings", "Items", "Rules", "Inputs", "Data problems"]
    assert book.sheetnames == [sheet_name(s, "en") for s in
                               ("summary", "matrix", "findings", "items", "rules", "inputs", "problems")]
    cjk = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
    for name in ("Findings", "Items", "Rules", "Inputs"):
        headers = [cell.value for cell in book[name][1] if cell.value is not None]
        assert headers and not [h for h in headers if cjk.search(h)], name
    assert [cell.value for cell in book["Matrix"][2][:5]] == ["Subject code", "Subject name", "Level", "Period",
                                                              "Not satisfied"]
    rows = records(book["Findings"])
    assert {r["Status label"] for r in rows} <= set(messages("en").values())
    assert any(r["Status"] == "fail" and r["Status label"] == "Fail" for r in rows)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Subjects"] == 3 and summary["fail"] == "Fail"
    levels = [row[2] for row in book["Matrix"].iter_rows(min_row=3, max_row=5, values_only=True)]
    assert levels == ["Hospital", "Hospital", "Region"]
    # rule-derived text stays as written
    assert any(cjk.search(r["Rule title"]) for r in rows)
    link = next(c for c in book["Findings"]["D"][1:] if c.hyperlink)
    sheet, ref = link.hyperlink.location.split("!")
    assert sheet.strip("'") == "Rules" and book["Rules"][ref].value == link.value


def test_quality_findings_link_to_an_explanation(catalog: Catalog, tmp_path: Path) -> None:
    result = check(catalog, [EXAMPLES / "hospital-noncompliant.xlsx"])
    subject = result.subjects[0]
    base = subject.findings[0]
    added = tuple(dataclasses.replace(base, rule_id=rule_id, title=title, kind="quality", domain="数据质量",
                                      status=Status.FAIL, reason=Reason.PART_EXCEEDS_TOTAL,
                                      details=Details.of(part="incentive_performance_pay", total="total_performance_pay"))
                  for rule_id, title in (("quality.part-exceeds-total", ""), ("quality.made-up-check", "新校验")))
    result = dataclasses.replace(result, subjects=(dataclasses.replace(subject, findings=subject.findings + added),))
    book = openpyxl.load_workbook(write_gap_workbook(result, catalog, tmp_path / "gap.xlsx"))
    ws = book[SHEET_FINDINGS]
    column = header_index(ws)["规则编号"]
    rules = book[SHEET_RULES]
    checked = 0
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row, column)
        if cell.hyperlink is None:
            continue
        sheet, ref = cell.hyperlink.location.split("!")
        assert sheet.strip("'") == SHEET_RULES and rules[ref].value == cell.value, cell.value
        checked += 1
    linked = {ws.cell(row, column).value for row in range(2, ws.max_row + 1) if ws.cell(row, column).hyperlink}
    assert {"quality.part-exceeds-total", "quality.made-up-check"} <= linked
    assert checked == ws.max_row - 1  # every finding links to a row that exists
    # the rule table itself still lists only the profile's rules
    assert [r["规则编号"] for r in records(rules)] == [r.id for r in catalog.rules_for(catalog.profiles[result.run.profile])]
    titles = {r["校验编号"]: r["校验内容"] for r in records(rules, header_row=len(records(rules)) + 5)}
    assert titles["quality.part-exceeds-total"] == "分项不得大于合计" and titles["quality.made-up-check"] == "新校验"
    assert "quality.made-up-check" in book[SHEET_MATRIX][2][-1].value.replace("\n", "")


# ---------------------------------------------------------------- formula injection


@pytest.mark.parametrize("prefix", DANGEROUS)
def test_safe_text_neutralises_prefix(prefix: str) -> None:
    text = safe_text(prefix + "SUM(1,2)")
    assert text == "'" + prefix + "SUM(1,2)"


def test_safe_text_leaves_plain_text() -> None:
    assert safe_text("哈尔滨市示例第一人民医院") == "哈尔滨市示例第一人民医院"
    assert safe_text("fail") == "fail"
    assert safe_text(None) == ""
    assert safe_text(12.5) == "12.5"
    assert safe_text("  =1+1") == "'  =1+1"
    assert safe_text("a\x00b\x1fc") == "abc"


def test_formula_injection_is_neutralised(catalog: Catalog, tmp_path: Path) -> None:
    source = tmp_path / "hostile.xlsx"
    shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", source)
    book = openpyxl.load_workbook(source)
    info = book["基本信息"]
    row = next(c.row for c in info["A"] if c.value == "institution_name")
    name = info.cell(row, 3)
    name.value = '=HYPERLINK("http://x","y")'
    name.data_type = "s"  # the submission holds this as text, as a clerk or a CSV export would
    drug = book["药品价格"]["A3"]
    drug.value = "@SUM(1+1)"
    book.save(source)

    result = check(catalog, [source])
    assert result.subjects and result.subjects[0].subject.name.startswith("=")
    out = write_gap_workbook(result, catalog, tmp_path / "gap.xlsx")

    written = openpyxl.load_workbook(out)
    for ws in written.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS), f"{ws.title}!{cell.coordinate}"
    names = [r["机构名称"] for r in records(written[SHEET_FINDINGS])]
    assert names and set(names) == {"'=HYPERLINK(\"http://x\",\"y\")"}
    labels = [r["品项"] for r in records(written[SHEET_ITEMS])]
    assert "'@SUM(1+1) 阿莫西林胶囊" in labels
    # and the raw XML holds no <f> element at all
    import zipfile

    with zipfile.ZipFile(out) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(member) and b"<f " not in archive.read(member)


# ---------------------------------------------------------------- golden


def dump_sheet(ws: Worksheet) -> list[list[Any]]:
    """The sheet's values, paths relative to the checkout."""
    return [[cell.replace(f"{ROOT}/", "") if isinstance(cell, str) else cell for cell in row]
            for row in ws.iter_rows(values_only=True)]


def test_golden_findings_sheet(catalog: Catalog, tmp_path: Path) -> None:
    result = check(catalog, [EXAMPLES / "hospital-noncompliant.xlsx"])
    out = write_gap_workbook(result, catalog, tmp_path / "gap.xlsx")
    rows = json.loads(json.dumps(dump_sheet(openpyxl.load_workbook(out)[SHEET_FINDINGS]), ensure_ascii=False))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing; run with UPDATE_GOLDEN=1 to create it")
    assert rows == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_matrix_sheet(sichuan_books: dict[str, openpyxl.Workbook]) -> None:
    rows = json.loads(json.dumps(dump_sheet(sichuan_books["zh"][SHEET_MATRIX]), ensure_ascii=False))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN_MATRIX.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not GOLDEN_MATRIX.exists():
        pytest.fail(f"{GOLDEN_MATRIX} is missing; run with UPDATE_GOLDEN=1 to create it")
    assert rows == json.loads(GOLDEN_MATRIX.read_text(encoding="utf-8"))


def test_the_workbook_is_written_row_by_row_and_leaves_no_temporary_file(
        sichuan: CheckResult, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sheets stream to openpyxl's temporary files as rows are written (a country's workbook never
    holds its cells); a workbook stopped half-way removes them, and rows are never written twice."""
    import tempfile

    from compliance.report import excel
    from compliance.report.xlsxstream import (
        RowsWrittenInOrder,
        StreamSheet,
        streamed_workbook,
    )

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = excel.gap_workbook_bytes(sichuan, catalog)
    assert openpyxl.load_workbook(__import__("io").BytesIO(data)).sheetnames[0] == "汇总"
    assert os.listdir(tmp_path) == []

    def stop(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(excel, "_inputs_sheet", stop)  # after four sheets have streamed rows
    with pytest.raises(KeyboardInterrupt):
        excel.gap_workbook_bytes(sichuan, catalog)
    assert os.listdir(tmp_path) == []

    with streamed_workbook() as workbook:
        sheet = StreamSheet(workbook.create_sheet("s"))
        sheet.column_dimensions["A"].width = 20
        sheet.cell(row=1, column=1).value = "a"
        sheet.cell(row=3, column=2).value = "b"
        with pytest.raises(RowsWrittenInOrder):
            sheet.cell(row=2, column=1)
        with pytest.raises(RowsWrittenInOrder):
            sheet.row_dimensions[1].height = 30
        with pytest.raises(RowsWrittenInOrder):
            sheet.freeze_panes = "A2"
        sheet.close()
        assert excel.workbook_bytes(workbook, sichuan.run.started)
    assert os.listdir(tmp_path) == []
