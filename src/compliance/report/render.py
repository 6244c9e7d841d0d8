"""WeasyPrint plumbing shared by the PDF documents (inspection report, inspection notice).

The HTML carries text taken from submitted workbooks, so templates render with autoescaping
on and WeasyPrint only ever sees the locked-down fetcher of :mod:`compliance.report.fetcher`,
which serves the bundled CJK fonts and ``data:`` URLs (the matplotlib charts) and nothing else.
Fonts, parsed stylesheets and the Jinja environment are cached per process;
:func:`write_many` renders many documents with a pool of forked processes.
"""

from __future__ import annotations

import datetime as dt
import gc
import html as html_lib
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from compliance.evaluation.evaluate import CheckResult, SubjectResult
from compliance.report import fonts, i18n, wording
from compliance.report.fetcher import SafeURLFetcher
from compliance.results.status import Status
from compliance.rules.spec import Catalog

__all__ = ["environment", "html_document", "write_many", "write_pdf"]

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Bundled families first; system Noto only for a character neither bundled font has.
FONT_STACK = f'"{fonts.FONT_FAMILY}", "{fonts.FONT_FAMILY_EXT}", "Noto Sans CJK SC", sans-serif'
# A half-width space left after full-width punctuation by folded YAML text.
_SPACE_AFTER_PUNCT = re.compile(r"(?<=[，。；：、！？）」』”])[ \t\n]+")

#: Writes one subject's document: (result, subject, catalog, path, today, lang) -> path.
Writer = Callable[[CheckResult, SubjectResult, Catalog, Path, "dt.date | None", str], Path]


def zh_text(text: object) -> str:
    return _SPACE_AFTER_PUNCT.sub("", str(text or "")).strip()


@pass_context
def _status_filter(context: Any, status: object) -> str:
    """Status label in the document's language (``lang`` of the render context; zh by default)."""
    return i18n.status_label(Status(status), context.get("lang", i18n.DEFAULT_LANGUAGE))


def _worded(function: Any) -> Any:
    """A template filter ``finding | name`` that words a finding in the document's language."""
    return pass_context(lambda context, finding: function(finding, context.get("lang", i18n.DEFAULT_LANGUAGE)))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update({
        "zh": zh_text,
        "status_zh": _status_filter,
        "observed": _worded(wording.observed),
        "required": _worded(wording.required),
        "gap": _worded(wording.gap),
        "conclusion": _worded(wording.conclusion),
        "phrase": _worded(wording.phrase),
        "value": _worded(wording.value),
        "unit": _worded(wording.unit),
        "domain": _worded(i18n.domain_label),
        "percent": lambda rate: "—" if rate is None else f"{rate * 100:.1f}%",
        "basename": lambda path: Path(str(path)).name,
    })
    return env


@lru_cache(maxsize=4)
def stylesheet_text(name: str) -> Markup:
    """Trusted CSS (no submitted text): bundled @font-face rules, the font stack, the sheet `name`."""
    css = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    return Markup(f"{fonts.font_face_css()}\nhtml {{ font-family: {FONT_STACK}; }}\n{css}")


