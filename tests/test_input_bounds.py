"""Input bounds: numbers beyond the magnitude cap, text beyond the length cap and CSV files beyond the
row and column caps are data problems naming the cell (or the file, once), never silent infinities,
never minutes of report layout, never a whole file parsed and held to keep 60 columns of it."""

from __future__ import annotations

import csv
import json
import math
import shutil
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from compliance.cli.main import main
from compliance.ingest.reader import read_file
from compliance.ingest.values import MAX_MAGNITUDE, MAX_TEXT_LENGTH, convert, to_number
from compliance.ingest.workbook import MAX_COLUMNS, MAX_ROWS, _load_csv
from compliance.results.problems import PROBLEM_MEANING, DataProblem
from compliance.wording.problems import message

from .conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "hospital-noncompliant.xlsx"
FLAT_COLUMNS = ("institution_code", "institution_name", "province", "city", "grade", "type", "ownership", "period",
                "total_medical_revenue", "total_medical_revenue_prior", "total_performance_pay",
                "incentive_performance_pay")
FLAT_ROW = ("哈尔滨市示例第三医院", "黑龙江省", "哈尔滨市", "三级", "综合医院", "公立", "2024年", "32000", "30000", "1200",
            "744")
DIGITS = "9" * 400  # float() makes it infinity
G1, G2, G3 = "12230100MB0000401N", "12230100MB0000402R", "12230100MB0000403W"  # valid institution codes


def _edited(tmp_path: Path, edits: dict[tuple[str, str], object], name: str = "自评表.xlsx") -> Path:
    path = tmp_path / name
    shutil.copy(EXAMPLE, path)
    book = load_workbook(path)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    book.save(path)
    return path


def _row_of(code: str) -> int:
    sheet = load_workbook(EXAMPLE, read_only=True)["指标"]
    return next(index for index, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row[0] == code)


def _problems(catalog, path: Path) -> list[DataProblem]:
    submissions, outcome = read_file(path, catalog)
    return [*outcome.problems, *(p for s in submissions for p in s.problems)]


def _flat_csv(tmp_path: Path, rows: list[tuple[str, ...]], extra_columns: int = 0, name: str = "flat.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FLAT_COLUMNS, *(f"备注{index}" for index in range(extra_columns))])
        writer.writerows(rows)
    return path


def _no_constants(name: str) -> float:
    raise ValueError(f"the JSON holds {name}")


def _strict_json(runner, *paths: Path) -> dict:
    result = runner.invoke(main, ["--home", str(ROOT), "check", *map(str, paths), "--format", "json",
                                  "--workers", "0"])
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout, parse_constant=_no_constants)


# Numbers


@pytest.mark.parametrize(("raw", "code"), [
    (DIGITS, "number_out_of_range"), ("-" + DIGITS, "number_out_of_range"), ("1" + "0" * 16, "number_out_of_range"),
    (1e16, "number_out_of_range"), (-1e300, "number_out_of_range"), (10 ** 400, "number_out_of_range"),
    (DIGITS + "%", "number_out_of_range"), (math.inf, "not_finite"), (math.nan, "not_finite")])
def test_a_number_beyond_the_cap_is_refused(raw: object, code: str) -> None:
    for value_type in ("money", "number", "count", "ratio"):
        converted = to_number(raw, value_type)
        assert (converted.value, converted.problem) == (None, code)


def test_the_cap_itself_is_a_number() -> None:
    assert to_number(MAX_MAGNITUDE, "money").value == MAX_MAGNITUDE
    assert to_number("1" + "0" * 15, "count").value == MAX_MAGNITUDE
    assert to_number(-MAX_MAGNITUDE, "number").value == -MAX_MAGNITUDE


@settings(max_examples=300)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                 st.from_regex(r"\A[+-]?[0-9]{1,400}(\.[0-9]{1,40})?%?\Z"),
                 st.from_regex(r"\A[+-]?[0-9]{1,3}(,[0-9]{3}){1,140}\Z")))
