#!/usr/bin/env python3
"""How fast does ``compliance.pipeline.read.read_batch`` read a large batch of hospital workbooks?

Target (from the issue): read 2,000 single-hospital workbooks on a 2-core
machine in <= 10 s in total and <= 2x the floor, the floor being bare
python-calamine reading the same files, measured in the same run.

The benchmark generates N distinct filled copies of the blank hospital
template (inputs/templates/hospital-self-assessment.xlsx): different
institution codes, names, provinces, grades, periods, indicator values, 0-8
drug-price rows, 0-4 stockpile rows and 0-2 large-equipment rows, with a few
deliberate data problems (negative amounts, unreadable yes/no answers).  The
corpus is cached under /tmp keyed by N (``--regenerate`` rebuilds it);
generation is not measured.

Then, per repetition and in round-robin order so that machine noise hits
every variant alike, it times:

* ``calamine serial``: bare python-calamine, one process: open every file and
  read every worksheet to Python lists (``CalamineWorkbook.from_path(p)``,
  ``get_sheet_by_name(n).to_python()``) -- the floor of in-process readers;
* ``calamine pool(W)``: the same with a ``multiprocessing.Pool`` of W
  processes (W = cores) over the files -- THE floor of the issue's target,
  used for the ratio of the parallel reader;
* ``read_batch``: ``read_batch(paths, catalog)`` with its default worker count
  (one process per core), the thing the target is about;
* ``read_batch workers=0``: the same in-process, single core (ratio to the
  serial floor);
* ``run_check headline``: ``run_check`` (read + evaluate the headline
  profile), for context (``--no-check`` skips it).

It prints the median and minimum of each, the median per file, the ratio of
the median to the matching floor (and of min to min, less sensitive to noise),
and PASS/MISS against the targets.  It never asserts: exit status 0 unless it
crashes.  ``--breakdown`` times the reader's stages in-process (zip checks,
calamine, grid building, formula scan, template parsing, result pickling) and
``--profile`` prints a cProfile of ``read_batch(..., workers=0)`` on a subset.

Usage: python benchmarks/read_batch.py [--files 2000] [--repeat 5] [--workers W]
           [--regenerate] [--no-check] [--breakdown] [--profile [K]]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import multiprocessing
import os
import pickle
import platform
import pstats
import random
import re
import resource
import shutil
import statistics
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
try:
    import compliance  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from compliance.ingest.identities import DIVISIONS, with_check_character
from compliance.pipeline.check import get_profile, load_default_catalog, run_check
from compliance.pipeline.read import read_batch
from compliance.rules.spec import Catalog

TEMPLATE = ROOT / "inputs" / "templates" / "hospital-self-assessment.xlsx"
CACHE_ROOT = Path("/tmp/compliance-bench-read-batch")
GENERATOR_VERSION = 1  # bump when the corpus changes so old caches are not reused
TARGET_TOTAL_S = 10.0  # for TARGET_FILES files
TARGET_FILES = 2000
TARGET_RATIO = 2.0

# --------------------------------------------------------------------------- corpus

STRING_SLOT = "QQS{:04d}QQ"  # sentinels written by openpyxl, replaced per copy
NUMBER_BASE = 900_000_000
_SLOT = re.compile(rb"QQS(\d{4})QQ|<v>9(\d{8})</v>")

PROVINCES = {
    "黑龙江省": ["哈尔滨市", "齐齐哈尔市", "牡丹江市", "佳木斯市", "大庆市"],
    "甘肃省": ["兰州市", "天水市", "酒泉市", "张掖市", "庆阳市"],
    "四川省": ["成都市", "绵阳市", "宜宾市", "南充市", "泸州市"],
    "河北省": ["石家庄市", "唐山市", "保定市", "邯郸市", "沧州市"],
}
GRADES = ["三级", "三级甲等", "二级", "二级乙等", "一级", "未定级"]
TYPES = ["综合医院", "中医医院", "中西医结合医院", "专科医院", "妇幼保健院"]
OWNERSHIP = ["公立", "公立", "公立", "非公立"]
PERIODS = ["2024年", "2024年", "2023年", "2024年上半年", "2024年第3季度", "2024-09"]
NAME_PARTS = ["第一人民医院", "第二人民医院", "中医医院", "妇幼保健院", "中心医院", "人民医院", "骨科医院",
              "第三医院", "传染病医院", "肿瘤医院"]
DRUGS = [
    ("YP0001", "阿莫西林胶囊", "0.25g×24粒", "否", 12.50), ("YP0002", "头孢呋辛酯片", "0.25g×12片", "否", 18.60),
    ("YP0003", "盐酸二甲双胍片", "0.5g×48片", "否", 9.80), ("YP0004", "阿托伐他汀钙片", "20mg×7片", "否", 6.45),
    ("ZY0001", "黄芪（饮片）", "1kg", "是", 120.00), ("YP0005", "注射用头孢曲松钠", "1.0g", "否", 3.20),
    ("ZY0002", "当归（饮片）", "1kg", "是", 150.00), ("YP0006", "氯沙坦钾片", "50mg×7片", "否", 4.90),
    ("YP0007", "奥美拉唑肠溶胶囊", "20mg×14粒", "否", 7.30), ("YP0008", "布洛芬缓释胶囊", "0.3g×20粒", "否", 5.10),
]
STOCK = [
    ("医用防护口罩（N95）", "医疗防护物资", "只"), ("医用防护服", "医疗防护物资", "套"),
    ("医用外科口罩", "医疗防护物资", "只"), ("连花清瘟胶囊", "药品", "盒"), ("一次性隔离衣", "医疗防护物资", "件"),
]
EQUIPMENT = [("CT", "在用"), ("MRI", "在用"), ("PET-CT", "在用")]
DRUG_ROWS = (0, 3, 6, 8)
STOCK_ROWS = (0, 2, 4)
EQUIPMENT_ROWS = (0, 2)


class _Base:
    """One openpyxl-filled variant of the template whose variable cells hold sentinels."""

    def __init__(self, drugs: int, stock: int, equipment: int, catalog_types: dict[str, str]) -> None:
        self.drugs, self.stock, self.equipment = drugs, stock, equipment
        self.slots: list[tuple[str, Any]] = []  # (kind, detail) per sentinel, in creation order
        workbook = load_workbook(TEMPLATE)
        info = workbook["基本信息"]
        for row in range(3, info.max_row + 1):
            code = info.cell(row=row, column=1).value
            if isinstance(code, str):
                info.cell(row=row, column=3, value=self._string(("info", code)))
        indicators = workbook["指标"]
        for row in range(3, indicators.max_row + 1):
            code = indicators.cell(row=row, column=1).value
            kind = catalog_types.get(code, "text") if isinstance(code, str) else None
            if kind is None:
                continue
            for column, prior in ((4, False), (5, True)):
                if prior and kind in ("text", "bool", "date"):
                    continue
                if kind in ("money", "number", "count", "ratio"):
                    indicators.cell(row=row, column=column, value=self._number(("indicator", code, kind, prior)))
                else:
                    indicators.cell(row=row, column=column, value=self._string(("indicator", code, kind, prior)))
        tables = (("药品价格", drugs, 7, "drug"), ("应急物资储备", stock, 5, "stock"),
                  ("大型医用设备配置", equipment, 4, "equipment"))
        numeric = {"drug": {5, 6, 7}, "stock": {4, 5}, "equipment": {2, 3}}
        for sheet_name, count, width, key in tables:
            sheet = workbook[sheet_name]
            for offset in range(count):
                for column in range(1, width + 1):
                    detail = (key, offset, column)
                    value = self._number(detail) if column in numeric[key] else self._string(detail)
                    sheet.cell(row=3 + offset, column=column, value=value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.parts: list[tuple[zipfile.ZipInfo, bytes]] = []
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
            for member in archive.infolist():
                self.parts.append((member, archive.read(member)))

    def _string(self, detail: Any) -> str:
        self.slots.append(("s", detail))
        return STRING_SLOT.format(len(self.slots) - 1)

    def _number(self, detail: Any) -> int:
        self.slots.append(("n", detail))
        return NUMBER_BASE + len(self.slots) - 1


def _institution_code(rng: random.Random, city: str, index: int) -> str:
    """A valid made-up unified social credit code registered in `city` (``MB`` and the copy's number)."""
    rng.randint(110000, 659999), rng.choice("0123456789X")  # the draws of the old codes: later values unchanged
    division = next(code for code, division in DIVISIONS.items() if division.name == city)
    return with_check_character(f"12{division}MB{index:07d}")


def _values(index: int, base: _Base) -> list[str]:
    """XML text for every sentinel of ``base`` in copy number ``index`` (deterministic)."""
    rng = random.Random(index * 7919 + 17)
    province = rng.choice(list(PROVINCES))
    city = rng.choice(PROVINCES[province])
    scale = rng.uniform(0.2, 5.0)
    drugs = rng.sample(DRUGS, base.drugs)
    stock = rng.sample(STOCK, base.stock)
    info = {
        "institution_code": _institution_code(rng, city, index),
        "institution_name": f"{city}{rng.choice(NAME_PARTS)}（示例{index}）",
        "province": province, "city": city, "grade": rng.choice(GRADES), "type": rng.choice(TYPES),
        "ownership": rng.choice(OWNERSHIP), "period": rng.choice(PERIODS),
    }
    out: list[str] = []
    for kind, detail in base.slots:
        value: Any
        if detail[0] == "info":
            value = info.get(detail[1], "")
        elif detail[0] == "indicator":
            _, code, value_type, prior = detail
            if value_type == "bool":
                value = rng.choice(["是", "否", "是", "是"]) if rng.random() > 0.01 else "不确定"  # ~1% problems
            elif value_type == "date":
                value = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            elif value_type == "text":
                value = f"{city}卫发〔2024〕{rng.randint(1, 99)}号"
            elif value_type == "ratio":
                value = round(rng.uniform(-0.05, 0.12), 4)
            elif value_type == "count":
                value = rng.randint(0, 3000)
            else:
                value = round(rng.uniform(10, 50000) * scale, 2) * (0.9 if prior else 1.0)
                if rng.random() < 0.002:
                    value = -value  # ~0.2% of amounts: a "must not be negative" problem
        elif detail[0] == "drug":
            code, name, spec, piece, price = drugs[detail[1]]
            sale = round(price * (1.15 if piece == "是" else 1.0) * rng.choice([1.0, 1.0, 1.02]), 2)
            value = {1: code, 2: name, 3: spec, 4: piece, 5: price, 6: sale, 7: rng.randint(10, 9000)}[detail[2]]
        elif detail[0] == "stock":
            name, category, unit = stock[detail[1]]
            value = {1: name, 2: category, 3: unit, 4: rng.randint(100, 30000), 5: rng.randint(10, 2000)}[detail[2]]
        else:  # equipment
            name = EQUIPMENT[detail[1]][0]
            value = {1: name, 2: rng.randint(1, 4), 3: rng.randint(1, 4), 4: f"乙{rng.randint(10000, 99999)}"}[detail[2]]
        out.append(escape(str(value)) if kind == "s" else repr(float(value)))
    return out


_BASES: list[_Base] = []


def _write_copy(job: tuple[int, str]) -> None:
    index, folder = job
    base = _BASES[index % len(_BASES)]
    values = _values(index, base)

    def substitute(match: re.Match[bytes]) -> bytes:
        if match.group(1) is not None:
            return values[int(match.group(1))].encode()
        return b"<v>" + values[int(match.group(2))].encode() + b"</v>"  # 9 + 8 digits = NUMBER_BASE + slot

    target = Path(folder) / f"hospital-{index:05d}.xlsx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in base.parts:
            if member.filename.startswith("xl/worksheets/") or member.filename == "xl/sharedStrings.xml":
                data = _SLOT.sub(substitute, data)
            archive.writestr(member.filename, data)


def corpus(files: int, regenerate: bool, catalog: Catalog) -> list[Path]:
    """N generated workbooks, reused from /tmp when an earlier run made them."""
    folder = CACHE_ROOT / f"v{GENERATOR_VERSION}-n{files}"
    marker = folder / ".complete"
    if regenerate and folder.exists():
        shutil.rmtree(folder)
    paths = [folder / f"hospital-{index:05d}.xlsx" for index in range(files)]
    if marker.exists() and all(p.exists() for p in paths):
        print(f"corpus: reusing {files} workbooks in {folder}")
        return paths
    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    types = {code: spec.value_type for code, spec in catalog.fields.items()}
    _BASES.clear()
    for drugs in DRUG_ROWS:
        for stock in STOCK_ROWS:
            for equipment in EQUIPMENT_ROWS:
                _BASES.append(_Base(drugs, stock, equipment, types))
    jobs = [(index, str(folder)) for index in range(files)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        pool.map(_write_copy, jobs, chunksize=64)
    marker.write_text(f"{files}\n")
    size = sum(p.stat().st_size for p in paths)
    print(f"corpus: generated {files} workbooks ({size / files / 1024:.1f} KiB each, {len(_BASES)} layouts) "
          f"in {folder} in {time.perf_counter() - started:.1f} s")
    return paths


# --------------------------------------------------------------------------- floor


def _calamine_one(path: Path | str) -> int:
    """Bare python-calamine: open the file and read every worksheet to Python lists."""
    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        cells += len(rows)
    book.close()
    return cells


def calamine_serial(paths: list[Path]) -> None:
    for path in paths:
        _calamine_one(path)


def calamine_pool(paths: list[Path], workers: int) -> None:
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_calamine_one, [str(p) for p in paths])  # default chunksize: len / (4 * workers)


# --------------------------------------------------------------------------- measurement


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _timed(function: Callable[[], Any]) -> float:
    return _timed_cpu(function)[0]


def _timed_cpu(function: Callable[[], Any]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process, CPU seconds of the worker processes it reaped."""
    gc.collect()
    own, children = _cpu()
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    own_after, children_after = _cpu()
    del result
    return elapsed, own_after - own, children_after - children


def _sanity(paths: list[Path], catalog: Catalog) -> None:
    batch = read_batch(paths, catalog, owns_process=True)
    statuses = Counter(outcome.status for outcome in batch.outcomes)
    tables = Counter(code for s in batch.submissions for code, rows in s.tables.items() if rows)
    problems = sum(len(s.problems) for s in batch.submissions) + sum(len(o.problems) for o in batch.outcomes)
    print(f"sanity: {len(batch.submissions)} submissions from {len(paths)} files, outcomes {dict(statuses)}, "
          f"{problems} data problems; files with rows: {dict(tables)}")
    if batch.submissions:
        sample = pickle.dumps(((batch.submissions[0],), batch.outcomes[0]))
        print(f"sanity: one file's result pickles to {len(sample) / 1024:.1f} KiB "
              f"(what each worker sends back to the parent)")
    refused = [o for o in batch.outcomes if o.status == "refused"]
    for outcome in refused[:3]:
        print(f"sanity: REFUSED {outcome.path}: {outcome.refusal}")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def measure(paths: list[Path], catalog: Catalog, repeat: int, workers: int, check: bool) -> None:
    n = len(paths)
    profile = get_profile(catalog, "headline") if check else None
    variants: list[tuple[str, Callable[[], Any], str]] = [
        ("calamine serial", lambda: calamine_serial(paths), ""),
        (f"calamine pool({workers})", lambda: calamine_pool(paths, workers), ""),
        (f"read_batch (workers={workers})" if workers != os.cpu_count() else "read_batch (default workers)",
         lambda: read_batch(paths, catalog, workers=None if workers == os.cpu_count() else workers, owns_process=True),
         f"calamine pool({workers})"),
        ("read_batch workers=0", lambda: read_batch(paths, catalog, workers=0, owns_process=True), "calamine serial"),
    ]
    if profile is not None:
        variants.append(("run_check headline", lambda: run_check(catalog, profile, paths,
                                                                  workers=None if workers == os.cpu_count() else workers,
                                                                  owns_process=True),
                         f"calamine pool({workers})"))
    load_before = os.getloadavg()
    print("warm-up: one untimed pass of the bare reader (page cache, imports) ...")
    calamine_serial(paths)
    read_batch(paths[: min(50, n)], catalog, workers=0)
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    parent_cpu: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    worker_cpu: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for rep in range(repeat):
        line = []
        for name, function, _ in variants:
            elapsed, own, children = _timed_cpu(function)
            times[name].append(elapsed)
            parent_cpu[name].append(own)
            worker_cpu[name].append(children)
            line.append(f"{name} {elapsed:.2f}s")
        print(f"rep {rep + 1}/{repeat}: " + " | ".join(line), flush=True)

    med = {name: statistics.median(values) for name, values in times.items()}
    low = {name: min(values) for name, values in times.items()}
    print()
    load_after = os.getloadavg()
    print(f"{n} files, {repeat} repetitions, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"{dt.datetime.now():%Y-%m-%d %H:%M}; load average (1 min) {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after (this benchmark alone adds up to ~3; more means other work inflated the figures)")
    header = (f"{'variant':<30} {'median s':>9} {'min s':>8} {'ms/file':>8} {'x floor':>8} {'min/min':>8} "
              f"{'main cpu':>9} {'wkr cpu':>8}  floor")
    print(header)
    print("-" * len(header))
    for name, _, floor in variants:
        ratio = f"{med[name] / med[floor]:.2f}" if floor else "-"
        ratio_min = f"{low[name] / low[floor]:.2f}" if floor else "-"
        print(f"{name:<30} {med[name]:>9.3f} {low[name]:>8.3f} {med[name] / n * 1000:>8.2f} {ratio:>8} "
              f"{ratio_min:>8} {statistics.median(parent_cpu[name]):>9.2f} {statistics.median(worker_cpu[name]):>8.2f}"
              f"  {floor or '(floor)'}")
    print("(x floor: median / median of the floor; min/min: less sensitive to noise; main cpu / wkr cpu: median CPU "
          "seconds of this process and of its worker processes -- steadier than wall time on a busy machine)")
    reader, floor_name = variants[2][0], variants[2][2]
    budget = TARGET_TOTAL_S * n / TARGET_FILES
    ratio = med[reader] / med[floor_name]
    print()
    scaled = "" if n == TARGET_FILES else f" (10 s per {TARGET_FILES} files, scaled to {n} files)"
    print(f"target total: {reader} median {med[reader]:.2f} s <= {budget:.2f} s{scaled}: "
          f"{_verdict(med[reader] <= budget)}")
    print(f"target ratio: {reader} / {floor_name} (the parallel bare-calamine floor) = {ratio:.2f} <= "
          f"{TARGET_RATIO:.1f}: {_verdict(ratio <= TARGET_RATIO)}  (min/min: {low[reader] / low[floor_name]:.2f})")


# --------------------------------------------------------------------------- diagnosis


def breakdown(paths: list[Path], catalog: Catalog) -> None:
    """Time each stage of the in-process reader over every file (single process, best of 3)."""
    from compliance.ingest.reader import ReaderLayout, read_file, sheets_to_read
    from compliance.ingest.workbook import MAX_ROWS, check_zip, load_grids
    from compliance.ingest.xlsxscan import PackageScanner
    from compliance.ingest.xlsxscan import scan_xlsx as xml_scan

    layout = ReaderLayout.of(catalog)

    def select(names: list[str]) -> list[str]:
        return sheets_to_read(names, layout)

    wanted = set(select(list(_sheet_names(paths[0]))))  # every corpus file has the template's sheets

    results: list[Any] = []

    def pickled() -> None:
        for result in results:
            pickle.loads(pickle.dumps(result))

    packages = []  # what load_grids hands calamine: the verified parts, uncompressed (built untimed)
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            scanner = PackageScanner(archive)
            names = [name for name in scanner.worksheet_names() if name in wanted]
            scanner.scan(names)
            scanner.verify_native_parts()
            packages.append((scanner.verified_package(), names))

    def calamine_package() -> None:
        for package, names in packages:
            book = CalamineWorkbook.from_filelike(io.BytesIO(package))
            for name in names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
            book.close()

    stages: list[tuple[str, Callable[[], Any]]] = [
        ("check_zip (zip directory read)", lambda: [check_zip(p) for p in paths]),
        ("bare calamine (open + to_python)", lambda: calamine_serial(paths)),
        (f"xlsxscan.{xml_scan.__name__} (sheets read)", lambda: [xml_scan(p, wanted) for p in paths]),
        ("calamine, verified package (sheets read)", calamine_package),
        ("load_grids (check, scan, calamine, grids)", lambda: [load_grids(p, select) for p in paths]),
        ("read_file (load_grids + parsing)", lambda: results.extend(read_file(p, layout) for p in paths)),
        ("pickle dumps+loads of results", pickled),
    ]
    best: dict[str, float] = {}
    for name, function in stages:
        runs = []
        for _ in range(3):
            if name.startswith("read_file"):
                results.clear()
            runs.append(_timed(function))
        best[name] = min(runs)
    n = len(paths)
    size = sum(len(pickle.dumps(r)) for r in results)
    print(f"\nbreakdown, in-process, best of 3, {n} files (ms per file):")
    for name, seconds in best.items():
        print(f"  {name:<42} {seconds / n * 1000:8.3f}")
    grids = best["load_grids (check, scan, calamine, grids)"] - sum(
        best[k] for k in ("check_zip (zip directory read)", "calamine, verified package (sheets read)",
                          f"xlsxscan.{xml_scan.__name__} (sheets read)"))
    parse = best["read_file (load_grids + parsing)"] - best["load_grids (check, scan, calamine, grids)"]
    print(f"  {'=> package, grids (load_grids - parts)':<42} {grids / n * 1000:8.3f}")
    print(f"  {'=> template parsing (read_file - load_grids)':<42} {parse / n * 1000:8.3f}")
    print(f"  pickled result size: {size / n / 1024:.1f} KiB per file")
    catalog_bytes = len(pickle.dumps(catalog))
    print(f"  catalog pickles to {catalog_bytes / 1024:.0f} KiB "
          f"(fork context: inherited by workers, not pickled per pool)")


def _sheet_names(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        return list(book.sheet_names)
    finally:
        book.close()


def profile_in_process(paths: list[Path], catalog: Catalog, limit: int) -> None:
    subset = paths[:limit]
    profiler = cProfile.Profile()
    profiler.enable()
    read_batch(subset, catalog, workers=0)
    profiler.disable()
    print(f"\ncProfile of read_batch(workers=0) on {len(subset)} files:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=TARGET_FILES, help="number of workbooks (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per variant (default 5)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes for read_batch and the pool floor (default: cores)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached corpus")
    parser.add_argument("--no-check", action="store_true", help="skip the run_check (read + evaluate) variant")
    parser.add_argument("--breakdown", action="store_true", help="time the reader's stages in-process")
    parser.add_argument("--profile", type=int, nargs="?", const=300, default=0, metavar="K",
                        help="cProfile read_batch(workers=0) on the first K files (default 300)")
    parser.add_argument("--skip-measure", action="store_true", help="only --breakdown / --profile")
    args = parser.parse_args(argv)

    catalog = load_default_catalog(ROOT)
    paths = corpus(args.files, args.regenerate, catalog)
    _sanity(paths, catalog)
    if not args.skip_measure:
        measure(paths, catalog, max(1, args.repeat), max(1, args.workers), not args.no_check)
    if args.breakdown:
        breakdown(paths, catalog)
    if args.profile:
        profile_in_process(paths, catalog, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
