"""Data-quality checks: findings of their own, before the rules; impossible values withdrawn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from compliance.ingest.reader import read_file
from compliance.pipeline.check import evaluate_submissions, get_profile, run_check
from compliance.wording import findings as worded
from compliance.wording.problems import found

from .conftest import EXAMPLES, make_submission

SHARE = "gansu-2020h2.incentive-share-of-performance-pay"


def _findings(catalog, *submissions):
    profile = get_profile(catalog, "headline")
    return evaluate_submissions(catalog, profile, list(submissions)).findings


def message(finding) -> str:
    return worded.message(finding, "zh")


def test_part_larger_than_total_is_an_error_and_not_used(catalog) -> None:
    findings = _findings(catalog, make_submission(current={"incentive_performance_pay": 1600, "total_performance_pay": 1500}))
    quality = [f for f in findings if f.rule_id == "quality.part-exceeds-total"]
    assert quality and quality[0].status.value == "error" and "激励性绩效工资" in message(quality[0])
    assert quality[0].reason.value == "part_exceeds_total"
    share = next(f for f in findings if f.rule_id == SHARE)
    assert share.status.value == "missing_data" and "分项不得大于合计" in message(share)


def test_suspect_jump_is_flagged_but_used(catalog) -> None:
    findings = _findings(catalog, make_submission(current={"total_medical_revenue": 300}, prior={"total_medical_revenue": 100}))
    jump = next(f for f in findings if f.rule_id == "quality.suspect-jump")
    assert jump.status.value == "warn" and "+200%" in message(jump) and "+200%" in worded.message(jump, "en")
    growth = next(f for f in findings if f.rule_id == "harbin-2017.hospital-medical-cost-growth-cap")
    assert growth.status.value == "fail" and growth.observed.value == pytest.approx(2.0)


def test_prior_year_value_that_changed_against_the_earlier_submission(catalog) -> None:
    earlier = make_submission({"period": "2023"}, current={"total_medical_revenue": 48000}, name="2023.xlsx")
    later = make_submission({"period": "2024"}, current={"total_medical_revenue": 55000},
                            prior={"total_medical_revenue": 47000}, name="2024.xlsx")
    findings = _findings(catalog, earlier, later)
    changed = [f for f in findings if f.rule_id == "quality.prior-year-changed"]
    assert len(changed) == 1 and changed[0].period == "2024" and "48,000" in message(changed[0])
    same = make_submission({"period": "2024"}, current={"total_medical_revenue": 55000},
                           prior={"total_medical_revenue": 48000}, name="2024.xlsx")
    assert not [f for f in _findings(catalog, earlier, same) if f.rule_id == "quality.prior-year-changed"]


def _edited(tmp_path: Path, column: int, code: str, value: object) -> Path:
    path = tmp_path / "edited.xlsx"
    shutil.copy(EXAMPLES / "hospital-noncompliant.xlsx", path)
    workbook = load_workbook(path)
    sheet = workbook["指标"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == code)
    sheet.cell(row=row, column=column, value=value)
    workbook.save(path)
    return path


@pytest.mark.parametrize(("unit", "expected"), [("万元", 780.0), ("元", 0.078), ("亿元", 7_800_000.0)])
def test_money_typed_in_another_unit_is_converted(catalog, tmp_path: Path, unit: str, expected: float) -> None:
    path = _edited(tmp_path, 3, "incentive_performance_pay", unit)
    [submission], _ = read_file(path, catalog)
    assert submission.current["incentive_performance_pay"].value == pytest.approx(expected)
    if unit != "万元":
        assert any("换算" in found(p, "zh") and p.severity == "warning" for p in submission.problems)
        [problem] = [p for p in submission.problems if p.code == "unit_changed"]
        assert problem.values["value"] == unit and problem.values["unit"] == "万元"
        assert found(problem, "zh") == f"“{unit}”，已按“{unit}”换算为“万元”"


def test_unknown_unit_is_an_error(catalog, tmp_path: Path) -> None:
    [submission], _ = read_file(_edited(tmp_path, 3, "incentive_performance_pay", "美元"), catalog)
    assert submission.current["incentive_performance_pay"].value is None
    assert any("美元" in found(p, "zh") for p in submission.problems)
    assert [p.code for p in submission.problems if p.field_code == "incentive_performance_pay"] == ["unit_unknown"]


def test_refused_and_quality_results_reach_the_check_result(catalog, tmp_path: Path) -> None:
    path = _edited(tmp_path, 4, "incentive_performance_pay", 1600)
    result = run_check(catalog, get_profile(catalog, "headline"), [path])
    assert any(f.rule_id == "quality.part-exceeds-total" for f in result.findings)


def test_a_quality_finding_in_the_pdf_has_no_empty_measure_table(catalog) -> None:
    import re

    from compliance.report import pdf
    from compliance.report.inputs import SubjectReport

    profile = get_profile(catalog, "headline")
    submission = make_submission(current={"incentive_performance_pay": 1600, "total_performance_pay": 1500})
    result = evaluate_submissions(catalog, profile, [submission])
    html = pdf.render_inspection_html(SubjectReport.of(result, result.subjects[0]), catalog)
    article = re.search(r'<article class="finding[^"]*" id="finding-\d+">(?:(?!</article>).)*quality\.part-exceeds-total'
                        r'(?:(?!</article>).)*</article>', html, flags=re.DOTALL)
    assert article, "the quality finding is in the report"
    assert 'class="measure"' not in article.group(0)
    assert "激励性绩效工资" in article.group(0)
