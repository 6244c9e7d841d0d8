"""A generated province for the scale benchmark and its tests (issue 17): cities and counties by
GB/T 2260 code, hospitals of every grade, type and ownership with valid institution codes, the
province's and each city's region workbook, for several quarters; the same seed gives the same
bytes.

Values come from the rule cases in ``tests/cases/`` (each rule's ``pass`` and ``fail`` inputs,
the cases the rule tests check): a hospital takes, for every hospital rule of the profile, the
``pass`` case's values, except the hospitals drawn as non-compliant (``--failing``, a fifth by
default), which take the ``fail`` case of about half their rules.  Money amounts move by up to
±1 % from hospital to hospital and quarter to quarter (ratios and yes/no answers do not), so no
two workbooks are alike.  About 1 % of the hospitals write text in a number cell (a data problem
naming the cell).  Regions leave their hospitals' sums blank: the check sums them.

Workbooks are written fast: the profile's template is filled once per level with sentinel numbers
in every cell a value may go to, and each workbook is that package with the sentinels replaced
in the worksheet XML (a number, an inline string, or nothing) and zipped again.

    python benchmarks/province.py --hospitals 2000 --out /tmp/province      # Sichuan, 2025Q1-Q4
    python benchmarks/province.py --province 230000 --quarters 2020 --hospitals 200 --out DIR   # Heilongjiang
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from compliance.ingest.identities import DIVISIONS, PROVINCES, check_institution_code, with_check_character  # noqa: E402
from compliance.ingest.schema import SHEET_INDICATORS, SHEET_INFO  # noqa: E402
from compliance.pipeline.check import get_profile, load_default_catalog  # noqa: E402
from compliance.results.periods import Period, parse_period  # noqa: E402
from compliance.rules.spec import Catalog, Profile  # noqa: E402

#: Share of hospitals by grade, type and ownership (roughly China's, 2023).
GRADES = (("三级甲等", 6), ("三级", 6), ("二级甲等", 14), ("二级", 16), ("一级", 33), ("未定级", 25))
TYPES = (("综合医院", 60), ("中医医院", 15), ("专科医院", 18), ("妇幼保健院", 5), ("中西医结合医院", 2))
OWNERSHIP = (("公立", 35), ("非公立", 65))
NAMES = ("人民医院", "中医医院", "妇幼保健院", "中心医院", "第一人民医院", "第二人民医院", "骨科医院", "眼科医院",
         "肿瘤医院", "口腔医院", "康复医院", "中西医结合医院")
COUNTIES_PER_CITY = (3, 12)
TABLE_ROWS = 12  # table rows a workbook may carry (the most any rule case has)
DATA_PROBLEM_SHARE = 0.01
SENTINEL_BASE = 900_000_000
_SENTINEL_CELL = re.compile(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?)(?: t="n")?><v>9(\d{8})</v></c>')


@dataclass(frozen=True)
class Hospital:
    code: str
    name: str
    city: str
    city_code: str
    county_code: str
    grade: str
    type: str
    ownership: str
    compliant: bool


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # 省 or 市
    city: str


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    regions: tuple[Region, ...]
    hospitals: tuple[Hospital, ...]


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in weighted], weights=[weight for _, weight in weighted])[0]


def make_province(code: str = "510000", hospitals: int = 2000, seed: int = 1, failing: float = 0.2) -> Province:
    """The province of GB/T 2260 `code` with `hospitals` hospitals spread over its cities and counties."""
    rng = random.Random(f"province {code} {hospitals} {seed}")
    province = PROVINCES[code[:2]]
    cities = sorted((c, d.name) for c, d in DIVISIONS.items()
                    if c[:2] == code[:2] and c.endswith("00") and not c.endswith("0000"))
    if not cities:
        raise SystemExit(f"no cities of {code} in compliance/ingest/data/divisions.csv")
    counties = {city: [f"{city[:4]}{n:02d}" for n in range(2, 2 + rng.randint(*COUNTIES_PER_CITY))]
                for city, _ in cities}
    weights = [rng.uniform(0.3, 3.0) for _ in cities]
    weights[0] *= 3  # the capital holds more hospitals
    made = []
    for index in range(hospitals):
        city, city_name = rng.choices(cities, weights=weights)[0]
        county = rng.choice(counties[city])
        ownership = _pick(rng, OWNERSHIP)
        public = ownership == "公立"
        body = f"{'12' if public else '52'}{county}{'MB' if public else 'MJ'}{index:07d}"
        institution = with_check_character(body)
        assert check_institution_code(institution).usable, institution
        made.append(Hospital(institution, f"{city_name}{rng.choice(NAMES)}（示例{index + 1}）", city_name, city,
                             county, _pick(rng, GRADES), _pick(rng, TYPES), ownership, rng.random() >= failing))
    regions = (Region(code, province.name, "省", ""),
               *(Region(city, name, "市", name) for city, name in cities))
    return Province(code, province.name, regions, tuple(made))


def rule_cases() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return found


def _case(cases: Mapping[str, list[dict[str, Any]]], rule_id: str, wanted: str) -> dict[str, Any] | None:
    """The rule's first `wanted` case that needs no place, date or hospitals of its own."""
    return next((c for c in cases.get(rule_id, []) if c["case"] == wanted
                 and set(c.get("subject") or {}) <= {"level", "region_level", "period"}
                 and not c.get("as_of") and not c.get("members")), None)


