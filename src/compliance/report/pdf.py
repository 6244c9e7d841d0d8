"""PDF inspection report for one subject: the view model and template, laid out by WeasyPrint
through :mod:`compliance.report.render` (safe fetcher, autoescaping, per-process caches, pool).

Regions (``subject.level == "region"``) get a further section on their hospitals: ranking,
hospitals x rules matrix, indicator distributions and failing hospitals per rule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from markupsafe import Markup

from compliance.evaluation.evaluate import CheckResult, SubjectResult
from compliance.ingest.schema import IDENTIFICATION_BY_CODE
from compliance.report import charts, i18n, render, wording
from compliance.report.summary import count_statuses, largest_gaps, ordered_findings
from compliance.results.findings import Finding, InputUsed, ItemResult
from compliance.results.status import SEVERITY_ORDER, STATUS_LABEL_ZH, Status
from compliance.rules.spec import Catalog
from compliance.wording import formatting

REGION_PREFIX = "pdf.region."  # region-report wording in the shared catalogue

__all__ = ["render_inspection_html", "write_inspection_report", "write_inspection_reports"]

TEMPLATE = "inspection.html.j2"
STYLESHEET = "inspection.css"
ITEM_ROW_LIMIT = 30  # item rows shown per finding; the rest are counted
APPENDIX_ROW_LIMIT = 40  # raw table rows shown per item table in the appendix
_RANK = {status: index for index, status in enumerate(SEVERITY_ORDER)}
_WHICH_ZH = {"current": "本期", "prior": "上年同期"}
_NUMERIC = ("money", "ratio", "number", "count")
_SOURCE_ROW = re.compile(r"^(?P<sheet>.+)!(?:[A-Z]+)(?P<row>\d+)$")


# ---------------------------------------------------------------- formatting

def _value(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return formatting.number(float(value), 6)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(label_text: str) -> str:
    """2024 -> 2024年度, 2024H1 -> 2024年上半年, 2024Q3 -> 2024年第3季度, 2024-09 -> 2024年9月."""
    if match := re.fullmatch(r"(\d{4})", label_text):
        return f"{match[1]}年度"
    if match := re.fullmatch(r"(\d{4})H([12])", label_text):
        return f"{match[1]}年{'上' if match[2] == '1' else '下'}半年"
    if match := re.fullmatch(r"(\d{4})Q([1-4])", label_text):
        return f"{match[1]}年第{match[2]}季度"
    if match := re.fullmatch(r"(\d{4})-(\d{2})", label_text):
        return f"{match[1]}年{int(match[2])}月"
    return label_text


def gap_amount(finding: Finding) -> str:
    """'9,315 元'; '' when the rule has no money or quantity behind its gap."""
    if finding.gap_amount is None:
        return ""
    return formatting.amount(finding.gap_amount, finding.gap_amount_unit)


# ---------------------------------------------------------------- view model

def _item_rows(finding: Finding) -> dict[str, Any]:
    """Item table rows, failing items first (stable), cut at ITEM_ROW_LIMIT with a tally of the rest."""
    items: list[ItemResult] = sorted(finding.items, key=lambda item: _RANK[item.status])
    shown = items[:ITEM_ROW_LIMIT]
    hidden = items[ITEM_ROW_LIMIT:]
    rows = [{
        "label": item.label,
        "status": item.status,
        "observed": formatting.measure(item.observed, item.unit_in(finding)),
        "gap": formatting.gap(item.gap, item.unit_in(finding)) if item.gap else "—",
        "note": item.note,
        "source": item.source,
        # "sheet!第6行": a line break goes after the "!", never inside "第6行"
        "source_parts": item.source.rpartition("!")[::2] if "!" in item.source else None,
    } for item in shown]
    hidden_counts = Counter(item.status for item in hidden)
    hidden_summary = "、".join(f"{STATUS_LABEL_ZH[s]} {hidden_counts[s]} 项" for s in SEVERITY_ORDER if hidden_counts[s])
    return {"rows": rows, "hidden": len(hidden), "hidden_summary": hidden_summary}


def _finding_view(number: int, finding: Finding, catalog: Catalog) -> dict[str, Any]:
    scalar = [i for i in finding.inputs if i.which in _WHICH_ZH]
    tables = sorted({i.which for i in finding.inputs if i.which not in _WHICH_ZH})
    table_names = [catalog.tables[code].name if code in catalog.tables else code for code in tables]
    return {
        "number": number,
        "anchor": f"finding-{number}",
        "f": finding,
        "gap_amount": gap_amount(finding),
        "inputs": [{"name": i.name, "value": _value(i.value), "unit": i.unit, "known": i.value is not None,
                    "source": i.source} for i in scalar],
        "table_names": table_names,
        "item_table": _item_rows(finding) if finding.items else None,
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
            "worst": min((row["worst"] for row in settled), key=_RANK.__getitem__),
            "names": ("、" if lang == "zh" else ", ").join(i18n.domain_label(row["domain"], lang) for row in settled),
            "count": len(settled)}
    return [row for row in rows if row["worst"] not in _SETTLED] + [rest]


def _appendix_tables(findings: list[Finding], catalog: Catalog) -> list[dict[str, Any]]:
    """Raw per-item table cells pivoted back into rows: one table per item table used."""
    tables: dict[str, dict[str, Any]] = {}
    for finding in findings:
        for used in finding.inputs:
            if used.which in _WHICH_ZH:
                continue
            match = _SOURCE_ROW.match(used.source)
            spec = catalog.tables.get(used.which)
            table = tables.setdefault(used.which, {
                "name": spec.name if spec else used.which, "sheet": match["sheet"] if match else "",
                "columns": [(c.code, c.name, c.unit, c.value_type in _NUMERIC) for c in spec.columns] if spec else [],
                "rows": {}})
            if not any(column[0] == used.field for column in table["columns"]):
                numeric = isinstance(used.value, (int, float)) and not isinstance(used.value, bool)
                table["columns"].append((used.field, used.name.rsplit("：", 1)[-1], used.unit, numeric))
            row_key = int(match["row"]) if match else used.name.rsplit("：", 1)[0]
            table["rows"].setdefault(row_key, {})[used.field] = _value(used.value)
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
            if used.which in _WHICH_ZH:
                seen.setdefault((used.field, used.which), used)
    return sorted(seen.values(), key=lambda i: (i.source.split("!")[0], _cell_order(i.source), i.field))


def _cell_order(source: str) -> tuple[int, str]:
    match = re.search(r"([A-Z]+)(\d+)$", source)
    return (int(match[2]), match[1]) if match else (0, source)


# ---------------------------------------------------------------- region view

MATRIX_COLUMNS = 16  # rule columns per matrix table; wider matrices continue in a further table
#: One-character status marks for the hospitals x rules matrix (a legend explains them).
MATRIX_MARK_ZH: dict[Status, str] = {
    Status.ERROR: "错", Status.FAIL: "不", Status.MISSING_DATA: "缺", Status.WARN: "警",
    Status.NOT_DUE: "期", Status.WAIVED: "免", Status.PASS: "达", Status.NOT_APPLICABLE: "—",
}
MATRIX_MARKS: dict[str, dict[Status, str]] = {
    "zh": MATRIX_MARK_ZH,
    "en": {Status.ERROR: "E", Status.FAIL: "F", Status.MISSING_DATA: "M", Status.WARN: "W",
           Status.NOT_DUE: "D", Status.WAIVED: "V", Status.PASS: "P", Status.NOT_APPLICABLE: "—"},
}
#: Rule kinds that measure one number per hospital: their values get a distribution chart.
KEY_INDICATOR_KINDS = frozenset({"threshold", "growth", "approx", "yoy_increase", "yoy_decrease"})
_NOT_OK = (Status.ERROR, Status.FAIL, Status.MISSING_DATA, Status.WARN)


def region_members(result: CheckResult, region: SubjectResult) -> list[SubjectResult]:
    """The results of the hospitals whose submissions are the region's members, in result order."""
    members = region.submission.members or []
    ids = {id(m) for m in members}
    keys = {(m.subject.code, m.subject.period.label) for m in members}
    return [s for s in result.subjects if s is not region and s.submission.subject.level != "region" and (
        id(s.submission) in ids or (s.submission.subject.code, s.submission.subject.period.label) in keys)]


