"""The one-page inspection notice: content from data, golden HTML, safety, CLI."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.pipeline.check import get_profile, run_check
from compliance.report import notice
from compliance.report.inputs import SubjectReport
from compliance.results.run import CheckResult
from compliance.results.status import SEVERITY_ORDER, Status
from compliance.rules.spec import Catalog
from compliance.wording import findings as worded

from .conftest import renamed

ROOT = Path(__file__).resolve().parents[1]
NONCOMPLIANT = ROOT / "examples" / "hospital-noncompliant.xlsx"
COMPLIANT = ROOT / "examples" / "hospital-compliant.xlsx"
GOLDEN = Path(__file__).resolve().parent / "golden" / "notice-noncompliant.html"
EVIL_NAME = '<img src="file:///etc/passwd">示例医院'
TODAY = dt.date(2026, 11, 23)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                   reason="poppler-utils not installed")


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


def test_context_lists_only_findings_that_need_action_worst_first(checked: CheckResult, catalog: Catalog) -> None:
    subject = checked.subjects[0]
    context = notice.build_notice_context(SubjectReport.of(checked, subject), TODAY)
    listed = [a["f"] for a in context["actions"]]
    expected = [f for f in subject.findings if f.status in notice.ACTION_STATUSES]
    assert sorted(f.rule_id for f in listed) == sorted(f.rule_id for f in expected) and listed
    ranks = [SEVERITY_ORDER.index(f.status) for f in listed]
    assert ranks == sorted(ranks)
    assert [a["number"] for a in context["actions"]] == list(range(1, len(listed) + 1))
    # remediation is offered for fails and warnings; missing data and errors explain instead
    assert all(a["fix"] == (a["f"].status in (Status.FAIL, Status.WARN) and bool(worded.remediation(a["f"], "zh")))
               for a in context["actions"])
    assert context["check_date"] == "2026年11月23日"


def test_compliant_hospital_gets_no_action_rows(catalog: Catalog) -> None:
    result = run_check(catalog, get_profile(catalog, "headline"), [COMPLIANT])
    html = notice.render_notice_html(SubjectReport.of(result, result.subjects[0]), None, TODAY)
    assert "未发现不达标、预警、缺少数据或无法计算的检查项" in html
    assert 'class="actions"' not in html


@needs_poppler
def test_notice_is_one_page_with_gaps_remediation_and_signatures(checked: CheckResult, catalog: Catalog,
                                                                  tmp_path: Path) -> None:
    path = notice.write_notice(SubjectReport.of(checked, checked.subjects[0]), tmp_path / "notice.pdf", TODAY)
    assert _pages(path) == 1
    flat = re.sub(r"\s+", "", _pdf_text(path))
    for expected in ("医改政策符合性检查结果告知书", "哈尔滨市示例第一人民医院", "12230100MB00000010",
                     "需整改事项（4项）", "公立医院取消药品加成", "15.0个百分点", "9,315元", "8.0个百分点", "120万元",
                     "整改建议", "检查人员（签字）", "被检查单位负责人（签字）", "检查单位（盖章）", "2026年11月23日"):
        assert expected in flat, expected


@needs_poppler
def test_english_notice_has_english_wording_and_one_page(checked: CheckResult, catalog: Catalog,
                                                         tmp_path: Path) -> None:
    path = notice.write_notice(SubjectReport.of(checked, checked.subjects[0]), tmp_path / "notice-en.pdf", TODAY, lang="en")
    assert _pages(path) == 1
    text = _pdf_text(path)
    for expected in ("Notice of health-reform compliance inspection results", "Items requiring action (4)",
                     "15.0 pp", "Inspector (signature):", "Inspecting authority (seal)", "2026-11-23"):
        assert expected in text, expected
    for chinese in ("告知书", "需整改事项", "检查人员", "整改建议", "符合率"):  # the notice's own wording
        assert chinese not in text


def test_html_escapes_submitted_text(checked: CheckResult, catalog: Catalog) -> None:
    html = notice.render_notice_html(SubjectReport.of(checked, renamed(checked.subjects[0], EVIL_NAME)), None, TODAY)
    assert "&lt;img" in html
    assert "<img" not in html


def test_pdf_with_hostile_name_fetches_only_bundled_fonts(checked: CheckResult, catalog: Catalog, tmp_path: Path,
                                                          fetched_urls: list[str]) -> None:
    fetched = fetched_urls
    path = notice.write_notice(SubjectReport.of(checked, renamed(checked.subjects[0], EVIL_NAME)), tmp_path / "evil.pdf")
    assert path.stat().st_size > 1000
    assert fetched and all(url.startswith("compliance-asset:fonts/") for url in fetched), fetched


def _normalise(html: str) -> str:
    """Content only: the stylesheet is left out, and paths are relative to the checkout."""
    html = re.sub(r"<style[^>]*>.*?</style>", "<style>…</style>", html, flags=re.DOTALL)
    return html.replace(f"{ROOT}/", "")


def test_html_matches_golden(checked: CheckResult, catalog: Catalog) -> None:
    html = _normalise(notice.render_notice_html(SubjectReport.of(checked, checked.subjects[0]), None, TODAY))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(html, encoding="utf-8")
    assert GOLDEN.exists(), f"{GOLDEN} missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert html == GOLDEN.read_text(encoding="utf-8"), "notice HTML differs from the golden file; review, then UPDATE_GOLDEN=1"


@pytest.mark.parametrize(("choice", "documents"), [
    ("notice", ["notice"]), ("both", ["notice", "report"]), ("none", []),
])
def test_cli_pdf_option_chooses_the_documents(runner: CliRunner, tmp_path: Path, choice: str,
                                              documents: list[str]) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["--home", str(ROOT), "check", str(NONCOMPLIANT), "--workers", "0",
                                  "--out", str(out), "--pdf", choice])
    assert result.exit_code == 1, result.output  # the example has failing rules
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert pdfs == sorted(f"12230100MB00000010-2024-inspection-{d}.pdf" for d in documents)
    assert (out / "gap-report.xlsx").exists()


def test_cli_rejects_an_unknown_pdf_choice(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--home", str(ROOT), "check", str(NONCOMPLIANT), "--out", str(tmp_path),
                                  "--pdf", "poster"])
    assert result.exit_code == 2 and "poster" in result.output
