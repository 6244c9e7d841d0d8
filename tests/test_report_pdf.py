"""PDF inspection report: content, escaping, no resource fetching, golden HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compliance.pipeline.check import get_profile, run_check
from compliance.report import charts, pdf, pdf_region, render
from compliance.report.inputs import SubjectReport
from compliance.results.run import CheckResult, SubjectResult
from compliance.results.status import Status
from compliance.rules.spec import Catalog

from .conftest import renamed

ROOT = Path(__file__).resolve().parents[1]
NONCOMPLIANT = ROOT / "examples" / "hospital-noncompliant.xlsx"
GOLDEN = Path(__file__).resolve().parent / "golden" / "inspection-noncompliant.html"
EVIL_NAME = '<img src="file:///etc/passwd">示例医院'

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout


@needs_pdftotext
def test_pdf_shows_rules_gaps_and_hospital(checked: CheckResult, catalog: Catalog, tmp_path: Path) -> None:
    subject = checked.subjects[0]
    path = pdf.write_inspection_report(SubjectReport.of(checked, subject), catalog, tmp_path / "report.pdf")
    assert path == tmp_path / "report.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(path)
    flat = re.sub(r"\s+", "", text)  # table cells wrap; compare without layout whitespace
    for expected in ("医改政策符合性检查报告", "哈尔滨市示例第一人民医院", "12230100MB00000010",
                     "绩效工资用于激励的比例不低于60%", "公立医院取消药品加成", "8.0个百分点", "120万元",
                     "差距最大的三项", "整改建议", "检查人员（签字）", "被检查单位负责人（签字）"):
        assert expected in flat, expected
    footer = re.search(r"第\s*2\s*页\s*/\s*共\s*(\d+)\s*页", text)  # the cover has no footer
    assert footer, text[:2000]
    pages = int(footer[1])
    assert pages >= 5 and f"第{pages}页/共{pages}页" in flat


@needs_pdftotext
def test_pdf_uses_bundled_font(checked: CheckResult, catalog: Catalog, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts not installed")
    path = pdf.write_inspection_report(SubjectReport.of(checked, checked.subjects[0]), catalog, tmp_path / "report.pdf")
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "Compliance-Sans-SC" in fonts
    assert "Noto-Sans-CJK" not in fonts  # the slow system fallback was not needed


def test_html_escapes_submitted_text(checked: CheckResult, catalog: Catalog) -> None:
    subject = renamed(checked.subjects[0], EVIL_NAME)
    html = pdf.render_inspection_html(SubjectReport.of(checked, subject), catalog)
    assert "&lt;img" in html
    assert '<img src="file:///etc/passwd">' not in html
    assert all(src.startswith("data:image/") for src in re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", html))
    assert re.search(r"<img src=\"data:image/(png|svg\+xml);base64,", html)  # the domain chart


def test_pdf_with_hostile_name_fetches_only_bundled_assets(checked: CheckResult, catalog: Catalog,
                                                           tmp_path: Path, fetched_urls: list[str]) -> None:
    fetched = fetched_urls
    subject = renamed(checked.subjects[0], EVIL_NAME)
    path = pdf.write_inspection_report(SubjectReport.of(checked, subject), catalog, tmp_path / "evil.pdf")
    assert path.stat().st_size > 1000
    assert fetched, "the bundled fonts should have been fetched through the safe fetcher"
    assert any(url.startswith("compliance-asset:fonts/") for url in fetched), fetched
    # fonts, and the charts the report embeds as data: URLs; nothing else
    assert all(url.startswith(("compliance-asset:fonts/", "data:image/")) for url in fetched), fetched
    if shutil.which("pdftotext"):
        flat = re.sub(r"\s+", "", _pdf_text(path))
        assert re.sub(r"\s+", "", EVIL_NAME) in flat  # shown as text, not loaded


def test_missing_glyph_is_logged_not_fatal(checked: CheckResult, catalog: Catalog, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render.fonts, "missing_glyphs", lambda text: ["\U0002003e"] if "\U0002003e" in text else [])
    rendered: list[str] = []

    class FakeDocument:  # layout of the fallback font is slow; only the warning matters here
        def __init__(self, markup: str, caches: object = None) -> None:
            rendered.append(markup)

        def write_pdf(self, **kwargs: object) -> bytes:
            return b"%PDF-1.7 fake"

    monkeypatch.setattr(render, "html_document", FakeDocument)
    subject = renamed(checked.subjects[0], "哈尔滨市第\U0002003e医院")
    with caplog.at_level("WARNING", logger=render.__name__):
        path = pdf.write_inspection_report(SubjectReport.of(checked, subject), catalog, tmp_path / "glyph.pdf")
    assert path.exists() and rendered
    assert "U+2003E" in caplog.text and "哈尔滨市第\U0002003e医院" in caplog.text


def _normalise(html: str, today: dt.date) -> str:
    """Report content only: today's date, the stylesheet (fonts, layout) and the chart
    images (data: URLs, whose bytes depend on the matplotlib build) are left out."""
    html = re.sub(r"<style[^>]*>.*?</style>", "<style>…</style>", html, flags=re.DOTALL)
    html = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "data:image/…", html).replace(f"{ROOT}/", "")
    return html.replace(f"{today.year}年{today.month}月{today.day}日", "YYYY年M月D日")


def test_html_matches_golden(checked: CheckResult, catalog: Catalog) -> None:
    today = dt.date.today()
    html = _normalise(pdf.render_inspection_html(SubjectReport.of(checked, checked.subjects[0]), catalog), today)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(html, encoding="utf-8")
    assert GOLDEN.exists(), f"{GOLDEN} missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    expected = GOLDEN.read_text(encoding="utf-8")
    assert html == expected, "rendered HTML differs from the golden file; review, then UPDATE_GOLDEN=1"




def _region(result: CheckResult) -> SubjectResult:
    return next(s for s in result.subjects if s.subject.level == "region")


def test_region_view_ranks_hospitals_and_lists_failures(sichuan: CheckResult, catalog: Catalog) -> None:
    region = _region(sichuan)
    view = pdf.build_context(SubjectReport.of(sichuan, region), catalog, render.DocumentCaches())["region"]
    names = [h["name"] for h in view["hospitals"]]
    assert names == ["成都市示例第一医院", "成都市示例第二医院"]  # 100% before 0%
    assert [h["rank"] for h in view["hospitals"]] == [1, 2]
    assert len(view["rules"]) == 10 and all(len(chunk) <= pdf_region.MATRIX_COLUMNS for chunk in view["matrix"])
    failing = {rule["rule_id"]: [row["name"] for row in rule["rows"]] for rule in view["failing"]}
    assert failing["sichuan-14fyp.e-voucher-system-integration"] == ["成都市示例第二医院"]
    assert view["indicators"] and all(i["chart"].startswith("data:image/") for i in view["indicators"])
    # hospital reports have no region section
    hospital = next(s for s in sichuan.subjects if s.subject.level == "hospital")
    assert pdf.build_context(SubjectReport.of(sichuan, hospital), catalog, render.DocumentCaches())["region"] is None


@needs_pdftotext
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_summary_of_many_policy_domains_keeps_to_one_page(sichuan: CheckResult, catalog: Catalog, tmp_path: Path,
                                                           lang: str) -> None:
    """16 domains: those with something to act on get a row each, the settled ones share a row that
    names them, and the whole summary, three largest gaps included, is page 2."""
    region = _region(sichuan)
    domains = {f.domain for f in region.findings}
    assert len(domains) > pdf.SUMMARY_DOMAIN_ROWS
    html = pdf.render_inspection_html(SubjectReport.of(sichuan, region), catalog, lang=lang)
    table = html.split('<table class="domains">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], flags=re.DOTALL)
    assert len(rows) <= pdf.SUMMARY_DOMAIN_ROWS + 2  # + the shared row and the row naming its domains
    other = "其余 14 个领域" if lang == "zh" else "Other 14 domains"
    assert other in rows[-2] and ("中医药" if lang == "zh" else "Traditional Chinese medicine") in rows[-1]
    path = pdf.write_inspection_report(SubjectReport.of(sichuan, region), catalog, tmp_path / "region.pdf", lang=lang)
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert ("（三）差距最大的三项" if lang == "zh" else "1.3 The three largest gaps") in page2
    assert other in page2


def test_domain_table_shares_a_row_only_among_settled_domains() -> None:
    def row(domain: str, worst: Status) -> dict[str, Any]:
        return {"domain": domain, "total": 2, "counts": {Status.FAIL: int(worst is Status.FAIL), Status.PASS: 1},
                "worst": worst}

    present = [Status.FAIL, Status.PASS]
    few = [row(f"d{i}", Status.PASS) for i in range(pdf.SUMMARY_DOMAIN_ROWS)]
    assert pdf._domain_table(few, present, "zh") == few
    many = [row(f"f{i}", Status.FAIL) for i in range(pdf.SUMMARY_DOMAIN_ROWS)] + [row("p1", Status.PASS)]
    assert pdf._domain_table(many, present, "zh") == many  # one settled domain: nothing to share
    many += [row("p2", Status.NOT_APPLICABLE)]
    table = pdf._domain_table(many, present, "en")
    assert [r["domain"] for r in table] == [f"f{i}" for i in range(pdf.SUMMARY_DOMAIN_ROWS)] + [None]
    rest = table[-1]
    assert rest["count"] == 2 and rest["total"] == 4 and rest["counts"] == {Status.FAIL: 0, Status.PASS: 2}
    assert rest["worst"] is Status.PASS and rest["names"] == "p1, p2"


def test_a_subject_without_items_says_so_instead_of_an_empty_domain_table(catalog: Catalog) -> None:
    harbin = run_check(catalog, get_profile(catalog, "headline"), sorted((ROOT / "examples" / "harbin").glob("*.xlsx")))
    html = pdf.render_inspection_html(SubjectReport.of(harbin, _region(harbin)), catalog)
    summary = html.split('<section class="summary">')[1].split("</section>")[0]
    assert 'class="domains"' not in summary and "本次没有检查项。" in summary


def test_items_of_a_share_rule_show_each_units_own_value_not_a_percentage(catalog: Catalog) -> None:
    """Harbin: a pooling area counts when monitoring covers 3 of 3 services; the share of such areas
    is in %, an area's count is not (it read 300.0%, gap 200 个百分点)."""
    harbin = run_check(catalog, get_profile(catalog, "auto"), sorted((ROOT / "examples" / "harbin").glob("*.xlsx")))
    finding = next(f for f in _region(harbin).findings if f.rule_id == "harbin-2017.smart-monitoring-majority-of-pools")
    rows = pdf._item_rows(finding, "zh")["rows"]
    assert {row["observed"] for row in rows} == {"3", "1"} and {row["gap"] for row in rows} == {"2", "—"}


