"""A finding's sentences in the reader's language, written from its status, reason, numbers and
details.  This is the only place a finding becomes prose: the CLI table, the JSON ``message``,
the gap workbook and the PDF documents all call these functions.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from jinja2 import Template

from compliance.results.findings import Finding, InputUsed, ItemResult
from compliance.results.identity import Cell, RowRef
from compliance.results.problems import DataProblem
from compliance.results.quantities import Basis, Quantity
from compliance.results.status import Reason, Status
from compliance.rules.templates import compile_template
from compliance.wording import documents, regions
from compliance.wording import problems as problem_wording
from compliance.wording import quantities as q
from compliance.wording.catalogue import (
    join,
    level_label,
    messages,
    plural,
    text,
    vocab_label,
)
from compliance.wording.dates import period_text

MAX_LISTED = 10  # items listed in a per-item message
MAX_LISTED_UNITS = 15  # units or hospitals listed in a region's message
ACTION_STATUSES = (Status.FAIL, Status.WARN, Status.NOT_DUE)
RULE_TEXT_LANGUAGE = "zh"  # the language rule packs are written in


# ---------------------------------------------------------------- values of a finding


def title(finding: Finding, lang: str) -> str:
    """The rule's title as the pack words it; a data-quality check's from the catalogue."""
    return finding.title or messages(lang).get(f"title.{finding.rule_id}", finding.rule_id)


def observed(finding: Finding, lang: str) -> str:
    if finding.required is not None and finding.required.basis is Basis.CHANGE:
        return q.change(finding.observed, lang)
    return q.quantity(finding.observed, lang)


def required(finding: Finding, lang: str) -> str:
    return q.requirement(finding.required, lang)


def gap(finding: Finding, lang: str) -> str:
    """The gap to make up; '—' when there is none (met, or missed at a strict bound)."""
    return q.quantity(finding.gap, lang) if finding.gap is not None and finding.gap.value else q.DASH


def gap_amount(finding: Finding, lang: str) -> str:
    """The money or quantity behind the gap ('' when the rule has none)."""
    return q.amounts(finding.gap_amounts, lang) if finding.gap_amounts else ""


def gap_amount_label(finding: Finding, lang: str) -> str:
    if finding.gap_amount_label:
        return finding.gap_amount_label
    if finding.kind == "share_of_units" and finding.gap_amounts:
        return text("label.units_short", lang)
    return ""


def location(cell: Cell | None, lang: str, file: str = "") -> str:
    if cell is None:
        return file
    return text("value.cell_in", lang, file=file, cell=str(cell)) if file else str(cell)


def row_source(source: RowRef | None, lang: str) -> str:
    """'药品价格!第3行' / '药品价格!row 3'; a hospital unit's file name."""
    if source is None:
        return ""
    if not source.sheet:
        return source.file
    return text("value.row", lang, sheet=source.sheet, row=source.row)


def input_name(used: InputUsed, lang: str) -> str:
    name = text("value.prior", lang, name=used.name) if used.which == "prior" else used.name
    return text("value.item_field", lang, item=used.item or text("value.unnamed_item", lang), name=name) \
        if used.which not in ("current", "prior") else name


def input_source(used: InputUsed, lang: str) -> str:
    """Where an input came from: its cell, the hospitals it was summed over, or why it could not be."""
    if used.summed_over:
        return text("value.summed", lang, hospitals=plural("count.hospitals", used.summed_over, lang))
    if used.lacking:
        return text("value.not_summed", lang, names=join(list(used.lacking[:10]), lang))
    if used.earlier:
        return text("value.earlier", lang, period=period_text(used.earlier, lang),
                    file=used.cell.file.rsplit("/", 1)[-1] if used.cell else "", cell=str(used.cell) if used.cell else "")
    return str(used.cell) if used.cell else ""


