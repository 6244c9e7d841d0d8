"""PDF inspection report for one subject: Jinja2 HTML laid out by WeasyPrint.

The HTML carries text taken from submitted workbooks, so it is rendered with
autoescaping on and WeasyPrint only ever sees the locked-down fetcher of
:mod:`compliance.report.fetcher`, which serves the bundled CJK fonts and nothing else.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import logging
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .. import formatting
from ..codes import SEVERITY_ORDER, STATUS_LABEL_ZH, Status
from ..evaluate import CheckResult, SubjectResult
from ..findings import Finding, InputUsed, ItemResult
from ..schema import IDENTIFICATION_BY_CODE
from ..spec import Catalog
from ..vocab import label
from . import fonts
from .fetcher import SafeURLFetcher
from .summary import count_statuses, largest_gaps, ordered_findings

__all__ = ["render_inspection_html", "write_inspection_report"]

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE = "inspection.html.j2"
STYLESHEET = "inspection.css"
# Bundled families first; system Noto only for a character neither bundled font has.
FONT_STACK = f'"{fonts.FONT_FAMILY}", "{fonts.FONT_FAMILY_EXT}", "Noto Sans CJK SC", sans-serif'
ITEM_ROW_LIMIT = 30  # item rows shown per finding; the rest are counted
APPENDIX_ROW_LIMIT = 40  # raw table rows shown per item table in the appendix
_RANK = {status: index for index, status in enumerate(SEVERITY_ORDER)}
_WHICH_ZH = {"current": "本期", "prior": "上年同期"}
_NUMERIC = ("money", "ratio", "number", "count")
# A half-width space left after full-width punctuation by folded YAML text.
_SPACE_AFTER_PUNCT = re.compile(r"(?<=[，。；：、！？）」』”])[ \t\n]+")
_SOURCE_ROW = re.compile(r"^(?P<sheet>.+)!(?:[A-Z]+)(?P<row>\d+)$")


# ---------------------------------------------------------------- formatting

def _zh_text(text: object) -> str:
    return _SPACE_AFTER_PUNCT.sub("", str(text or "")).strip()


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


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _period_text(label_text: str) -> str:
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


def _gap_amount(finding: Finding) -> str:
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
        "observed": formatting.measure(item.observed, finding.unit),
        "gap": formatting.gap(item.gap, finding.unit) if item.gap else "—",
        "note": item.note,
        "source": item.source,
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
        "gap_amount": _gap_amount(finding),
        "inputs": [{"name": i.name, "value": _value(i.value), "unit": i.unit, "known": i.value is not None,
                    "source": i.source} for i in scalar],
        "table_names": table_names,
        "item_table": _item_rows(finding) if finding.items else None,
    }


def _domain_rows(findings: list[Finding]) -> tuple[list[Status], list[dict[str, Any]]]:
    present = [s for s in SEVERITY_ORDER if any(f.status is s for f in findings)]
    rows: dict[str, dict[str, Any]] = {}
    for finding in ordered_findings(findings):
        row = rows.setdefault(finding.domain, {"domain": finding.domain, "total": 0,
                                               "counts": {s: 0 for s in present}, "worst": finding.status})
        row["total"] += 1
        row["counts"][finding.status] += 1
    return present, list(rows.values())


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


def build_context(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                  today: dt.date | None = None) -> dict[str, Any]:
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
    counts = count_statuses(findings)
    problems = [p for p in result.problems if Path(p.file).name == file_name]
    problems = list(dict.fromkeys(problems))
    return {
        "subject": who,
        "is_region": who.level == "region",
        "grade": label("grade", who.grade) if who.grade else "未填写",
        "type": label("type", who.type) if who.type else "未填写",
        "ownership": label("ownership", who.ownership) if who.ownership else "未填写",
        "location": (who.province or "未填写省份") + (who.city or ""),
        "period_text": _period_text(who.period.label),
        "profile": result.profile,
        "check_date": _zh_date(today or dt.date.today()),
        "as_of": _zh_date(result.as_of) if result.as_of else None,
        "period_end": _zh_date(who.period.end),
        "file_name": file_name,
        "worst": subject.worst,
        "counts": counts,
        "ok_count": sum(counts.counts[s] for s in (Status.PASS, Status.NOT_DUE, Status.WAIVED)),
        "total": len(findings),
        "domain_statuses": statuses,
        "domain_rows": domain_rows,
        "gaps": [{"f": f, "number": numbers[f.rule_id], "amount": _gap_amount(f)} for f in largest_gaps(findings)],
        "domains": domains,
        "problems": problems,
        "outcome": next((o for o in result.outcomes if Path(o.path).name == file_name), None),
        "refused": result.refused,
        "identification": [(IDENTIFICATION_BY_CODE[c].name if c in IDENTIFICATION_BY_CODE else c,
                            _value(r.value), str(r.cell) if r.cell else "")
                           for c, r in submission.identification.items()],
        "scalar_inputs": [{"i": i, "which": _WHICH_ZH[i.which], "value": _value(i.value)}
                          for i in _scalar_inputs(findings)],
        "appendix_tables": _appendix_tables(findings, catalog),
    }


# ---------------------------------------------------------------- rendering

@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update({
        "zh": _zh_text,
        "status_zh": lambda status: STATUS_LABEL_ZH[Status(status)],
        "percent": lambda rate: "—" if rate is None else f"{rate * 100:.1f}%",
        "basename": lambda path: Path(str(path)).name,
    })
    return env


def _stylesheet() -> Markup:
    """Trusted CSS (no submitted text): bundled @font-face rules, the font stack, the sheet."""
    css = (TEMPLATE_DIR / STYLESHEET).read_text(encoding="utf-8")
    return Markup(f"{fonts.font_face_css()}\nhtml {{ font-family: {FONT_STACK}; }}\n{css}")


def render_inspection_html(result: CheckResult, subject: SubjectResult, catalog: Catalog,
                           today: dt.date | None = None) -> str:
    """The report as a standalone HTML document (fonts referenced by ``compliance-asset:`` URLs)."""
    context = build_context(result, subject, catalog, today)
    return _environment().get_template(TEMPLATE).render(stylesheet=_stylesheet(), **context)


@lru_cache(maxsize=1)
def _font_config() -> Any:
    """One FontConfiguration per process: WeasyPrint keeps fetched @font-face files in it,
    so later reports skip re-reading the bundled fonts."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _visible_text(html: str) -> str:
    """The document's text without the stylesheet and tags, for the glyph check."""
    body = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", body))


def write_inspection_report(result: CheckResult, subject: SubjectResult, catalog: Catalog, path: Path,
                            today: dt.date | None = None) -> Path:
    """Render the subject's inspection report to `path` as PDF and return the path."""
    from weasyprint import HTML

    html = render_inspection_html(result, subject, catalog, today)
    missing = fonts.missing_glyphs(_visible_text(html))
    if missing:
        who = subject.submission.subject
        log.warning("inspection report for %s (%s, %s): bundled font %r has no glyph for %s; "
                    "falling back to system fonts for them", who.name, who.code, who.period.label,
                    fonts.FONT_FAMILY, " ".join(f"{c!r} U+{ord(c):04X}" for c in missing))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = HTML(string=html, base_url=None, url_fetcher=SafeURLFetcher())
    document.write_pdf(path, font_config=_font_config())
    return path