def test_chart_labels_are_cut_to_a_width_not_a_character_count() -> None:
    assert charts._short("医疗保障经办服务覆盖率达到百分百", 10) == "医疗保障经办服务覆…"
    assert charts._short("Insurance payment", 10) == "Insurance payment"  # 17 Latin letters fit 10 Chinese
    assert charts._short("Traditional Chinese medicine", 10) == "Traditional…"  # never cut mid-word
    assert charts._short("Insurance benefits and more", 10) == "Insurance benefits…"
    assert charts._short("Internationalisation-wide", 10) == "Internationalisati…"  # one word too long: cut
    assert charts._short("中医药", 10) == "中医药"


@needs_pdftotext
def test_region_pdf_shows_ranking_matrix_and_rules(sichuan: CheckResult, catalog: Catalog, tmp_path: Path) -> None:
    path = pdf.write_inspection_report(SubjectReport.of(sichuan, _region(sichuan)), catalog, tmp_path / "region.pdf")
    flat = re.sub(r"\s+", "", _pdf_text(path))
    for expected in ("四川省", "辖区医院检查情况", "医院符合率排名", "成都市示例第一医院", "成都市示例第二医院",
                     "医院与检查项结果矩阵", "主要指标分布", "各检查项未达标医院", "定点医药机构全面完成医保电子凭证系统对接",
                     "1,100万元"):
        assert expected in flat, expected
    html = pdf.render_inspection_html(SubjectReport.of(sichuan, _region(sichuan)), catalog)
    assert html.count('<img src="data:image/') >= 3  # domain chart + indicator charts


