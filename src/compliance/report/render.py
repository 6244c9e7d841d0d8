"""WeasyPrint plumbing shared by the PDF documents (inspection report, inspection notice).

The HTML carries text taken from submitted workbooks, so templates render with autoescaping
on and WeasyPrint only ever sees the locked-down fetcher of :mod:`compliance.report.fetcher`,
which serves the bundled CJK fonts and ``data:`` URLs (the matplotlib charts) and nothing else.
What documents reuse (template environment, fonts, parsed stylesheets, images, charts) lives in
a :class:`DocumentCaches` of the worker's context: one per worker process, or per run in this
process, never shared between runs or threads.
"""

from __future__ import annotations

import gc
import html as html_lib
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from compliance.report import fonts
from compliance.report.fetcher import SafeURLFetcher
from compliance.results.findings import Finding
from compliance.results.identity import Subject
from compliance.results.status import Status
from compliance.wording import catalogue, documents, quantities
from compliance.wording import findings as worded

__all__ = ["DocumentCaches", "html_document", "write_pdf"]

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Bundled families first; system Noto only for a character neither bundled font has.
FONT_STACK = f'"{fonts.FONT_FAMILY}", "{fonts.FONT_FAMILY_EXT}", "Noto Sans CJK SC", sans-serif'
# A half-width space after full-width punctuation (left by folded YAML text, or between a name
# ending in ） and a number): dropped in Chinese; in English only before Chinese text.
_SPACE_AFTER_PUNCT = re.compile(r"(?<=[，。；：、！？）」』”])[ \t\n]+")
_SPACE_BEFORE_CJK = re.compile(r"(?<=[，。；：、！？）」』”])[ \t\n]+(?=[\u3000-\u9fff\uff00-\uffef“‘「『（])")
IMAGE_CACHE_ENTRIES = 256
CHART_CACHE_ENTRIES = 128


def zh_text(text: object, lang: str = "zh") -> str:
    pattern = _SPACE_AFTER_PUNCT if lang == "zh" else _SPACE_BEFORE_CJK
    return pattern.sub("", str(text or "")).strip()


def _lang(context: Any) -> str:
    return context.get("lang", catalogue.DEFAULT_LANGUAGE)


def _worded(function: Callable[[Finding, str], str]) -> Any:
    """A template filter ``finding | name`` that words a finding in the document's language."""
    return pass_context(lambda context, finding: function(finding, _lang(context)))


def _plural(context: Any, key: str, n: float, **values: Any) -> str:
    return catalogue.plural(key, n, _lang(context), **values)


def build_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update({
        "zh": pass_context(lambda context, value: zh_text(value, _lang(context))),
        "status_zh": pass_context(lambda context, status: catalogue.status_label(Status(status), _lang(context))),
        "title": _worded(worded.title),
        "observed": _worded(worded.observed),
        "required": _worded(worded.required),
        "gap": _worded(worded.gap),
        "amount": _worded(worded.gap_amount),
        "amount_label": _worded(worded.gap_amount_label),
        "conclusion": _worded(worded.message),
        "remediation": _worded(worded.remediation),
        "document_status": _worded(lambda finding, lang: documents.validity_text(finding.citation, lang)),
        "quantity": pass_context(lambda context, value: quantities.quantity(value, _lang(context))),
        "unit": pass_context(lambda context, unit: catalogue.unit_name(unit, _lang(context))),
        "domain": pass_context(lambda context, domain: catalogue.domain_label(domain, _lang(context))),
        "percent": lambda rate: "—" if rate is None else f"{rate * 100:.1f}%",
        "basename": lambda path: Path(str(path)).name,
    })
    env.globals["plural"] = pass_context(_plural)
    return env


class DocumentCaches:
    """What PDF documents rendered by one worker reuse.  ``owns_process``: the worker is a process
    of its own, so a document may be laid out with the garbage collector relaxed."""

    def __init__(self, owns_process: bool = False) -> None:
        self.owns_process = owns_process
        self._environment: Environment | None = None
        self._font_config: Any = None
        self._stylesheets: dict[tuple[str, str], list[Any]] = {}
        self._user_agent: Any = None
        self.images: dict[Any, Any] = {}  # WeasyPrint's image cache, see image_cache()
        self.charts: dict[Any, str] = {}  # data URLs of charts drawn, by their data

    @property
    def environment(self) -> Environment:
        if self._environment is None:
            self._environment = build_environment()
        return self._environment

    @property
    def font_config(self) -> Any:
        """One font configuration per worker, with the bundled fonts registered where they lie
        (see :mod:`compliance.report.fontconfig`); later documents reuse it."""
        if self._font_config is None:
            from compliance.report.fontconfig import BundledFontConfiguration

            self._font_config = BundledFontConfiguration()
        return self._font_config

    def stylesheets(self, name: str, extra: str = "") -> list[Any]:
        """The stylesheet `name` (plus `extra` CSS, e.g. a language's page wording) parsed once per
        worker; its @font-face rules are registered in the worker's font configuration, fetched
        through the safe fetcher."""
        from weasyprint import CSS

        key = (name, extra)
        if key not in self._stylesheets:
            sheets = [CSS(string=str(stylesheet_text(name)), url_fetcher=SafeURLFetcher(),
                          font_config=self.font_config)]
            if extra:
                sheets.append(CSS(string=extra, url_fetcher=SafeURLFetcher(), font_config=self.font_config))
            self._stylesheets[key] = sheets
        return self._stylesheets[key]

    def image_cache(self) -> dict[Any, Any]:
        """WeasyPrint's image cache, shared by this worker's documents: a chart drawn for equal data
        has the same ``data:`` URL, so it is decoded and compressed for the PDF once.  Emptied
        between documents, never during one, when it grows past IMAGE_CACHE_ENTRIES."""
        if len(self.images) > IMAGE_CACHE_ENTRIES:
            self.images.clear()
        return self.images

    def chart(self, key: Any, draw: Callable[[], str]) -> str:
        """The data URL of the chart `key` describes, drawn once per worker for equal data."""
        if key not in self.charts:
            if len(self.charts) >= CHART_CACHE_ENTRIES:
                self.charts.clear()
            self.charts[key] = draw()
        return self.charts[key]

    def user_agent(self) -> Any:
        if self._user_agent is None:
            from weasyprint import CSS

            self._user_agent = CSS(string=(TEMPLATE_DIR / "ua.css").read_text(encoding="utf-8"))
        return self._user_agent


