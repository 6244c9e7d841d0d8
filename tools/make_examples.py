"""Fill the generated template with the bundled example hospitals.

Run after `compliance template`; writes examples/*.xlsx. The institutions
are fictional; their codes are valid unified social credit codes (the 18th
character is the GB 32100-2015 check character of the first 17) with ``MB``
and a sequence number that mark them as made up.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "inputs" / "templates" / "hospital-self-assessment.xlsx"
OUT = ROOT / "examples"

NONCOMPLIANT: dict[str, Any] = {
    "info": {
        "institution_code": "12230100MB00000010",
        "institution_name": "哈尔滨市示例第一人民医院",
        "province": "黑龙江省",
        "city": "哈尔滨市",
        "grade": "三级",
        "type": "综合医院",
        "ownership": "公立",
        "period": "2024年",
    },
    "indicators": {
        "total_medical_revenue": (55000, 48000),
        "total_performance_pay": (1500, None),
        "incentive_performance_pay": (780, None),
    },
    "drugs": [
        ("YP0001", "阿莫西林胶囊", "0.25g×24粒", "否", 12.50, 14.38, 3000),
        ("YP0002", "头孢呋辛酯片", "0.25g×12片", "否", 18.60, 18.60, 1200),
        ("YP0003", "盐酸二甲双胍片", "0.5g×48片", "否", 9.80, 11.27, 2500),
        ("YP0004", "阿托伐他汀钙片", "20mg×7片", "否", 6.45, 6.45, 4000),
        ("ZY0001", "黄芪（饮片）", "1kg", "是", 120.00, 138.00, 80),
        ("YP0005", "注射用头孢曲松钠", "1.0g", "否", 3.20, 3.20, 9000),
    ],
    "stockpile": [
        ("医用防护口罩（N95）", "医疗防护物资", "只", 9000, 500),
        ("医用防护服", "医疗防护物资", "套", 3000, 100),
        ("医用外科口罩", "医疗防护物资", "只", 30000, 2000),
        ("连花清瘟胶囊", "药品", "盒", 1200, 40),
    ],
}

COMPLIANT: dict[str, Any] = {
    "info": {
        "institution_code": "12230100MB00000023",
        "institution_name": "哈尔滨市示例第二人民医院",
        "province": "黑龙江省",
        "city": "哈尔滨市",
        "grade": "二级",
        "type": "综合医院",
        "ownership": "公立",
        "period": "2024年",
    },
    "indicators": {
        "total_medical_revenue": (21600, 20000),
        "total_performance_pay": (800, None),
        "incentive_performance_pay": (496, None),
    },
    "drugs": [
        ("YP0001", "阿莫西林胶囊", "0.25g×24粒", "否", 12.50, 12.50, 1800),
        ("YP0004", "阿托伐他汀钙片", "20mg×7片", "否", 6.45, 6.45, 2600),
        ("ZY0002", "当归（饮片）", "1kg", "是", 150.00, 172.50, 40),
    ],
    "stockpile": [
        ("医用防护口罩（N95）", "医疗防护物资", "只", 6000, 200),
        ("医用防护服", "医疗防护物资", "套", 1500, 45),
        ("连花清瘟胶囊", "药品", "盒", 900, 25),
    ],
}

FLAT_ROWS = [
    ("12230100MB00000111", "哈尔滨市示例第三医院", "黑龙江省", "哈尔滨市", "三级", "综合医院", "公立", "2024年",
     32000, 30000, 1200, 744),
    ("12230100MB00000124", "哈尔滨市示例中医医院", "黑龙江省", "哈尔滨市", "二级", "中医医院", "公立", "2024年",
     9900, 9000, 400, 228),
    ("12230100MB00000137", "哈尔滨市示例民营医院", "黑龙江省", "哈尔滨市", "二级", "综合医院", "非公立", "2024年",
     5000, 4000, 300, 150),
]
FLAT_HEADER = ["institution_code", "institution_name", "province", "city", "grade", "type", "ownership", "period",
               "total_medical_revenue", "total_medical_revenue_prior", "total_performance_pay",
               "incentive_performance_pay"]


def _rows_by_code(sheet: Any, column: int = 1) -> dict[str, int]:
    return {sheet.cell(row=r, column=column).value: r for r in range(1, sheet.max_row + 1)
            if isinstance(sheet.cell(row=r, column=column).value, str)}


def fill(data: dict[str, Any], target: Path) -> None:
    workbook = load_workbook(TEMPLATE)
    info = workbook["基本信息"]
    rows = _rows_by_code(info)
    for code, value in data["info"].items():
        info.cell(row=rows[code], column=3, value=value)
    indicators = workbook["指标"]
    rows = _rows_by_code(indicators)
    for code, (current, prior) in data["indicators"].items():
        indicators.cell(row=rows[code], column=4, value=current)
        if prior is not None:
            indicators.cell(row=rows[code], column=5, value=prior)
    for sheet_name, key in (("药品价格", "drugs"), ("应急物资储备", "stockpile")):
        sheet = workbook[sheet_name]
        for offset, values in enumerate(data[key]):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=3 + offset, column=column, value=value)
    workbook.save(target)


def flat(target: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "医院汇总"
    sheet.append(FLAT_HEADER)
    for row in FLAT_ROWS:
        sheet.append(list(row))
    workbook.save(target)


def main() -> int:
    if not TEMPLATE.exists():
        print(f"{TEMPLATE} is missing; run `compliance template` first", file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    fill(NONCOMPLIANT, OUT / "hospital-noncompliant.xlsx")
    fill(COMPLIANT, OUT / "hospital-compliant.xlsx")
    flat(OUT / "hospitals-flat.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
