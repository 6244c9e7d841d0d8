"""Other spreadsheet formats and LibreOffice: .xlsm, .xls, .ods, files saved by LibreOffice, cached formula values.

The committed files in tests/fixtures/ were converted once from examples/hospital-noncompliant.xlsx with
LibreOffice (see tests/fixtures/README.md), so these formats are tested without LibreOffice. The round-trip
tests below convert again at test time and skip when soffice is not installed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from compliance.cli.main import main
from compliance.ingest.reader import read_file
from compliance.wording.outcomes import outcome_message
from compliance.wording.problems import expected, found, where

from .conftest import EXAMPLES, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = EXAMPLES / "hospital-noncompliant.xlsx"
CONVERSIONS = ["hospital-noncompliant.xlsm", "hospital-noncompliant.xls", "hospital-noncompliant.ods",
               "hospital-noncompliant-libreoffice.xlsx"]
HEADLINE = {
    "harbin-2017.drug-markup-removal": "fail",
    "harbin-2017.hospital-medical-cost-growth-cap": "fail",
    "gansu-2020h2.incentive-share-of-performance-pay": "fail",
    "gansu-2020h2.emergency-stockpile-days": "warn",
}

EXPECTED_CURRENT = {"incentive_performance_pay": 780, "total_performance_pay": 1500, "total_medical_revenue": 55000}
EXPECTED_PRIOR = {"total_medical_revenue": 48000}
EXPECTED_DRUGS = [
    ("YP0001", "阿莫西林胶囊", "0.25g×24粒", False, 12.5, 14.38, 3000),
    ("YP0002", "头孢呋辛酯片", "0.25g×12片", False, 18.6, 18.6, 1200),
    ("YP0003", "盐酸二甲双胍片", "0.5g×48片", False, 9.8, 11.27, 2500),
    ("YP0004", "阿托伐他汀钙片", "20mg×7片", False, 6.45, 6.45, 4000),
    ("ZY0001", "黄芪（饮片）", "1kg", True, 120, 138, 80),
    ("YP0005", "注射用头孢曲松钠", "1.0g", False, 3.2, 3.2, 9000),
]
DRUG_COLUMNS = ("drug_code", "drug_name", "drug_spec", "is_decoction_piece", "purchase_price", "sale_price", "quantity_sold")
EXPECTED_STOCKPILE = [
    ("医用防护口罩（N95）", "医疗防护物资", "只", 9000, 500),
    ("医用防护服", "医疗防护物资", "套", 3000, 100),
    ("医用外科口罩", "医疗防护物资", "只", 30000, 2000),
    ("连花清瘟胶囊", "药品", "盒", 1200, 40),
]
STOCKPILE_COLUMNS = ("item_name", "item_category", "item_unit", "stock_on_hand", "full_load_daily_consumption")


def snapshot(path: Path, catalog) -> dict[str, Any]:
    """Everything read from a file, with each value's sheet and cell but not the file name."""
    submissions, outcome = read_file(path, catalog)
    problems = [*outcome.problems, *(p for s in submissions for p in s.problems)]
    assert len(submissions) == 1, outcome_message(outcome, len(problems), "zh")
    [submission] = submissions

    def reading(r) -> tuple:
        return (r.value, r.cell.sheet, r.cell.ref) if r.cell else (r.value, None, None)

    return {
        "status": outcome.status,
        "subject": dataclasses.asdict(submission.subject),
        "identification": {k: reading(r) for k, r in submission.identification.items()},
        "current": {k: reading(r) for k, r in submission.current.items()},
        "prior": {k: reading(r) for k, r in submission.prior.items()},
        "tables": {t: [{k: reading(r) for k, r in row.items()} for row in rows] for t, rows in submission.tables.items()},
        "problems": [(p.code, where(p, "zh").replace(path.name, "<file>"), expected(p, "zh"), found(p, "zh"))
                     for p in problems],
    }