def _region_view(result: CheckResult, region: SubjectResult, lang: str) -> dict[str, Any]:
    hospitals = region_members(result, region)
    ranking = []
    for hospital in hospitals:
        counts = count_statuses(hospital.findings)
        who = hospital.submission.subject
        ranking.append({
            "name": who.name, "code": who.code, "rate": counts.compliance_rate, "worst": hospital.worst,
            "applicable": counts.applicable,
            "ok": sum(counts.counts[s] for s in (Status.PASS, Status.NOT_DUE, Status.WAIVED)),
            "not_ok": {s: counts.counts[s] for s in _NOT_OK},
            "by_rule": {f.rule_id: f for f in hospital.findings},
        })
    ranking.sort(key=lambda row: (row["rate"] is None, -(row["rate"] or 0.0), row["name"], row["code"]))
    rank = 0
    for index, row in enumerate(ranking):  # equal rates share a rank
        if index == 0 or row["rate"] != ranking[index - 1]["rate"]:
            rank = index + 1
        row["rank"] = rank

    rules: dict[str, Finding] = {}  # hospital-level rules in order of first appearance
    for hospital in hospitals:
        for finding in hospital.findings:
            rules.setdefault(finding.rule_id, finding)
    numbered = [{"number": n, "rule_id": rid, "title": f.title, "domain": f.domain, "kind": f.kind}
                for n, (rid, f) in enumerate(rules.items(), start=1)]
    matrix = [numbered[i:i + MATRIX_COLUMNS] for i in range(0, len(numbered), MATRIX_COLUMNS)]

    indicators = []
    failing = []
    for rule in numbered:
        found = [(row, row["by_rule"][rule["rule_id"]]) for row in ranking if rule["rule_id"] in row["by_rule"]]
        if rule["kind"] in KEY_INDICATOR_KINDS:
            indicators.append(_indicator_view(rule, [f for _, f in found], lang))
        bad = sorted(((row, f) for row, f in found if f.status in _NOT_OK), key=lambda rf: _RANK[rf[1].status])
        if bad:
            failing.append({**rule, "rows": [{"name": row["name"], "code": row["code"], "f": f,
                                              "amount": gap_amount(f)} for row, f in bad],
                            "total": len(found)})
    all_ok = [rule for rule in numbered if not any(item["rule_id"] == rule["rule_id"] for item in failing)]
    return {
        "hospitals": ranking,
        "rules": numbered,
        "matrix": matrix,
        "marks": [(s, MATRIX_MARKS[lang][s]) for s in SEVERITY_ORDER],
        "marks_by": MATRIX_MARKS[lang],
        "indicators": [i for i in indicators if i],
        "failing": failing,
        "all_ok": all_ok,
    }