def test_summary_headings_sit_below_the_status_table_when_there_is_no_chart(catalog: Catalog) -> None:
    """A region without rules of its own has no domain chart: the status table floats alone in its
    row, and the headings after it must still start below it (a flow-root container once let them
    overlap it: WeasyPrint gives a flow root whose only child is a float no height)."""
    from weasyprint.formatting_structure.boxes import BlockBox, TableBox

    harbin = run_check(catalog, get_profile(catalog, "headline"), sorted((ROOT / "examples" / "harbin").glob("*.xlsx")))
    region = _region(harbin)
    assert not region.findings
    html = pdf.render_inspection_html(SubjectReport.of(harbin, region), catalog)
    assert "domain-chart" not in html.split('<section class="summary">')[1].split("</section>")[0]
    caches = render.DocumentCaches()
    document = render.html_document(html, caches).render(stylesheets=caches.stylesheets(pdf.STYLESHEET),
                                                         font_config=caches.font_config)

    def boxes(box: Any) -> Iterator[Any]:  # WeasyPrint's box tree, depth first
        yield box
        for child in getattr(box, "children", ()):
            yield from boxes(child)

    summary_page = next(page for page in document.pages
                        if any(isinstance(b, TableBox) and "counts" in (b.element.get("class") or "")
                               for b in boxes(page._page_box)))
    page_boxes = list(boxes(summary_page._page_box))
    table = next(b for b in page_boxes if isinstance(b, TableBox) and "counts" in (b.element.get("class") or ""))
    table_bottom = table.position_y + table.margin_height()
    headings = [b for b in page_boxes if isinstance(b, BlockBox) and b.element_tag == "h2"][1:]  # after the table's own
    assert [h.element.text for h in headings] == ["（二）各政策领域检查结果", "（三）差距最大的三项"]
    assert all(h.position_y >= table_bottom for h in headings), (table_bottom, [h.position_y for h in headings])