def test_every_number_read_is_finite_and_within_the_cap(raw: object) -> None:
    for value_type in ("money", "ratio", "count"):
        converted = convert(raw, value_type)
        if converted.problem:
            assert converted.value is None and converted.problem in PROBLEM_MEANING
        elif converted.value is not None:
            assert math.isfinite(converted.value) and abs(converted.value) <= MAX_MAGNITUDE


def test_digits_typed_as_text_in_an_indicator_cell_are_refused_naming_the_cell(catalog, tmp_path: Path) -> None:
    row = _row_of("total_medical_revenue")
    [submission], _ = read_file(_edited(tmp_path, {("指标", f"D{row}"): DIGITS}), catalog)
    assert submission.current["total_medical_revenue"].value is None
    [problem] = submission.problems
    assert (problem.code, problem.place.sheet, problem.place.cell, problem.field_code) == (
        "number_out_of_range", "指标", f"D{row}", "total_medical_revenue")
    assert problem.values["max_magnitude"] == MAX_MAGNITUDE
    assert "1000万亿" in message(problem, "zh") and "1000 trillion" in message(problem, "en")


def test_a_huge_number_cell_is_refused_on_the_fast_path_too(catalog, tmp_path: Path) -> None:
    row = _row_of("total_medical_revenue")
    [submission], _ = read_file(_edited(tmp_path, {("指标", f"D{row}"): 1e300, ("指标", f"E{row}"): -1e16}), catalog)
    assert submission.current["total_medical_revenue"].value is None
    assert submission.prior["total_medical_revenue"].value is None
    assert {(p.code, p.place.cell) for p in submission.problems} == {
        ("number_out_of_range", f"D{row}"), ("number_out_of_range", f"E{row}")}


def test_a_unit_change_cannot_carry_a_value_beyond_the_cap(catalog, tmp_path: Path) -> None:
    row = _row_of("total_medical_revenue")
    path = _edited(tmp_path, {("指标", f"C{row}"): "亿元", ("指标", f"D{row}"): 1e305, ("指标", f"E{row}"): 1e12})
    [submission], _ = read_file(path, catalog)
    assert submission.current["total_medical_revenue"].value is None
    assert submission.prior["total_medical_revenue"].value is None  # 1e12 亿元 is 1e16 万元
    found = {(p.code, p.place.cell): p for p in submission.problems}
    assert set(found) == {("number_out_of_range", f"D{row}"), ("converted_out_of_range", f"E{row}"),
                          ("unit_changed", f"C{row}")}
    converted = found["converted_out_of_range", f"E{row}"]
    assert converted.values["from_unit"] == "亿元" and converted.values["unit"] == "万元"
    assert "E" + str(row) in message(converted, "zh") and "×100m yuan" in message(converted, "en")


def test_a_unit_change_within_the_cap_is_still_converted(catalog, tmp_path: Path) -> None:
    row = _row_of("total_medical_revenue")
    [submission], _ = read_file(_edited(tmp_path, {("指标", f"C{row}"): "亿元", ("指标", f"D{row}"): 1e11}), catalog)
    assert submission.current["total_medical_revenue"].value == MAX_MAGNITUDE


def test_a_ratio_row_beyond_the_cap_is_refused(catalog, tmp_path: Path) -> None:
    row = _row_of("outpatient_cost_per_visit_growth")
    [submission], _ = read_file(_edited(tmp_path, {("指标", f"D{row}"): DIGITS, ("指标", f"E{row}"): "5%"}), catalog)
    assert submission.current["outpatient_cost_per_visit_growth"].value is None
    assert submission.prior["outpatient_cost_per_visit_growth"].value == pytest.approx(0.05)
    assert [(p.code, p.place.cell) for p in submission.problems] == [("number_out_of_range", f"D{row}")]