def _indicator_view(rule: dict[str, Any], findings: list[Finding], lang: str) -> dict[str, Any] | None:
    """A key indicator's distribution chart over the hospitals that reported a number for it."""
    points = [charts.DistributionPoint(f.subject_name, float(f.observed), f.status) for f in findings
              if charts.is_number(f.observed) and f.status is not Status.NOT_APPLICABLE]
    if not points:
        return None
    reference = next((f for f in findings if charts.is_number(f.required)), findings[0])
    unit = reference.unit
    percent = unit == formatting.PERCENT
    change = rule["kind"] in ("growth", "yoy_increase", "yoy_decrease")
    axis = i18n.text(REGION_PREFIX + ("axis_change" if change and rule["kind"] != "growth" else "axis_value"), lang)
    if percent or unit:
        axis = i18n.paren(axis, "%" if percent else wording.unit(unit, lang), lang)
    threshold = float(reference.required) if charts.is_number(reference.required) else None
    if threshold is None and rule["kind"] in ("yoy_increase", "yoy_decrease"):
        threshold = 0.0
    required = wording.required(reference, lang)
    chart = charts.distribution_chart(points, threshold, required, scale=100.0 if percent else 1.0,
                                      axis_label=axis, labels={s: i18n.status_label(s, lang) for s in Status})
    counts = Counter(p.status for p in points)
    return {**rule, "chart": chart, "required": required, "reported": len(points),
            "missing": sum(1 for f in findings if f.status is Status.MISSING_DATA),
            "counts": [(s, counts[s]) for s in SEVERITY_ORDER if counts[s]]}