def test_chart_is_embedded_as_data_url_and_deterministic(checked: CheckResult, catalog: Catalog) -> None:
    first = pdf.render_inspection_html(SubjectReport.of(checked, checked.subjects[0]), catalog,
                                       render.DocumentCaches())
    # drawn again by another worker's caches, not taken from the first one's memo
    second = pdf.render_inspection_html(SubjectReport.of(checked, checked.subjects[0]), catalog,
                                        render.DocumentCaches())
    assert re.search(r'<img src="data:image/(png|svg\+xml);base64,[A-Za-z0-9+/=]{200,}"', first)
    assert first == second


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils (pdfimages) not installed")
def test_a_chart_image_taken_from_the_shared_image_cache_is_in_the_pdf(checked: CheckResult, catalog: Catalog,
                                                                      tmp_path: Path) -> None:
    caches = render.DocumentCaches()
    report = SubjectReport.of(checked, checked.subjects[0])
    first = tmp_path / "first.pdf"
    first.write_bytes(pdf.inspection_report_pdf(report, catalog, caches))
    assert caches.images, "the chart was not cached"
    second = tmp_path / "second.pdf"
    second.write_bytes(pdf.inspection_report_pdf(report, catalog, caches))

    def images(path: Path) -> list[list[str]]:
        listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
        return [line.split()[3:6] for line in listing.splitlines()[2:]]  # width, height, colour space

    assert images(first) == images(second) and len(images(second)) == 1


def test_a_worker_rendering_report_after_report_does_not_grow(checked: CheckResult, catalog: Catalog) -> None:
    """A worker's document garbage (cycles) was frozen out of collection with the long-lived objects
    and never collected: about 5 MiB a report, without bound.  It is collected after each document."""
    caches = render.DocumentCaches(owns_process=True)  # as a worker process's
    report = SubjectReport.of(checked, checked.subjects[0])

    def resident_mib() -> float:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2 ** 20

    for _ in range(4):
        pdf.inspection_report_pdf(report, catalog, caches)
    before = resident_mib()
    for _ in range(20):
        pdf.inspection_report_pdf(report, catalog, caches)
    growth = resident_mib() - before
    assert growth < 40, f"20 reports grew the worker by {growth:.0f} MiB"


def test_the_image_cache_is_emptied_between_documents_once_it_is_full() -> None:
    caches = render.DocumentCaches()
    cache = caches.image_cache()
    cache.update((n, b"") for n in range(render.IMAGE_CACHE_ENTRIES))
    assert len(caches.image_cache()) == render.IMAGE_CACHE_ENTRIES  # full, kept
    cache["one more"] = b""
    assert caches.image_cache() == {}