def assert_example_values(path: Path, catalog) -> None:
    [submission], outcome = read_file(path, catalog)
    assert outcome.status == "read", outcome_message(outcome, len(submission.problems), "zh")
    subject = submission.subject
    assert (subject.code, subject.name, subject.province, subject.city, subject.grade, subject.ownership,
            subject.period.label) == ("12230100MB00000010", "哈尔滨市示例第一人民医院", "黑龙江省", "哈尔滨市", "level3",
                                      "public", "2024")
    assert {k: r.value for k, r in submission.current.items() if r.value is not None} == EXPECTED_CURRENT
    assert {k: r.value for k, r in submission.prior.items() if r.value is not None} == EXPECTED_PRIOR
    assert [tuple(row[c].value for c in DRUG_COLUMNS) for row in submission.tables["drug_prices"]] == EXPECTED_DRUGS
    assert [tuple(row[c].value for c in STOCKPILE_COLUMNS) for row in submission.tables["stockpile"]] == EXPECTED_STOCKPILE
    assert str(submission.current["incentive_performance_pay"].cell) == "指标!D3"
    assert str(submission.tables["drug_prices"][0]["sale_price"].cell) == "药品价格!F3"
    assert str(submission.identification["institution_code"].cell) == "基本信息!C3"


def headline_statuses(runner, path: Path) -> dict[str, str]:
    result = runner.invoke(main, ["--home", str(ROOT), "check", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [f["status"] for f in data["files"]] == ["read"]
    return {f["rule_id"]: f["status"] for f in data["findings"]}


# --------------------------------------------------------------------------- committed conversions

@pytest.mark.parametrize("name", CONVERSIONS)
def test_committed_conversion_reads_the_example_values(catalog, name: str) -> None:
    assert_example_values(FIXTURES / name, catalog)


def test_committed_conversions_read_identically(catalog) -> None:
    """Every value, with its sheet and cell, is the same whichever format LibreOffice wrote."""
    first, *others = [snapshot(FIXTURES / name, catalog) for name in CONVERSIONS]
    for name, other in zip(CONVERSIONS[1:], others):
        assert other == first, name


def test_committed_conversions_are_what_they_claim() -> None:
    assert (FIXTURES / "hospital-noncompliant.xls").read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2/BIFF
    with zipfile.ZipFile(FIXTURES / "hospital-noncompliant.ods") as ods:
        assert ods.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    with zipfile.ZipFile(FIXTURES / "hospital-noncompliant.xlsm") as xlsm:
        assert b"macroEnabled" in xlsm.read("[Content_Types].xml")
    with zipfile.ZipFile(FIXTURES / "hospital-noncompliant-libreoffice.xlsx") as xlsx:
        assert "xl/sharedStrings.xml" in xlsx.namelist()  # unlike the openpyxl-written example (inline strings)


def test_committed_libreoffice_file_checks_like_the_example(runner) -> None:
    assert headline_statuses(runner, FIXTURES / "hospital-noncompliant-libreoffice.xlsx") == HEADLINE


def test_formula_with_a_cached_value_is_read_as_that_value(catalog) -> None:
    """指标!D3 =D4*0.52, 指标!E10 =D10-7000 and 药品价格!F3 =ROUND(E3*1.15,2), recalculated and saved by LibreOffice."""
    path = FIXTURES / "hospital-noncompliant-formulas-libreoffice.xlsx"
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet3.xml").decode()
    assert re.search(r'<c r="D3"[^>]*><f[^>]*>D4\*0\.52</f><v>780</v></c>', xml)
    assert re.search(r'<c r="E10"[^>]*><f[^>]*>D10-7000</f><v>48000</v></c>', xml)
    assert_example_values(path, catalog)
    assert snapshot(path, catalog)["problems"] == []


def _with_vba_project(source: Path, target: Path) -> Path:
    """``source`` plus an xl/vbaProject.bin part, declared as a macro-enabled workbook."""
    parts = []
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = re.sub(rb'(PartName="/xl/workbook.xml" ContentType=")[^"]*"',
                              rb'\1application/vnd.ms-excel.sheet.macroEnabled.main+xml"', data)
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            parts.append((info.filename, data))
    # A compound-file container stands in for the VBA project: nothing in the reader may try to run it.
    parts.append(("xl/vbaProject.bin", (FIXTURES / "hospital-noncompliant.xls").read_bytes()))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, data)
    return target


@pytest.mark.parametrize("source", [FIXTURES / "hospital-noncompliant.xlsm", EXAMPLE], ids=["libreoffice", "openpyxl"])
def test_xlsm_with_a_vba_project_reads_normally(catalog, tmp_path: Path, source: Path) -> None:
    path = _with_vba_project(source, tmp_path / "with-macros.xlsm")
    with zipfile.ZipFile(path) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()
        assert b"vbaProject" in archive.read("xl/_rels/workbook.xml.rels")
    assert_example_values(path, catalog)
    assert snapshot(path, catalog) == snapshot(source, catalog)


# --------------------------------------------------------------------------- LibreOffice at test time



@pytest.mark.parametrize("target", ["xls", "ods", "xlsm:Calc MS Excel 2007 VBA XML"])
def test_libreoffice_round_trip_reads_the_same_values(soffice, catalog, tmp_path: Path, target: str) -> None:
    [converted] = soffice([EXAMPLE], target, tmp_path / "out")
    assert snapshot(converted, catalog) == snapshot(EXAMPLE, catalog)


def test_example_saved_by_libreoffice_reads_and_checks_the_same(soffice, catalog, runner, tmp_path: Path) -> None:
    [saved] = soffice([EXAMPLE], "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    assert saved.read_bytes() != EXAMPLE.read_bytes()
    with zipfile.ZipFile(saved) as archive:
        assert b"Calc" in archive.read("xl/workbook.xml") or b"LibreOffice" in archive.read("docProps/app.xml")
    assert snapshot(saved, catalog) == snapshot(EXAMPLE, catalog)
    assert headline_statuses(runner, saved) == HEADLINE

    def findings(path: Path) -> list[tuple]:
        data = json.loads(runner.invoke(main, ["--home", str(ROOT), "check", str(path), "--format", "json"]).stdout)
        return sorted((f["rule_id"], f["status"], f["observed"], f["required"], f["gap"]) for f in data["findings"])

    assert findings(saved) == findings(EXAMPLE)


def test_formula_recalculated_by_libreoffice_uses_its_cached_value(soffice, catalog, tmp_path: Path) -> None:
    workbook = load_workbook(EXAMPLE)
    indicators, drugs = workbook["指标"], workbook["药品价格"]
    assert (indicators["A3"].value, indicators["A4"].value, indicators["A10"].value) == (
        "incentive_performance_pay", "total_performance_pay", "total_medical_revenue")
    indicators["D3"] = "=D4*0.52"
    indicators["E10"] = "=D10-7000"
    drugs["F3"] = "=ROUND(E3*1.15,2)"
    source = tmp_path / "in" / "formulas.xlsx"
    source.parent.mkdir()
    workbook.save(source)
    before = snapshot(source, catalog)
    assert {place.split()[-1] for code, place, _, seen in before["problems"] if "公式" in seen} == {"D3", "E10", "F3"}
    assert {code for code, *_ in before["problems"]} == {"formula_without_value"}

    [recalculated] = soffice([source], "xlsx:Calc MS Excel 2007 XML", tmp_path / "out")
    with zipfile.ZipFile(recalculated) as archive:
        xml = archive.read("xl/worksheets/sheet3.xml").decode()
    assert re.search(r'<c r="D3"[^>]*><f[^>]*>D4\*0\.52</f><v>780</v>', xml)  # the formula is kept, with its value
    after = snapshot(recalculated, catalog)
    assert after["problems"] == [] and after["status"] == "read"
    assert after == snapshot(EXAMPLE, catalog)


@pytest.mark.parametrize("name", ["hospital-self-assessment.xlsx", "region-self-assessment.xlsx"])
def test_generated_template_converts_to_pdf(soffice, tmp_path: Path, name: str) -> None:
    template = ROOT / "inputs" / "templates" / name
    [pdf] = soffice([template], "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True).stdout
        workbook = load_workbook(template)
        assert workbook["填报说明"]["A1"].value.split("—")[0].strip() in text
        for sheet in ("基本信息", "指标"):
            headers = [c.value for c in next(workbook[sheet].iter_rows(min_row=2, max_row=2)) if c.value]
            assert all(header in text for header in headers), (sheet, headers)


def test_generated_template_round_trips_through_libreoffice(soffice, tmp_path: Path) -> None:
    """The empty template saved by LibreOffice keeps its sheets and headers (it opens without repair)."""
    template = ROOT / "inputs" / "templates" / "hospital-self-assessment.xlsx"
    [saved] = soffice([template], "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    original, resaved = load_workbook(template), load_workbook(io.BytesIO(saved.read_bytes()))
    assert resaved.sheetnames == original.sheetnames

    def headers(book, sheet: str) -> list[list]:
        return [[c.value for c in row if c.value is not None] for row in book[sheet].iter_rows(max_row=2)]

    for sheet in original.sheetnames:
        assert headers(resaved, sheet) == headers(original, sheet), sheet
