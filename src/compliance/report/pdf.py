"""PDF inspection report for one subject: the view model and template, laid out by WeasyPrint
through :mod:`compliance.report.render` (safe fetcher, autoescaping, the worker's caches).

Regions (``subject.level == "region"``) get a further section on their hospitals
(:mod:`compliance.report.pdf_region`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from compliance.report import charts, pdf_region, pdf_trends, render
from compliance.report.inputs import SubjectReport
from compliance.report.summary import count_statuses, largest_gaps, ordered_findings
from compliance.results.findings import Finding, InputUsed
from compliance.results.status import SEVERITY_ORDER, SEVERITY_RANK, Status
from compliance.rules.spec import Catalog
from compliance.wording import catalogue
from compliance.wording import findings as worded
from compliance.wording import problems as problem_wording
from compliance.wording import quantities as q
from compliance.wording.dates import date_text, period_text

REGION_PREFIX = "pdf.region."  # region-report wording in the shared catalogue

__all__ = ["build_context", "render_inspection_html", "write_inspection_report"]

TEMPLATE = "inspection.html.j2"
STYLESHEET = "inspection.css"
ITEM_ROW_LIMIT = 30  # item rows shown per finding; the rest are counted
APPENDIX_ROW_LIMIT = 40  # raw table rows shown per item table in the appendix
SCALAR = ("current", "prior")
_NUMERIC = ("money", "ratio", "number", "count")


# ---------------------------------------------------------------- view model

def _item_rows(finding: Finding, lang: str) -> dict[str, Any]:
    """Item table rows, failing items first (stable), cut at ITEM_ROW_LIMIT with a tally of the rest."""
    items = sorted(finding.items, key=lambda item: SEVERITY_RANK[item.status])
    shown, hidden = items[:ITEM_ROW_LIMIT], items[ITEM_ROW_LIMIT:]
    label = worded.gap_amount_label(finding, lang)
    rows = [{
        "label": worded.item_label(item, lang),
        "status": item.status,
        "observed": q.quantity(item.observed, lang),
        "gap": q.quantity(item.gap, lang) if item.gap is not None and item.gap.value else q.DASH,
        "note": worded.item_note(item, lang, label),
        "source": item.source,
        # "sheet!第6行": a line break goes after the "!", never inside "第6行"
        "source_parts": worded.row_source(item.source, lang).rpartition("!")[::2]
        if item.source and item.source.sheet else (worded.row_source(item.source, lang), ""),
    } for item in shown]
    counts = Counter(item.status for item in hidden)
    summary = catalogue.join([catalogue.plural("pdf.summary.status_items", counts[s], lang,
                                               label=catalogue.status_label(s, lang))
                              for s in SEVERITY_ORDER if counts[s]], lang)
    return {"rows": rows, "hidden": len(hidden), "hidden_summary": summary}


def _finding_view(number: int, finding: Finding, catalog: Catalog, lang: str) -> dict[str, Any]:
    tables = sorted({i.which for i in finding.inputs if i.which not in SCALAR})
    return {
        "number": number,
        "anchor": f"finding-{number}",
        "f": finding,
        "gap_amount": worded.gap_amount(finding, lang),
        "inputs": [{"name": worded.input_name(i, lang), "value": worded.input_value(i, lang),
                    "unit": i.unit if i.value is not None and i.unit != q.PERCENT else "",
                    "source": worded.input_source(i, lang)} for i in finding.inputs if i.which in SCALAR],
        "table_names": [catalog.tables[code].name if code in catalog.tables else code for code in tables],
        "item_table": _item_rows(finding, lang) if finding.items else None,
    }


#: Rows of the summary's domain table: beyond this, the domains with nothing to act on share one
#: row, so that the summary of a profile with many domains stays on one page.
SUMMARY_DOMAIN_ROWS = 8
_SETTLED = (Status.PASS, Status.NOT_APPLICABLE, Status.WAIVED)


def _domain_rows(findings: list[Finding]) -> tuple[list[Status], list[dict[str, Any]]]:
    """Statuses present and one row per domain (counts per status), worst domain first."""
    present = [s for s in SEVERITY_ORDER if any(f.status is s for f in findings)]
    rows: dict[str, dict[str, Any]] = {}
    for finding in ordered_findings(findings):
        row = rows.setdefault(finding.domain, {"domain": finding.domain, "total": 0,
                                               "counts": {s: 0 for s in present}, "worst": finding.status})
        row["total"] += 1
        row["counts"][finding.status] += 1
    return present, list(rows.values())


def _domain_table(rows: list[dict[str, Any]], present: list[Status], lang: str) -> list[dict[str, Any]]:
    """The domain rows of the summary table: all of them, or, past SUMMARY_DOMAIN_ROWS rows, those
    with something to act on and then one row adding up the settled ones (passed, waived, not
    applicable), which names them."""
    settled = [row for row in rows if row["worst"] in _SETTLED]
    if len(rows) <= SUMMARY_DOMAIN_ROWS or len(settled) < 2:
        return rows
    rest = {"domain": None, "total": sum(row["total"] for row in settled),
            "counts": {s: sum(row["counts"][s] for row in settled) for s in present},
            "worst": min((row["worst"] for row in settled), key=SEVERITY_RANK.__getitem__),
            "names": catalogue.join([catalogue.domain_label(row["domain"], lang) for row in settled], lang),
            "count": len(settled)}
    return [row for row in rows if row["worst"] not in _SETTLED] + [rest]


def _appendix_tables(findings: list[Finding], catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    """Raw per-item table cells pivoted back into rows: one table per item table used."""
    tables: dict[str, dict[str, Any]] = {}
    for finding in findings:
        for used in finding.inputs:
            if used.which in SCALAR:
                continue
            spec = catalog.tables.get(used.which)
            table = tables.setdefault(used.which, {
                "name": spec.name if spec else used.which, "sheet": used.cell.sheet if used.cell else "",
                "columns": [(c.code, c.name, c.unit, c.value_type in _NUMERIC) for c in spec.columns] if spec else [],
                "rows": {}})
            if not any(column[0] == used.field for column in table["columns"]):
                numeric = isinstance(used.value, (int, float)) and not isinstance(used.value, bool)
                table["columns"].append((used.field, used.name, used.unit, numeric))
            row_key: int | str = used.cell.row if used.cell else used.item
            table["rows"].setdefault(row_key, {})[used.field] = worded.input_value(used, lang)
    out = []
    for table in tables.values():
        keys = sorted(table["rows"], key=lambda k: (isinstance(k, str), k))
        out.append({**table, "rows": [(k, table["rows"][k]) for k in keys[:APPENDIX_ROW_LIMIT]],
                    "hidden": max(0, len(keys) - APPENDIX_ROW_LIMIT)})
    return out


def _scalar_inputs(findings: list[Finding]) -> list[InputUsed]:
    seen: dict[tuple[str, str], InputUsed] = {}
    for finding in findings:
        for used in finding.inputs:
            if used.which in SCALAR:
                seen.setdefault((used.field, used.which), used)
    return sorted(seen.values(), key=lambda i: ((i.cell.sheet, i.cell.row, i.cell.ref) if i.cell else ("", 0, ""),
                                                i.field))


def subject_context(report: SubjectReport, today: dt.date | None = None,
                    lang: str = catalogue.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What every PDF document shows about the subject and the check: who, period, profile,
    date, source file, worst status and the status counts."""
    subject = report.subject
    who = subject.subject
    counts = count_statuses(subject.findings)
    return {
        "lang": lang,
        "t": catalogue.messages(lang),
        "subject": who,
        "is_region": who.level == "region",
        "period_text": period_text(who.period.label, lang),
        "profile": {"name": report.run.profile, "title": report.run.profile_title},
        "check_date": date_text(today or dt.date.today(), lang),
        "file_name": subject.submission.file.path,
        "worst": subject.worst,
        "counts": counts,
        "ok_count": counts.ok,
        "total": len(subject.findings),
    }