@lru_cache(maxsize=1)
def font_config() -> Any:
    """One FontConfiguration per process: WeasyPrint keeps fetched @font-face files in it,
    so later documents skip re-reading the bundled fonts."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


_PARSED_CSS: dict[tuple[int, str, str], tuple[Any, list[Any]]] = {}


def parsed_stylesheets(config: Any, name: str, extra: str = "") -> list[Any]:
    """The stylesheet `name` (plus `extra` CSS, e.g. a language's page wording) parsed once per
    process and font configuration; its @font-face rules are registered in that configuration,
    fetched through the safe fetcher."""
    from weasyprint import CSS

    key = (id(config), name, extra)
    cached = _PARSED_CSS.get(key)
    if cached is None or cached[0] is not config:
        sheets = [CSS(string=str(stylesheet_text(name)), url_fetcher=SafeURLFetcher(), font_config=config)]
        if extra:
            sheets.append(CSS(string=extra, url_fetcher=SafeURLFetcher(), font_config=config))
        if len(_PARSED_CSS) > 16:
            _PARSED_CSS.clear()
        _PARSED_CSS[key] = cached = (config, sheets)
    return cached[1]


def visible_text(html: str) -> str:
    """The document's text without the stylesheet and tags, for the glyph check."""
    body = re.sub(r"<style.*?</style>", "", html, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", body))


def write_pdf(render_html: Callable[[], str], path: Path, stylesheet: str, extra_css: str,
              subject: SubjectResult) -> Path:
    """Render the HTML from `render_html` (called with the collector relaxed: it may draw charts)
    and lay it out with the parsed `stylesheet` plus `extra_css` into the PDF `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = font_config()
    with collector_relaxed():
        html = render_html()
        missing = fonts.missing_glyphs(visible_text(html))
        if missing:
            who = subject.submission.subject
            log.warning("%s for %s (%s, %s): bundled font %r has no glyph for %s; falling back to system "
                        "fonts for them", path.name, who.name, who.code, who.period.label, fonts.FONT_FAMILY,
                        " ".join(f"{c!r} U+{ord(c):04X}" for c in missing))
        document = html_document(html)
        document.write_pdf(path, stylesheets=parsed_stylesheets(config, stylesheet, extra_css), font_config=config,
                           cache=image_cache())
    return path


def html_document(markup: str) -> Any:
    """WeasyPrint's document for `markup` rendered from the report templates.

    The templates write well-formed XHTML, so the markup is parsed by the C XML parser (about
    20x faster than WeasyPrint's HTML5 parser, which is pure Python and costs 3-4 % of a report)
    into the same tree; markup it refuses (say, a control character from a submitted name) goes
    to the HTML5 parser as before.  The user-agent stylesheet is templates/ua.css: the rules of
    WeasyPrint's own that apply to the templates' elements (the others cost about 7 % more work).
    The PDF is the same, byte for byte (tests/test_report_render.py).
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(markup)
    except (ParseError, DefusedXmlException):
        import tinyhtml5

        root = tinyhtml5.parse(markup, namespace_html_elements=False)
    return _report_html_class()(root, SafeURLFetcher())


@lru_cache(maxsize=1)
def _report_html_class() -> type:
    """A subclass of weasyprint.HTML made from an already parsed tree, with the report templates'
    user-agent stylesheet.  Its constructor sets what ``HTML.__init__`` of WeasyPrint 70 sets after
    parsing (pyproject pins that version; every PDF test goes through this class)."""
    import cssselect2
    from weasyprint import CSS, HTML

    user_agent = CSS(string=(TEMPLATE_DIR / "ua.css").read_text(encoding="utf-8"))

    class ReportHTML(HTML):  # type: ignore[misc]
        def __init__(self, root: Any, url_fetcher: Any) -> None:  # not super().__init__(): it would parse again
            self.base_url = None
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return ReportHTML


_IMAGE_CACHE: dict[Any, Any] = {}
IMAGE_CACHE_ENTRIES = 256


def image_cache() -> dict[Any, Any]:
    """WeasyPrint's image cache, shared by the documents of this process: a chart drawn for equal
    data has the same ``data:`` URL (see charts.domain_status_chart), so it is decoded and
    compressed for the PDF once.  Emptied between documents, never during one, when it grows
    past IMAGE_CACHE_ENTRIES (an entry is an image or its encoded data, about 30 KiB)."""
    if len(_IMAGE_CACHE) > IMAGE_CACHE_ENTRIES:
        _IMAGE_CACHE.clear()
    return _IMAGE_CACHE


@contextmanager
def collector_relaxed() -> Iterator[None]:
    """Layout and the matplotlib chart create hundreds of thousands of short-lived objects; with
    the default thresholds Python's cycle collector keeps re-walking every long-lived object
    (catalog, check result, fonts, parsed stylesheet) and costs about a fifth of a report.
    Those objects are frozen out of collection and young collections made rarer, for this
    block only."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 20_000), thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# ---------------------------------------------------------------- many documents, in parallel

# (writer, result, catalog, today, lang) of the batch being rendered: set in the parent just
# before the pool forks, so workers read it from their copy of memory (WeasyPrint documents and
# the result are never pickled; only subject indices and paths go to the workers).
_BATCH: tuple[Writer, CheckResult, Catalog, dt.date | None, str] | None = None


def _write_batch_item(job: tuple[int, str]) -> str:
    assert _BATCH is not None, "worker started without a batch"
    writer, result, catalog, today, lang = _BATCH
    index, path = job
    return str(writer(result, result.subjects[index], catalog, Path(path), today, lang))


def _warm_worker() -> None:
    """Build the Jinja environment, the font configuration and the user-agent stylesheet once per
    worker, before the first document."""
    environment()
    font_config()
    _report_html_class()


def write_many(writer: Writer, result: CheckResult, catalog: Catalog, paths: list[Path], *, lang: str,
               workers: int | None, today: dt.date | None) -> list[Path]:
    """``writer(result, result.subjects[i], catalog, paths[i], today, lang)`` for every subject.

    With several subjects and more than one worker (default: the number of cores), a pool of
    forked processes renders them; otherwise this process does.  Returns the paths in order.
    """
    global _BATCH
    if len(paths) != len(result.subjects):
        raise ValueError("one output path per subject is needed")
    count = workers if workers is not None else (os.cpu_count() or 1)
    count = max(0, min(count, len(paths)))
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [writer(result, subject, catalog, Path(path), today, lang)
                for subject, path in zip(result.subjects, paths)]
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    jobs = [(index, str(path)) for index, path in enumerate(paths)]
    _BATCH = (writer, result, catalog, today, lang)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_warm_worker) as executor:
            # One document per task: a document takes a tenth of a second or more, so sending tasks
            # costs nothing next to it, and no core idles at the end while another works through
            # a chunk of the last documents.
            return [Path(p) for p in executor.map(_write_batch_item, jobs)]
    finally:
        _BATCH = None
