"""The WeasyPrint document the report templates are rendered into (compliance.report.render.html_document)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compliance.report import notice, pdf, render
from compliance.report.inputs import SubjectReport
from compliance.results.run import CheckResult
from compliance.rules.spec import Catalog

from .conftest import renamed


def _ua_elements() -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", (render.TEMPLATE_DIR / "ua.css").read_text(encoding="utf-8"), flags=re.DOTALL)
    return set(re.findall(r"(?<![\w@.#:-])([a-z][a-z0-9]*)(?=[\s,{>\[:])", css.split("@page")[0]))


def test_user_agent_sheet_covers_every_element_the_templates_write() -> None:
    written = {tag for template in render.TEMPLATE_DIR.glob("*.html.j2")
               for tag in re.findall(r"<([a-z][a-z0-9]*)\b", template.read_text(encoding="utf-8"))}
    assert {"table", "td", "h2", "img", "a", "blockquote"} <= written
    missing = written - _ua_elements() - {"span"}  # inline, the initial display: no rule in html5_ua.css either
    assert not missing, f"templates/ua.css has no rules for {sorted(missing)}: copy them from WeasyPrint's html5_ua.css"


@pytest.mark.parametrize("kind", ["report-zh", "report-en", "notice-zh", "region-zh"])
def test_documents_render_exactly_as_with_weasyprints_own_parser_and_stylesheet(
        kind: str, checked: CheckResult, sichuan: CheckResult, catalog: Catalog) -> None:
    """The XML-parsed tree and the lean user-agent sheet change nothing in the PDF, byte for byte."""
    from defusedxml.ElementTree import fromstring
    from weasyprint import HTML

    lang = kind.rsplit("-", 1)[1]
    if kind.startswith("notice"):
        html = notice.render_notice_html(SubjectReport.of(checked, checked.subjects[0]), lang=lang, inline_css=False)
        sheet, extra = notice.STYLESHEET, notice._PAGE_CSS.get(lang, "")
    else:
        result = sichuan if kind.startswith("region") else checked
        level = "region" if kind.startswith("region") else "hospital"
        subject = next(s for s in result.subjects if s.subject.level == level)
        html = pdf.render_inspection_html(SubjectReport.of(result, subject), catalog, lang=lang, inline_css=False)
        sheet, extra = pdf.STYLESHEET, pdf._PAGE_CSS.get(lang, "")
    fromstring(html)  # the templates write XHTML: the fast parser takes it, no fallback
    caches = render.DocumentCaches(owns_process=True)
    config = caches.font_config
    sheets = caches.stylesheets(sheet, extra)
    with render.collector_relaxed(True):
        ours = render.html_document(html, caches).write_pdf(stylesheets=sheets, font_config=config)
        theirs = HTML(string=html, url_fetcher=render.SafeURLFetcher()).write_pdf(stylesheets=sheets, font_config=config)
    assert ours == theirs


def test_markup_the_xml_parser_refuses_is_parsed_as_html5() -> None:
    document = render.html_document("<!DOCTYPE html><html><body><p>甲\x0b乙<br>丙</p></body></html>")
    assert [p.text for p in document.etree_element.iter("p")] == ["甲\x0b乙"]
    assert len(document.render().pages) == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_name_with_a_control_character_still_prints(checked: CheckResult, catalog: Catalog, tmp_path: Path) -> None:
    subject = renamed(checked.subjects[0], "示例\x01医院")
    path = pdf.write_inspection_report(SubjectReport.of(checked, subject), catalog, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "示例" in text and "医院" in text and "医改政策符合性检查报告" in text
