"""Bundled CJK fonts (compliance.report.fonts) and the locked-down URL fetcher."""

from __future__ import annotations

import logging
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from compliance.report import fetcher, fonts
from compliance.report.fetcher import FetchRefused, SafeURLFetcher, safe_url_fetcher

ROOT = Path(__file__).resolve().parents[1]
CORE_REGULAR = "compliance-asset:fonts/ComplianceSansSC-Regular.ttf"

# Punctuation and symbols a report can contain (the brief's list, and more).
PUNCTUATION = "，。、；：？！“”‘’（）《》〈〉〔〕【】「」『』—…·～％＋－＝＜＞／＼｜＃＆＊＠￥"
SYMBOLS = "≥≤±×÷√℃‰№①②③⑩ⅠⅡⅢ㎡㎏㎎㎝㎜㎞→←↑↓※○●□■△▲◇◆★☆✓°′″"
REPORT_TEXT = (
    "哈尔滨医科大学附属第一医院、甘肃省人民医院、四川大学华西医院：激励性绩效工资占比 52.0%，"
    "低于 60%，差 8.0 个百分点。依据《关于加强公立医院运营管理的指导意见》（国卫财务发〔2020〕27号）"
    "【整改要求】——人员支出占比 ≥ 35%；温度 2～8 ℃ ± 0.5。ＡＢＣ１２３ Ⅳ ① lǜ ā\n\t\u3000"
)


def _gb2312() -> set[str]:
    chars = set()
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


# ------------------------------------------------------------------ fonts


def test_bundled_files_exist() -> None:
    for family in (fonts.FONT_FAMILY, fonts.FONT_FAMILY_EXT):
        for name in fonts.FONT_FILES[family].values():
            path = fonts.FONT_DIR / name
            assert path.is_file() and path.stat().st_size > 100_000, path
            assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType, not CFF
    assert (fonts.FONT_DIR / "LICENSE-OFL.txt").read_text(encoding="utf-8").count(
        "SIL OPEN FONT LICENSE Version 1.1") == 1
    assert (fonts.FONT_DIR / "README.md").is_file()


def test_covers_gb2312_punctuation_and_symbols() -> None:
    covered = fonts.covered_codepoints()
    gb2312 = _gb2312()
    hanzi = {c for c in gb2312 if "\u4e00" <= c <= "\u9fff"}
    assert len(hanzi) == 6763
    assert not [c for c in gb2312 if ord(c) not in covered]
    ascii_ = {chr(cp) for cp in range(0x20, 0x7F)}
    fullwidth = {chr(cp) for cp in range(0xFF01, 0xFF5F)}
    required = ascii_ | fullwidth | set(PUNCTUATION) | set(SYMBOLS) | {"\u3000"}
    assert not sorted(c for c in required if ord(c) not in covered)
    # The core family alone covers GB2312 (so common reports embed only it).
    from fontTools.ttLib import TTFont

    core = TTFont(fonts.FONT_DIR / fonts.FONT_FILES[fonts.FONT_FAMILY][400], lazy=True)
    assert {ord(c) for c in gb2312 | set(PUNCTUATION)} <= set(core.getBestCmap())


def test_ext_family_covers_gbk_hanzi() -> None:
    covered = fonts.covered_codepoints()
    for char in "埇堃珺喆赟昇燊犇淼":  # not GB2312, common in names
        assert ord(char) in covered, char


def test_missing_glyphs() -> None:
    assert fonts.missing_glyphs(REPORT_TEXT) == []
    assert fonts.missing_glyphs("") == []
    assert fonts.missing_glyphs("医院\u200b\u00ad\ufeff\r\n\u3000\ufe0f") == []  # never drawn
    assert fonts.missing_glyphs("四川𠀀医院𠀀，😀") == ["😀", "𠀀"]  # sorted, unique


def test_repository_texts_are_covered() -> None:
    """Rule files and report templates only use characters the fonts can draw
    (if this fails, re-run tools/build_cjk_font.py or change the text)."""
    paths = sorted((ROOT / "rules").glob("*.yaml")) + sorted(
        (ROOT / "src" / "compliance").glob("**/*.j2"))
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert fonts.missing_glyphs(text) == []


