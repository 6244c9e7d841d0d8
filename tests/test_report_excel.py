"""The Excel gap workbook: sheets, figures, formatting, formula-injection safety and a golden sheet.

Uses the session ``catalog`` fixture from conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from compliance.check import get_profile, run_check
from compliance.evaluate import CheckResult
from compliance.report.escape import safe_text
from compliance.report.excel import (
    SHEET_FINDINGS,
    SHEET_INPUTS,
    SHEET_ITEMS,
    SHEET_PROBLEMS,
    SHEET_RULES,
    SHEET_SUMMARY,
    write_gap_workbook,
)
from compliance.spec import Catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden" / "gap-report-noncompliant.json"
SUBJECT = "12230100MB0000001X"
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
    assert workbook.sheetnames == [SHEET_SUMMARY, SHEET_FINDINGS, SHEET_ITEMS, SHEET_RULES, SHEET_INPUTS,
                                   SHEET_PROBLEMS]
    assert (SHEET_SUMMARY, SHEET_FINDINGS, SHEET_ITEMS, SHEET_RULES, SHEET_INPUTS, SHEET_PROBLEMS) == (
        "汇总", "问题清单", "品项明细", "规则", "填报数据", "数据问题")


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
    assert "broken.xlsx" in files  # the data problem row for it


def test_rules_sheet_lists_profile_rules(workbook: openpyxl.Workbook, catalog: Catalog) -> None:
    rows = records(workbook[SHEET_RULES])
    expected = [r.id for r in catalog.rules_for(get_profile(catalog, "headline"))]
    assert [r["规则编号"] for r in rows] == expected
    assert all(r["原文"] and r["文件号"] for r in rows)


def test_inputs_sheet(workbook: openpyxl.Workbook) -> None:
    rows = records(workbook[SHEET_INPUTS])
    used = [r for r in rows if r["机构代码"] == SUBJECT and r["字段代码"] == "incentive_performance_pay"]
    assert used and used[0]["填报值"] == 780 and used[0]["口径"] == "本期" and used[0]["数据来源"] == "指标!D3"


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
    assert result.subjects and result.subjects[0].submission.subject.name.startswith("=")
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
    return [[cell for cell in row] for row in ws.iter_rows(values_only=True)]


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