def stylesheet_text(name: str) -> Markup:
    """Trusted CSS (no submitted text): bundled @font-face rules, the font stack, the sheet `name`."""
    css = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    return Markup(f"{fonts.font_face_css()}\nhtml {{ font-family: {FONT_STACK}; }}\n{css}")


def visible_text(html: str) -> str:
    """The document's text without the stylesheet and tags, for the glyph check."""
    body = re.sub(r"<style.*?</style>", "", html, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", body))


def write_pdf(caches: DocumentCaches, render_html: Callable[[], str], path: Path, stylesheet: str, extra_css: str,
              subject: Subject) -> bytes:
    """Render the HTML from `render_html` and lay it out with the parsed `stylesheet` plus
    `extra_css`; return the PDF.  `path` names the document in log messages."""
    with collector_relaxed(caches.owns_process):
        html = render_html()
        missing = fonts.missing_glyphs(visible_text(html))
        if missing:
            log.warning("%s for %s (%s, %s): bundled font %r has no glyph for %s; falling back to system "
                        "fonts for them", Path(path).name, subject.name, subject.code, subject.period.label,
                        fonts.FONT_FAMILY, " ".join(f"{c!r} U+{ord(c):04X}" for c in missing))
        document = html_document(html, caches)
        return document.write_pdf(stylesheets=caches.stylesheets(stylesheet, extra_css),
                                  font_config=caches.font_config, cache=caches.image_cache())


def html_document(markup: str, caches: DocumentCaches | None = None) -> Any:
    """WeasyPrint's document for `markup` rendered from the report templates.

    The templates write well-formed XHTML, so the markup is parsed by the C XML parser (about
    20x faster than WeasyPrint's HTML5 parser, which is pure Python and costs 3-4 % of a report)
    into the same tree; markup it refuses (say, a control character from a submitted name) goes
    to the HTML5 parser as before.  The user-agent stylesheet is templates/ua.css: the rules of
    WeasyPrint's own that apply to the templates' elements (the others cost about 7 % more work).
    The PDF is the same, byte for byte (tests/test_report_render.py).
    """
    import cssselect2
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring
    from weasyprint import HTML

    try:
        root = fromstring(markup)
    except (ParseError, DefusedXmlException):
        import tinyhtml5

        root = tinyhtml5.parse(markup, namespace_html_elements=False)
    user_agent = (caches or DocumentCaches()).user_agent()

    class ReportHTML(HTML):  # type: ignore[misc]
        """weasyprint.HTML made from an already parsed tree, with the templates' user-agent
        stylesheet.  Sets what ``HTML.__init__`` of WeasyPrint 70 sets after parsing (pyproject
        pins that version; every PDF test goes through this class)."""

        def __init__(self) -> None:  # not super().__init__(): it would parse again
            self.base_url = None
            self.url_fetcher = SafeURLFetcher()
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return ReportHTML()


@contextmanager
def collector_relaxed(owns_process: bool) -> Iterator[None]:
    """Layout and the matplotlib chart create hundreds of thousands of short-lived objects; with
    the default thresholds Python's cycle collector keeps re-walking every long-lived object
    (catalog, check result, fonts, parsed stylesheet) and costs about a fifth of a report.  In a
    process of its own (a worker, the command line), those objects are frozen out of collection
    and young collections made rarer, for this block only, and the block's own cyclic garbage is
    collected at its end (cheaply: the frozen objects are not walked; left to the rare full
    collections between frozen blocks, it grew a worker by about 5 MiB a report); in a shared
    process (a server's thread) the collector is left alone."""
    if not owns_process:
        yield
        return
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 20_000), thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.collect()  # the block's own cyclic garbage, while the long-lived objects are out of the walk
        gc.set_threshold(*thresholds)
        gc.unfreeze()
