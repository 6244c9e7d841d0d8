"""Kinds ``all`` and ``share_of_units``: every unit, or a share of the units, meets a condition.

Units are rows of a region's unit table (villages, townships, counties,
pooling areas, departments) or ``hospitals``: the region's hospital
submissions in the same run. The finding names the units that miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from compliance.evaluation.engine import Criterion, Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Finding, InputUsed, ItemResult
from compliance.results.status import Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec
from compliance.rules.vocab import VOCABULARIES
from compliance.wording import formatting

ALL = "all"
SHARE = "share_of_units"
DESCRIPTION_ALL = "Every unit of a region (unit-table rows or the region's hospitals) meets a condition."
DESCRIPTION_SHARE = "At least a given share of a region's units meets a condition."
HOSPITALS = "hospitals"
MAX_LISTED = 15
SUBJECT_FILTERS = ("ownership", "grade", "type")


@dataclass(frozen=True)
class UnitFilter:
    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class UnitsSpec:
    measure_name: str
    units: str
    where: tuple[UnitFilter, ...]
    expression: Expression
    comparison: Comparison
    share: float | None

    @property
    def share_comparison(self) -> Comparison:
        return Comparison(">=", self.share if self.share is not None else 1.0)


def _parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec], with_share: bool) -> UnitsSpec:
    node.check_keys({"name", "units", "where", "expression", "comparator", "threshold", "tolerance"}
                    | ({"share"} if with_share else set()))
    units = node.text("units")
    where_node = node.child("where", required=False)
    filters: list[UnitFilter] = []
    if units == HOSPITALS:
        known = set(fields)
        if where_node is not None:
            where_node.check_keys(set(SUBJECT_FILTERS))
            for key in SUBJECT_FILTERS:
                values = where_node.text_list(key, tuple(VOCABULARIES[key][0]))
                if values:
                    filters.append(UnitFilter(key, values))
    else:
        if units not in tables or tables[units].level != "region":
            raise node.fail("units", f"{units!r} is neither 'hospitals' nor a region unit table",
                            "declare the table under tables: with level: region")
        known = {column.code for column in tables[units].columns}
        if where_node is not None:
            where_node.check_keys({"column", "equals", "in"})
            column = where_node.text("column")
            if column not in known:
                raise where_node.fail("column", f"table {units} has no column {column!r}")
            if where_node.has("in"):
                values = where_node.data["in"]
                if not isinstance(values, list):
                    raise where_node.fail("in", "must be a list")
            else:
                values = [where_node.data.get("equals")]
            filters.append(UnitFilter(column, tuple(values)))
    share = None
    if with_share:
        share = node.number("share")
        if not 0 < share <= 1:
            raise node.fail("share", f"must be a share between 0 and 1, found {share}")
    return UnitsSpec(node.text("name"), units, tuple(filters), node.expression("expression", known),
                     common.parse_comparison(node), share)


def parse_all(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> UnitsSpec:
    return _parse(node, fields, tables, with_share=False)


def parse_share(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> UnitsSpec:
    return _parse(node, fields, tables, with_share=True)


def fields_used(spec: UnitsSpec) -> tuple[str, ...]:
    return spec.expression.fields if spec.units == HOSPITALS else ()


def tables_used(spec: UnitsSpec) -> tuple[str, ...]:
    return () if spec.units == HOSPITALS else (spec.units,)


def criteria(rule: Rule) -> list[Criterion]:
    spec: UnitsSpec = rule.spec
    found = common.criteria(rule)
    if spec.share is not None:
        found.append(Criterion(f"{rule.id}#share", ">=", spec.share))
    return found


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _units(spec: UnitsSpec, submission: Submission, context: common.Context) -> list[dict[str, Any]]:
    """Each unit: label, source, values by code, inputs used."""
    found: list[dict[str, Any]] = []
    if spec.units == HOSPITALS:
        for member in submission.members:
            if any(getattr(member.subject, f.key) not in f.values for f in spec.where):
                continue
            inputs = [common.input_used(context.fields[code], member) for code in spec.expression.fields]
            found.append({"label": member.subject.name, "source": member.path.rsplit("/", 1)[-1],
                          "values": {i.field: i.value for i in inputs}, "inputs": inputs,
                          "names": {code: context.fields[code].name for code in spec.expression.fields}})
        return found
    table: TableSpec = context.tables[spec.units]
    for row in submission.tables.get(spec.units, []):
        values = {code: reading.value for code, reading in row.items()}
        if any(values.get(f.key) not in f.values for f in spec.where):
            continue
        label = " ".join(str(values[c]) for c in table.label_columns if values.get(c) not in (None, "")) or "（未命名）"
        cells = [reading.cell for reading in row.values() if reading.cell]
        source = f"{cells[0].sheet}!第{''.join(ch for ch in cells[0].ref if ch.isdigit())}行" if cells else ""
        inputs = [InputUsed(code, f"{label}：{table.column(code).name}", reading.value, table.column(code).unit,
                            table.code, str(reading.cell) if reading.cell else "") for code, reading in row.items()]
        found.append({"label": label, "source": source, "values": values, "inputs": inputs,
                      "names": {code: table.column(code).name for code in spec.expression.fields}})
    return found


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: UnitsSpec = rule.spec
    units = _units(spec, submission, context)
    facts: list[Fact] = []
    for unit in units:
        numbers = {code: _as_number(unit["values"].get(code)) for code in spec.expression.fields}
        if any(value is None for value in numbers.values()):
            unit["missing"] = [unit["names"][code] for code, value in numbers.items() if value is None]
            facts.append(Fact(rule.id, None))
            continue
        try:
            unit["observed"] = common.round_measure(spec.expression.evaluate(numbers))  # type: ignore[arg-type]
            facts.append(Fact(rule.id, unit["observed"]))
        except DivisionByZero as exc:
            unit["error"] = f"{unit['names'].get(exc.denominator, exc.denominator)} 为 0，无法计算"
            facts.append(Fact(rule.id, None))
    return common.Prepared(facts, {"units": units, "context": context})


def _unit_results(rule: Rule, units: list[dict[str, Any]], verdicts: list[Verdict]) -> list[ItemResult]:
    spec: UnitsSpec = rule.spec
    # A share rule's unit is that of the share (%): each unit's own value is a plain number.
    unit_of_units = None if spec.share is None else ""
    results = []
    for unit, verdict in zip(units, verdicts):
        if "error" in unit:
            results.append(ItemResult(unit["label"], unit["label"], Status.ERROR, None, None, None, unit["source"],
                                      unit["error"]))
            continue
        status = common.status_for(rule, verdict)
        if status is Status.MISSING_DATA:
            results.append(ItemResult(unit["label"], unit["label"], status, None, None, None, unit["source"],
                                      "缺少：" + "、".join(unit["missing"])))
            continue
        observed = unit["observed"]
        gap = common.shortfall(spec.comparison, observed)
        results.append(ItemResult(unit["label"], unit["label"], status, observed, gap, None, unit["source"],
                                  unit=unit_of_units))
    return results


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: UnitsSpec = rule.spec
    units = prepared.context["units"]
    inputs = [item for unit in units for item in unit["inputs"]]
    what = "本地区医院" if spec.units == HOSPITALS else f"“{prepared.context['context'].tables[spec.units].name}”表"
    requirement = common.requirement_text(spec.comparison, rule.unit if spec.share is None else "")
    if not units:
        return common.finding(rule, submission, Status.MISSING_DATA,
                              f"缺少数据：{what}中没有符合范围的单位，无法判断{spec.measure_name}是否达标，不按达标处理。"
                              "请补报单位清单（或同批提交本地区医院的填报表）后重新检查。",
                              comparison=spec.comparison)
    results = _unit_results(rule, units, verdicts)
    failing = [r for r in results if r.status in (Status.FAIL, Status.WARN)]
    missing = [r for r in results if r.status in (Status.MISSING_DATA, Status.ERROR)]
    unit_of_units = rule.unit if spec.share is None else ""
    listed = "、".join(f"{r.label}（{formatting.measure(r.observed, unit_of_units)}）" if r.observed is not None
                      else r.label for r in failing[:MAX_LISTED])
    more = f"等 {len(failing)} 个" if len(failing) > MAX_LISTED else ""
    if spec.share is None:
        return _conclude_all(rule, submission, spec, results, failing, missing, inputs, what, requirement, listed + more)
    return _conclude_share(rule, submission, prepared, spec, results, failing, missing, inputs, what, listed + more)


def _conclude_all(rule: Rule, submission: Submission, spec: UnitsSpec, results: list[ItemResult],
                  failing: list[ItemResult], missing: list[ItemResult], inputs: list[InputUsed], what: str,
                  requirement: str, listed: str) -> Finding:
    header = f"{what}共 {len(results)} 个单位参与检查（{spec.measure_name}{requirement}）"
    errors = [r for r in missing if r.status is Status.ERROR]
    if failing:
        status, message = rule.severity, f"{header}，{len(failing)} 个未达到：{listed}。"
    elif errors:
        status = Status.ERROR
        message = (f"{header}，{len(errors)} 个无法计算：" + "、".join(f"{r.label}（{r.note}）" for r in errors[:MAX_LISTED])
                   + "。请核对后重新检查。")
    elif missing:
        status = Status.MISSING_DATA
        message = (f"{header}，{len(missing)} 个缺少数据：" + "、".join(f"{r.label}（{r.note}）" for r in missing[:MAX_LISTED])
                   + "。缺项不按达标处理，请补填后重新检查。")
    else:
        status, message = Status.PASS, f"{header}，全部达到要求。"
    return common.finding(rule, submission, status, message, observed=float(len(failing)), gap=float(len(failing)),
                          inputs=inputs, items=results, comparison=spec.comparison,
                          observed_text=f"{len(results) - len(failing) - len(missing)}/{len(results)} 个单位达标",
                          required_text=f"全部单位{requirement}",
                          gap_text=f"{len(failing)} 个单位未达标" if failing else "—",
                          remediation_values={"measure_name": spec.measure_name, "failing_items": listed,
                                              "failing_count": str(len(failing))})


def _conclude_share(rule: Rule, submission: Submission, prepared: common.Prepared, spec: UnitsSpec,
                    results: list[ItemResult], failing: list[ItemResult], missing: list[ItemResult],
                    inputs: list[InputUsed], what: str, listed: str) -> Finding:
    share_comparison = spec.share_comparison
    total = len(results)
    meeting = sum(1 for r in results if r.status is Status.PASS)
    observed = common.round_measure(meeting / total)
    required_count = math.ceil(share_comparison.threshold * total - 1e-9)
    [verdict] = prepared.context["context"].classify([Fact(f"{rule.id}#share", observed)])
    status = common.status_for(rule, verdict)
    header = (f"{what}共 {total} 个单位，{meeting} 个达到{spec.measure_name}要求，占 {formatting.measure(observed, '%')}"
              f"（要求不低于 {formatting.measure(share_comparison.threshold, '%')}）")
    short = max(0, required_count - meeting)
    if status is Status.PASS:
        message = header + "。"
    elif missing and len(missing) >= short:
        status = Status.MISSING_DATA
        message = header + f"，另有 {len(missing)} 个单位缺少数据，无法判断是否达到比例要求，不按达标处理。"
    else:
        message = header + f"，还需 {short} 个单位达标。未达标：{listed or '—'}。"
    return common.finding(rule, submission, status, message, observed=observed,
                          gap=common.shortfall(share_comparison, observed),
                          gap_amount=float(short) if short else None, gap_amount_unit="个" if short else "",
                          gap_amount_label="还需达标单位" if short else "", inputs=inputs, items=results,
                          comparison=share_comparison,
                          remediation_values={"measure_name": spec.measure_name, "failing_items": listed,
                                              "failing_count": str(len(failing)), "short_count": str(short)})
