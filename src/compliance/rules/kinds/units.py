"""Kinds ``all`` and ``share_of_units``: every unit, or a share of the units, meets a condition.

Units are rows of a region's unit table (villages, townships, counties,
pooling areas, departments) or ``hospitals``: the region's hospital
submissions in the same run. The finding names the units that miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from compliance.evaluation.engine import Criterion, Fact, Verdict
from compliance.ingest.submission import Submission
from compliance.results.findings import Details, Finding, InputUsed, ItemResult
from compliance.results.identity import RowRef
from compliance.results.quantities import PERCENT, UNITS, Basis, Quantity, Requirement
from compliance.results.status import Reason, Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, Rule, TableSpec
from compliance.rules.vocab import VOCABULARIES

ALL = "all"
SHARE = "share_of_units"
DESCRIPTION_ALL = "Every unit of a region (unit-table rows or the region's hospitals) meets a condition."
DESCRIPTION_SHARE = "At least a given share of a region's units meets a condition."
HOSPITALS = "hospitals"
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

    def fields_used(self) -> tuple[str, ...]:
        return self.expression.fields if self.units == HOSPITALS else ()

    def tables_used(self) -> tuple[str, ...]:
        return () if self.units == HOSPITALS else (self.units,)

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


def criteria(rule: Rule) -> list[Criterion]:
    spec: UnitsSpec = rule.spec  # type: ignore[assignment]
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
            inputs = [replace(common.input_used(context.fields[code], member), item=member.subject.name)
                      for code in spec.expression.fields]
            found.append({"label": member.subject.name, "source": RowRef(member.file.name),
                          "values": {i.field: i.value for i in inputs}, "inputs": inputs,
                          "names": {code: context.fields[code].name for code in spec.expression.fields}})
        return found
    table: TableSpec = context.tables[spec.units]
    for row in submission.tables.get(spec.units, ()):
        values = {code: reading.value for code, reading in row.items()}
        if any(values.get(f.key) not in f.values for f in spec.where):
            continue
        label = " ".join(str(values[c]) for c in table.label_columns if values.get(c) not in (None, ""))
        cells = [reading.cell for reading in row.values() if reading.cell]
        source = RowRef(cells[0].file, cells[0].sheet, cells[0].row) if cells else None
        inputs = [InputUsed(code, table.column(code).name, reading.value, table.column(code).unit, table.code,
                            reading.cell, item=label) for code, reading in row.items()]
        found.append({"label": label, "source": source, "values": values, "inputs": inputs,
                      "names": {code: table.column(code).name for code in spec.expression.fields}})
    return found


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared:
    spec: UnitsSpec = rule.spec  # type: ignore[assignment]
    units = _units(spec, submission, context)
    facts: list[Fact] = []
    for unit in units:
        numbers = {code: _as_number(unit["values"].get(code)) for code in spec.expression.fields}
        if any(value is None for value in numbers.values()):
            unit["missing"] = tuple(unit["names"][code] for code, value in numbers.items() if value is None)
            facts.append(Fact(rule.id, None))
            continue
        try:
            unit["observed"] = common.round_measure(spec.expression.evaluate(numbers))  # type: ignore[arg-type]
            facts.append(Fact(rule.id, unit["observed"]))
        except DivisionByZero as exc:
            unit["zero"] = (unit["names"].get(exc.denominator, exc.denominator),)
            facts.append(Fact(rule.id, None))
    return common.Prepared(facts, {"units": units, "context": context})


def _unit_results(rule: Rule, units: list[dict[str, Any]], verdicts: list[Verdict]) -> list[ItemResult]:
    spec: UnitsSpec = rule.spec  # type: ignore[assignment]
    # A share rule's unit is that of the share (%): each unit's own value is a plain number.
    unit_of_units = rule.unit if spec.share is None else ""
    results = []
    for unit, verdict in zip(units, verdicts):
        label, source = unit["label"], unit["source"]
        if "zero" in unit:
            results.append(ItemResult(label, label, Status.ERROR, Reason.DIVISION_BY_ZERO, source=source,
                                      zero=unit["zero"]))
            continue
        status = common.status_for(rule, verdict)
        if status is Status.MISSING_DATA:
            results.append(ItemResult(label, label, status, Reason.MISSING_INPUT, source=source,
                                      missing=unit["missing"]))
            continue
        observed = unit["observed"]
        gap = common.shortfall(spec.comparison, observed)
        results.append(ItemResult(label, label, status, common.reason_for(status),
                                  observed=Quantity(observed, unit_of_units),
                                  gap=common.gap_of(gap, unit_of_units), source=source))
    return results


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: UnitsSpec = rule.spec  # type: ignore[assignment]
    units = prepared.context["units"]
    inputs = [item for unit in units for item in unit["inputs"]]
    context: common.Context = prepared.context["context"]
    what = Details.of(units=spec.units, table=None if spec.units == HOSPITALS else context.tables[spec.units].name)
    unit_of_units = rule.unit if spec.share is None else ""
    per_unit = common.requirement(spec.comparison, unit_of_units, Basis.EVERY_UNIT)
    if not units:
        required = per_unit if spec.share is None else common.requirement(spec.share_comparison, PERCENT)
        return common.finding(rule, submission, Status.MISSING_DATA, Reason.NO_UNITS, measure=spec.measure_name,
                              required=required, details=what.with_values(per_unit=per_unit))
    results = _unit_results(rule, units, verdicts)
    if spec.share is None:
        return _conclude_all(rule, submission, spec, results, inputs, what, per_unit)
    return _conclude_share(rule, submission, context, spec, results, inputs, what.with_values(per_unit=per_unit))


def _conclude_all(rule: Rule, submission: Submission, spec: UnitsSpec, results: list[ItemResult],
                  inputs: list[InputUsed], what: Details, required: Requirement) -> Finding:
    failing = [r for r in results if r.status in (Status.FAIL, Status.WARN)]
    status, reason = common.overall(rule, results)
    meeting = sum(1 for r in results if r.status is Status.PASS)
    return common.finding(rule, submission, status, reason, measure=spec.measure_name,
                          observed=Quantity(meeting, UNITS, of=len(results)), required=required,
                          gap=Quantity(len(failing), UNITS) if failing else None,
                          inputs=inputs, items=results, details=what)


def _conclude_share(rule: Rule, submission: Submission, context: common.Context, spec: UnitsSpec,
                    results: list[ItemResult], inputs: list[InputUsed], what: Details) -> Finding:
    share_comparison = spec.share_comparison
    total = len(results)
    meeting = sum(1 for r in results if r.status is Status.PASS)
    observed = common.round_measure(meeting / total)
    required_count = math.ceil(share_comparison.threshold * total - 1e-9)
    [verdict] = context.classify([Fact(f"{rule.id}#share", observed)])
    status = common.status_for(rule, verdict)
    short = max(0, required_count - meeting)
    lacking = sum(1 for r in results if r.status in (Status.MISSING_DATA, Status.ERROR))
    reason = common.reason_for(status)
    if status is not Status.PASS and lacking and lacking >= short:
        status, reason = Status.MISSING_DATA, Reason.SHARE_UNDECIDED
    return common.finding(rule, submission, status, reason, measure=spec.measure_name,
                          observed=Quantity(observed, PERCENT), required=common.requirement(share_comparison, PERCENT),
                          gap=common.gap_of(common.shortfall(share_comparison, observed), PERCENT),
                          gap_amounts=(Quantity(float(short), UNITS),) if short else (),
                          inputs=inputs, items=results,
                          details=what.with_values(meeting=meeting, total=total, short=short, lacking=lacking))