def test_an_item_table_number_beyond_the_cap_is_refused(catalog, tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, {("药品价格", "E3"): DIGITS, ("药品价格", "F4"): 1e200}), catalog)
    first, second = submission.tables["drug_prices"][:2]
    assert first["purchase_price"].value is None and second["sale_price"].value is None
    assert {(p.code, p.place.sheet, p.place.cell) for p in submission.problems} == {
        ("number_out_of_range", "药品价格", "E3"), ("number_out_of_range", "药品价格", "F4")}


def test_flat_tables_refuse_numbers_beyond_the_cap(catalog, tmp_path: Path) -> None:
    rows = [(G1, *FLAT_ROW[:7], DIGITS, *FLAT_ROW[8:]), (G2, *FLAT_ROW[:8], "-" + DIGITS, *FLAT_ROW[9:])]
    book = Workbook()
    book.active.append(FLAT_COLUMNS)
    book.active.append([*rows[0][:8], 1e300, *rows[0][9:]])
    book.active.append(rows[1])
    book.save(tmp_path / "flat.xlsx")
    for path in (_flat_csv(tmp_path, rows), tmp_path / "flat.xlsx"):
        submissions, _ = read_file(path, catalog)
        assert [s.current["total_medical_revenue"].value for s in submissions] == [None, 32000]
        assert [s.prior["total_medical_revenue"].value for s in submissions] == [30000, None]
        assert [[(p.code, p.place.cell) for p in s.problems] for s in submissions] == [
            [("number_out_of_range", "I2")], [("number_out_of_range", "J3")]]


def test_the_json_stays_strict_and_names_the_cells(runner, catalog, tmp_path: Path) -> None:
    row = _row_of("total_medical_revenue")
    digits = _edited(tmp_path, {("指标", f"D{row}"): DIGITS}, "digits.xlsx")
    huge = _edited(tmp_path, {("指标", f"C{row}"): "亿元", ("指标", f"D{row}"): 1e305, ("指标", f"E{row}"): 1e13},
                   "yi.xlsx")
    flat = _flat_csv(tmp_path, [(G1, *FLAT_ROW[:7], DIGITS, *FLAT_ROW[8:])])
    problems = {(Path(p["file"]["path"]).name, p["code"], p["place"]["cell"])
                for path in (digits, huge, flat) for p in _strict_json(runner, path)["data_problems"]}
    assert {("digits.xlsx", "number_out_of_range", f"D{row}"), ("yi.xlsx", "number_out_of_range", f"D{row}"),
            ("yi.xlsx", "converted_out_of_range", f"E{row}"), ("flat.csv", "number_out_of_range", "I2")} <= problems


# Text


def test_an_item_name_beyond_the_length_cap_is_refused_naming_the_cell(catalog, tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, {("药品价格", "B3"): "药" * 5000}), catalog)
    assert submission.tables["drug_prices"][0]["drug_name"].value is None
    [problem] = submission.problems
    assert (problem.code, problem.place.sheet, problem.place.cell, problem.field_code) == (
        "text_too_long", "药品价格", "B3", "drug_name")
    assert problem.values["max_characters"] == MAX_TEXT_LENGTH and problem.values["characters"] == 5000
    assert "2,000 个字符" in message(problem, "zh") and "5,000 characters long" in message(problem, "en")
    assert len(problem.values["value"]) == 40  # the value shown is cut


def test_text_at_the_cap_is_used(catalog, tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, {("药品价格", "B3"): "药" * MAX_TEXT_LENGTH}), catalog)
    assert submission.tables["drug_prices"][0]["drug_name"].value == "药" * MAX_TEXT_LENGTH
    assert not submission.problems


def test_a_text_indicator_beyond_the_cap_is_refused(catalog, tmp_path: Path) -> None:
    row = _row_of("fever_clinic_layout_evidence")
    [submission], _ = read_file(_edited(tmp_path, {("指标", f"D{row}"): "图" * 3000}), catalog)
    assert submission.current["fever_clinic_layout_evidence"].value is None
    assert [(p.code, p.place.cell) for p in submission.problems] == [("text_too_long", f"D{row}")]


