"""Kind ``item_table``: every listed item of a per-item table meets the threshold.

Examples: every drug (decoction pieces exempt) sold at purchase price; every
stockpiled item covers 30 days of full-load consumption. The finding reports
the worst item as its observed value and lists the items that miss, with the
money or quantity behind each gap.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission, TableRow, TableSource
from compliance.results.findings import Details, Finding, InputUsed, ItemResult
from compliance.results.identity import RowRef
from compliance.results.quantities import Quantity
from compliance.results.status import Reason, Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, GapAmount, Rule, TableSpec

NAME = "item_table"
DESCRIPTION = "Every row of a per-item table (drugs, stockpile items) meets a threshold; exempt rows are skipped."


@dataclass(frozen=True)
class Exemption:
    column: str
    equals: Any
    reason: str


@dataclass(frozen=True)
class ItemTableSpec:
    measure_name: str
    table: str
    expression: Expression
    comparison: Comparison
    exemption: Exemption | None
    gap_amount: GapAmount | None
    amount_unit_column: str | None
    worst_label: str

    def fields_used(self) -> tuple[str, ...]:
        return ()

    def tables_used(self) -> tuple[str, ...]:
        return (self.table,)


def parse(node: Node, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> ItemTableSpec:
    node.check_keys({"name", "table", "expression", "comparator", "threshold", "tolerance", "exempt_when",
                     "gap_amount", "worst_label"})
    table_code = node.text("table")
    if table_code not in tables:
        raise node.fail("table", f"unknown table {table_code!r}", "declare it under tables:")
    table = tables[table_code]
    columns = {column.code for column in table.columns}
    exemption = None
    exempt_node = node.child("exempt_when", required=False)
    if exempt_node is not None:
        exempt_node.check_keys({"column", "equals", "reason"})
        column = exempt_node.text("column")
        if column not in columns:
            raise exempt_node.fail("column", f"table {table_code} has no column {column!r}")
        exemption = Exemption(column, exempt_node.data.get("equals"), exempt_node.text("reason"))
    gap_node = node.child("gap_amount", required=False)
    unit_column = None
    if gap_node is not None and gap_node.has("unit_column"):
        unit_column = gap_node.text("unit_column")
        if unit_column not in columns:
            raise gap_node.fail("unit_column", f"table {table_code} has no column {unit_column!r}")
    return ItemTableSpec(
        measure_name=node.text("name"),
        table=table_code,
        expression=node.expression("expression", columns),
        comparison=common.parse_comparison(node),
        exemption=exemption,
        gap_amount=common.parse_gap_amount(gap_node, columns),
        amount_unit_column=unit_column,
        worst_label=node.text("worst_label", "最差品项"),
    )


def _label(row: TableRow, table: TableSpec) -> str:
    return " ".join(str(row[c].value) for c in table.label_columns if c in row and row[c].value not in (None, ""))


def _row_source(row: TableRow) -> RowRef | None:
    cells = [reading.cell for reading in row.values() if reading.cell]
    return RowRef(cells[0].file, cells[0].sheet, cells[0].row) if cells else None


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    spec: ItemTableSpec = rule.spec  # type: ignore[assignment]
    table: TableSpec = context.tables[spec.table]
    rows = submission.tables.get(spec.table)
    if not rows:
        return common.Prepared([Fact(rule.id, None)], {"no_rows": True, "table": table,
                                                        "source": submission.table_sources.get(spec.table)})
    facts: list[Fact] = []
    items: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {"label": _label(row, table), "source": _row_source(row), "exempt": False, "row": row}
        exempting = row.get(spec.exemption.column) if spec.exemption else None
        if spec.exemption and exempting is not None and exempting.value == spec.exemption.equals:
            item["exempt"] = True
            items.append(item)
            continue
        values: dict[str, float] = {}
        missing = []
        for code in spec.expression.fields + (spec.gap_amount.per_unit.fields if spec.gap_amount else ()):
            value = row.get(code).value if row.get(code) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                values[code] = float(value)
            elif code in spec.expression.fields:
                missing.append(table.column(code).name)
        item["fact"] = len(facts)
        if missing:
            item["missing"] = tuple(missing)
            facts.append(Fact(rule.id, None))
        else:
            try:
                item["observed"] = common.round_measure(spec.expression.evaluate(values))
                facts.append(Fact(rule.id, item["observed"]))
            except DivisionByZero as exc:
                names = tuple(table.column(code).name for code in spec.expression.fields if code in exc.denominator)
                item["zero"] = names or (exc.denominator,)
                del item["fact"]
            if spec.gap_amount and "observed" in item:
                try:
                    item["per_unit"] = spec.gap_amount.per_unit.evaluate(values)
                except (DivisionByZero, KeyError):
                    item["per_unit"] = None
        items.append(item)
    return common.Prepared(facts, {"items": items, "table": table})


def _amount_unit(spec: ItemTableSpec, row: TableRow) -> str:
    if spec.amount_unit_column:
        reading = row.get(spec.amount_unit_column)
        return str(reading.value) if reading and reading.value not in (None, "") else ""
    return spec.gap_amount.unit if spec.gap_amount else ""


def _inputs(items: list[dict[str, Any]], table: TableSpec) -> list[InputUsed]:
    inputs = []
    for item in items:
        for code, reading in item["row"].items():
            column = table.column(code)
            inputs.append(InputUsed(code, column.name, reading.value, column.unit, table.code, reading.cell,
                                    item=item["label"]))
    return inputs


def _item_result(rule: Rule, spec: ItemTableSpec, item: dict[str, Any], verdicts: list[Verdict]) -> ItemResult:
    label, source = item["label"], item["source"]
    if item["exempt"]:
        return ItemResult(label, label, Status.NOT_APPLICABLE, Reason.EXEMPT, source=source,
                          note=spec.exemption.reason if spec.exemption else "")
    if "zero" in item:
        return ItemResult(label, label, Status.ERROR, Reason.DIVISION_BY_ZERO, source=source, zero=item["zero"])
    status = common.status_for(rule, verdicts[item["fact"]])
    if status is Status.MISSING_DATA:
        return ItemResult(label, label, status, Reason.MISSING_INPUT, source=source, missing=item["missing"])
    observed = item["observed"]
    gap = common.shortfall(spec.comparison, observed)
    amount = common.gap_amount(gap, item.get("per_unit"))
    return ItemResult(label, label, status, common.reason_for(status), observed=Quantity(observed, rule.unit),
                      gap=common.gap_of(gap, rule.unit), source=source,
                      gap_amount=Quantity(amount, _amount_unit(spec, item["row"])) if amount is not None else None)


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: ItemTableSpec = rule.spec  # type: ignore[assignment]
    context = prepared.context
    table: TableSpec = context["table"]
    required = common.requirement(spec.comparison, rule.unit)
    base = {"measure": spec.measure_name, "required": required}
    if context.get("no_rows"):
        source = context["source"] or TableSource()
        return common.finding(rule, submission, Status.MISSING_DATA, Reason.NO_ROWS,
                              details=Details.of(table=table.name, sheet=source.sheet or None,
                                                 flat=source.flat or None), **base)
    results = [_item_result(rule, spec, item, verdicts) for item in context["items"]]
    inputs = _inputs(context["items"], table)
    exemption = spec.exemption.reason if spec.exemption else None
    if all(r.reason is Reason.EXEMPT for r in results):
        return common.finding(rule, submission, Status.NOT_APPLICABLE, Reason.ALL_EXEMPT, items=results,
                              inputs=inputs, details=Details.of(exemption=exemption), **base)
    checked = [r for r in results if r.reason is not Reason.EXEMPT]
    failing = [r for r in checked if r.status in (Status.FAIL, Status.WARN)]
    measured = [r for r in checked if r.observed is not None]
    worst = max(measured, key=lambda r: r.gap.value if r.gap else 0.0) if measured else None
    status, reason = common.overall(rule, checked)
    totals: dict[str, float] = defaultdict(float)
    for r in failing:
        if r.gap_amount is not None:
            totals[r.gap_amount.unit] += float(r.gap_amount.value)
    return common.finding(
        rule, submission, status, reason,
        observed=worst.observed if worst else None, gap=worst.gap if worst else None,
        gap_amounts=tuple(Quantity(round(total, common.AMOUNT_DIGITS), unit) for unit, total in totals.items()),
        gap_amount_label=spec.gap_amount.label if spec.gap_amount and totals else "",
        inputs=inputs, items=results, details=Details.of(exemption=exemption, worst=worst.label if worst else None),
        **base,
    )