def test_font_face_css() -> None:
    css = fonts.font_face_css()
    assert css.count("@font-face") == 4
    for weight, name in fonts.FONT_FILES[fonts.FONT_FAMILY].items():
        assert f'src: url("compliance-asset:fonts/{name}")' in css
        assert f"font-weight: {weight};" in css
    assert f'font-family: "{fonts.FONT_FAMILY}";' in css
    assert fonts.FONT_STACK.startswith(f'"{fonts.FONT_FAMILY}", "{fonts.FONT_FAMILY_EXT}"')


# ------------------------------------------------------------------ fetcher


def test_fetcher_serves_bundled_font() -> None:
    for fetch in (safe_url_fetcher, SafeURLFetcher()):
        response = fetch(CORE_REGULAR)
        try:
            body = response.read()
        finally:
            response.close()
        assert body == (fonts.FONT_DIR / "ComplianceSansSC-Regular.ttf").read_bytes()
        assert response.content_type == "font/ttf"
        assert response.url == CORE_REGULAR


def test_fetcher_allows_data_urls() -> None:
    response = safe_url_fetcher("data:text/css;base64,Ym9keXt9")
    assert response.read() == b"body{}"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.com/x",
    "https://example.com/x",
    "ftp://example.com/x",
    "compliance-asset:../../../etc/passwd",
    "compliance-asset:fonts/../../../../etc/passwd",
    "compliance-asset:fonts/%2e%2e/%2e%2e/fetcher.py",
    "compliance-asset:/etc/passwd",
    "compliance-asset://etc/passwd",
    "compliance-asset:fonts\\..\\fetcher.py",
    "compliance-asset:fetcher.py",  # only fonts/, css/, static/ are served
    "compliance-asset:fonts",
    "compliance-asset:fonts/",
    "compliance-asset:fonts/.hidden",
    "compliance-asset:fonts/no-such-font.ttf",
    "compliance-asset:",
    "/etc/passwd",
])
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(FetchRefused) as info:
        safe_url_fetcher(url)
    assert repr(url) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_fetcher_refuses_symlink_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    root = tmp_path / "report"
    (root / "fonts").mkdir(parents=True)
    (root / "fonts" / "ok.ttf").write_bytes(b"font")
    (root / "fonts" / "evil.ttf").symlink_to(secret)
    (root / "fonts" / "inside.ttf").symlink_to(root / "fonts" / "ok.ttf")
    monkeypatch.setattr(fetcher, "ASSET_ROOT", root)
    assert safe_url_fetcher("compliance-asset:fonts/ok.ttf").read() == b"font"
    assert safe_url_fetcher("compliance-asset:fonts/inside.ttf").read() == b"font"
    with pytest.raises(FetchRefused):
        safe_url_fetcher("compliance-asset:fonts/evil.ttf")


# ------------------------------------------------------------------ WeasyPrint


class RecordingFetcher(SafeURLFetcher):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        try:
            response = super().fetch(url, headers)
        except FetchRefused:
            self.calls.append((url, "refused"))
            raise
        self.calls.append((url, "served"))
        return response


@pytest.fixture
def no_file_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail loudly if urllib's file: handler is used at all."""
    opened: list[str] = []

    def file_open(self: Any, req: Any) -> Any:
        opened.append(req.full_url)
        raise AssertionError(f"file: URL opened: {req.full_url}")

    monkeypatch.setattr(urllib.request.FileHandler, "file_open", file_open)
    return opened