def test_long_text_in_a_number_field_is_simply_not_a_number(catalog, tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, {("药品价格", "E3"): "价" * 3000, ("药品价格", "F3"): "9" * 3000}),
                                catalog)
    assert [(p.code, p.place.cell, len(p.values["value"])) for p in submission.problems] == [
        ("not_a_number", "E3", 40), ("number_out_of_range", "F3", 40)]


def test_an_institution_name_beyond_the_cap_refuses_the_file_as_a_blank_one_does(catalog, tmp_path: Path) -> None:
    submissions, outcome = read_file(_edited(tmp_path, {("基本信息", "C4"): "院" * 3000}), catalog)
    assert not submissions and outcome.status == "refused"
    refusal = outcome.refusal
    assert (refusal.code, refusal.place.sheet, refusal.place.cell) == ("text_too_long", "基本信息", "C4")
    assert message(refusal, "en").startswith("自评表.xlsx, sheet “基本信息”, C4: expected Institution name: text of")


def test_an_optional_identification_value_beyond_the_cap_is_not_used(catalog, tmp_path: Path) -> None:
    [submission], outcome = read_file(_edited(tmp_path, {("基本信息", "C6"): "市" * 3000}), catalog)
    assert submission.subject.city is None and outcome.status == "read_with_warnings"
    assert [(p.code, p.place.cell, p.field_code) for p in submission.problems] == [("text_too_long", "C6", "city")]


def test_a_csv_value_beyond_the_csv_modules_field_limit_refuses_the_file_naming_the_line(catalog,
                                                                                        tmp_path: Path) -> None:
    rows = [(G1, *FLAT_ROW), (G2, "院" * 200_000, *FLAT_ROW[1:])]
    submissions, outcome = read_file(_flat_csv(tmp_path, rows), catalog)
    assert submissions == () and outcome.refusal is not None
    assert (outcome.refusal.code, outcome.refusal.place.row) == ("csv_malformed", 3)
    assert "第 3 行" in message(outcome.refusal, "zh") and "131,072" in message(outcome.refusal, "zh")


def test_a_csv_value_within_the_csv_modules_limit_but_beyond_the_text_cap_is_a_cell_problem(catalog,
                                                                                          tmp_path: Path) -> None:
    rows = [(G1, "院" * 100_000, *FLAT_ROW[1:]), (G2, *FLAT_ROW[:5], "公" * 50_000, *FLAT_ROW[6:])]
    submissions, outcome = read_file(_flat_csv(tmp_path, rows), catalog)
    assert [s.subject.code for s in submissions] == [G2] and outcome.rows_refused == 1
    [refusal] = outcome.problems
    assert (refusal.code, refusal.place.cell, refusal.values["characters"]) == ("text_too_long", "B2", 100_000)
    [problem] = submissions[0].problems
    assert (problem.code, problem.place.cell, submissions[0].subject.ownership) == ("text_too_long", "G3", None)


# CSV and flat tables


def test_csv_rows_beyond_the_caps_are_counted_not_kept(tmp_path: Path) -> None:
    line = ",".join(['"quoted, value"'] * 3 + ["x"] * 500) + "\r\n"
    path = tmp_path / "wide-long.csv"
    path.write_text(line * (MAX_ROWS + 700) + "\r\n" * 5, encoding="utf-8")
    [grid] = _load_csv(path)
    assert len(grid.rows) == MAX_ROWS and {len(row) for row in grid.rows} == {MAX_COLUMNS}
    assert grid.rows[0][0] == "quoted, value"
    assert (grid.truncated_rows, grid.truncated_columns) == (MAX_ROWS + 700, 503)