def _values(rule_ids: Iterable[str], cases: Mapping[str, list[dict[str, Any]]], failing: set[str]) -> dict[str, Any]:
    merged: dict[str, Any] = {"current": {}, "prior": {}, "tables": {}}
    for rule_id in rule_ids:
        case = _case(cases, rule_id, "fail" if rule_id in failing else "pass") or _case(cases, rule_id, "pass")
        if case is None:
            continue
        for key in ("current", "prior"):
            for field, value in (case.get(key) or {}).items():
                merged[key].setdefault(field, value)
        for table, rows in (case.get("tables") or {}).items():
            merged["tables"].setdefault(table, rows[:TABLE_ROWS])
    return merged


class Layout:
    """A profile's template for one level, filled once with sentinels: where each value goes."""

    def __init__(self, catalog: Catalog, profile: Profile, level: str) -> None:
        from compliance.ingest.template import build_template

        workbook = build_template(catalog, profile, level)
        self.slots: dict[tuple[str, ...], int] = {}
        info = workbook[SHEET_INFO]
        for row in range(1, info.max_row + 1):
            code = info.cell(row=row, column=1).value
            if isinstance(code, str) and code.isidentifier():
                info.cell(row=row, column=3, value=self._slot(("info", code)))
        sheet = workbook[SHEET_INDICATORS]
        for row in range(1, sheet.max_row + 1):
            code = sheet.cell(row=row, column=1).value
            if code in catalog.fields:
                sheet.cell(row=row, column=4, value=self._slot(("current", code)))
                if catalog.fields[code].has_prior:
                    sheet.cell(row=row, column=5, value=self._slot(("prior", code)))
        for table in catalog.tables.values():
            if table.name not in workbook.sheetnames:
                continue
            sheet = workbook[table.name]
            columns = {sheet.cell(row=2, column=c).value: c for c in range(1, sheet.max_column + 1)}
            for offset in range(TABLE_ROWS):
                for column_code, column in columns.items():
                    if isinstance(column_code, str):
                        sheet.cell(row=3 + offset, column=column,
                                   value=self._slot(("table", table.code, str(offset), column_code)))
        from compliance.report.excel import workbook_bytes

        made = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # fixed: the same seed gives the same bytes
        with zipfile.ZipFile(io.BytesIO(workbook_bytes(workbook, made))) as archive:
            self.parts = [(member.filename, archive.read(member)) for member in archive.infolist()]

    def _slot(self, key: tuple[str, ...]) -> int:
        self.slots[key] = len(self.slots)
        return SENTINEL_BASE + self.slots[key]

    def write(self, target: Path, values: Mapping[tuple[str, ...], Any]) -> None:
        """The workbook with `values` (slot key -> value) in their cells and every other slot empty."""
        by_slot = {self.slots[key]: value for key, value in values.items() if key in self.slots}

        def cell(match: re.Match[bytes]) -> bytes:
            value = by_slot.get(int(match.group(2)))
            start = match.group(1)
            if value is None:
                return start + b"/>"
            if isinstance(value, bool):
                value = "是" if value else "否"
            if isinstance(value, (int, float)):
                return start + b"><v>" + repr(value).encode() + b"</v></c>"
            return start + b' t="inlineStr"><is><t>' + escape(str(value)).encode() + b"</t></is></c>"

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.parts:
                if name.startswith("xl/worksheets/"):
                    data = _SENTINEL_CELL.sub(cell, data)
                info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        target.write_bytes(buffer.getvalue())


