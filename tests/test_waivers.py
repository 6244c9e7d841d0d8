"""Waivers (checks/waivers/*.yaml): a rule's miss for one subject becomes waived until the waiver expires."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from compliance.cli.main import main
from compliance.errors import RuleFileError
from compliance.pipeline.check import get_profile, run_check
from compliance.results.status import SATISFIED, ExitCode, Reason, Status
from compliance.rules.loader import load_catalog
from compliance.rules.spec import Catalog
from compliance.wording.findings import message

from .conftest import EXAMPLES, ROOT

RULE = "harbin-2017.drug-markup-removal"
GROWTH = "harbin-2017.hospital-medical-cost-growth-cap"  # has a deadline: not_due as of 2017-06-30
HOSPITAL = "12230100MB00000010"  # the non-compliant example hospital
NONCOMPLIANT = EXAMPLES / "hospital-noncompliant.xlsx"

WAIVER = f"""\
waivers:
  - rule: {RULE}
    subject: {HOSPITAL}
    period: "2024"
    justification: 两个品规经市卫健委批准暂缓执行
    approver: 哈尔滨市卫生健康委员会 张某
    granted: 2024-03-01
    expires: 2025-06-30
"""


def _home(tmp_path: Path, text: str = WAIVER, name: str = "site.yaml") -> Path:
    """A home with only checks/waivers/: the bundled (checkout's) rules and profiles, and these waivers."""
    folder = tmp_path / "home" / "checks" / "waivers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "home"


def _catalog(home: Path) -> Catalog:
    return load_catalog(ROOT / "rules", [ROOT / "checks", home / "checks"])


def _finding(catalog: Catalog, rule_id: str = RULE, as_of: dt.date | None = None):
    result = run_check(catalog, get_profile(catalog, "headline"), [NONCOMPLIANT], as_of, workers=0)
    return next(f for f in result.findings if f.rule_id == rule_id)


def test_waived_finding_keeps_gap_and_observed_value(catalog, tmp_path: Path) -> None:
    before = _finding(catalog)
    assert before.status is Status.FAIL
    waived_catalog = _catalog(_home(tmp_path))
    [waiver] = waived_catalog.waivers
    assert (waiver.rule, waiver.subject, waiver.period, waiver.expires) == (RULE, HOSPITAL, "2024", dt.date(2025, 6, 30))
    after = _finding(waived_catalog)
    assert after.status is Status.WAIVED and after.status in SATISFIED
    assert after.reason is Reason.WAIVED
    assert after.gap == before.gap and after.observed == before.observed and after.items == before.items
    assert after.details["waived_status"] is Status.FAIL and after.details["waived_reason"] is Reason.NOT_MET
    assert after.details["approver"] == "哈尔滨市卫生健康委员会 张某"
    assert after.details["expires"] == dt.date(2025, 6, 30)
    zh = message(after, "zh")
    assert zh.startswith("已豁免（批准人 哈尔滨市卫生健康委员会 张某，理由：两个品规经市卫健委批准暂缓执行，有效期至 2025-06-30）：")
    assert zh.endswith(message(before, "zh"))
    assert message(after, "en").startswith("Waived (approved by")
    other = _finding(waived_catalog, GROWTH)  # a rule the waiver does not name
    assert other.status is Status.FAIL


def test_waiver_without_period_covers_every_period_and_other_periods_are_not_waived(tmp_path: Path) -> None:
    every = _catalog(_home(tmp_path / "a", WAIVER.replace('    period: "2024"\n', "")))
    assert _finding(every).status is Status.WAIVED
    other = _catalog(_home(tmp_path / "b", WAIVER.replace('period: "2024"', 'period: "2023"')))
    assert _finding(other).status is Status.FAIL


def test_not_due_finding_is_waived_and_says_both(tmp_path: Path) -> None:
    text = WAIVER.replace(RULE, GROWTH).replace("granted: 2024-03-01", "granted: 2017-01-01")
    finding = _finding(_catalog(_home(tmp_path, text)), GROWTH, dt.date(2017, 6, 30))
    assert finding.status is Status.WAIVED and finding.details["waived_status"] is Status.NOT_DUE
    assert "未到期限" in message(finding, "zh") and message(finding, "zh").startswith("已豁免")


@pytest.mark.parametrize(("as_of", "waived"), [(dt.date(2025, 6, 29), True), (dt.date(2025, 6, 30), True),
                                               (dt.date(2025, 7, 1), False)])
def test_waiver_is_valid_through_its_expiry_date(tmp_path: Path, as_of: dt.date, waived: bool) -> None:
    finding = _finding(_catalog(_home(tmp_path)), as_of=as_of)
    if waived:
        assert finding.status is Status.WAIVED
        assert "waiver_expired" not in finding.details
    else:
        assert finding.status is Status.FAIL and finding.reason is Reason.NOT_MET
        assert finding.details["waiver_expired"] == dt.date(2025, 6, 30)
        assert message(finding, "zh").endswith("豁免已于 2025-06-30 到期，本项重新计入。")
        assert "The waiver expired on 2025-06-30" in message(finding, "en")


def test_expired_at_the_period_end_without_as_of(tmp_path: Path) -> None:
    text = WAIVER.replace("expires: 2025-06-30", "expires: 2024-12-30")
    finding = _finding(_catalog(_home(tmp_path, text)))  # checked at the period's end, 2024-12-31
    assert finding.status is Status.FAIL and finding.details["waiver_expired"] == dt.date(2024, 12, 30)


def _error(tmp_path: Path, text: str) -> RuleFileError:
    home = _home(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        _catalog(home)
    assert str(home / "checks" / "waivers" / "site.yaml") in str(caught.value)
    return caught.value


@pytest.mark.parametrize(("change", "line", "words"), [
    (("granted: 2024-03-01", "granted: 2024-02-30"), 7, "granted"),
    (("    justification: 两个品规经市卫健委批准暂缓执行\n", ""), 2, "justification"),
    ((RULE, "harbin-2017.no-such-rule"), 2, "unknown rule"),
    ((HOSPITAL, "12230100MB00000011"), 3, "not a valid institution or region code"),
    ((HOSPITAL, "990100"), 3, "not a valid institution or region code"),
    (('period: "2024"', 'period: "2024年"'), 4, "canonical period"),
    (("expires: 2025-06-30", "expires: 2024-03-01"), 8, "not after"),
])
def test_malformed_waiver_names_file_and_line(tmp_path: Path, change: tuple[str, str], line: int, words: str) -> None:
    error = _error(tmp_path, WAIVER.replace(*change))
    assert error.line == line and words in str(error)


def test_duplicate_waiver_names_both_places(tmp_path: Path) -> None:
    home = _home(tmp_path)
    _home(tmp_path, WAIVER, "second.yaml")
    with pytest.raises(RuleFileError) as caught:
        _catalog(home)
    assert caught.value.line == 2 and "a second waiver" in str(caught.value)
    assert str(home / "checks" / "waivers" / "site.yaml") in str(caught.value)  # the first, with its line
    assert "second.yaml" in str(caught.value)


def test_region_code_subject(tmp_path: Path) -> None:
    [waiver] = _catalog(_home(tmp_path, WAIVER.replace(HOSPITAL, "230100"))).waivers
    assert waiver.subject == "230100"


def test_catalog_digest_changes_with_a_waiver(catalog, tmp_path: Path) -> None:
    first = _catalog(_home(tmp_path / "a"))
    second = _catalog(_home(tmp_path / "b", WAIVER.replace("2025-06-30", "2025-07-31")))
    assert len({catalog.digest, first.digest, second.digest}) == 3
    assert _catalog(_home(tmp_path / "c")).digest == first.digest


def test_cli_check_json_shows_the_waiver(runner, tmp_path: Path) -> None:
    home = _home(tmp_path)
    result = runner.invoke(main, ["--home", str(home), "check", str(NONCOMPLIANT), "--format", "json", "--workers", "0"])
    data = json.loads(result.stdout)
    waived = next(f for f in data["findings"] if f["rule_id"] == RULE)
    assert waived["status"] == "waived" and waived["reason"] == "waived" and waived["gap"] > 0
    assert waived["details"]["justification"] == "两个品规经市卫健委批准暂缓执行"
    assert waived["details"]["expires"] == "2025-06-30" and waived["details"]["granted"] == "2024-03-01"
    assert waived["details"]["waived_status"] == "fail" and waived["message"].startswith("已豁免")


def test_cli_check_with_a_malformed_waiver_exits_2_before_reading(runner, tmp_path: Path) -> None:
    home = _home(tmp_path, WAIVER.replace(RULE, "harbin-2017.no-such-rule"))
    missing = tmp_path / "not-there.xlsx"  # never read: the waiver stops the run first
    result = runner.invoke(main, ["--home", str(home), "check", str(missing), str(NONCOMPLIANT)])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert "site.yaml" in result.stderr and "unknown rule" in result.stderr
    assert "not-there.xlsx" not in result.output


def test_waivers_lint(runner, tmp_path: Path) -> None:
    home = _home(tmp_path)
    ok = runner.invoke(main, ["--home", str(home), "waivers", "lint"])
    assert ok.exit_code == 0 and "ok:" in ok.stdout and "site.yaml (1 waivers)" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(WAIVER.replace("expires: 2025-06-30", "expires: soon"), encoding="utf-8")
    failed = runner.invoke(main, ["--home", str(home), "waivers", "lint", str(bad)])
    assert failed.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert f"{bad}" in failed.stderr and "8" in failed.stderr and "expires" in failed.stderr
    given = runner.invoke(main, ["--home", str(ROOT), "waivers", "lint", str(home / "checks" / "waivers" / "site.yaml")])
    assert given.exit_code == 0
