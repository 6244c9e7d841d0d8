"""Value conversion and period parsing (table-driven and property-based)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.ingest.values import convert, to_bool, to_number
from compliance.results.periods import parse_period
from compliance.results.problems import PROBLEM_MEANING
from compliance.wording.problems import expected, fix, found, where


@pytest.mark.parametrize(
    ("raw", "value_type", "expected"),
    [
        (1500, "money", 1500.0),
        ("1,234.5", "money", 1234.5),
        ("１，２３４．５", "money", 1234.5),
        ("  780 ", "money", 780.0),
        ("60%", "ratio", 0.6),
        (0.6, "ratio", 0.6),
        ("", "money", None),
        ("—", "money", None),
        (None, "money", None),
    ],
)
def test_numbers(raw: object, value_type: str, expected: float | None) -> None:
    assert to_number(raw, value_type).value == expected


@pytest.mark.parametrize(("raw", "value_type", "code"), [
    ("abc", "money", "not_a_number"), ("60%", "money", "percent_in_non_ratio"), ("1.2.3", "number", "not_a_number"),
    (True, "money", "not_a_number"), (float("inf"), "money", "not_finite")])
def test_numbers_refused_with_reason(raw: object, value_type: str, code: str) -> None:
    converted = to_number(raw, value_type)
    assert converted.value is None and converted.problem == code and code in PROBLEM_MEANING


@pytest.mark.parametrize(("raw", "value_type", "code"), [("也许", "bool", "not_yes_no"), ("下周", "date", "not_a_date")])
def test_yes_no_and_dates_refused_with_reason(raw: object, value_type: str, code: str) -> None:
    converted = convert(raw, value_type)
    assert converted.value is None and converted.problem == code


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("Y", True), ("n", False), ("√", True),
                                               ("×", False), (True, True), (0, False), ("", None)])
def test_booleans(raw: object, expected: bool | None) -> None:
    assert to_bool(raw).value is expected


@pytest.mark.parametrize(
    ("text", "label", "end"),
    [("2024", "2024", dt.date(2024, 12, 31)), ("2024年", "2024", dt.date(2024, 12, 31)),
     ("2024年上半年", "2024H1", dt.date(2024, 6, 30)), ("2024H2", "2024H2", dt.date(2024, 12, 31)),
     ("2024年第3季度", "2024Q3", dt.date(2024, 9, 30)), ("2024-Q1", "2024Q1", dt.date(2024, 3, 31)),
     ("2024-09", "2024-09", dt.date(2024, 9, 30)), ("２０２４年", "2024", dt.date(2024, 12, 31)), (2024, "2024", dt.date(2024, 12, 31))],
)
def test_periods(text: object, label: str, end: dt.date) -> None:
    period = parse_period(text)
    assert period is not None and period.label == label and period.end == end


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()))
def test_converters_never_crash(raw: object) -> None:
    for value_type in ("money", "ratio", "bool", "text", "count"):
        result = convert(raw, value_type)
        assert result.value is None or not result.problem
        assert not result.problem or result.problem in PROBLEM_MEANING
    parse_period(raw)


@pytest.mark.parametrize(
    ("raw", "expected", "warned"),
    [("60%", 0.6, False), (0.6, 0.6, False), ("0.6", 0.6, False), (60, 0.6, True), ("60", 0.6, True),
     ("６０％", 0.6, False), (1, 1.0, False), (0, 0.0, False)],
)
def test_ratio_field_formats_and_the_bare_percentage_rule(raw: object, expected: float, warned: bool) -> None:
    """In a ratio field a bare number above 1 and at most 100 means a percentage, with a warning naming the cell."""
    from pathlib import Path

    from compliance.ingest.cells import CellReader
    from compliance.ingest.workbook import Grid

    context = CellReader(Path("ratio.xlsx"), Grid.from_cells("指标", {(1, 1): raw}))
    reading = context.read(1, 1, "ratio", "比例", "x", 0.0)
    assert reading.value == pytest.approx(expected)
    warnings = [p for p in context.problems if p.severity == "warning"]
    assert bool(warnings) is warned
    if warned:
        assert "指标" in where(warnings[0], "zh") and "A1" in where(warnings[0], "zh")
        assert warnings[0].code == "ratio_read_as_percent" and warnings[0].place.cell == "A1"


def test_share_above_100_percent_is_refused() -> None:
    from pathlib import Path

    from compliance.ingest.cells import CellReader
    from compliance.ingest.workbook import Grid

    context = CellReader(Path("ratio.xlsx"), Grid.from_cells("指标", {(1, 1): 160}))
    assert context.read(1, 1, "ratio", "比例", "x", 0.0).value is None and context.problems
    [problem] = context.problems
    assert problem.code == "ratio_above_100_percent" and "0–100%" in expected(problem, "zh")
    assert found(problem, "zh") == "“160”"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-09-30", dt.date(2024, 9, 30)), ("2024年9月30日", dt.date(2024, 9, 30)), ("2024/9/30", dt.date(2024, 9, 30)),
    (45565, dt.date(2024, 9, 30)), (dt.datetime(2024, 9, 30, 8, 0), dt.date(2024, 9, 30)), ("  2024-09-30 ", dt.date(2024, 9, 30)),
])
def test_dates(raw: object, expected: dt.date) -> None:
    from compliance.ingest.values import to_date

    assert to_date(raw).value == expected


@pytest.mark.parametrize(("now", "before", "expected", "warned"), [
    (0.8, 1.5, (0.008, 0.015), {"A1", "B1"}),  # 1.5 can only be a percentage: the row is read as percentages
    (0.8, 0.75, (0.8, 0.75), set()),  # fractions, as a spreadsheet stores a cell formatted as a percentage
    ("80%", 1.5, (0.8, 0.015), {"B1"}),  # a value typed with % is never a choice
    (60, 55, (0.6, 0.55), {"A1", "B1"}),
])
def test_the_cells_of_a_ratio_row_are_read_the_same_way(now: object, before: object, expected: tuple[float, float],
                                                         warned: set[str]) -> None:
    from pathlib import Path

    from compliance.ingest.cells import CellReader
    from compliance.ingest.workbook import Grid

    context = CellReader(Path("ratio.xlsx"), Grid.from_cells("指标", {(1, 1): now, (1, 2): before}))
    readings = context.read_ratios([(1, 1, "current"), (1, 2, "prior")], "增长率", "growth", None)
    assert tuple(r.value for r in readings) == pytest.approx(expected)
    warnings = {where(p, "zh").rsplit(" ", 1)[-1] for p in context.problems if p.severity == "warning"}
    assert warnings == warned
    for problem in context.problems:  # each warning says how the cell was read and how to say otherwise
        assert "已按" in found(problem, "zh") and "%" in found(problem, "zh") and fix(problem, "zh")
        assert problem.code in ("ratio_read_as_percent", "ratio_read_as_percent_by_row")


def test_a_ratio_row_with_one_percentage_number_gives_no_false_rise(catalog, tmp_path) -> None:
    """In a % row, 0.8 this period and 1.5 last period were read as 80% and 1.5%: a false rise of
    78.5 percentage points.  Read alike they are 0.8% and 1.5%: a fall of 0.7 points."""
    import shutil

    import openpyxl

    from compliance.pipeline.check import get_profile, run_check
    from compliance.wording import findings as worded

    from .conftest import EXAMPLES

    path = tmp_path / "hospital.xlsx"
    shutil.copy(EXAMPLES / "harbin" / "hospital-2.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book["指标"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "outpatient_cost_per_visit_growth")
    sheet.cell(row, 4).value, sheet.cell(row, 5).value = 0.8, 1.5
    book.save(path)
    result = run_check(catalog, get_profile(catalog, "auto"), [path], workers=0)
    finding = next(f for f in result.findings if f.rule_id == "harbin-2017.outpatient-cost-per-visit-growth-decrease")
    assert finding.status.value == "pass" and finding.observed.value == pytest.approx(-0.007)
    assert "降低 0.7 个百分点" in worded.message(finding, "zh") and "78.5" not in worded.message(finding, "zh")
    cells = {where(p, "zh").rsplit(" ", 1)[-1] for p in result.subjects[0].problems
             if p.field_code == "outpatient_cost_per_visit_growth"}
    assert cells == {f"D{row}", f"E{row}"}
