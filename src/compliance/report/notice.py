"""One-page inspection notice (检查结果告知书) for one subject: what must be fixed, by how much.

The notice is what an inspected institution receives with the signed result: who was checked,
for which period and under which profile, the compliance rate and counts, and one row per item
that needs action (error, fail, missing data, warning) with observed against required, the gap
and its money or quantity, and the remediation, followed by signature lines.  The full inspection
report (:mod:`compliance.report.pdf`) holds the quotes, source cells and input appendix; the
notice refers to it.  It is laid out through :mod:`compliance.report.render` like the report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from compliance.report import pdf, render
from compliance.report.inputs import SubjectReport
from compliance.report.summary import ordered_findings
from compliance.results.status import Status
from compliance.rules.spec import Catalog
from compliance.wording import catalogue
from compliance.wording import findings as worded

__all__ = ["ACTION_STATUSES", "build_notice_context", "notice_pdf", "render_notice_html"]

TEMPLATE = "notice.html.j2"
STYLESHEET = "notice.css"
#: Statuses that put a finding on the notice, in the order of SEVERITY_ORDER.
ACTION_STATUSES = (Status.ERROR, Status.FAIL, Status.MISSING_DATA, Status.WARN)
_PAGE_CSS = MappingProxyType({
    "en": '@page { @bottom-center { content: "Page " counter(page) " of " counter(pages); } }\n'
          'h1 { font-size: 15pt; letter-spacing: 0; }\n'
          'table.ident th { width: 38mm; }\n',
})


def build_notice_context(report: SubjectReport, today: dt.date | None = None,
                         lang: str = catalogue.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Everything the notice shows, already ordered and formatted."""
    context = pdf.subject_context(report, today, lang)
    actions = [{"f": f, "number": n, "amount": worded.gap_amount(f, lang),
                "fix": f.status in (Status.FAIL, Status.WARN) and bool(worded.remediation(f, lang))}
               for n, f in enumerate((f for f in ordered_findings(report.subject.findings)
                                      if f.status in ACTION_STATUSES), 1)]
    return {
        **context,
        "not_due": context["counts"].counts[Status.NOT_DUE],
        "actions": actions,
        "problems": len(report.problems),
        "refused": len(report.refused),
    }


def render_notice_html(report: SubjectReport, caches: render.DocumentCaches | None = None,
                       today: dt.date | None = None, lang: str = catalogue.DEFAULT_LANGUAGE, *,
                       inline_css: bool = True) -> str:
    """The notice as a standalone HTML document; ``inline_css=False`` leaves the stylesheet out
    (:func:`notice_pdf` passes it to WeasyPrint already parsed)."""
    caches = caches or render.DocumentCaches()
    context = build_notice_context(report, today, lang)
    stylesheet = Markup(render.stylesheet_text(STYLESHEET) + _PAGE_CSS.get(lang, "")) if inline_css else None
    return caches.environment.get_template(TEMPLATE).render(stylesheet=stylesheet, **context)


def notice_pdf(report: SubjectReport, catalog: Catalog | None, caches: render.DocumentCaches,
               today: dt.date | None = None, lang: str = catalogue.DEFAULT_LANGUAGE) -> bytes:
    """The subject's inspection notice in `lang` as PDF."""
    return render.write_pdf(caches, lambda: render_notice_html(report, caches, today, lang, inline_css=False),
                            Path(report.subject.submission.path), STYLESHEET, _PAGE_CSS.get(lang, ""),
                            report.subject.subject)


def write_notice(report: SubjectReport, path: Path, today: dt.date | None = None,
                 lang: str = catalogue.DEFAULT_LANGUAGE) -> Path:
    """Render the notice to `path` (in this process, with caches of its own) and return the path."""
    from compliance.outputs import write_file

    return write_file(Path(path), notice_pdf(report, None, render.DocumentCaches(), today, lang)).path
