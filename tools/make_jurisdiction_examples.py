"""Fill the generated templates with an example region and two hospitals per jurisdiction.

Values come from the rule cases in tests/cases/: the first hospital and the
region take each rule's `pass` case, the second hospital each rule's `fail`
case (the first case to set a field wins). The institutions are fictional.
Run after `compliance template`; writes examples/<jurisdiction>/*.xlsx.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from compliance.ingest.identities import with_check_character
from compliance.ingest.schema import SHEET_INDICATORS, SHEET_INFO
from compliance.pipeline.check import load_default_catalog

JURISDICTIONS: dict[str, dict[str, Any]] = {
    "harbin": {"packs": ["harbin-2017"], "province": "黑龙江省", "city": "哈尔滨市", "region_code": "230100",
               "region_name": "哈尔滨市", "region_level": "市", "hospital_code": "12230100MB00001%02d",
               "period": "2020年"},
    "gansu": {"packs": ["gansu-2020h2"], "province": "甘肃省", "city": None, "region_code": "620000",
              "region_name": "甘肃省", "region_level": "省", "city_of_hospitals": "兰州市",
              "hospital_code": "12620100MB00001%02d", "period": "2020年"},
    "sichuan": {"packs": ["sichuan-14fyp", "sichuan-2020h2"], "province": "四川省", "city": None,
                "region_code": "510000", "region_name": "四川省", "region_level": "省", "city_of_hospitals": "成都市",
                "hospital_code": "12510100MB00001%02d", "period": "2025年"},
    "hebei": {"packs": ["hebei-2020"], "province": "河北省", "city": "石家庄市", "region_code": "130100",
              "region_name": "石家庄市医保统筹区", "region_level": "统筹区", "hospital_code": "12130100MB00001%02d"},
}
PERIOD = "2024年"  # unless a jurisdiction has its own: a year its documents speak for


def _cases() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return found


def _merge(rule_ids: list[str], cases: dict[str, list[dict[str, Any]]], wanted: str, period: str | None,
           without_members: bool = False) -> dict[str, Any]:
    """The values of each rule's `wanted` case that fits the example (no place of its own, no as-of
    date, no period other than the example's unless `period` is None, and with `without_members` no
    hospitals of its own); the first case to set a value wins."""
    merged: dict[str, Any] = {"current": {}, "prior": {}, "tables": {}}
    for rule_id in rule_ids:
        case = next((c for c in cases.get(rule_id, []) if c["case"] == wanted
                     and set(c.get("subject") or {}) <= {"level", "region_level", "period"}
                     and (period is None or str((c.get("subject") or {}).get("period", period)) == period)
                     and not c.get("as_of") and not (without_members and c.get("members"))), None)
        if case is None:
            continue
        for key in ("current", "prior"):
            for code, value in (case.get(key) or {}).items():
                merged[key].setdefault(code, value)
        for table, rows in (case.get("tables") or {}).items():
            merged["tables"].setdefault(table, rows)
    return merged


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fill(template: Path, target: Path, info: dict[str, Any], data: dict[str, Any], tables: dict[str, Any]) -> None:
    workbook = load_workbook(template)
    sheet = workbook[SHEET_INFO]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(1, sheet.max_row + 1)}
    for code, value in info.items():
        if code in rows and value is not None:
            sheet.cell(row=rows[code], column=3, value=value)
    sheet = workbook[SHEET_INDICATORS]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(1, sheet.max_row + 1)}
    for column, key in ((4, "current"), (5, "prior")):
        for code, value in data[key].items():
            if code in rows and value is not None:
                sheet.cell(row=rows[code], column=column, value=_cell_value(value))
    for code, records in data["tables"].items():
        table = tables[code]
        if table.name not in workbook.sheetnames:
            continue
        sheet = workbook[table.name]
        columns = {sheet.cell(row=2, column=c).value: c for c in range(1, sheet.max_column + 1)}
        for offset, record in enumerate(records):
            for column_code, value in record.items():
                if column_code in columns and value is not None:
                    sheet.cell(row=3 + offset, column=columns[column_code], value=_cell_value(value))
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)


def main() -> int:
    catalog = load_default_catalog(ROOT)
    cases = _cases()
    templates = ROOT / "inputs" / "templates"
    for name, place in JURISDICTIONS.items():
        rules = [r for r in catalog.rules if r.pack in place["packs"]]
        if not rules:
            print(f"skipping {name}: no rules for {place['packs']}", file=sys.stderr)
            continue
        hospital_rules = [r.id for r in rules if r.applies.level == "hospital"]
        region_rules = [r.id for r in rules if r.applies.level == "region"]
        city = place["city"] or place.get("city_of_hospitals")
        period = place.get("period", PERIOD).rstrip("年")
        for index, (wanted, label) in enumerate((("pass", "示例第一医院"), ("fail", "示例第二医院")), start=1):
            code = with_check_character(place["hospital_code"] % index)  # the 17 characters and their check
            info = {"institution_code": code, "institution_name": f"{city}{label}",
                    "province": place["province"], "city": city, "grade": "三级", "type": "综合医院",
                    "ownership": "公立", "period": f"{period}年"}
            _fill(templates / "hospital-self-assessment.xlsx", ROOT / "examples" / name / f"hospital-{index}.xlsx",
                  info, _merge(hospital_rules, cases, wanted, period), catalog.tables)
        info = {"region_code": place["region_code"], "region_name": place["region_name"],
                "province": place["province"], "city": place["city"], "region_level": place["region_level"],
                "period": f"{period}年"}
        _fill(templates / "region-self-assessment.xlsx", ROOT / "examples" / name / "region.xlsx", info,
              _merge(region_rules, cases, "pass", period), catalog.tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