def test_reading_a_wide_csv_holds_no_copy_of_the_file(tmp_path: Path) -> None:
    data = ("h," * 3000 + "h\n" + ("x," * 3000 + "x\n") * 2000).encode()
    tracemalloc.start()
    try:
        [grid] = _load_csv(tmp_path / "wide.csv", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert grid.truncated_columns == 3001 and len(grid.rows) == 2001
    assert peak < len(data) / 4, (peak, len(data))


def _long_flat_csv(tmp_path: Path) -> Path:
    """Three hospitals, then blank rows to the row cap, then rows beyond it; extra columns with content."""
    path = tmp_path / "long-wide.csv"
    extra = 2000
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join([*FLAT_COLUMNS, *(f"备注{i}" for i in range(extra))]) + "\n")
        for code in (G1, G2, G3):
            handle.write(",".join([code, *FLAT_ROW, *(["备注"] * extra)]) + "\n")
        handle.write("\n" * (MAX_ROWS - 4))
        handle.write(",".join(["G9", *FLAT_ROW]) + "\n")
    return path


def test_a_flat_tables_truncation_is_reported_once_for_the_file(runner, catalog, tmp_path: Path) -> None:
    path = _long_flat_csv(tmp_path)
    submissions, outcome = read_file(path, catalog)
    assert [s.subject.code for s in submissions] == [G1, G2, G3]
    assert not any(s.problems for s in submissions) and outcome.status == "read_with_warnings"
    assert [(p.code, dict(p.values)) for p in outcome.problems] == [
        ("rows_truncated", {"max_rows": MAX_ROWS, "rows": MAX_ROWS + 1}),
        ("columns_truncated", {"max_columns": MAX_COLUMNS, "columns": len(FLAT_COLUMNS) + 2000})]
    result = runner.invoke(main, ["--home", str(ROOT), "check", str(path), "--workers", "0", "--lang", "en"])
    assert sum("the rest was not read" in line for line in result.stderr.splitlines()) == 2, result.stderr
    data = _strict_json(runner, path)
    assert sorted(p["code"] for p in data["data_problems"]) == ["columns_truncated", "rows_truncated"]


def test_an_xlsx_flat_tables_truncation_is_reported_once_for_the_file(catalog, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append([*FLAT_COLUMNS, *(f"备注{i}" for i in range(60))])
    for code in (G1, G2):
        sheet.append([code, *FLAT_ROW, *(["备注"] * 60)])
    sheet.cell(row=MAX_ROWS + 3, column=1, value="G9")
    book.save(tmp_path / "flat.xlsx")
    submissions, outcome = read_file(tmp_path / "flat.xlsx", catalog)
    assert len(submissions) == 2 and not any(s.problems for s in submissions)
    assert sorted(p.code for p in outcome.problems) == ["columns_truncated", "rows_truncated"]


def test_a_flat_table_refused_row_by_row_keeps_its_truncation(catalog, tmp_path: Path) -> None:
    path = tmp_path / "nameless.csv"
    path.write_text(",".join(FLAT_COLUMNS) + "\n" + ",".join([G1, "", *FLAT_ROW[1:]]) + "\n" + "\n" * MAX_ROWS
                    + "G9\n", encoding="utf-8")
    submissions, outcome = read_file(path, catalog)
    assert not submissions and outcome.refusal.code == "identification_missing"
    assert [p.code for p in outcome.problems] == ["rows_truncated"]


# Paths that are not files


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_a_device_is_refused_without_being_read(kind: str, catalog, tmp_path: Path) -> None:
    """A pipe would block the reader for ever, /dev/zero would never end."""
    import os

    if kind == "fifo":
        path = tmp_path / "hospital.xlsx"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    submissions, outcome = read_file(path, catalog)
    assert submissions == () and outcome.refusal is not None and outcome.refusal.code == "not_a_regular_file"
    assert "管道、设备或套接字" in message(outcome.refusal, "zh")


def test_a_stop_while_reading_is_not_taken_for_a_broken_file(catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from compliance.errors import Interrupted
    from compliance.ingest import reader

    def stopped(*args: object, **kwargs: object) -> None:
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(reader, "load_grids", stopped)
    with pytest.raises(Interrupted):
        read_file(EXAMPLE, catalog)
