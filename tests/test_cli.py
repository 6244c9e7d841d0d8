"""The command line: exit codes, JSON shape, rules, template and fields commands."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from compliance.cli.main import main
from compliance.results.status import ExitCode, Status

from .conftest import EXAMPLES, ROOT

HOME = ["--home", str(ROOT)]
FINDING_KEYS = {"subject_id", "period", "rule_id", "status", "reason", "observed", "observed_unit", "required", "gap",
                "gap_unit", "gap_amount", "gap_amount_unit", "message", "remediation", "submission", "rule_digest"}


def test_noncompliant_example_exits_1_with_expected_statuses(runner) -> None:
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-noncompliant.xlsx"), "--format", "json"])
    assert result.exit_code == ExitCode.FINDINGS, result.output
    data = json.loads(result.stdout)
    statuses = {f["rule_id"]: f["status"] for f in data["findings"]}
    assert statuses == {
        "harbin-2017.drug-markup-removal": "fail",
        "harbin-2017.hospital-medical-cost-growth-cap": "fail",
        "gansu-2020h2.incentive-share-of-performance-pay": "fail",
        "gansu-2020h2.emergency-stockpile-days": "warn",
    }
    for finding in data["findings"]:
        assert FINDING_KEYS <= set(finding)
        assert finding["subject_id"] == "12230100MB00000010" and finding["period"] == "2024"
    share = next(f for f in data["findings"] if f["rule_id"].endswith("incentive-share-of-performance-pay"))
    assert share["observed"] == 0.52 and share["observed_unit"] == "%" and abs(share["gap"] - 0.08) < 1e-9
    assert share["required"] == {"comparator": ">=", "threshold": {"value": 0.6, "unit": "%"}, "tolerance": None,
                                 "basis": "value"}
    assert share["gap_unit"] == "pp" and share["gap_amount"] == 120 and share["gap_amount_unit"] == "万元"
    assert share["reason"] == "not_met" and "52.0%" in share["message"]
    assert data["files"][0]["status"] == "read" and len(data["files"][0]["sha256"]) == 64
    assert data["run"]["catalog_digest"] and data["run"]["id"]


def test_compliant_example_exits_0(runner) -> None:
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx")])
    assert result.exit_code == ExitCode.COMPLIANT, result.output
    assert "pass" in result.stdout


def test_refused_file_exits_2_and_others_are_still_checked(runner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    result = runner.invoke(main, [*HOME, "check", str(broken), str(EXAMPLES / "hospital-compliant.xlsx"),
                                  "--format", "json"])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    data = json.loads(result.stdout)
    assert {f["subject_id"] for f in data["findings"]} == {"12230100MB00000023"}
    assert "拒收" in result.stderr and "broken.xlsx" in result.stderr
    lines = [line for line in result.stderr.splitlines() if "broken.xlsx" in line]
    assert len(lines) == 1, result.stderr  # one line for the refused file, not a second as a data problem


def test_usage_errors_exit_2(runner) -> None:
    assert runner.invoke(main, [*HOME, "check"]).exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    bad_profile = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--profile", "nope"])
    assert bad_profile.exit_code == ExitCode.USAGE_OR_INPUT_ERROR and "未知的检查方案“nope”" in bad_profile.stderr
    assert "headline" in bad_profile.stderr and "--profile" in bad_profile.stderr  # the known ones, and the fix
    bad_date = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--as-of", "tomorrow"])
    assert bad_date.exit_code == ExitCode.USAGE_OR_INPUT_ERROR and "YYYY-MM-DD" in bad_date.output


def test_as_of_before_deadline_gives_not_due(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-noncompliant.xlsx"), "--format", "json",
                                  "--as-of", "2017-06-30"])
    data = json.loads(result.stdout)
    growth = next(f for f in data["findings"] if f["rule_id"] == "harbin-2017.hospital-medical-cost-growth-cap")
    assert growth["status"] == "not_due" and growth["gap"] > 0


def test_help_documents_exit_codes(runner) -> None:
    for args in ([], ["check"]):
        text = runner.invoke(main, [*args, "--help"]).output
        for code in ExitCode:
            assert f"{code.value}  " in text


def test_rules_list_show_validate(runner) -> None:
    listing = runner.invoke(main, [*HOME, "rules", "list", "--format", "json"])
    assert listing.exit_code == 0
    assert "gansu-2020h2.incentive-share-of-performance-pay" in {r["id"] for r in json.loads(listing.stdout)}
    shown = runner.invoke(main, [*HOME, "rules", "show", "harbin-2017.drug-markup-removal"])
    assert "中药饮片除外" in shown.stdout and "哈政办规〔2017〕28号" in shown.stdout
    assert runner.invoke(main, [*HOME, "rules", "show", "no.such"]).exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert runner.invoke(main, [*HOME, "rules", "validate"]).exit_code == 0


def test_rules_validate_reports_file_and_line(runner, tmp_path: Path) -> None:
    text = (ROOT / "rules" / "gansu-2020h2.yaml").read_text(encoding="utf-8").replace('comparator: ">="', 'comparator: "≥"')
    path = tmp_path / "gansu-2020h2.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, [*HOME, "rules", "validate", str(path)])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert f"{path}:" in result.stderr and "comparator" in result.stderr


def test_template_command_writes_a_workbook(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, [*HOME, "template", "--out", str(tmp_path)])
    assert result.exit_code == 0
    hospital, region = result.stdout.split()
    workbook = load_workbook(hospital)
    assert {"基本信息", "指标", "药品价格", "应急物资储备"} <= set(workbook.sheetnames)
    info = load_workbook(region)["基本信息"]
    assert "region_code" in {info.cell(row=r, column=1).value for r in range(1, info.max_row + 1)}


def test_fields_json_is_the_data_dictionary(runner) -> None:
    result = runner.invoke(main, [*HOME, "fields", "--format", "json"])
    entries = {e["code"]: e for e in json.loads(result.stdout)}
    assert entries["incentive_performance_pay"]["unit"] == "万元"
    assert entries["total_medical_revenue"]["prior_column"] == "total_medical_revenue_prior"
    assert entries["drug_prices.is_decoction_piece"]["type"] == "bool"
    assert "institution_code" in entries


def test_every_status_code_is_a_documented_string() -> None:
    assert {s.value for s in Status} == {"pass", "warn", "fail", "missing_data", "not_applicable", "not_due", "waived", "error"}


def test_check_out_writes_workbook_and_pdf(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-noncompliant.xlsx"), "--out", str(tmp_path)])
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert (tmp_path / "gap-report.xlsx").exists()
    pdf = tmp_path / "12230100MB00000010-2024-inspection-report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert f"已写入 {pdf}" in result.stderr


def test_each_jurisdiction_example_gives_findings_for_region_and_hospitals(runner) -> None:
    for jurisdiction in ("harbin", "gansu", "sichuan", "hebei"):
        result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / jurisdiction), "--profile", "auto",
                                      "--format", "json"])
        assert result.exit_code in (ExitCode.COMPLIANT, ExitCode.FINDINGS), result.output
        data = json.loads(result.stdout)
        assert [f["status"] for f in data["files"]] == ["read", "read", "read"]
        levels = {f["rule_id"].split(".")[0] for f in data["findings"]}
        assert levels, jurisdiction
        subjects = {f["subject_id"] for f in data["findings"]}
        assert len(subjects) == 3, (jurisdiction, subjects)  # the region and its two hospitals


def test_auto_profile_never_applies_another_jurisdictions_rules(runner) -> None:
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "gansu"), "--profile", "auto", "--format", "json"])
    packs = {f["rule_id"].split(".")[0] for f in json.loads(result.stdout)["findings"] if f["kind"] != "quality"}
    assert packs == {"gansu-2020h2"}


CODE = "12230100MB00000010"


def _with_period(folder: Path, name: str, period: str, revenue: float, prior_revenue: float | None) -> Path:
    """The non-compliant example hospital for another 报告期, with its 医疗收入 this period and last year
    (and a unified social credit code whose check character is right)."""
    workbook = load_workbook(EXAMPLES / "hospital-noncompliant.xlsx")
    info = workbook["基本信息"]
    rows = {info.cell(row=r, column=1).value: r for r in range(1, info.max_row + 1)}
    info.cell(row=rows["period"], column=3, value=period)
    info.cell(row=rows["institution_code"], column=3, value=CODE)
    sheet = workbook["指标"]
    [row] = [r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "total_medical_revenue"]
    sheet.cell(row=row, column=4, value=revenue)
    sheet.cell(row=row, column=5, value=prior_revenue)
    folder.mkdir(exist_ok=True)
    workbook.save(folder / name)
    return folder / name


def test_a_cumulative_period_is_read_checked_and_compared_with_last_years_same_months(runner, tmp_path: Path) -> None:
    """报告期 2019年1-9月 is read and checked (reports named after 2019M01-09); 2020年1—9月累计 states
    last year's revenue, compared with the 2019年1-9月 file, not the full-year 2019 one."""
    inputs = tmp_path / "inputs"
    _with_period(inputs, "a-2019.xlsx", "2019年", 47000, None)
    _with_period(inputs, "b-2019-1-9.xlsx", "2019年1-9月", 36000, None)
    _with_period(inputs, "c-2020-1-9.xlsx", "2020年1—9月累计", 40000, 35000)
    out = tmp_path / "out"
    result = runner.invoke(main, [*HOME, "check", str(inputs), "--format", "json", "--out", str(out)])
    assert result.exit_code == ExitCode.FINDINGS, result.output
    data = json.loads(result.stdout)
    assert [f["status"] for f in data["files"]] == ["read", "read", "read"]
    assert {f["period"] for f in data["findings"]} == {"2019", "2019M01-09", "2020M01-09"}
    changed = [f for f in data["findings"] if f["rule_id"] == "quality.prior-year-changed"]
    assert [f["period"] for f in changed] == ["2020M01-09"]
    assert "2019年1—9月" in changed[0]["message"] and "b-2019-1-9.xlsx" in changed[0]["message"]
    for period in ("2019", "2019M01-09", "2020M01-09"):
        assert (out / f"{CODE}-{period}-inspection-report.pdf").read_bytes().startswith(b"%PDF")


def test_a_backwards_range_of_months_is_refused_naming_the_accepted_forms(runner, tmp_path: Path) -> None:
    path = _with_period(tmp_path, "backwards.xlsx", "2019年9-1月", 36000, None)
    result = runner.invoke(main, [*HOME, "check", str(path), "--format", "json"])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    assert "“2019年9-1月”" in result.stderr and "2024年1-9月" in result.stderr
