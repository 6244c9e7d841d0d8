"""Reading submissions: template layout, flat tables, cell provenance, bad and hostile files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from compliance.ingest.reader import read_file
from compliance.ingest.template import build_template
from compliance.pipeline.check import get_profile, run_check
from compliance.results.problems import FileOutcome
from compliance.wording.problems import expected, fix, found, where
from compliance.wording.problems import message as problem_message

from .conftest import EXAMPLES


def _row_of(sheet, code: str) -> int:
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            return row
    raise KeyError(code)


def _refusal(outcome: FileOutcome) -> str:
    """Why a refused file was refused, as the user reads it (the outcome's message)."""
    assert outcome.refusal is not None, outcome
    return problem_message(outcome.refusal, "zh")


def _edited_example(tmp_path: Path, sheet_name: str, code: str, column: int, value: object) -> Path:
    path = tmp_path / "edited.xlsx"
    shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", path)
    workbook = load_workbook(path)
    sheet = workbook[sheet_name]
    sheet.cell(row=_row_of(sheet, code), column=column, value=value)
    workbook.save(path)
    return path


def test_template_example_reads_with_cells(catalog) -> None:
    [submission], outcome = read_file(EXAMPLES / "hospital-noncompliant.xlsx", catalog)
    assert outcome.status == "read"
    subject = submission.subject
    assert (subject.code, subject.ownership, subject.grade, subject.period.label) == ("12230100MB00000010", "public", "level3", "2024")
    reading = submission.current["incentive_performance_pay"]
    assert reading.value == 780 and str(reading.cell).startswith("指标!D")
    assert submission.prior["total_medical_revenue"].value == 48000
    drugs = submission.tables["drug_prices"]
    assert len(drugs) == 6 and drugs[4]["is_decoction_piece"].value is True
    assert str(drugs[0]["sale_price"].cell) == "药品价格!F3"


def test_generated_template_has_every_sheet_and_field(catalog) -> None:
    workbook = build_template(catalog)
    assert {"填报说明", "基本信息", "指标", "应急物资储备", "药品价格"} <= set(workbook.sheetnames)
    codes = {workbook["指标"].cell(row=r, column=1).value for r in range(3, workbook["指标"].max_row + 1)}
    assert {"total_medical_revenue", "total_performance_pay", "incentive_performance_pay"} <= codes


def test_formula_without_cached_value_is_an_error_naming_the_cell(catalog, tmp_path: Path) -> None:
    path = _edited_example(tmp_path, "指标", "incentive_performance_pay", 4, "=D5*0.5")
    result = run_check(catalog, get_profile(catalog, "headline"), [path])
    problems = [p for p in result.problems if "公式" in found(p, "zh")]
    assert problems and "指标" in where(problems[0], "zh") and "D" in where(problems[0], "zh")
    assert problems[0].code == "formula_without_value" and problems[0].place.sheet == "指标"
    share = next(f for f in result.findings if f.rule_id == "gansu-2020h2.incentive-share-of-performance-pay")
    assert share.status.value == "missing_data"


def test_a_formula_cell_written_without_its_reference_is_named_where_it_sits(catalog, tmp_path: Path) -> None:
    """A script may leave out a cell's r attribute: the cell then follows the previous one of its row,
    and the error names that cell (it used to say A1)."""
    edited = _edited_example(tmp_path, "指标", "incentive_performance_pay", 4, "=D5*0.5")
    row = _row_of(load_workbook(edited)["指标"], "incentive_performance_pay")
    path = tmp_path / "no-ref.xlsx"
    with zipfile.ZipFile(edited) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if b"<f>D5*0.5</f>" in data:
                data = data.replace(f'<c r="D{row}"'.encode(), b"<c", 1)
                assert f'r="D{row}"'.encode() not in data
            target.writestr(info, data)
    [submission], _ = read_file(path, catalog)
    problem = next(p for p in submission.problems if "公式" in found(p, "zh"))
    assert where(problem, "zh").endswith(f"D{row}"), where(problem, "zh")
    assert problem.place.cell == f"D{row}"
    assert submission.current["incentive_performance_pay"].value is None


def test_text_that_is_not_a_number_names_the_cell(catalog, tmp_path: Path) -> None:
    path = _edited_example(tmp_path, "指标", "total_performance_pay", 4, "一千五百")
    [submission], outcome = read_file(path, catalog)
    assert outcome.status == "read_with_warnings"
    [problem] = submission.problems
    assert "指标" in where(problem, "zh") and "“一千五百”" in found(problem, "zh") and fix(problem, "zh")
    assert problem.code == "not_a_number" and problem.values["value"] == "一千五百"
    assert expected(problem, "zh") == "绩效工资总量（本期数）：数值（可使用千分位逗号，如 1,234.5）"


def test_unknown_and_duplicate_field_codes_are_errors(catalog, tmp_path: Path) -> None:
    path = tmp_path / "codes.xlsx"
    shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", path)
    workbook = load_workbook(path)
    sheet = workbook["指标"]
    last = sheet.max_row
    sheet.cell(row=last + 1, column=1, value="made_up_field")
    sheet.cell(row=last + 1, column=4, value=5)
    sheet.cell(row=last + 2, column=1, value="total_performance_pay")
    sheet.cell(row=last + 2, column=4, value=99999)
    workbook.save(path)
    [submission], _ = read_file(path, catalog)
    found_text = " ".join(found(p, "zh") for p in submission.problems)
    assert "未知字段代码“made_up_field”" in found_text and "重复" in found_text
    assert {p.code for p in submission.problems} == {"unknown_field_code", "duplicate_field_code"}
    assert submission.current["total_performance_pay"].value == 1500


def test_missing_period_refuses_the_file_but_not_the_batch(catalog, tmp_path: Path) -> None:
    bad = _edited_example(tmp_path, "基本信息", "period", 3, "去年")
    good = EXAMPLES / "hospital-compliant.xlsx"
    result = run_check(catalog, get_profile(catalog, "headline"), [bad, good])
    [refused] = result.refused
    message = _refusal(refused)
    assert "报告期" in message and "“去年”" in message and "C" in message
    assert {s.subject.code for s in result.subjects} == {"12230100MB00000023"}


def test_not_a_workbook_is_refused(catalog, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    result = run_check(catalog, get_profile(catalog, "headline"), [path, EXAMPLES / "hospital-compliant.xlsx"])
    assert [o.status for o in result.outcomes] == ["refused", "read"]
    assert "xlsx" in _refusal(result.outcomes[0])


def test_zip_bomb_is_refused_before_parsing(catalog, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and "压缩" in _refusal(outcome)


def test_flat_table_and_csv(catalog, tmp_path: Path) -> None:
    [first, *_], outcome = read_file(EXAMPLES / "hospitals-flat.xlsx", catalog)
    assert outcome.status == "read" and len(outcome.submissions) == 3
    assert first.prior["total_medical_revenue"].value == 30000
    csv_path = tmp_path / "flat.csv"
    csv_path.write_text("机构代码,机构名称,省份,所有制,报告期,绩效工资总量,激励性绩效工资\n"
                        "12620100MB00002012,兰州示例医院,甘肃省,公立,2024年,1000,\"650\"\n", encoding="utf-8")
    [submission], _ = read_file(csv_path, catalog)
    assert submission.current["incentive_performance_pay"].value == 650
    assert str(submission.current["incentive_performance_pay"].cell) == "flat!G2"


def test_committed_template_matches_the_rules(catalog) -> None:
    from .conftest import ROOT

    for level in ("hospital", "region"):
        committed = load_workbook(ROOT / "inputs" / "templates" / f"{level}-self-assessment.xlsx")
        generated = build_template(catalog, level=level)
        assert committed.sheetnames == generated.sheetnames
        for name in generated.sheetnames:
            def cells(book):
                sheet = book[name]  # noqa: B023 - called at once, inside the loop
                return [[cell.value for cell in row] for row in sheet.iter_rows(max_row=sheet.max_row)]
            assert cells(committed) == cells(generated), f"regenerate with `compliance template` ({name} differs)"


def test_results_pickle_back_unchanged(catalog) -> None:
    """Worker processes send results back pickled; cells and readings keep their types and values."""
    import dataclasses
    import pickle

    from compliance.ingest.submission import Reading, Submission
    from compliance.results.identity import Cell

    def fields(submission: Submission) -> dict:  # a Submission compares by identity: compare what it holds
        return {field.name: getattr(submission, field.name) for field in dataclasses.fields(submission)}

    result = read_file(EXAMPLES / "hospital-noncompliant.xlsx", catalog)
    assert len(result.submissions) == 1
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(result, protocol))
        assert type(again) is type(result) and again.outcome == result.outcome
        assert [type(s) for s in again.submissions] == [Submission]
        assert [fields(s) for s in again.submissions] == [fields(s) for s in result.submissions]
        reading = again[0][0].current["incentive_performance_pay"]
        assert type(reading) is Reading and type(reading.cell) is Cell and reading.cell.ref.startswith("D")
    assert pickle.loads(pickle.dumps(Reading(None))) == Reading(None)