def period_text(period: Period) -> str:
    """How a person writes the period in the workbook: 2025年第1季度, 2025年上半年, 2025年."""
    label = period.label
    if "Q" in label:
        return f"{label[:4]}年第{label[-1]}季度"
    if "H" in label:
        return f"{label[:4]}年{'上' if label.endswith('1') else '下'}半年"
    return f"{label}年"


def _cell(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _filled(values: dict[str, Any], rng: random.Random, money: set[str]) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for key in ("current", "prior"):
        for field, value in values[key].items():
            if field in money and isinstance(value, (int, float)) and not isinstance(value, bool) and value:
                value = round(value * rng.uniform(0.99, 1.01), 2)
            out[(key, field)] = _cell(value)
    for table, rows in values["tables"].items():
        for offset, row in enumerate(rows):
            for column, value in row.items():
                out[("table", table, str(offset), column)] = _cell(value)
    return out


def applies_to(rule: Any, hospital: Hospital) -> bool:
    """Whether the rule's ownership, grade and type filters take the hospital."""
    from compliance.rules.vocab import normalize

    wanted = ((rule.applies.ownership, normalize("ownership", hospital.ownership)),
              (rule.applies.grade, normalize("grade", hospital.grade)),
              (rule.applies.type, normalize("type", hospital.type)))
    return all(not codes or code in codes for codes, code in wanted)


def in_time_scope(rule: Any, period: Period) -> bool:
    return (rule.scope_end is None or rule.scope_end >= period.start) and \
        (rule.scope_start is None or rule.scope_start <= period.end)


def _failing(hospital: Hospital, rules: Sequence[Any], cases: Mapping[str, list[dict[str, Any]]],
             rng: random.Random, period: Period) -> set[str]:
    """A non-compliant hospital's failing rules: about half of those that apply to it in the period,
    and at least one."""
    candidates = sorted(rule.id for rule in rules if applies_to(rule, hospital) and in_time_scope(rule, period)
                        and _case(cases, rule.id, "fail"))
    chosen = {rule_id for rule_id in candidates if rng.random() < 0.5}
    return chosen or set(candidates[:1] and [rng.choice(candidates)])


@dataclass(frozen=True)
class Written:
    period: str
    hospitals: tuple[Path, ...]
    regions: tuple[Path, ...]
    data_problems: int


def write_province(province: Province, quarters: Sequence[str], out: Path, profile_name: str = "auto",
                   seed: int = 1, catalog: Catalog | None = None,
                   data_problems: float = DATA_PROBLEM_SHARE) -> list[Written]:
    """Every hospital's and region's workbook for each period, under ``out/<period>/``."""
    catalog = catalog or load_default_catalog(ROOT)
    profile = get_profile(catalog, profile_name)
    cases = rule_cases()
    division = PROVINCES[province.code[:2]]
    rules = [rule for rule in catalog.rules_for(profile) if division.named(rule.jurisdiction.province)]
    hospital_rules = [rule.id for rule in rules if rule.applies.level == "hospital"]
    region_rules = [rule.id for rule in rules if rule.applies.level == "region"]
    applicable = [rule for rule in rules if rule.applies.level == "hospital"]
    money = {code for code, spec in catalog.fields.items() if spec.value_type == "money"}
    numbers = [code for code, spec in catalog.fields.items() if spec.value_type in ("money", "number", "count")]
    layouts = {level: Layout(catalog, profile, level) for level in ("hospital", "region")}
    written = []
    for label in quarters:
        period = parse_period(label)
        if period is None:
            raise SystemExit(f"{label!r} is not a period (e.g. 2025Q1, 2025H1, 2025)")
        folder = out / period.label
        (folder / "hospitals").mkdir(parents=True, exist_ok=True)
        (folder / "regions").mkdir(parents=True, exist_ok=True)
        summed = {code for code, spec in catalog.fields.items() if spec.aggregate == "sum"}
        region_values = {}
        for region in province.regions:
            rng = random.Random(f"{seed} {region.code} {period.label}")
            failing = {r for r in region_rules if rng.random() < 0.2}
            values = _filled(_values(region_rules, cases, failing), rng, money)
            region_values[region.code] = values
        # the province's totals of the summed fields, shared out over its hospitals (regions leave them blank)
        totals = {key: value for key, value in region_values[province.code].items()
                  if key[0] in ("current", "prior") and key[1] in summed and isinstance(value, (int, float))}
        problems = 0
        paths = []
        for hospital in province.hospitals:
            rng = random.Random(f"{seed} {hospital.code} {period.label}")
            failing = set() if hospital.compliant else _failing(hospital, applicable, cases, rng, period)
            values = _filled(_values(hospital_rules, cases, failing), rng, money)
            size = rng.uniform(0.5, 1.5)  # one share for every summed field: parts stay within their totals
            for key, total in totals.items():
                values.setdefault(key, round(total / len(province.hospitals) * size, 2))
            values.update({("info", "institution_code"): hospital.code, ("info", "institution_name"): hospital.name,
                           ("info", "province"): province.name, ("info", "city"): hospital.city,
                           ("info", "grade"): hospital.grade, ("info", "type"): hospital.type,
                           ("info", "ownership"): hospital.ownership, ("info", "period"): period_text(period)})
            filled = [key for key in values if key[0] == "current" and key[1] in numbers]
            if filled and rng.random() < data_problems:
                values[rng.choice(sorted(filled))] = "约三成"  # text in a number cell
                problems += 1
            path = folder / "hospitals" / f"{hospital.code}.xlsx"
            layouts["hospital"].write(path, values)
            paths.append(path)
        regions = []
        for region in province.regions:
            values = {key: value for key, value in region_values[region.code].items()
                      if not (key[0] in ("current", "prior") and key[1] in summed)}
            values.update({("info", "region_code"): region.code, ("info", "region_name"): region.name,
                           ("info", "province"): province.name, ("info", "city"): region.city,
                           ("info", "region_level"): region.level, ("info", "period"): period_text(period)})
            path = folder / "regions" / f"{region.code}.xlsx"
            layouts["region"].write(path, values)
            regions.append(path)
        written.append(Written(period.label, tuple(paths), tuple(regions), problems))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="510000", help="GB/T 2260 code of the province (default Sichuan)")
    parser.add_argument("--hospitals", type=int, default=2000)
    parser.add_argument("--quarters", default="2025Q1,2025Q2,2025Q3,2025Q4")
    parser.add_argument("--profile", default="auto", help="whose rules' cases fill the workbooks (those of the "
                                                            "province's documents)")
    parser.add_argument("--failing", type=float, default=0.2, help="share of hospitals drawn as non-compliant")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    province = make_province(args.province, args.hospitals, args.seed, args.failing)
    for done in write_province(province, args.quarters.split(","), args.out, args.profile, args.seed):
        print(f"{done.period}: {len(done.hospitals)} hospitals, {len(done.regions)} regions, "
              f"{done.data_problems} data problems -> {args.out / done.period}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