@pytest.mark.parametrize("html", [
    '<p>x</p><img src="file:///etc/passwd">',
    "<style>@import url(file:///etc/passwd);</style><p>x</p>",
    '<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>',
    "<style>@font-face { font-family: X; src: url(file:///etc/passwd) }"
    " p { font-family: X; background: url(http://example.com/x.png) }</style><p>x</p>",
])
def test_weasyprint_never_reads_local_files(html: str, no_file_reads: list[str]) -> None:
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    recorder = RecordingFetcher()
    pdf = weasyprint.HTML(string=html, url_fetcher=recorder).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert any(status == "refused" for _url, status in recorder.calls), recorder.calls
    assert all(status == "refused" for _url, status in recorder.calls)
    assert no_file_reads == []


def test_weasyprint_css_object_import(no_file_reads: list[str]) -> None:
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    recorder = RecordingFetcher()
    css = weasyprint.CSS(string="@import url(file:///etc/passwd); p { color: red }",
                         url_fetcher=recorder)
    pdf = weasyprint.HTML(string="<p>x</p>", url_fetcher=recorder).write_pdf(stylesheets=[css])
    assert pdf.startswith(b"%PDF")
    assert recorder.calls == [("file:///etc/passwd", "refused")]
    assert no_file_reads == []


def test_plain_function_fetcher_works_with_weasyprint(no_file_reads: list[str]) -> None:
    """WeasyPrint 70 reads `url_fetcher._fail_on_errors` when a fetch fails."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    pdf = weasyprint.HTML(string='<img src="file:///etc/passwd">',
                          url_fetcher=safe_url_fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("backend", ["fonttools", "harfbuzz"])
def test_chinese_pdf_embeds_bundled_subset(backend: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Both font subsetters WeasyPrint 70 may use (fontTools is its fallback when
    libharfbuzz-subset is missing) embed a small, text-extractable subset."""
    import weasyprint
    import weasyprint.pdf.fonts as wp_pdf_fonts

    if backend == "fonttools":
        monkeypatch.setattr(wp_pdf_fonts, "harfbuzz_subset", None)
    elif wp_pdf_fonts.harfbuzz_subset is None:
        pytest.skip("libharfbuzz-subset not installed")
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    recorder = RecordingFetcher()
    html = (f"<html lang='zh-CN'><style>{fonts.font_face_css()}"
            f"body {{ font-family: {fonts.FONT_STACK} }}</style>"
            f"<p>{REPORT_TEXT}</p><p><b>四川大学华西医院</b></p></html>")
    out = tmp_path / "zh.pdf"
    weasyprint.HTML(string=html, url_fetcher=recorder).write_pdf(out)
    served = {url for url, status in recorder.calls if status == "served"}
    assert CORE_REGULAR in served
    assert 20_000 < out.stat().st_size < 200_000  # subset, not the 2.4 MB font
    if shutil.which("pdffonts") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                             check=True).stdout
    embedded = [line for line in listing.splitlines() if "Compliance-Sans-SC" in line]
    assert len(embedded) == 2, listing  # Regular + Bold; Ext not needed here
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in embedded), listing
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for phrase in ("哈尔滨医科大学附属第一医院", "甘肃省人民医院", "四川大学华西医院",
                   "激励性绩效工资占比52.0%，低于60%，差8.0个百分点", "〔2020〕27号"):
        assert phrase in flat, phrase


def test_bundled_fonts_are_registered_in_place_with_no_temporary_copy(checked, catalog, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's own loader copies each @font-face font into a weasyprint-* folder of TMPDIR and
    leaves it there when a worker ends; registered in place, the PDF is the same, byte for byte."""
    import datetime as dt
    import tempfile

    from weasyprint.text.fonts import FontConfiguration

    from compliance.report import pdf, render
    from compliance.report.inputs import SubjectReport

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    report = SubjectReport.of(checked, checked.subjects[0])
    in_place = pdf.inspection_report_pdf(report, catalog, render.DocumentCaches(), dt.date(2026, 1, 1))
    assert list(tmp_path.iterdir()) == []
    copied = render.DocumentCaches()
    copied._font_config = FontConfiguration()
    assert pdf.inspection_report_pdf(report, catalog, copied, dt.date(2026, 1, 1)) == in_place
    assert [path.name.startswith("weasyprint-") for path in tmp_path.iterdir()] == [True]  # what it used to leave
