"""Kind ``item_table``: every listed item of a per-item table meets the threshold.

Examples: every drug (decoction pieces exempt) sold at purchase price; every
stockpiled item covers 30 days of full-load consumption. The finding reports
the worst item as its observed value and lists the items that miss, with the
money or quantity behind each gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.evaluation.engine import Fact, Verdict
from compliance.ingest.submission import Submission, TableRow
from compliance.results.findings import Finding, InputUsed, ItemResult
from compliance.results.status import Status
from compliance.rules.expressions import DivisionByZero, Expression
from compliance.rules.kinds import common
from compliance.rules.node import Node
from compliance.rules.spec import Comparison, FieldSpec, GapAmount, Rule, TableSpec
from compliance.wording import formatting

NAME = "item_table"
DESCRIPTION = "Every row of a per-item table (drugs, stockpile items) meets a threshold; exempt rows are skipped."
MAX_LISTED_ITEMS = 10


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


def fields_used(spec: ItemTableSpec) -> tuple[str, ...]:
    return ()


def tables_used(spec: ItemTableSpec) -> tuple[str, ...]:
    return (spec.table,)



def _label(row: TableRow, table: TableSpec) -> str:
    parts = [str(row[c].value) for c in table.label_columns if c in row and row[c].value not in (None, "")]
    return " ".join(parts) or "（未命名品项）"


def _row_source(row: TableRow) -> str:
    cells = [reading.cell for reading in row.values() if reading.cell]
    if not cells:
        return ""
    row_number = "".join(ch for ch in cells[0].ref if ch.isdigit())
    return f"{cells[0].sheet}!第{row_number}行"


def prepare(rule: Rule, submission: Submission, context: common.Context) -> common.Prepared | Finding:
    spec: ItemTableSpec = rule.spec
    table: TableSpec = context.tables[spec.table]
    rows = submission.tables.get(spec.table)
    if not rows:
        where = submission.table_sources.get(spec.table, f"{Path(submission.path).name} 未找到工作表“{table.name}”")
        return common.Prepared([Fact(rule.id, None)], {"no_rows": True, "where": where, "table": table})
    facts: list[Fact] = []
    items: list[dict[str, Any]] = []
    for row in rows:
        label = _label(row, table)
        source = _row_source(row)
        if spec.exemption and row.get(spec.exemption.column, None) is not None:
            if row[spec.exemption.column].value == spec.exemption.equals:
                items.append({"label": label, "source": source, "exempt": True, "row": row})
                continue
        values: dict[str, float] = {}
        missing = []
        for code in spec.expression.fields + (spec.gap_amount.per_unit.fields if spec.gap_amount else ()):
            value = row.get(code).value if row.get(code) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                values[code] = float(value)
            elif code in spec.expression.fields:
                missing.append(table.column(code).name)
        item: dict[str, Any] = {"label": label, "source": source, "exempt": False, "row": row, "fact": len(facts)}
        if missing:
            item["missing"] = missing
            facts.append(Fact(rule.id, None))
        else:
            try:
                item["observed"] = common.round_measure(spec.expression.evaluate(values))
                facts.append(Fact(rule.id, item["observed"]))
            except DivisionByZero as exc:
                item["error"] = f"{exc.denominator} 为 0，无法计算"
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


def conclude(rule: Rule, submission: Submission, prepared: common.Prepared, verdicts: list[Verdict]) -> Finding:
    spec: ItemTableSpec = rule.spec
    context = prepared.context
    table: TableSpec = context["table"]
    if context.get("no_rows"):
        return common.finding(
            rule, submission, Status.MISSING_DATA,
            f"缺少数据：{context['where']} 没有填报任何品项，无法判断{spec.measure_name}是否达标，不按达标处理。"
            f"请在“{table.name}”表中逐项填报后重新检查。",
            comparison=spec.comparison,
        )
    results: list[ItemResult] = []
    inputs: list[InputUsed] = []
    counted = [item for item in context["items"] if not item["exempt"]]
    for item in context["items"]:
        for code, reading in item["row"].items():
            column = table.column(code)
            inputs.append(InputUsed(code, f"{item['label']}：{column.name}", reading.value, column.unit, table.code,
                                    str(reading.cell) if reading.cell else ""))
        if item["exempt"]:
            results.append(ItemResult(item["label"], item["label"], Status.NOT_APPLICABLE, None, None, None,
                                      item["source"], spec.exemption.reason if spec.exemption else ""))
            continue
        if "error" in item:
            results.append(ItemResult(item["label"], item["label"], Status.ERROR, None, None, None, item["source"],
                                      item["error"]))
            continue
        status = common.status_for(rule, verdicts[item["fact"]])
        if status is Status.MISSING_DATA:
            results.append(ItemResult(item["label"], item["label"], status, None, None, None, item["source"],
                                      "缺少：" + "、".join(item["missing"])))
            continue
        observed = item.get("observed")
        gap = common.shortfall(spec.comparison, observed) if observed is not None else None
        amount = common.gap_amount(gap, item.get("per_unit")) if gap is not None else None
        note = ""
        if amount is not None and spec.gap_amount:
            note = f"{spec.gap_amount.label} {formatting.amount(amount, _amount_unit(spec, item['row']))}"
        results.append(ItemResult(item["label"], item["label"], status, observed, gap, amount, item["source"], note))
    if not counted:
        reason = spec.exemption.reason if spec.exemption else "无需检查的品项"
        return common.finding(
            rule, submission, Status.NOT_APPLICABLE,
            f"所填 {len(results)} 个品项均属豁免范围（{reason}），本规则不适用。",
            items=results, inputs=inputs, comparison=spec.comparison,
        )
    return _summarise(rule, submission, spec, results, inputs)


def _summarise(rule: Rule, submission: Submission, spec: ItemTableSpec, results: list[ItemResult],
               inputs: list[InputUsed]) -> Finding:
    checked = [r for r in results if r.status is not Status.NOT_APPLICABLE]
    failing = [r for r in checked if r.status in (Status.FAIL, Status.WARN)]
    errors = [r for r in checked if r.status is Status.ERROR]
    missing = [r for r in checked if r.status is Status.MISSING_DATA]
    measured = [r for r in checked if r.observed is not None]
    worst = None
    if measured:
        gaps = [(r.gap or 0.0, r) for r in measured]
        worst = max(gaps, key=lambda pair: pair[0])[1]
    exempt_count = len(results) - len(checked)
    header = f"共 {len(checked)} 个品项参与检查" + (f"（另有 {exempt_count} 项豁免：{spec.exemption.reason}）" if exempt_count and spec.exemption else "")
    amounts = [r.gap_amount for r in failing if r.gap_amount is not None]
    total_amount = round(sum(amounts), common.AMOUNT_DIGITS) if amounts and not spec.amount_unit_column else None
    unit = spec.gap_amount.unit if spec.gap_amount and not spec.amount_unit_column else ""
    if failing:
        status = rule.severity
        listed = "；".join(
            f"{r.label}（{r.source}）{formatting.measure(r.observed, rule.unit)}" + (f"，{r.note}" if r.note else "")
            for r in failing[:MAX_LISTED_ITEMS]
        )
        more = f"；另有 {len(failing) - MAX_LISTED_ITEMS} 项" if len(failing) > MAX_LISTED_ITEMS else ""
        message = (f"{header}，{len(failing)} 项未达到{common.requirement_text(spec.comparison, rule.unit)}："
                   f"{listed}{more}。")
        if total_amount is not None and spec.gap_amount:
            message += f"合计{spec.gap_amount.label} {formatting.amount(total_amount, unit)}。"
    elif errors:
        status = Status.ERROR
        message = f"{header}，{len(errors)} 项无法计算：" + "；".join(f"{r.label}（{r.source}）{r.note}" for r in errors) + "。请核对后重新检查。"
    elif missing:
        status = Status.MISSING_DATA
        message = (f"{header}，{len(missing)} 项缺少数据：" + "；".join(f"{r.label}（{r.source}）{r.note}" for r in missing)
                   + "。缺项不按达标处理，请补填后重新检查。")
    else:
        status = Status.PASS
        message = f"{header}，全部{common.requirement_text(spec.comparison, rule.unit)}。"
    failing_names = "、".join(r.label for r in failing[:MAX_LISTED_ITEMS])
    return common.finding(
        rule, submission, status, message,
        observed=worst.observed if worst else None,
        gap=worst.gap if worst else None,
        gap_amount=total_amount if failing else None,
        gap_amount_unit=unit if total_amount is not None else "",
        gap_amount_label=spec.gap_amount.label if spec.gap_amount and total_amount is not None else "",
        inputs=inputs, items=results, comparison=spec.comparison,
        remediation_values={"measure_name": spec.measure_name, "failing_items": failing_names,
                            "failing_count": str(len(failing)),
                            "failing_details": "；".join(f"{r.label}：{r.note}" if r.note else r.label
                                                        for r in failing[:MAX_LISTED_ITEMS])},
    )