def test_summary_chart_is_drawn_once_per_distinct_data() -> None:
    labels = {status: status.value for status in Status}
    caches = render.DocumentCaches()
    drawn: list[int] = []
    draw = charts._domain_status_chart

    def counting(*args: Any) -> str:
        drawn.append(1)
        return draw(*args)

    charts._domain_status_chart = counting  # type: ignore[assignment]
    try:
        rows = [("药品价格", {Status.FAIL: 1, Status.PASS: 2}), ("薪酬制度", {Status.WARN: 1})]
        first = charts.domain_status_chart(rows, labels, "检查项数", caches)
        # equal counts (zero counts and dict order do not matter): the same chart, not drawn again
        same = charts.domain_status_chart([("药品价格", {Status.PASS: 2, Status.FAIL: 1, Status.ERROR: 0}),
                                           ("薪酬制度", {Status.WARN: 1})], labels, "检查项数", caches)
        assert same == first and len(drawn) == 1
        # one count more, another domain name or another legend wording: another chart
        assert charts.domain_status_chart([("药品价格", {Status.FAIL: 2, Status.PASS: 2}),
                                           ("薪酬制度", {Status.WARN: 1})], labels, "检查项数", caches) != first
        assert charts.domain_status_chart([("药品价格", {Status.FAIL: 1, Status.PASS: 2}),
                                           ("医疗费用", {Status.WARN: 1})], labels, "检查项数", caches) != first
        assert charts.domain_status_chart(rows, {**labels, Status.FAIL: "不达标"}, "检查项数", caches) != first
        assert len(drawn) == 4
        assert charts.domain_status_chart([], labels, "检查项数", caches) is None
        # another worker (another context) draws its own
        charts.domain_status_chart(rows, labels, "检查项数", render.DocumentCaches())
        assert len(drawn) == 5
    finally:
        charts._domain_status_chart = draw  # type: ignore[assignment]


def test_write_reports_in_parallel_chooses_layout_by_level(sichuan: CheckResult, catalog: Catalog,
                                                           tmp_path: Path) -> None:
    from compliance.report import write_reports

    written = write_reports(sichuan, catalog, tmp_path, workers=2).paths
    pdfs = [p for p in written if p.suffix == ".pdf"]
    assert len(pdfs) == 3 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    if shutil.which("pdftotext"):
        region_pdf = next(p for p in pdfs if p.name.startswith("510000"))
        assert "辖区医院检查情况" in re.sub(r"\s+", "", _pdf_text(region_pdf))
        hospital_pdf = next(p for p in pdfs if not p.name.startswith("510000"))
        assert "辖区医院检查情况" not in re.sub(r"\s+", "", _pdf_text(hospital_pdf))


def test_english_report_uses_the_message_catalogue(sichuan: CheckResult, catalog: Catalog) -> None:
    html = pdf.render_inspection_html(SubjectReport.of(sichuan, _region(sichuan)), catalog, lang="en")
    assert "Health-reform compliance inspection report" in html and 'lang="en"' in html
    assert "4. Data problems and refused files" in html  # renumbered after the hospitals' section
    zh = pdf.render_inspection_html(SubjectReport.of(sichuan, _region(sichuan)), catalog)
    assert "医改政策符合性检查报告" in zh and "四、数据问题与拒收文件" in zh


def test_ratios_in_the_appendix_and_the_data_used_print_as_percentages(catalog: Catalog) -> None:
    """The Harbin hospital's outpatient cost growth of 9% printed as "0.09 %" in the appendix."""
    harbin = run_check(catalog, get_profile(catalog, "auto"), [ROOT / "examples" / "harbin" / "hospital-2.xlsx"],
                       workers=0)
    for lang in ("zh", "en"):
        html = pdf.render_inspection_html(SubjectReport.of(harbin, harbin.subjects[0]), catalog, lang=lang)
        appendix = html.split('<section class="appendix">')[1]
        row = re.search(r'<tr><td class="latin code-cell">outpatient_cost_per_visit_growth</td>.*?</tr>', appendix)
        assert row and '<td class="num">9.0%</td>' in row.group(0), row
        assert "0.09" not in row.group(0) and "<td>%</td>" not in row.group(0)
        findings = html.split('<section class="findings">')[1].split("</section>")[0]
        assert "门诊病人次均医药费用增长率 9.0%" in findings and "0.09" not in findings