def input_value(used: InputUsed, lang: str, with_unit: bool = False) -> str:
    """A submitted value as shown: a ratio as a percentage, yes/no as 是/否, blank as （空）."""
    value = used.value
    if value is None:
        return text("value.blank", lang)
    if isinstance(value, bool):
        return q.yes_no(value, lang)
    if isinstance(value, (int, float)):
        if used.unit == q.PERCENT:
            return q.percent(float(value), lang)
        return q.with_unit(float(value), used.unit, lang) if with_unit else q.number(float(value), lang, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def item_label(item: ItemResult, lang: str) -> str:
    return item.label or text("value.unnamed_item", lang)


def item_note(item: ItemResult, lang: str, amount_label: str = "") -> str:
    """An item's note: the money or quantity behind its gap, what it lacks, or why it is exempt."""
    if item.reason is Reason.EXEMPT:
        return item.note
    if item.missing:
        return text("note.missing", lang, names=join(list(item.missing), lang))
    if item.zero:
        return text("note.zero", lang, names=join(list(item.zero), lang))
    if item.gap_amount is not None and amount_label:
        return text("note.amount", lang, label=amount_label, amount=q.quantity(item.gap_amount, lang))
    return ""


def contributors(finding: Finding, lang: str) -> list[str]:
    return [text("msg.units.listed", lang, label=c.name, observed=q.quantity(c.observed, lang))
            for c in finding.contributors]


# ---------------------------------------------------------------- the conclusion


def message(finding: Finding, lang: str) -> str:
    """The finding's conclusion as a sentence."""
    sentence = _sentence(finding, finding.reason, lang)
    if finding.contributors:
        names = contributors(finding, lang)
        listed = join(names[:MAX_LISTED_UNITS], lang)
        if len(names) > MAX_LISTED_UNITS:
            listed += plural("count.more_hospitals", len(names), lang)
        sentence += text("msg.contributors", lang, listed=listed)
    if finding.details.get("waiver_expired") is not None:
        sentence += text("msg.waiver_expired", lang, expires=finding.details["waiver_expired"].isoformat())
    return sentence + regions.counted_note(finding, lang) + documents.benchmark_note(finding, lang)


def _sentence(f: Finding, reason: Reason, lang: str) -> str:
    details = f.details
    if reason is Reason.BEFORE_DEADLINE:
        missed = _sentence(f, details.get("missed", Reason.NOT_MET), lang)
        return text("msg.before_deadline", lang, deadline=details["deadline"].isoformat(),
                    as_of=details["as_of"].isoformat(), missed=missed)
    if reason is Reason.WAIVED:
        missed = _sentence(f, details.get("waived_reason", Reason.NOT_MET), lang)
        return text("msg.waived", lang, approver=details["approver"], justification=details["justification"],
                    expires=details["expires"].isoformat(), missed=missed)
    if f.kind == "quality":
        return _quality(f, lang)
    simple = _SIMPLE.get(reason)
    if simple is not None:
        return simple(f, lang)
    if f.kind == "item_table":
        return _items(f, reason, lang)
    if f.kind in ("all", "share_of_units"):
        return _units(f, reason, lang)
    if f.kind == "boolean":
        return _boolean(f, lang)
    if f.kind == "deadline":
        return _deadline(f, lang)
    if f.required is not None and f.required.basis is Basis.CHANGE:
        return _change(f, lang)
    return _scalar(f, lang)


def _missing_input(f: Finding, lang: str) -> str:
    wanted = f.details.get("missing", ())
    parts = []
    for code, which in wanted:
        used = next((i for i in f.inputs if i.field == code and i.which == which), None)
        if used is None:
            continue
        where = input_source(used, lang) or text("value.no_field", lang)
        parts.append(text("msg.missing_input.item", lang, name=input_name(used, lang), field=code, where=where))
    problems: tuple[DataProblem, ...] = f.details.get("problems", ())
    advice = "".join(problem_message(p, lang) for p in problems) if problems else text("msg.missing_input.advice",
                                                                                         lang)
    return text("msg.missing_input", lang, inputs=join(parts, lang), advice=advice)


def _missing_attribute(f: Finding, lang: str) -> str:
    cell = f.details.get("cell")
    where = location(cell, lang, f.submission.file.name) if cell else f.submission.file.name
    return text("msg.missing_attribute", lang, attribute=text(f"attribute.{f.details['attribute']}", lang),
                where=where)


def _other_level(f: Finding, lang: str) -> str:
    return text("msg.other_level", lang, rule_level=level_label(f.details["rule_level"], lang).lower()
                if lang == "en" else level_label(f.details["rule_level"], lang),
                subject_level=level_label(f.details["subject_level"], lang).lower()
                if lang == "en" else level_label(f.details["subject_level"], lang))


def _outside_jurisdiction(f: Finding, lang: str) -> str:
    location_ = (f.details.get("province") or "") + (f.details.get("city") or "")
    return text("msg.outside_jurisdiction", lang, jurisdiction=f.details["jurisdiction"], location=location_)


def _outside_scope(f: Finding, lang: str) -> str:
    attribute = f.details["attribute"]
    allowed = join([vocab_label(attribute, code, lang) for code in f.details["allowed"]], lang)
    return text("msg.outside_scope", lang, attribute=text(f"attribute.{attribute}", lang), allowed=allowed,
                value=vocab_label(attribute, f.details["value"], lang))


def _before_effective(f: Finding, lang: str) -> str:
    return text("msg.before_effective", lang, date=f.details["effective_from"].isoformat(),
                period=period_text(f.details["period"], lang))


def _division_by_zero(f: Finding, lang: str) -> str:
    names = {i.field: i.name for i in f.inputs}
    zero = join([f"{names.get(code, code)}（{code}）" if lang == "zh" else f"{names.get(code, code)} ({code})"
                  for code in f.details.get("zero", ())], lang)
    when = text("msg.division_by_zero.prior", lang) if f.details.get("prior") else ""
    return text("msg.division_by_zero", lang, when=when, measure=f.measure, names=zero)


def _invalid_base(f: Finding, lang: str) -> str:
    code = f.details["field"]
    used = next((i for i in f.inputs if i.field == code and i.which == "prior"), None)
    return text("msg.invalid_base", lang, measure=f.measure, field=used.name if used else code,
                base=q.quantity(f.details["base"], lang), where=input_source(used, lang) if used else "")


def _out_of_range(f: Finding, lang: str) -> str:
    return text("msg.out_of_range", lang, measure=f.measure, observed=observed(f, lang))


def _engine_error(f: Finding, lang: str) -> str:
    return text("msg.engine_error", lang, measure=f.measure, verdict=f.details.get("verdict", ""), rule_id=f.rule_id)


def _no_units(f: Finding, lang: str) -> str:
    return text("msg.units.none", lang, what=_what(f, lang), measure=f.measure)


def _no_rows(f: Finding, lang: str) -> str:
    details, file = f.details, f.submission.file.name
    if details.get("flat"):
        where = text("msg.items.where_flat", lang, file=file, table=details["table"])
    elif details.get("sheet"):
        where = text("msg.items.where_sheet", lang, file=file, sheet=details["sheet"])
    else:
        where = text("msg.items.where_none", lang, file=file, table=details["table"])
    return text("msg.items.no_rows", lang, where=where, measure=f.measure, table=details["table"])


def _all_exempt(f: Finding, lang: str) -> str:
    reason = f.details.get("exemption") or text("msg.items.exempt_default", lang)
    return text("msg.items.all_exempt", lang, n=len(f.items), reason=reason)


_SIMPLE = MappingProxyType({
    Reason.MISSING_INPUT: _missing_input, Reason.MISSING_ATTRIBUTE: _missing_attribute,
    Reason.OTHER_LEVEL: _other_level, Reason.OUTSIDE_JURISDICTION: _outside_jurisdiction,
    Reason.OUTSIDE_SCOPE: _outside_scope, Reason.BEFORE_EFFECTIVE: _before_effective,
    Reason.OUTSIDE_TIME_SCOPE: documents.outside_time_scope, Reason.REPEALED: documents.repealed,
    Reason.HOSPITAL_ATTRIBUTE_MISSING: regions.hospital_attribute_missing,
    Reason.DIVISION_BY_ZERO: _division_by_zero, Reason.INVALID_BASE: _invalid_base,
    Reason.OUT_OF_RANGE: _out_of_range, Reason.ENGINE_ERROR: _engine_error, Reason.NO_UNITS: _no_units,
    Reason.NO_ROWS: _no_rows, Reason.ALL_EXEMPT: _all_exempt,
})


def _amount_clause(f: Finding, lang: str) -> str:
    if not f.gap_amounts:
        return ""
    return text("msg.amount", lang, label=gap_amount_label(f, lang), amount=gap_amount(f, lang))


def _scalar(f: Finding, lang: str) -> str:
    seen = observed(f, lang)
    if f.status is Status.PASS:
        return text("msg.scalar.met", lang, measure=f.measure, observed=seen, required=required(f, lang))
    if f.gap is None or not f.gap.value or f.required is None:
        return text("msg.scalar.not_met_at_bound", lang, measure=f.measure, observed=seen, required=required(f, lang),
                    amount=_amount_clause(f, lang))
    req = f.required
    if req.comparator == "==" and req.tolerance is not None:
        verdict = "verdict.off_target"
    else:
        verdict = {">=": "verdict.below", ">": "verdict.below", "<=": "verdict.above", "<": "verdict.above"}.get(
            req.comparator, "verdict.not_equal")
    return text("msg.scalar.not_met", lang, measure=f.measure, observed=seen, verdict=text(verdict, lang),
                target=q.target(req, lang), gap=gap(f, lang), amount=_amount_clause(f, lang))


def _change(f: Finding, lang: str) -> str:
    value = float(f.observed.value) if f.observed is not None else 0.0  # type: ignore[arg-type]
    unit = f.observed.unit if f.observed is not None else ""
    if value == 0:
        moved = text("moved.none", lang)
    else:
        moved = text("moved.up" if value > 0 else "moved.down", lang, amount=q.quantity(Quantity(abs(value), unit), lang))
    current, prior = f.details.get("current"), f.details.get("prior")
    detail = text("msg.change.detail", lang, current=q.quantity(current, lang), prior=q.quantity(prior, lang)) \
        if current is not None and prior is not None else ""
    key = "msg.change.met" if f.status is Status.PASS else "msg.change.not_met"
    return text(key, lang, measure=f.measure, moved=moved, detail=detail, required=required(f, lang))


def _boolean(f: Finding, lang: str) -> str:
    if f.status is Status.ERROR:
        return _engine_error(f, lang)
    answer = f.inputs[0] if f.inputs else None
    where = text("msg.boolean.where", lang, cell=answer.source) if answer is not None and answer.source else ""
    evidence = text("msg.boolean.evidence", lang, text=f.details["evidence"]) if "evidence" in f.details else ""
    shown = observed(f, lang)
    if f.status is Status.PASS:
        return text("msg.boolean.met", lang, measure=f.measure, answer=shown, where=where, evidence=evidence)
    return text("msg.boolean.not_met", lang, measure=f.measure, answer=shown, where=where, expected=required(f, lang))


def _deadline(f: Finding, lang: str) -> str:
    if f.status is Status.ERROR:
        return _engine_error(f, lang)
    deadline = f.required.threshold.value.isoformat() if f.required else ""  # type: ignore[union-attr]
    date = f.observed.value.isoformat() if f.observed is not None and f.details.get("done") else ""  # type: ignore[union-attr]
    if f.status is Status.PASS:
        return text("msg.deadline.met", lang, measure=f.measure, date=date, deadline=deadline)
    if f.details.get("done"):
        return text("msg.deadline.late", lang, measure=f.measure, date=date, deadline=deadline, days=gap(f, lang))
    return text("msg.deadline.not_done", lang, measure=f.measure, deadline=deadline)


def _items_header(f: Finding, lang: str) -> str:
    checked = [item for item in f.items if item.reason is not Reason.EXEMPT]
    exempt = len(f.items) - len(checked)
    header = plural("count.items_checked", len(checked), lang)
    if exempt and f.details.get("exemption"):
        header += text("msg.items.exempt", lang, n=exempt, reason=f.details["exemption"])
    return header


def _items(f: Finding, reason: Reason, lang: str) -> str:
    header = _items_header(f, lang)
    label = gap_amount_label(f, lang)
    if reason is Reason.NOT_MET:
        failing = [item for item in f.items if item.status in (Status.FAIL, Status.WARN)]
        listed = []
        for item in failing[:MAX_LISTED]:
            line = text("msg.items.listed", lang, label=item_label(item, lang), source=row_source(item.source, lang),
                        observed=q.quantity(item.observed, lang))
            note = item_note(item, lang, label)
            listed.append(line + (text("clause.sep", lang) + note if note else ""))
        more = plural("count.more_items", len(failing) - MAX_LISTED, lang) if len(failing) > MAX_LISTED else ""
        total = text("msg.items.total", lang, label=label, amount=gap_amount(f, lang)) \
            if f.gap_amounts and label else ""
        return text("msg.items.not_met", lang, header=header, failing=plural("count.items_failing", len(failing), lang),
                    required=required(f, lang), listed=join(listed, lang, long=True), more=more, total=total)
    if reason is Reason.MET:
        return text("msg.items.met", lang, header=header, required=required(f, lang))
    wanted = Status.ERROR if reason is Reason.ITEMS_ERROR else Status.MISSING_DATA
    troubled = [item for item in f.items if item.status is wanted]
    listed = join([text("msg.items.listed", lang, label=item_label(item, lang), source=row_source(item.source, lang),
                        observed=item_note(item, lang)) for item in troubled[:MAX_LISTED]], lang, long=True)
    key = "msg.items.error" if reason is Reason.ITEMS_ERROR else "msg.items.missing"
    return text(key, lang, header=header, n=len(troubled), listed=listed)


def _what(f: Finding, lang: str) -> str:
    table = f.details.get("table")
    return text("msg.units.table", lang, table=table) if table else text("msg.units.hospitals", lang)


def _unit_list(items: list[ItemResult], lang: str, with_note: bool = False) -> str:
    names = []
    for item in items[:MAX_LISTED_UNITS]:
        label = item.label or text("value.unnamed_unit", lang)
        if with_note:
            names.append(text("msg.units.note", lang, label=label, note=item_note(item, lang)))
        elif item.observed is not None:
            names.append(text("msg.units.listed", lang, label=label, observed=q.quantity(item.observed, lang)))
        else:
            names.append(label)
    listed = join(names, lang)
    if len(items) > MAX_LISTED_UNITS:
        listed += plural("count.more_units", len(items), lang)
    return listed


def _units(f: Finding, reason: Reason, lang: str) -> str:
    what = _what(f, lang)
    failing = [item for item in f.items if item.status in (Status.FAIL, Status.WARN)]
    if f.kind == "share_of_units":
        details = f.details
        header = text("msg.share.header", lang, what=what, total=details["total"], meeting=details["meeting"],
                      measure=f.measure, share=observed(f, lang),
                      required=q.quantity(f.required.threshold, lang) if f.required else q.DASH)
        if f.status is Status.PASS:
            return text("msg.share.met", lang, header=header)
        if reason is Reason.SHARE_UNDECIDED:
            return text("msg.share.undecided", lang, header=header, n=details["lacking"])
        return text("msg.share.not_met", lang, header=header, short=details["short"],
                    listed=_unit_list(failing, lang) or q.DASH)
    requirement = q.requirement(replace(f.required, basis=Basis.VALUE), lang) if f.required else ""
    header = text("msg.all.header", lang, what=what, units=plural("count.units", len(f.items), lang),
                  measure=f.measure, requirement=requirement)
    if reason is Reason.NOT_MET:
        return text("msg.all.not_met", lang, header=header, n=len(failing), listed=_unit_list(failing, lang))
    if reason is Reason.MET:
        return text("msg.all.met", lang, header=header)
    wanted = Status.ERROR if reason is Reason.ITEMS_ERROR else Status.MISSING_DATA
    troubled = [item for item in f.items if item.status is wanted]
    key = "msg.all.error" if reason is Reason.ITEMS_ERROR else "msg.all.missing"
    return text(key, lang, header=header, n=len(troubled), listed=_unit_list(troubled, lang, with_note=True))


def _input(f: Finding, code: str, which: str = "current") -> InputUsed | None:
    return next((i for i in f.inputs if i.field == code and i.which == which), None) or next(
        (i for i in f.inputs if i.field == code), None)


def _value_of(used: InputUsed | None, lang: str) -> str:
    return input_value(used, lang, with_unit=True) if used else q.DASH


def _quality_values(f: Finding, lang: str) -> dict[str, Any]:
    d = f.details
    reason = f.reason
    if reason is Reason.PART_EXCEEDS_TOTAL:
        which = "prior" if d.get("prior") else "current"
        part, total = _input(f, d["part"], which), _input(f, d["total"], which)
        return {"when": text("msg.quality.when_prior" if d.get("prior") else "msg.quality.when_current", lang),
                "part": part.name if part else d["part"], "part_value": _value_of(part, lang),
                "part_cell": part.source if part else "", "total": total.name if total else d["total"],
                "total_value": _value_of(total, lang), "total_cell": total.source if total else ""}
    if reason is Reason.SHARE_OUT_OF_RANGE:
        used = _input(f, d["field"], "prior" if d.get("prior") else "current")
        return {"field": used.name if used else d["field"], "value": _value_of(used, lang),
                "cell": used.source if used else ""}
    if reason is Reason.SUSPECT_JUMP:
        now, before = _input(f, d["field"], "current"), _input(f, d["field"], "prior")
        return {"field": now.name if now else d["field"], "now": _value_of(now, lang),
                "now_cell": now.source if now else "", "before": _value_of(before, lang),
                "before_cell": before.source if before else "",
                "change": q.whole_percent(float(d["change"].value), signed=True),
                "limit": q.whole_percent(float(d["max_change"].value))}
    used = _input(f, d["field"], "prior")
    earlier_cell = d.get("earlier_cell")
    return {"field": used.name if used else d["field"], "stated": _value_of(used, lang),
            "cell": used.source if used else "", "period": period_text(d["earlier_period"], lang),
            "reported": q.quantity(d["reported"], lang), "file": str(d["earlier_file"]).rsplit("/", 1)[-1],
            "earlier_cell": str(earlier_cell) if earlier_cell else ""}


def _quality(f: Finding, lang: str) -> str:
    return text(f"msg.quality.{f.reason.value}", lang, **_quality_values(f, lang))


# ---------------------------------------------------------------- remediation


@lru_cache(maxsize=512)  # compiled templates of rule text (immutable, thread-safe to render)
def _template(source: str) -> Template:
    return compile_template(source)


def remediation_values(f: Finding, lang: str) -> dict[str, str]:
    """What a rule's remediation text may refer to, worded in `lang`: a value for each name of
    :data:`compliance.rules.templates.TEMPLATE_NAMES`, the names the loader lets a template use."""
    failing = [item for item in f.items if item.status in (Status.FAIL, Status.WARN)]
    label = gap_amount_label(f, lang)
    names = [item_label(item, lang) for item in failing[:MAX_LISTED]]
    details = []
    for item in failing[:MAX_LISTED]:
        note = item_note(item, lang, label)
        details.append(text("value.item_field", lang, item=item_label(item, lang), name=note) if note
                       else item_label(item, lang))
    deadline = f.details.get("deadline") or (f.required.threshold.value if f.required and f.kind == "deadline" else None)
    values = {
        "observed": observed(f, lang), "required": required(f, lang), "gap": gap(f, lang),
        "gap_amount": gap_amount(f, lang) or q.DASH, "measure_name": f.measure,
        "failing_items": join(names, lang) if f.kind == "item_table" else _unit_list(failing, lang),
        "failing_count": str(len(failing)), "failing_details": join(details, lang, long=True),
        "short_count": str(f.details.get("short", 0)),
        "deadline": deadline.isoformat() if hasattr(deadline, "isoformat") else "",
    }
    return values


def remediation(f: Finding, lang: str) -> str:
    """What to do: the rule's remediation text with this finding's values, for a finding that
    misses its requirement (fail, warn, not yet due); a data-quality check's advice in `lang`.

    A rule's remediation is the rule pack's own text and stays as the pack writes it, in Chinese,
    values included (an English value inside a Chinese sentence reads worse than either)."""
    if f.kind == "quality":
        return text(f"fix.quality.{f.reason.value}", lang, **_quality_values(f, lang))
    if f.status not in ACTION_STATUSES or not f.remediation_template:
        return ""
    return _template(f.remediation_template).render(remediation_values(f, RULE_TEXT_LANGUAGE)).strip()


# ---------------------------------------------------------------- data problems


def problem_message(problem: DataProblem, lang: str) -> str:
    """A data problem as one sentence (see :func:`compliance.wording.problems.message`)."""
    return problem_wording.message(problem, lang)
