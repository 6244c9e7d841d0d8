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
from typing import Any

from markupsafe import Markup

from compliance.evaluation.evaluate import CheckResult, SubjectResult
from compliance.report import i18n, pdf, render
from compliance.report.summary import ordered_findings
from compliance.results.status import Status
from compliance.rules.spec import Catalog

__all__ = ["ACTION_STATUSES", "build_notice_context", "render_notice_html", "write_notice", "write_notices"]

TEMPLATE = "notice.html.j2"
STYLESHEET = "notice.css"
#: Statuses that put a finding on the notice, in the order of SEVERITY_ORDER.
ACTION_STATUSES = (Status.ERROR, Status.FAIL, Status.MISSING_DATA, Status.WARN)
_PAGE_CSS = {
    "en": '@page { @bottom-center { content: "Page " counter(page) " of " counter(pages); } }\n'
          'h1 { font-size: 15pt; letter-spacing: 0; }\n'
          'table.ident th { width: 38mm; }\n',
}


def build_notice_context(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                         today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Everything the notice shows, already ordered and formatted."""
    context = pdf.subject_context(result, subject, today, lang)
    actions = [{"f": f, "number": n, "amount": pdf.gap_amount(f),
                "fix": f.status in (Status.FAIL, Status.WARN) and bool(f.remediation)}
               for n, f in enumerate((f for f in ordered_findings(subject.findings) if f.status in ACTION_STATUSES), 1)]
    problems = {p for p in result.problems if Path(p.file).name == context["file_name"]}
    return {
        **context,
        "not_due": context["counts"].counts[Status.NOT_DUE],
        "actions": actions,
        "problems": len(problems),
        "refused": len(result.refused),
    }


def render_notice_html(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                       today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE, *,
                       inline_css: bool = True) -> str:
    """The notice as a standalone HTML document; ``inline_css=False`` leaves the stylesheet out
    (:func:`write_notice` passes it to WeasyPrint already parsed)."""
    context = build_notice_context(result, subject, catalog, today, lang)
    stylesheet = Markup(render.stylesheet_text(STYLESHEET) + _PAGE_CSS.get(lang, "")) if inline_css else None
    return render.environment().get_template(TEMPLATE).render(stylesheet=stylesheet, **context)


def write_notice(result: CheckResult, subject: SubjectResult, catalog: Catalog, path: Path,
                 today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE) -> Path:
    """Render the subject's inspection notice in `lang` to `path` as PDF and return the path."""
    return render.write_pdf(lambda: render_notice_html(result, subject, catalog, today, lang, inline_css=False),
                            path, STYLESHEET, _PAGE_CSS.get(lang, ""), subject)


def write_notices(result: CheckResult, catalog: Catalog, paths: list[Path], *, lang: str = "zh",
                  workers: int | None = None, today: dt.date | None = None) -> list[Path]:
    """Write the notice of ``result.subjects[i]`` to ``paths[i]`` for every subject (forked pool
    when there are several; see :func:`render.write_many`)."""
    return render.write_many(write_notice, result, catalog, paths, lang=lang, workers=workers, today=today)
