#!/usr/bin/env python3
"""How much do CJK fonts cost a one-page WeasyPrint PDF?

Renders the same one-page report layout (heading, paragraphs, a 12-row table)
N times per variant, in one process, and prints the median wall time, the
minimum, the ratio of the median to the Latin floor and the PDF size:

* ``latin``: Latin-only text in a system Latin font (DejaVu Sans) -- the floor;
* ``zh bundled``: the same page in Chinese with the bundled "Compliance Sans SC"
  fonts, loaded through ``compliance-asset:`` URLs by the safe fetcher;
* ``zh bundled + rare``: plus a line with characters outside GB2312 (埇 堃 珺 喆),
  so the "Compliance Sans SC Ext" fallback family is embedded too;
* ``zh bundled, full_fonts``: WeasyPrint's ``full_fonts=True`` (no subsetting);
* ``zh system Noto``: the system Noto Sans CJK SC (1 repetition with fontTools:
  ~6-9 s);
* ``zh bundled core + rare -> sys Noto``: the core family with system Noto as
  fallback instead of the Ext family (what a font stack without
  ``FONT_FAMILY_EXT`` does).

Each variant is measured with a fresh ``FontConfiguration`` per document
(WeasyPrint's default) and with one ``FontConfiguration`` shared by all
documents (``shared``).  The first render of each variant is a discarded
warm-up.  Everything is measured with both font subsetters WeasyPrint 70 can
use: fontTools (its fallback when libharfbuzz-subset is not installed: the
slow case this benchmark is about) and HarfBuzz (if installed).

Usage: python benchmarks/pdf_font.py [-n 7] [--backend all|fonttools|harfbuzz]
                                     [--no-system-noto] [--out DIR]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from compliance.report import fetcher, fonts
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from compliance.report import fetcher, fonts

import weasyprint
import weasyprint.pdf.fonts as wp_pdf_fonts
from weasyprint.text.fonts import FontConfiguration

_HB_SUBSET = wp_pdf_fonts.harfbuzz_subset  # None without libharfbuzz-subset

ZH = {
    "title": "哈尔滨医科大学附属第一医院 2024 年度绩效考核差距报告",
    "intro": ("依据《关于加强公立医院运营管理的指导意见》（国卫财务发〔2020〕27号）及"
              "《甘肃省深化医药卫生体制改革 2020 年下半年重点工作任务》，对本期报送数据进行核查。"
              "激励性绩效工资占比 52.0%，低于 60%，差 8.0 个百分点；人员支出占业务支出比重"
              "达到 38.5%（要求 ≥ 35%）。检验温度 2～8 ℃，误差 ± 0.5；合计 × 1.2 ÷ 3 √。"),
    "headers": ("序号", "医疗机构", "考核指标", "本期值", "目标值", "结论"),
    "rows": [
        ("哈尔滨医科大学附属第一医院", "激励性绩效工资占比", "52.0%", "≥ 60%", "未达标"),
        ("甘肃省人民医院", "人员支出占业务支出比重", "38.5%", "≥ 35%", "达标"),
        ("四川大学华西医院", "门诊次均费用增幅", "3.2%", "≤ 5%", "达标"),
        ("兰州大学第一医院", "住院次均药品费用增幅", "6.1%", "≤ 5%", "未达标"),
        ("北京协和医院", "医疗服务收入占比", "31.4%", "≥ 35%", "未达标"),
        ("复旦大学附属中山医院", "百元医疗收入耗材", "19.8 元", "≤ 20 元", "达标"),
        ("中南大学湘雅医院", "资产负债率", "41.0%", "≤ 50%", "达标"),
        ("武汉大学人民医院", "平均住院日", "8.9 天", "≤ 9 天", "达标"),
        ("浙江大学医学院附属第一医院", "基本药物使用占比", "44.7%", "≥ 45%", "未达标"),
        ("中山大学附属第一医院", "电子病历应用水平", "5 级", "≥ 5 级", "达标"),
        ("山东大学齐鲁医院", "出院患者手术占比", "33.3%", "≥ 30%", "达标"),
        ("西安交通大学第一附属医院", "大型设备检查阳性率", "72.5%", "≥ 75%", "未达标"),
    ],
    "footer": "说明：“未达标”项目须于 30 日内整改【见附件一】；数据来源：医院报送《绩效考核表》。",
}
EN = {
    "title": "First Affiliated Hospital of Harbin Medical University 2024 gap report",
    "intro": ("Per the Guidance on Strengthening Public Hospital Operations (No. 27, 2020) and "
              "the Gansu 2020 H2 health reform tasks, the submitted data were checked. Incentive "
              "pay share is 52.0%, below 60%, short by 8.0 points; personnel spending reaches "
              "38.5% of operating spending (required >= 35%). Storage 2-8 C, error +/- 0.5."),
    "headers": ("No.", "Institution", "Indicator", "Value", "Target", "Result"),
    "rows": [
        ("Harbin Medical University No. 1", "Incentive pay share", "52.0%", ">= 60%", "Fail"),
        ("Gansu Provincial Hospital", "Personnel spending share", "38.5%", ">= 35%", "Pass"),
        ("West China Hospital", "Outpatient cost growth", "3.2%", "<= 5%", "Pass"),
        ("Lanzhou University No. 1", "Inpatient drug cost growth", "6.1%", "<= 5%", "Fail"),
        ("Peking Union Medical College", "Service income share", "31.4%", ">= 35%", "Fail"),
        ("Zhongshan Hospital Fudan", "Consumables per 100 yuan", "19.8", "<= 20", "Pass"),
        ("Xiangya Hospital CSU", "Debt-to-asset ratio", "41.0%", "<= 50%", "Pass"),
        ("Renmin Hospital of Wuhan Univ.", "Average length of stay", "8.9 d", "<= 9 d", "Pass"),
        ("First Affiliated Hospital ZJU", "Essential drug share", "44.7%", ">= 45%", "Fail"),
        ("First Affiliated Hospital SYSU", "EMR application level", "5", ">= 5", "Pass"),
        ("Qilu Hospital of Shandong Univ.", "Surgery share", "33.3%", ">= 30%", "Pass"),
        ("First Affiliated Hospital XJTU", "Positive rate, large equipment", "72.5%", ">= 75%",
         "Fail"),
    ],
    "footer": 'Note: "Fail" items must be corrected within 30 days (see annex 1).',
}
RARE_LINE = "<p>补充：宿州市埇桥区人民医院 李堃、王珺、张喆。</p>"


def page(text: dict[str, Any], css: str, extra: str = "") -> str:
    rows = "".join(
        f"<tr><td>{i}</td>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for i, row in enumerate(text["rows"], 1))
    head = "".join(f"<th>{h}</th>" for h in text["headers"])
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
{css}
@page {{ size: A4; margin: 18mm }}
body {{ font-size: 10.5pt; line-height: 1.5 }}
h1 {{ font-size: 16pt; font-weight: 700 }}
table {{ border-collapse: collapse; width: 100% }}
th, td {{ border: 0.5pt solid #888; padding: 2pt 4pt }}
th {{ font-weight: 700; background: #eee }}
</style></head><body>
<h1>{text["title"]}</h1><p>{text["intro"]}</p><p><b>{text["intro"][:60]}</b></p>
<table><tr>{head}</tr>{rows}</table><p>{text["footer"]}</p>{extra}
</body></html>"""