def subject_context(result: CheckResult, subject: SubjectResult, today: dt.date | None = None,
                    lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What every PDF document shows about the subject and the check: who, period, profile,
    date, source file, worst status and the status counts."""
    submission = subject.submission
    who = submission.subject
    counts = count_statuses(subject.findings)
    date_text = zh_date if lang == "zh" else dt.date.isoformat
    return {
        "lang": lang,
        "t": i18n.messages(lang),
        "subject": who,
        "is_region": who.level == "region",
        "period_text": period_text(who.period.label) if lang == "zh" else who.period.label,
        "profile": result.profile,
        "check_date": date_text(today or dt.date.today()),
        "file_name": Path(submission.path).name,
        "worst": subject.worst,
        "counts": counts,
        "ok_count": sum(counts.counts[s] for s in (Status.PASS, Status.NOT_DUE, Status.WAIVED)),
        "total": len(subject.findings),
    }


def build_context(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                  today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Everything the template shows, already ordered and formatted."""
    submission = subject.submission
    who = submission.subject
    file_name = Path(submission.path).name
    findings = subject.findings
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
            group.append(_finding_view(number, finding, catalog))
    statuses, domain_rows = _domain_rows(findings)
    problems = [p for p in result.problems if Path(p.file).name == file_name]
    problems = list(dict.fromkeys(problems))
    statuses_lang = {s: i18n.status_label(s, lang) for s in Status}
    is_region = who.level == "region"
    date_text = zh_date if lang == "zh" else dt.date.isoformat
    problems_heading = i18n.text("pdf.section.problems", lang)
    if is_region:  # the hospitals' section comes third
        problems_heading = problems_heading.replace("三、", "四、", 1) if lang == "zh" else re.sub(
            r"^3\.", "4.", problems_heading)
    return {
        "rt": {**{key.removeprefix(REGION_PREFIX): value for key, value in i18n.messages(lang).items()
                  if key.startswith(REGION_PREFIX)}, "problems_heading": problems_heading},
        **subject_context(result, subject, today, lang),
        "grade": i18n.vocab_label("grade", who.grade, lang),
        "type": i18n.vocab_label("type", who.type, lang),
        "ownership": i18n.vocab_label("ownership", who.ownership, lang),
        "location": (who.province or i18n.text("pdf.cover.no_province", lang)) + (who.city or ""),
        "as_of": date_text(result.as_of) if result.as_of else None,
        "period_end": date_text(who.period.end),
        "domain_statuses": statuses,
        "domain_rows": _domain_table(domain_rows, statuses, lang),
        "domain_chart": charts.domain_status_chart(
            [(i18n.domain_label(row["domain"], lang), row["counts"]) for row in domain_rows], statuses_lang,
            i18n.text(REGION_PREFIX + "chart_count", lang)),
        "gaps": [{"f": f, "number": numbers[f.rule_id], "amount": gap_amount(f)} for f in largest_gaps(findings)],
        "domains": domains,
        "problems": problems,
        "outcome": next((o for o in result.outcomes if Path(o.path).name == file_name), None),
        "refused": result.refused,
        "identification": [(i18n.field_name(c, IDENTIFICATION_BY_CODE[c].name, lang) if c in IDENTIFICATION_BY_CODE else c,
                            _value(r.value), str(r.cell) if r.cell else "")
                           for c, r in submission.identification.items()],
        "scalar_inputs": [{"i": i, "which": i18n.text(f"which.{i.which}", lang), "value": _value(i.value)}
                          for i in _scalar_inputs(findings)],
        "appendix_tables": _appendix_tables(findings, catalog),
        "region": _region_view(result, subject, lang) if who.level == "region" else None,
    }


# ---------------------------------------------------------------- rendering

#: Page-box wording (running header, page numbers) for languages other than Chinese.
_PAGE_CSS = {
    "en": '@page { @top-right { content: string(period) "  Health-reform compliance inspection report"; }\n'
          '  @bottom-center { content: "Page " counter(page) " of " counter(pages); } }\n'
          '@page cover { @top-right { content: none; } @bottom-center { content: none; } }\n'
          '.cover-title { font-size: 22pt; margin-bottom: 6mm; }\n'
          'table.cover-info { font-size: 10pt; }\n'
          'table.cover-info th { width: 40mm; }\n',
}


def render_inspection_html(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                           today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE, *,
                           inline_css: bool = True) -> str:
    """The report as a standalone HTML document (fonts referenced by ``compliance-asset:`` URLs).

    With ``inline_css=False`` the ``<style>`` element is left out: :func:`write_inspection_report`
    passes the stylesheet to WeasyPrint already parsed.
    """
    context = build_context(result, subject, catalog, today, lang)
    stylesheet = Markup(render.stylesheet_text(STYLESHEET) + _PAGE_CSS.get(lang, "")) if inline_css else None
    return render.environment().get_template(TEMPLATE).render(stylesheet=stylesheet, **context)


def write_inspection_report(result: CheckResult, subject: SubjectResult, catalog: Catalog, path: Path,
                            today: dt.date | None = None, lang: str = i18n.DEFAULT_LANGUAGE) -> Path:
    """Render the subject's inspection report (hospital or region layout, by the subject's level)
    in `lang` ("zh" or "en") to `path` as PDF and return the path."""
    return render.write_pdf(
        lambda: render_inspection_html(result, subject, catalog, today, lang, inline_css=False),
        path, STYLESHEET, _PAGE_CSS.get(lang, ""), subject)


def write_inspection_reports(result: CheckResult, catalog: Catalog, paths: list[Path], *, lang: str = "zh",
                             workers: int | None = None, today: dt.date | None = None) -> list[Path]:
    """Write the report of ``result.subjects[i]`` to ``paths[i]`` for every subject, with a pool of
    forked processes when there are several subjects and workers (see :func:`render.write_many`)."""
    return render.write_many(write_inspection_report, result, catalog, paths, lang=lang, workers=workers,
                             today=today)
