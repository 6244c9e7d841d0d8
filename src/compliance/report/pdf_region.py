"""The region report's section on its hospitals: ranking, hospitals x rules matrix, indicator
distributions and the hospitals missing each rule."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from compliance.report import charts
from compliance.report.summary import count_statuses
from compliance.results.findings import Finding
from compliance.results.quantities import PERCENT, POINTS
from compliance.results.status import SEVERITY_ORDER, SEVERITY_RANK, Status
from compliance.wording import catalogue
from compliance.wording import findings as worded

if TYPE_CHECKING:
    from compliance.report.inputs import SubjectReport

REGION_PREFIX = "pdf.region."
MATRIX_COLUMNS = 16  # rule columns per matrix table; wider matrices continue in a further table
#: Hospitals a region report lists in its ranking and matrix (those with the lowest compliance
#: rates when the region has more), and per item in its failing lists (the most severe first).
#: A province's report would otherwise run to a thousand pages; the gap workbook lists them all
#: and the report says how many it leaves out and where they are.
HOSPITALS_LISTED = 200
FAILING_LISTED = 50
#: Rule kinds that measure one number per hospital: their values get a distribution chart.
KEY_INDICATOR_KINDS = frozenset({"threshold", "growth", "approx", "yoy_increase", "yoy_decrease"})
_NOT_OK = (Status.ERROR, Status.FAIL, Status.MISSING_DATA, Status.WARN)


def region_view(report: SubjectReport, lang: str) -> dict[str, Any]:
    ranking = []
    for hospital in report.members:
        counts = count_statuses(hospital.findings)
        who = hospital.subject
        ranking.append({
            "name": who.name, "code": who.code, "rate": counts.compliance_rate, "worst": hospital.worst,
            "applicable": counts.applicable, "ok": counts.ok,
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
    for hospital in report.members:
        for finding in hospital.findings:
            rules.setdefault(finding.rule_id, finding)
    numbered = [{"number": n, "rule_id": rid, "title": worded.title(f, lang), "domain": f.domain, "kind": f.kind}
                for n, (rid, f) in enumerate(rules.items(), start=1)]
    matrix = [numbered[i:i + MATRIX_COLUMNS] for i in range(0, len(numbered), MATRIX_COLUMNS)]

    indicators = []
    failing = []
    for rule in numbered:
        found = [(row, row["by_rule"][rule["rule_id"]]) for row in ranking if rule["rule_id"] in row["by_rule"]]
        if rule["kind"] in KEY_INDICATOR_KINDS:
            indicators.append(_indicator_view(rule, [f for _, f in found], lang))
        bad = sorted(((row, f) for row, f in found if f.status in _NOT_OK), key=lambda rf: SEVERITY_RANK[rf[1].status])
        if bad:
            failing.append({**rule, "rows": [{"name": row["name"], "code": row["code"], "f": f,
                                              "amount": worded.gap_amount(f, lang)} for row, f in bad[:FAILING_LISTED]],
                            "bad": len(bad), "more": max(0, len(bad) - FAILING_LISTED), "total": len(found)})
    all_ok = [rule for rule in numbered if not any(item["rule_id"] == rule["rule_id"] for item in failing)]
    marks = {s: catalogue.text(f"mark.{s.value}", lang) for s in SEVERITY_ORDER}
    # beyond the cap: the lowest compliance rates (a hospital with nothing applicable has no rate)
    listed = ranking if len(ranking) <= HOSPITALS_LISTED else \
        [row for row in ranking if row["rate"] is not None][-HOSPITALS_LISTED:]
    return {
        "hospitals": listed,
        "hospital_count": len(ranking),
        "first_listed_rank": listed[0]["rank"] if listed else 0,
        "matrix_sheet": catalogue.text("sheet.matrix", lang),  # the gap workbook's sheets that list them all
        "findings_sheet": catalogue.text("sheet.findings", lang),
        "rules": numbered,
        "matrix": matrix,
        "marks": list(marks.items()),
        "marks_by": marks,
        "indicators": [i for i in indicators if i],
        "failing": failing,
        "all_ok": all_ok,
    }


def _indicator_view(rule: dict[str, Any], findings: list[Finding], lang: str) -> dict[str, Any] | None:
    """A key indicator's distribution chart over the hospitals that reported a number for it."""
    points = [charts.DistributionPoint(f.subject_name, f.observed.number, f.status) for f in findings
              if f.observed is not None and f.observed.number is not None and f.status is not Status.NOT_APPLICABLE]
    if not points:
        return None
    reference = next((f for f in findings if f.required is not None and f.required.threshold.number is not None),
                     findings[0])
    unit = next((f.observed.unit for f in findings if f.observed is not None), "")
    scaled = unit in (PERCENT, POINTS)
    change = rule["kind"] in ("yoy_increase", "yoy_decrease")
    axis = catalogue.text(REGION_PREFIX + ("axis_change" if change else "axis_value"), lang)
    if unit:
        axis = catalogue.paren(axis, catalogue.unit_name(unit, lang), lang)
    threshold = reference.required.threshold.number if reference.required is not None else None
    required = worded.required(reference, lang)
    chart = charts.distribution_chart(points, threshold, required, scale=100.0 if scaled else 1.0,
                                      axis_label=axis, labels={s: catalogue.status_label(s, lang) for s in Status})
    counts = Counter(p.status for p in points)
    missing = sum(1 for f in findings if f.status is Status.MISSING_DATA)
    return {**rule, "chart": chart, "required": required, "reported": len(points), "missing": missing,
            "counts": [(s, counts[s]) for s in SEVERITY_ORDER if counts[s]]}