def test_the_largest_gaps_are_ranked_by_how_much_of_the_requirement_is_missed(catalog: Catalog) -> None:
    """300 元 of a 500 元 cap (60 % over) outranks 20 万元 of a 200 万元 target (10 % short), whatever
    the raw numbers; equal shares go to the larger money amount in 元, not to the larger number."""
    from compliance.report.summary import largest_gaps, missed_share
    from compliance.results.quantities import Quantity, Requirement

    base = next(f for f in run_check(catalog, get_profile(catalog, "headline"), [NONCOMPLIANT], workers=0).findings
                if f.kind == "threshold")

    def missing(rule_id: str, gap: float, threshold: float, unit: str, amount: Quantity) -> Any:
        return dataclasses.replace(base, rule_id=rule_id, kind="threshold", status=Status.FAIL,
                                   required=Requirement(">=", Quantity(threshold, unit)), gap=Quantity(gap, unit),
                                   gap_amounts=(amount,))

    small = missing("yuan", 300.0, 500.0, "元", Quantity(300.0, "元"))
    large = missing("wan", 20.0, 200.0, "万元", Quantity(20.0, "万元"))
    assert missed_share(small) == pytest.approx(0.6) and missed_share(large) == pytest.approx(0.1)
    assert [f.rule_id for f in largest_gaps([large, small])] == ["yuan", "wan"]
    even = missing("wan-even", 300.0, 500.0, "万元", Quantity(300.0, "万元"))
    assert [f.rule_id for f in largest_gaps([small, even])] == ["wan-even", "yuan"]  # 300 万元 > 300 元


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_large_regions_report_lists_its_lowest_rated_hospitals_and_says_how_many_it_leaves_out(
        catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    from benchmarks.province import make_province, write_province

    province = make_province("510000", 40, 17)
    write_province(province, ["2025Q4"], tmp_path, catalog=catalog, seed=17)
    result = run_check(catalog, get_profile(catalog, "auto"), [tmp_path / "2025Q4"], workers=0)
    region = next(s for s in result.subjects if s.subject.code == "510000")
    full = pdf_region.region_view(SubjectReport.of(result, region), lang)
    assert len(full["hospitals"]) == full["hospital_count"] == 40 and not any(r["more"] for r in full["failing"])

    monkeypatch.setattr(pdf_region, "HOSPITALS_LISTED", 10)
    monkeypatch.setattr(pdf_region, "FAILING_LISTED", 2)
    view = pdf_region.region_view(SubjectReport.of(result, region), lang)
    rated = [row for row in full["hospitals"] if row["rate"] is not None]
    assert [row["code"] for row in view["hospitals"]] == [row["code"] for row in rated[-10:]]
    assert [row["rank"] for row in view["hospitals"]] == [row["rank"] for row in rated[-10:]]  # ranks of all 40
    assert view["hospital_count"] == 40
    for cut, whole in zip(view["failing"], full["failing"]):
        assert cut["rows"] == whole["rows"][:2] and cut["bad"] == len(whole["rows"])
        assert cut["more"] == max(0, len(whole["rows"]) - 2)
    assert any(rule["more"] for rule in view["failing"])
    html = pdf.render_inspection_html(SubjectReport.of(result, region), catalog, lang=lang)
    text = re.sub(r"<[^>]+>", "", html)
    if lang == "zh":
        assert "辖区共 40 家医院；为控制报告篇幅，排名表和结果矩阵只列出符合率最低的 10 家" in text
        assert "全部医院的逐项结果见差距报告工作簿「矩阵」工作表" in text
        assert re.search(r"另有 \d+ 家未列出（表中按结论严重程度列出前 2 家），全部见差距报告工作簿「问题清单」工作表", text)
    else:
        assert "The region has 40 hospitals; to keep the report readable, the ranking and the matrix list only the 10" \
            in text
        assert re.search(r"\d+ more hospitals are not listed \(the table lists the 2 most severe\)", text)