LATIN_CSS = 'body { font-family: "DejaVu Sans" }'
BUNDLED_CSS = fonts.font_face_css() + f"body {{ font-family: {fonts.FONT_STACK} }}"
NOTO_CSS = 'body { font-family: "Noto Sans CJK SC" }'
# Core family only, system Noto as fallback for characters outside GB2312.
CORE_NOTO_CSS = (fonts.font_face_css()
                 + f'body {{ font-family: "{fonts.FONT_FAMILY}", "Noto Sans CJK SC" }}')


def measure(html: str, repetitions: int, shared: bool, warmup: bool = True,
            **options: Any) -> tuple[float, float, int, bytes]:
    """Median and minimum seconds (after an optional warm-up render), PDF size, last PDF."""
    url_fetcher = fetcher.SafeURLFetcher()
    font_config = FontConfiguration() if shared else None
    times: list[float] = []
    pdf = b""
    for i in range(repetitions + int(warmup)):
        start = time.perf_counter()
        pdf = weasyprint.HTML(string=html, url_fetcher=url_fetcher).write_pdf(
            font_config=font_config or FontConfiguration(), **options)
        if i or not warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), len(pdf), pdf


def set_backend(backend: str) -> None:
    """Make WeasyPrint subset fonts with fontTools or HarfBuzz (its choice at import
    time depends on whether libharfbuzz-subset is installed)."""
    wp_pdf_fonts.harfbuzz_subset = _HB_SUBSET if backend == "harfbuzz" else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repetitions", type=int, default=7)
    parser.add_argument("--backend", choices=("all", "fonttools", "harfbuzz"), default="all",
                        help="font subsetter(s) to measure (harfbuzz needs libharfbuzz-subset)")
    parser.add_argument("--no-system-noto", action="store_true",
                        help="skip the (slow with fontTools) system Noto Sans CJK SC variants")
    parser.add_argument("--out", type=Path, help="write the last PDF of each variant here")
    args = parser.parse_args(argv)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # fontTools-subset nag

    backends = [b for b in ("fonttools", "harfbuzz")
                if args.backend in ("all", b) and (b == "fonttools" or _HB_SUBSET)]
    if not backends:
        parser.error("libharfbuzz-subset is not installed")
    n = args.repetitions
    zh = page(ZH, BUNDLED_CSS)
    both = (False, True)
    print(f"WeasyPrint {weasyprint.__version__}, median of {n} (after 1 warm-up); "
          f"libharfbuzz-subset {'found' if _HB_SUBSET else 'NOT found'}")
    for backend in backends:
        set_backend(backend)
        slow = 1 if backend == "fonttools" else n  # system Noto: ~6-9 s per PDF with fontTools
        # (label, run(shared), repetitions, font_config modes)
        variants: list[tuple[str, Callable[[bool], tuple[float, float, int, bytes]], int,
                             tuple[bool, ...]]] = [
            ("latin (DejaVu Sans, floor)", lambda s: measure(page(EN, LATIN_CSS), n, s), n, both),
            ("zh bundled", lambda s: measure(zh, n, s), n, both),
            ("zh bundled + rare (Ext family)",
             lambda s: measure(page(ZH, BUNDLED_CSS, RARE_LINE), n, s), n, both),
            ("zh bundled, full_fonts=True",
             lambda s: measure(zh, n, s, full_fonts=True), n, both),
            ("zh bundled, uncompressed_pdf",
             lambda s: measure(zh, n, s, uncompressed_pdf=True), n, both),
        ]
        if not args.no_system_noto:
            variants += [
                ("zh system Noto Sans CJK SC",
                 lambda s: measure(page(ZH, NOTO_CSS), slow, s, warmup=slow > 1), slow,
                 (False,)),
                ("zh bundled core + rare -> sys Noto",
                 lambda s: measure(page(ZH, CORE_NOTO_CSS, RARE_LINE), slow, s,
                                   warmup=slow > 1), slow, (True,)),
            ]
        print(f"\n[{backend} subsetting]")
        print(f"{'variant':34} {'font_config':11} {'median s':>9} {'min s':>7} {'x floor':>8} "
              f"{'PDF bytes':>10}")
        floors: dict[bool, float] = {}
        for label, run, reps, modes in variants:
            for shared in modes:
                seconds, fastest, size, pdf = run(shared)
                floors.setdefault(shared, seconds)
                reps_note = "" if reps == n else f"  (n={reps})"
                print(f"{label:34} {'shared' if shared else 'fresh':11} {seconds:9.3f} "
                      f"{fastest:7.3f} {seconds / floors[shared]:8.2f} {size:10,}{reps_note}")
                if args.out:
                    args.out.mkdir(parents=True, exist_ok=True)
                    slug = "".join(c if c.isalnum() else "-" for c in label).strip("-")
                    mode = "shared" if shared else "fresh"
                    (args.out / f"{backend}-{slug}-{mode}.pdf").write_bytes(pdf)
    set_backend("harfbuzz" if _HB_SUBSET else "fonttools")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