def _outcome_text(report: SubjectReport, lang: str) -> str:
    from compliance.wording.outcomes import outcome_message

    outcome = report.outcome
    if outcome is None:
        return catalogue.text("pdf.problems.no_outcome", lang)
    return catalogue.text("pdf.problems.outcome", lang,
                          status=catalogue.text(f"file_status.{outcome.status.value}", lang),
                          message=outcome_message(outcome, len(report.problems), lang))


def build_context(report: SubjectReport, catalog: Catalog, caches: render.DocumentCaches,
                  today: dt.date | None = None, lang: str = catalogue.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Everything the template shows, already ordered and formatted."""
    subject = report.subject
    who = subject.subject
    findings = list(subject.findings)
    ordered = ordered_findings(findings)
    domains: dict[str, list[dict[str, Any]]] = {}
    numbers: dict[str, int] = {}
    for finding in ordered:  # domains in order of their worst finding
        domains.setdefault(finding.domain, [])
    number = 0
    for domain, group in domains.items():
        for finding in (f for f in ordered if f.domain == domain):
            number += 1
            numbers[finding.rule_id] = number
            group.append(_finding_view(number, finding, catalog, lang))
    statuses, domain_rows = _domain_rows(findings)
    is_region = who.level == "region"
    problems_heading = catalogue.text("pdf.section.problems", lang)
    if is_region:  # the hospitals' section comes third
        problems_heading = problems_heading.replace("三、", "四、", 1) if lang == "zh" else \
            problems_heading.replace("3.", "4.", 1)
    return {
        "rt": {**{key.removeprefix(REGION_PREFIX): value for key, value in catalogue.messages(lang).items()
                  if key.startswith(REGION_PREFIX)}, "problems_heading": problems_heading},
        **subject_context(report, today, lang),
        "grade": catalogue.vocab_label("grade", who.grade, lang),
        "type": catalogue.vocab_label("type", who.type, lang),
        "ownership": catalogue.vocab_label("ownership", who.ownership, lang),
        "location": (who.province or catalogue.text("pdf.cover.no_province", lang)) + (who.city or ""),
        "as_of": date_text(report.run.as_of, lang) if report.run.as_of else None,
        "period_end": date_text(who.period.end, lang),
        "domain_statuses": statuses,
        "domain_rows": _domain_table(domain_rows, statuses, lang),
        "domain_chart": charts.domain_status_chart(
            [(catalogue.domain_label(row["domain"], lang), row["counts"]) for row in domain_rows],
            {s: catalogue.status_label(s, lang) for s in Status}, catalogue.text(REGION_PREFIX + "chart_count", lang),
            caches),
        "gaps": [{"f": f, "number": numbers[f.rule_id], "amount": worded.gap_amount(f, lang)}
                 for f in largest_gaps(findings)],
        "domains": domains,
        "problems": [{"severity": p.severity.value, "where": problem_wording.where(p, lang),
                      "expected": problem_wording.expected(p, lang), "found": problem_wording.found(p, lang),
                      "fix": problem_wording.fix(p, lang)} for p in dict.fromkeys(report.problems)],
        "outcome_text": _outcome_text(report, lang),
        "not_used": [ref.path for ref in subject.superseded],
        "refused": [{"path": o.path, "message": problem_wording.message(o.refusal, lang) if o.refusal else ""}
                    for o in report.refused],
        "identification": [(catalogue.field_name(i.code, i.name, lang),
                            worded.input_value(InputUsed(i.code, i.name, i.value, "", "current"), lang),
                            str(i.cell) if i.cell else "") for i in subject.identification],
        "scalar_inputs": [{"i": i, "name": worded.input_name(i, lang), "which": catalogue.text(f"which.{i.which}", lang),
                           "value": worded.input_value(i, lang), "unit": "" if i.unit == q.PERCENT else i.unit,
                           "source": worded.input_source(i, lang)} for i in _scalar_inputs(findings)],
        "appendix_tables": _appendix_tables(findings, catalog, lang),
        "region": pdf_region.region_view(report, lang) if is_region else None,
        "trends": pdf_trends.trend_view(report, lang),
    }


# ---------------------------------------------------------------- rendering

#: Page-box wording (running header, page numbers) for languages other than Chinese.
_PAGE_CSS = MappingProxyType({
    "en": '@page { @top-right { content: string(period) "  Health-reform compliance inspection report"; }\n'
          '  @bottom-center { content: "Page " counter(page) " of " counter(pages); } }\n'
          '@page cover { @top-right { content: none; } @bottom-center { content: none; } }\n'
          '.cover-title { font-size: 22pt; margin-bottom: 6mm; }\n'
          'table.cover-info { font-size: 10pt; }\n'
          'table.cover-info th { width: 40mm; }\n',
})


def render_inspection_html(report: SubjectReport, catalog: Catalog, caches: render.DocumentCaches | None = None,
                           today: dt.date | None = None, lang: str = catalogue.DEFAULT_LANGUAGE, *,
                           inline_css: bool = True) -> str:
    """The report as a standalone HTML document (fonts referenced by ``compliance-asset:`` URLs).

    With ``inline_css=False`` the ``<style>`` element is left out: :func:`inspection_report_pdf`
    passes the stylesheet to WeasyPrint already parsed.
    """
    caches = caches or render.DocumentCaches()
    context = build_context(report, catalog, caches, today, lang)
    stylesheet = Markup(render.stylesheet_text(STYLESHEET) + _PAGE_CSS.get(lang, "")) if inline_css else None
    return caches.environment.get_template(TEMPLATE).render(stylesheet=stylesheet, **context)


def inspection_report_pdf(report: SubjectReport, catalog: Catalog, caches: render.DocumentCaches,
                          today: dt.date | None = None, lang: str = catalogue.DEFAULT_LANGUAGE) -> bytes:
    """The subject's inspection report (hospital or region layout, by the subject's level) in
    `lang` ("zh" or "en") as PDF."""
    return render.write_pdf(caches, lambda: render_inspection_html(report, catalog, caches, today, lang,
                                                                   inline_css=False),
                            Path(report.subject.submission.path), STYLESHEET, _PAGE_CSS.get(lang, ""),
                            report.subject.subject)


def write_inspection_report(report: SubjectReport, catalog: Catalog, path: Path, today: dt.date | None = None,
                            lang: str = catalogue.DEFAULT_LANGUAGE) -> Path:
    """Render the report to `path` (in this process, with caches of its own) and return the path."""
    from compliance.outputs import write_file

    return write_file(Path(path), inspection_report_pdf(report, catalog, render.DocumentCaches(), today, lang)).path
