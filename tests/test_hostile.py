"""Hostile and malformed workbooks: a generated corpus of 500+ mutated files, XML entity attacks, zip bombs.

Every file must get exactly one outcome, never raise or hang, and explain a refusal in Chinese naming the
file; a value that survives a mutation must be the true one. Reads that could exhaust memory or abort the
interpreter (the native reader allocates a dense grid up to the farthest cell) run in read_batch's worker
processes or in a subprocess, always under an address-space cap, never directly in the test process.
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import io
import json
import math
import multiprocessing
import os
import random
import re
import resource
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from compliance.ingest.reader import read_file, require_defusedxml
from compliance.pipeline.read import read_batch
from compliance.results.identity import FileRef
from compliance.results.problems import DataProblem, FileOutcome
from compliance.wording.outcomes import outcome_message
from compliance.wording.problems import expected, fix, found, where
from compliance.wording.problems import message as problem_message

from .conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "hospital-noncompliant.xlsx"
G1, G2, G3 = "12620100MB00002012", "12620100MB00002025", "12620100MB00002038"  # valid institution codes
FIXTURES = Path(__file__).parent / "fixtures"
SHARED_STRINGS_EXAMPLE = FIXTURES / "hospital-noncompliant-libreoffice.xlsx"  # saved by LibreOffice: sharedStrings.xml
XLS_EXAMPLE = FIXTURES / "hospital-noncompliant.xls"
ODS_EXAMPLE = FIXTURES / "hospital-noncompliant.ods"
HAN = re.compile("[\u4e00-\u9fff]")
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
GIB = 1024 ** 3
_FAULT_FILE: list[int] = []  # the file descriptor pytest's faulthandler writes crash dumps to

BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")
XXE = b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAMETER = b'<!DOCTYPE foo [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>'
XXE_DTD = b'<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">'


# --------------------------------------------------------------------------- helpers

def _zip_parts(path: Path | io.BytesIO) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info.filename)) for info in archive.infolist()]


def _zip_bytes(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def _edited(parts: list[tuple[str, bytes]], changes: dict[str, bytes | Callable[[bytes], bytes]],
            drop: tuple[str, ...] = ()) -> bytes:
    entries = []
    for name, data in parts:
        if name in drop:
            continue
        change = changes.get(name)
        entries.append((name, change(data) if callable(change) else (data if change is None else change)))
    return _zip_bytes(entries)


def _after_prolog(raw: bytes, insert: bytes) -> bytes:
    """Insert a DOCTYPE after the XML declaration (or at the start when there is none)."""
    if raw.startswith(b"<?xml"):
        end = raw.index(b"?>") + 2
        return raw[:end] + insert + raw[end:]
    return insert + raw


def _sheet_part(parts: list[tuple[str, bytes]], sheet_name: str) -> str:
    """The worksheet part holding the sheet called ``sheet_name``."""
    files = dict(parts)
    workbook = ElementTree.fromstring(files["xl/workbook.xml"])
    rels = ElementTree.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PKG_NS}Relationship")}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets[sheet.get(f"{REL_NS}id")]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(sheet_name)


def _cell_xml(raw: bytes, ref: str) -> bytes:
    match = re.search(rb'<c r="%s"[^>]*?(/>|>.*?</c>)' % ref.encode(), raw)
    assert match, ref
    return match.group(0)


def _append_cell(raw: bytes, ref: str, row: int, value: bytes = b"1") -> bytes:
    return raw.replace(b"</sheetData>", b'<row r="%d"><c r="%s" t="n"><v>%s</v></c></row></sheetData>'
                       % (row, ref.encode(), value))


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@pytest.fixture(scope="session", autouse=True)
def _remember_fault_handler_file(request: pytest.FixtureRequest) -> None:
    try:
        from _pytest.faulthandler import fault_handler_stderr_fd_key

        _FAULT_FILE[:] = [request.config.stash[fault_handler_stderr_fd_key]]
    except (ImportError, KeyError):
        _FAULT_FILE[:] = []


@contextlib.contextmanager
def _address_space_cap(extra: int = 3 * GIB) -> Iterator[None]:
    """Cap this process's (and forked workers') address space while hostile files are read.

    The native reader can be made to allocate tens of GB from a 40 KB file; under the cap such an
    allocation fails (the worker dies and the batch records a refusal) instead of exhausting the machine.
    pytest's faulthandler is paused meanwhile, so a worker that aborts on purpose prints no Python crash dump.
    """
    current = _vm_size()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    paused = faulthandler.is_enabled()
    if paused:
        faulthandler.disable()
    if current is not None:
        cap = current + extra
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    try:
        yield
    finally:
        if current is not None:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if paused:
            faulthandler.enable(file=_FAULT_FILE[0] if _FAULT_FILE else sys.__stderr__)


_ISOLATED = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from compliance.pipeline.check import load_default_catalog
    from compliance.ingest.reader import read_file
    from compliance.wording.findings import problem_message
    from compliance.wording.outcomes import outcome_message

    catalog = load_default_catalog(Path(sys.argv[2]))
    with open("/proc/self/status", encoding="ascii") as handle:
        vm = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = vm + int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    for name in sys.argv[3:]:
        print(json.dumps({"start": name}), flush=True)
        started = time.monotonic()
        record = {"name": name}
        try:
            submissions, outcome = read_file(Path(name), catalog)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            record.update(raised=f"{type(exc).__name__}: {exc}")
        else:
            problems = ([outcome.refusal] if outcome.refusal else []) + list(outcome.problems)
            problems += [p for s in submissions for p in s.problems]
            # a refused file's message is its refusal's: problem_message(outcome.refusal)
            record.update(status=str(outcome.status),
                          message=outcome_message(outcome, len(problems) - bool(outcome.refusal), "zh"),
                          problems=[problem_message(p, "zh") for p in problems],
                          values=[{"code": s.subject.code,
                                   "identification": {k: str(r.value) for k, r in s.identification.items()},
                                   "current": {k: r.value for k, r in s.current.items() if r.value is not None},
                                   "prior": {k: r.value for k, r in s.prior.items() if r.value is not None},
                                   "tables": {t: [{k: str(r.value) for k, r in row.items()} for row in rows]
                                              for t, rows in s.tables.items()}}
                                  for s in submissions])
        record["seconds"] = time.monotonic() - started
        with open("/proc/self/status", encoding="ascii") as handle:  # this interpreter's peak, not its parent's
            record["peak_mb"] = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:")) / 1024
        print(json.dumps(record, ensure_ascii=False, default=str), flush=True)
""")


@dataclass
class Isolated:
    returncode: int
    records: dict[str, dict]
    stderr: str
    last_started: str  # the file being read when the interpreter died, if it did


def _read_isolated(paths: list[Path], extra: int = 2 * GIB, timeout: float = 120) -> Isolated:
    """read_file on each path in a fresh interpreter under an address-space cap; a native abort is reported, not fatal."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to cap the reader's memory")
    env = dict(os.environ, RUST_BACKTRACE="0")
    done = subprocess.run([sys.executable, "-c", _ISOLATED, str(extra), str(ROOT), *map(str, paths)],
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)
    records, last_started = {}, ""
    for line in done.stdout.splitlines():
        record = json.loads(line)
        if "name" in record:
            records[Path(record["name"]).name] = record
        else:
            last_started = Path(record["start"]).name
    return Isolated(done.returncode, records, done.stderr[-2000:], last_started)


def _passwd_lines() -> list[str]:
    try:
        return [line for line in Path("/etc/passwd").read_text(errors="replace").splitlines() if len(line) > 8]
    except OSError:
        return []


def _names_the_file_in_chinese(text: str, name: str) -> bool:
    return bool(text.strip()) and HAN.search(text) is not None and name in text


def _refusal(outcome: FileOutcome) -> str:
    """Why a refused file was refused, as the user reads it (the refused outcome's message)."""
    assert outcome.refusal is not None, outcome
    return problem_message(outcome.refusal, "zh")


# --------------------------------------------------------------------------- the corpus

@dataclass(frozen=True)
class Case:
    path: Path
    family: str
    keeps_780: bool = False  # the 指标 sheet's incentive_performance_pay cell is untouched: if read, it must read 780


class CorpusBuilder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cases: list[Case] = []

    def add(self, family: str, name: str, data: bytes, keeps_780: bool = False, suffix: str = ".xlsx") -> None:
        path = self.folder / f"{len(self.cases):04d}-{family}-{name}{suffix}"
        path.write_bytes(data)
        self.cases.append(Case(path, family, keeps_780))


def _mutate_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    mutated = bytearray(data)
    kind = rng.choice(("flip", "flip", "flip_many", "insert", "delete", "truncate", "zero_run", "duplicate"))
    offset = rng.randrange(len(mutated))
    if kind == "flip":
        mutated[offset] ^= 1 << rng.randrange(8)
    elif kind == "flip_many":
        for _ in range(rng.randint(2, 24)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    elif kind == "insert":
        mutated[offset:offset] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    elif kind == "delete":
        del mutated[offset:offset + rng.randint(1, 32)]
    elif kind == "truncate":
        del mutated[offset:]
    elif kind == "zero_run":
        length = rng.randint(1, 256)
        mutated[offset:offset + length] = bytes(len(mutated[offset:offset + length]))
    else:
        length = rng.randint(1, 512)
        mutated[offset:offset] = mutated[offset:offset + length]
    return kind, bytes(mutated)


def _parts_unchanged(data: bytes, original: dict[str, bytes], names: list[str]) -> bool:
    """True when Python's zip reader sees every named part byte-for-byte as in the original."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                listed = archive.namelist()
                if len(listed) != len(set(listed)):
                    return False
                return all(archive.read(name) == original[name] for name in names)
    except Exception:  # noqa: BLE001 - a broken mutant simply is not intact
        return False


def _byte_mutants(corpus: CorpusBuilder, base: Path, label: str, count: int, rng: random.Random) -> None:
    data = base.read_bytes()
    zipped = zipfile.is_zipfile(base) and base.suffix in (".xlsx", ".xlsm")
    critical: list[str] = []
    original: dict[str, bytes] = {}
    if zipped:
        parts = _zip_parts(base)
        original = dict(parts)
        critical = [_sheet_part(parts, "指标"), "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
        critical += ["xl/sharedStrings.xml"] if "xl/sharedStrings.xml" in original else []
    made = 0
    seen = {hashlib.sha256(data).digest()}
    while made < count:
        kind, mutated = _mutate_bytes(data, rng)
        digest = hashlib.sha256(mutated).digest()
        if digest in seen:
            continue
        seen.add(digest)
        intact = zipped and _parts_unchanged(mutated, original, critical)
        corpus.add(f"bytes-{label}", f"{made:03d}-{kind}", mutated, intact, base.suffix)
        made += 1


def _zip_mutants(corpus: CorpusBuilder, base: Path, label: str, rng: random.Random) -> None:
    parts = _zip_parts(base)
    files = dict(parts)
    indicators = _sheet_part(parts, "指标")
    info = _sheet_part(parts, "基本信息")
    drugs = _sheet_part(parts, "药品价格")
    critical = {indicators, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"}
    family = f"zip-{label}"
    d3 = _cell_xml(files[indicators], "D3")
    assert b"780" in d3

    # every part dropped, or replaced by garbage, truncated XML, or nothing
    for index, (name, data) in enumerate(parts):
        keeps = name not in critical
        corpus.add(family, f"drop-{index}", _edited(parts, {}, drop=(name,)), keeps)
        corpus.add(family, f"garbage-{index}", _edited(parts, {name: bytes(rng.randrange(256) for _ in range(300))}), keeps)
        corpus.add(family, f"truncated-{index}", _edited(parts, {name: data[: len(data) // 2]}), keeps)
        corpus.add(family, f"empty-{index}", _edited(parts, {name: b""}), keeps)

    # valid XML, wrong content
    wrong_xml = {
        "indicators-is-info": {indicators: files[info]},
        "info-is-indicators": {info: files[indicators]},
        "indicators-empty-sheetdata": {indicators: b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'},
        "indicators-other-root": {indicators: b"<foo><bar>780</bar></foo>"},
        "indicators-no-namespace": {indicators: files[indicators].replace(b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b"")},
        "indicators-utf16": {indicators: files[indicators].decode("utf-8").encode("utf-16")},
        "indicators-gb18030": {indicators: b'<?xml version="1.0" encoding="GB18030"?>' + files[indicators].split(b"?>", 1)[-1].decode("utf-8").encode("gb18030")},
        "workbook-no-sheets": {"xl/workbook.xml": re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", files["xl/workbook.xml"])},
        "rels-to-missing-part": {"xl/_rels/workbook.xml.rels": files["xl/_rels/workbook.xml.rels"].replace(indicators.split("/")[-1].encode(), b"missing.xml")},
        "rels-traversal": {"xl/_rels/workbook.xml.rels": files["xl/_rels/workbook.xml.rels"].replace(indicators.split("/")[-1].encode(), b"../../../../etc/passwd")},
        "rels-to-workbook": {"xl/_rels/workbook.xml.rels": files["xl/_rels/workbook.xml.rels"].replace(("worksheets/" + indicators.split("/")[-1]).encode(), b"workbook.xml")},
        "rels-swapped": {"xl/_rels/workbook.xml.rels": files["xl/_rels/workbook.xml.rels"]
                         .replace(indicators.split("/")[-1].encode(), b"TMP").replace(info.split("/")[-1].encode(), indicators.split("/")[-1].encode())
                         .replace(b"TMP", info.split("/")[-1].encode())},
        "indicators-row-3-twice": {indicators: re.sub(rb'(<row r="3"[^>]*>.*?</row>)', rb'\1<row r="3"><c r="D3" t="n"><v>111</v></c></row>',
                                                      files[indicators], count=1, flags=re.DOTALL)},
        "indicators-rows-out-of-order": {indicators: files[indicators].replace(d3, b"").replace(b"</sheetData>", b'<row r="3"><c r="D3" t="n"><v>780</v></c></row></sheetData>')},
    }
    for name, changes in wrong_xml.items():
        corpus.add(family, name, _edited(parts, changes), name == "indicators-rows-out-of-order")

    # sheet names in workbook.xml
    workbook = files["xl/workbook.xml"]
    renames = {
        "indicators-renamed": (workbook.replace('name="指标"'.encode(), 'name="指标表"'.encode()), False),
        "indicators-trailing-space": (workbook.replace('name="指标"'.encode(), 'name="指标 "'.encode()), False),
        "info-renamed": (workbook.replace('name="基本信息"'.encode(), b'name="Sheet1"'), False),
        "swapped-names": (workbook.replace('name="基本信息"'.encode(), b'name="TMP"').replace('name="指标"'.encode(), 'name="基本信息"'.encode())
                          .replace(b'name="TMP"', 'name="指标"'.encode()), False),
        "duplicate-names": (workbook.replace('name="基本信息"'.encode(), 'name="指标"'.encode()), False),
        "empty-name": (workbook.replace('name="指标"'.encode(), b'name=""'), False),
        "long-name": (workbook.replace('name="药品价格"'.encode(), ('name="' + "药" * 300 + '"').encode()), True),
        "escaped-name": (workbook.replace('name="药品价格"'.encode(), 'name="药品&amp;&lt;价格&gt;"'.encode()), True),
        "hidden-indicators": (re.sub(rb'(name="\xe6\x8c\x87\xe6\xa0\x87"[^>]*?)state="visible"', rb'\1state="veryHidden"', workbook), True),
        "drug-sheet-renamed": (workbook.replace('name="药品价格"'.encode(), 'name="药品价格表"'.encode()), True),
    }
    for name, (changed, keeps) in renames.items():
        corpus.add(family, name, _edited(parts, {"xl/workbook.xml": changed}), keeps)

    # duplicated entries: the same part twice with different content
    modified = files[indicators].replace(d3, d3.replace(b"780", b"999"))
    corpus.add(family, "duplicate-indicators-original-first", _zip_bytes(parts + [(indicators, modified)]))
    corpus.add(family, "duplicate-indicators-modified-first", _zip_bytes([(indicators, modified)] + parts))
    corpus.add(family, "duplicate-workbook", _zip_bytes(parts + [("xl/workbook.xml", b"<garbage")]))
    corpus.add(family, "duplicate-info", _zip_bytes(parts + [(info, files[indicators])]))

    # shared strings and cell types
    cell_variants = {
        "d3-shared-index-out-of-range": b'<c r="D3" t="s"><v>999999</v></c>',
        "d3-shared-index-2e9": b'<c r="D3" t="s"><v>4000000000</v></c>',
        "d3-shared-index-text": b'<c r="D3" t="s"><v>abc</v></c>',
        "d3-number-text": b'<c r="D3" t="n"><v>abc</v></c>',
        "d3-number-inf": b'<c r="D3" t="n"><v>1e999</v></c>',
        "d3-number-nan": b'<c r="D3" t="n"><v>NaN</v></c>',
        "d3-number-empty": b'<c r="D3" t="n"><v></v></c>',
        "d3-bool-2": b'<c r="D3" t="b"><v>2</v></c>',
        "d3-error": b'<c r="D3" t="e"><v>#DIV/0!</v></c>',
        "d3-error-unknown": b'<c r="D3" t="e"><v>zzz</v></c>',
        "d3-date-garbage": b'<c r="D3" t="d"><v>notadate</v></c>',
        "d3-unknown-type": b'<c r="D3" t="zz"><v>780</v></c>',
        "d3-style-out-of-range": b'<c r="D3" s="99999" t="n"><v>780</v></c>',
        "d3-no-reference": b'<c s="10" t="n"><v>780</v></c>',
        "d3-inline-text": b'<c r="D3" t="inlineStr"><is><t>780</t></is></c>',
        "d3-formula-no-value": b'<c r="D3"><f>D4*0.52</f></c>',
        "d3-formula-empty-value": b'<c r="D3"><f>D4*0.52</f><v></v></c>',
        "d3-formula-cached": b'<c r="D3"><f>D4*0.52</f><v>780</v></c>',
        "d3-shared-formula-cached": b'<c r="D3"><f t="shared" ref="D3:D4" si="0">D4*0.52</f><v>780</v></c>',
        "d3-array-formula-cached": b'<c r="D3"><f t="array" ref="D3">D4*0.52</f><v>780</v></c>',
        "d3-formula-cached-string": b'<c r="D3" t="str"><f>TEXT(780,"0")</f><v>780</v></c>',
    }
    value_kept = {"d3-style-out-of-range", "d3-inline-text", "d3-formula-cached", "d3-shared-formula-cached",
                  "d3-array-formula-cached", "d3-formula-cached-string"}
    for name, cell in cell_variants.items():
        corpus.add(family, name, _edited(parts, {indicators: files[indicators].replace(d3, cell)}), name in value_kept)
    if "xl/sharedStrings.xml" in files:
        strings = files["xl/sharedStrings.xml"]
        c3 = _cell_xml(files[info], "C3")
        count = len(re.findall(rb"<si>", strings))
        shared = {
            "sst-truncated": {"xl/sharedStrings.xml": strings[: len(strings) // 3]},
            "sst-half-entries": {"xl/sharedStrings.xml": re.sub(rb"(<si>.*?</si>){%d}</sst>" % (count // 2), b"</sst>", strings, flags=re.DOTALL)},
            "sst-wrong-counts": {"xl/sharedStrings.xml": re.sub(rb'count="\d+" uniqueCount="\d+"', b'count="1" uniqueCount="1"', strings)},
            "sst-no-entries": {"xl/sharedStrings.xml": re.sub(rb"<si>.*</si>", b"", strings, flags=re.DOTALL)},
            "c3-index-equal-to-count": {info: files[info].replace(c3, re.sub(rb"<v>\d+</v>", b"<v>%d</v>" % count, c3))},
            "c3-index-huge": {info: files[info].replace(c3, re.sub(rb"<v>\d+</v>", b"<v>4294967296</v>", c3))},
            "sst-rich-text-runs": {"xl/sharedStrings.xml": strings.replace(b"<si><t", b"<si><r><t>x</t></r><t", 5)},
        }
        for name, changes in shared.items():
            corpus.add(family, name, _edited(parts, changes), False)
        corpus.add(family, "sst-missing", _edited(parts, {}, drop=("xl/sharedStrings.xml",)), False)

    # dimensions and far-away cells
    dims = {b"A1:XFD1048576": True, b"XFD1048576:A1": True, b"A1:ZZZZZZ99999999": True, b"garbage": False}
    for index, (dim, keeps) in enumerate(dims.items()):
        changes = {name: (lambda raw, d=dim: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + d + b'"', raw))
                   for name, _ in parts if name.startswith("xl/worksheets/")}
        corpus.add(family, f"dimension-{index}", _edited(parts, changes), keeps)
    far = {"cell-XFD1048576": ("XFD1048576", 1048576), "cell-XFD1": ("XFD1", 1), "cell-A1048576": ("A1048576", 1048576),
           "cell-BXH200": ("BXH200", 200), "cell-H5001": ("H5001", 5001)}
    for name, (ref, row) in far.items():
        corpus.add(family, name, _edited(parts, {indicators: _append_cell(files[indicators], ref, row)}), True)
    corpus.add(family, "drug-cell-XFD1048576", _edited(parts, {drugs: _append_cell(files[drugs], "XFD1048576", 1048576)}), True)

    # container oddities
    corpus.add(family, "stored", _zip_bytes(parts, zipfile.ZIP_STORED), True)
    corpus.add(family, "bzip2", _zip_bytes(parts, zipfile.ZIP_BZIP2), False)
    corpus.add(family, "lzma", _zip_bytes(parts, zipfile.ZIP_LZMA), False)
    encrypted = bytearray(_zip_bytes(parts))
    for match in re.finditer(rb"PK\x01\x02", bytes(encrypted)):
        encrypted[match.start() + 8] |= 1
    for match in re.finditer(rb"PK\x03\x04", bytes(encrypted)):
        encrypted[match.start() + 6] |= 1
    corpus.add(family, "encrypted-flag", bytes(encrypted), False)
    corpus.add(family, "directory-entries", _zip_bytes([("xl/", b""), ("xl/worksheets/", b"")] + parts), True)
    corpus.add(family, "traversal-names", _zip_bytes(parts + [("../../evil.xml", b"<x/>"), ("/abs.xml", b"<x/>")]), True)
    corpus.add(family, "empty-zip", _zip_bytes([]), False)
    corpus.add(family, "only-content-types", _zip_bytes([p for p in parts if p[0] == "[Content_Types].xml"]), False)
    with_comment = io.BytesIO(_zip_bytes(parts))
    with zipfile.ZipFile(with_comment, "a") as archive:
        archive.comment = b"x" * 65535
    corpus.add(family, "zip-comment", with_comment.getvalue(), True)
    corpus.add(family, "vba-part", _zip_bytes(parts + [("xl/vbaProject.bin", XLS_EXAMPLE.read_bytes())]), True)

    # XML entity attacks in every kind of part
    for target, tag in ((indicators, "indicators"), (info, "info"), ("xl/workbook.xml", "workbook"),
                        ("xl/_rels/workbook.xml.rels", "rels"), ("[Content_Types].xml", "content-types"),
                        ("xl/sharedStrings.xml", "shared-strings")):
        if target not in files:
            continue
        raw = files[target]
        keeps = target not in critical
        corpus.add(family, f"lol-declared-{tag}", _edited(parts, {target: _after_prolog(raw, BILLION_LAUGHS)}), keeps)
        corpus.add(family, f"xxe-declared-{tag}", _edited(parts, {target: _after_prolog(raw, XXE)}), keeps)
        corpus.add(family, f"xxe-parameter-{tag}", _edited(parts, {target: _after_prolog(raw, XXE_PARAMETER)}), keeps)
        corpus.add(family, f"external-dtd-{tag}", _edited(parts, {target: _after_prolog(raw, XXE_DTD)}), keeps)
    corpus.add(family, "lol-used-in-info", _edited(parts, {info: _after_prolog(files[info], BILLION_LAUGHS).replace(b"12230100MB00000010", b"&lol9;")}))
    corpus.add(family, "xxe-used-in-info", _edited(parts, {info: _after_prolog(files[info], XXE).replace(b"12230100MB00000010", b"&xxe;")}))
    if "xl/sharedStrings.xml" in files:
        strings = files["xl/sharedStrings.xml"]
        corpus.add(family, "lol-used-in-shared-strings", _edited(parts, {"xl/sharedStrings.xml": _after_prolog(strings, BILLION_LAUGHS).replace(b"12230100MB00000010", b"&lol9;")}))
        corpus.add(family, "xxe-used-in-shared-strings", _edited(parts, {"xl/sharedStrings.xml": _after_prolog(strings, XXE).replace(b"12230100MB00000010", b"&xxe;")}))


def _swap_columns(sheet, first: int, second: int, from_row: int = 1) -> None:
    for row in range(from_row, sheet.max_row + 1):
        a, b = sheet.cell(row=row, column=first), sheet.cell(row=row, column=second)
        a.value, b.value = b.value, a.value


def _content_mutations() -> dict[str, tuple[Callable[[Workbook], Workbook | None], bool]]:
    """openpyxl edits of the example: name -> (edit, keeps 780 in 指标!D3)."""

    def set_cell(sheet: str, ref: str, value: object) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            wb[sheet][ref] = value
        return edit

    def delete_rows(sheet: str, row: int, amount: int = 1) -> Callable[[Workbook], None]:
        return lambda wb: wb[sheet].delete_rows(row, amount)

    def rename(old: str, new: str) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            wb[old].title = new
        return edit

    def merge(sheet: str, ranges: str) -> Callable[[Workbook], None]:
        return lambda wb: wb[sheet].merge_cells(ranges)

    def many_rows(sheet: str, first: int, count: int, row: tuple) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            for index in range(first, first + count):
                for column, value in enumerate(row, start=1):
                    wb[sheet].cell(row=index, column=column, value=value)
        return edit

    def only(*names: str) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            for sheet in list(wb.worksheets):
                if sheet.title not in names:
                    wb.remove(sheet)
        return edit

    def empty_workbook(_: Workbook) -> Workbook:
        return Workbook()

    def blank_template_sheets(_: Workbook) -> Workbook:
        book = Workbook()
        book.active.title = "基本信息"
        book.create_sheet("指标")
        return book

    def swap_whole(sheet: str, first: int, second: int) -> Callable[[Workbook], None]:
        return lambda wb: _swap_columns(wb[sheet], first, second)

    def swap_values(sheet: str, first: int, second: int) -> Callable[[Workbook], None]:
        return lambda wb: _swap_columns(wb[sheet], first, second, from_row=3)

    def shift_right(sheet: str, amount: int) -> Callable[[Workbook], None]:
        return lambda wb: wb[sheet].insert_cols(1, amount)

    def hide(sheet: str) -> Callable[[Workbook], None]:
        def edit(wb: Workbook) -> None:
            wb.active = 0
            wb[sheet].sheet_state = "hidden"
        return edit

    def reverse(wb: Workbook) -> None:
        wb._sheets.reverse()

    def extra_sheets(wb: Workbook) -> None:
        for index in range(30):
            wb.create_sheet(f"附表{index}")["A1"] = index

    def duplicate_row(wb: Workbook) -> None:
        sheet = wb["指标"]
        sheet.cell(row=sheet.max_row + 1, column=1, value="incentive_performance_pay")
        sheet.cell(row=sheet.max_row, column=4, value=999)

    def unknown_code(wb: Workbook) -> None:
        wb["指标"]["A3"] = "incentive_performance_pay_x"
        wb["指标"]["B3"] = "未知指标"

    def wide_row(wb: Workbook) -> None:
        for column in range(8, 90):
            wb["指标"].cell(row=3, column=column, value=f"备注{column}")

    mutations: dict[str, tuple[Callable[[Workbook], Workbook | None], bool]] = {
        "info-header-deleted": (delete_rows("基本信息", 2), True),
        "indicators-header-deleted": (delete_rows("指标", 2), False),
        "indicators-title-and-header-deleted": (delete_rows("指标", 1, 2), False),
        "drug-header-deleted": (delete_rows("药品价格", 1), True),
        "stockpile-headers-deleted": (delete_rows("应急物资储备", 1, 2), True),
        "indicators-columns-swapped-with-headers": (swap_whole("指标", 4, 5), True),
        "indicators-values-swapped-under-headers": (swap_values("指标", 4, 5), False),
        "indicators-shifted-right": (shift_right("指标", 3), True),
        "drug-price-columns-swapped": (swap_whole("药品价格", 5, 6), True),
        "stockpile-columns-swapped": (swap_whole("应急物资储备", 4, 5), True),
        "d3-text-chinese-number": (set_cell("指标", "D3", "七百八十"), False),
        "d3-text-with-unit": (set_cell("指标", "D3", "780元"), False),
        "d3-text-bad-grouping": (set_cell("指标", "D3", "7,80"), False),
        "d3-text-letter-o": (set_cell("指标", "D3", "78O"), False),
        "d3-text-two-points": (set_cell("指标", "D3", "780.0.0"), False),
        "d3-text-padded": (set_cell("指标", "D3", " 780 "), True),
        "d3-text-plain": (set_cell("指标", "D3", "780"), True),
        "d3-text-fullwidth": (set_cell("指标", "D3", "７８０"), True),
        "d3-negative": (set_cell("指标", "D3", -780), False),
        "d3-huge": (set_cell("指标", "D3", 1e308), False),
        "d3-text-inf": (set_cell("指标", "D3", "inf"), False),
        "d3-text-nan": (set_cell("指标", "D3", "NaN"), False),
        "d3-text-error": (set_cell("指标", "D3", "#N/A"), False),
        "d3-bool": (set_cell("指标", "D3", True), False),
        "d3-date": (set_cell("指标", "D3", __import__("datetime").datetime(2024, 1, 1)), False),
        "d3-percent-text": (set_cell("指标", "D3", "52%"), False),
        "d4-text-not-number": (set_cell("指标", "D4", "一千五百"), True),
        "d4-negative": (set_cell("指标", "D4", -1500), True),
        "d3-formula-no-cache": (set_cell("指标", "D3", "=D4*0.52"), False),
        "d4-formula-no-cache": (set_cell("指标", "D4", "=1000+500"), True),
        "c3-formula-no-cache": (set_cell("基本信息", "C3", '="12230100MB00000010"'), True),
        "drug-formula-no-cache": (set_cell("药品价格", "F3", "=E3*1.15"), True),
        "merged-d3-e3": (merge("指标", "D3:E3"), True),
        "merged-c3-d3": (merge("指标", "C3:D3"), False),
        "merged-d3-d4": (merge("指标", "D3:D4"), True),
        "merged-info-code": (merge("基本信息", "C3:D3"), True),
        "merged-drug-prices": (merge("药品价格", "E3:F3"), True),
        "drug-5008-rows": (many_rows("药品价格", 9, 5000, ("YPX", "填充药品", "1g", "否", 1.5, 1.5, 10)), True),
        "indicators-5063-rows": (many_rows("指标", 64, 5000, (None, "说明行", None, 1)), True),
        "info-5010-rows": (many_rows("基本信息", 11, 5000, ("备注", "备注", "备注")), True),
        "indicators-sheet-renamed": (rename("指标", "指标表"), False),
        "info-sheet-renamed": (rename("基本信息", "Sheet1"), False),
        "drug-sheet-renamed": (rename("药品价格", "药品价格（2024）"), True),
        "empty-workbook": (empty_workbook, False),
        "blank-template-sheets": (blank_template_sheets, False),
        "only-guide-sheet": (only("填报说明"), False),
        "only-indicators-sheet": (only("指标"), False),
        "blank-institution-code": (set_cell("基本信息", "C3", None), True),
        "blank-period": (set_cell("基本信息", "C10", None), True),
        "unparseable-period": (set_cell("基本信息", "C10", "去年"), True),
        "unknown-grade": (set_cell("基本信息", "C7", "特级"), True),
        "hidden-indicators-sheet": (hide("指标"), True),
        "sheets-reversed": (reverse, True),
        "thirty-extra-sheets": (extra_sheets, True),
        "longest-string": (set_cell("基本信息", "C4", "医" * 32767), True),
        "control-and-emoji": (set_cell("基本信息", "C4", "哈尔滨\u200b医院\u202e😷\t"), True),
        "duplicate-indicator-row": (duplicate_row, True),
        "unknown-code-row-3": (unknown_code, False),
        "code-blank-name-kept": (set_cell("指标", "A3", None), True),
        "indicators-90-columns": (wide_row, True),
    }
    return mutations


def _content_mutant(name: str) -> bytes:
    edit, _ = _content_mutations()[name]
    workbook = load_workbook(EXAMPLE)
    replaced = edit(workbook)
    buffer = io.BytesIO()
    (replaced or workbook).save(buffer)
    return buffer.getvalue()


def _content_mutants(corpus: CorpusBuilder) -> None:
    """openpyxl saves are the slow part of building the corpus: two processes make them."""
    mutations = _content_mutations()
    names = list(mutations)
    if hasattr(os, "fork"):
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            made = list(pool.map(_content_mutant, names))
    else:
        made = [_content_mutant(name) for name in names]
    for name, data in zip(names, made):
        corpus.add("content", name, data, mutations[name][1])


def _other_formats(corpus: CorpusBuilder) -> None:
    flat = f"机构代码,机构名称,省份,所有制,报告期,绩效工资总量,激励性绩效工资\n{G1},兰州示例医院,甘肃省,公立,2024年,1000,650\n"
    csvs = {
        "utf8": flat.encode("utf-8"),
        "utf8-bom": flat.encode("utf-8-sig"),
        "gb18030": flat.encode("gb18030"),
        "utf16": flat.encode("utf-16"),
        "nul-bytes": flat.encode().replace(b",", b"\0,", 3),
        "unbalanced-quote": flat.encode().replace(f"{G1},".encode(), f'"{G1},'.encode()),
        "row-beyond-cap": (flat + "\n" * 5000 + f"{G2},示例,甘肃省,公立,2024年,1,1\n").encode(),
        "huge-field": (flat + f"{G3}," + "x" * 200_000 + ",甘肃省,公立,2024年,1,1\n").encode(),
        "header-only": flat.splitlines()[0].encode(),
        "binary": bytes(range(256)) * 8,
        "empty": b"",
        "wide": (",".join(["机构代码"] + [f"列{i}" for i in range(300)]) + f"\n{G1}" + ",1" * 300 + "\n").encode(),
    }
    for name, data in csvs.items():
        corpus.add("csv", name, data, False, ".csv")
    example = EXAMPLE.read_bytes()
    wrong = {
        "xls-named-xlsx": (XLS_EXAMPLE.read_bytes(), ".xlsx"),
        "xlsx-named-xls": (example, ".xls"),
        "ods-named-xlsx": (ODS_EXAMPLE.read_bytes(), ".xlsx"),
        "xlsx-named-ods": (example, ".ods"),
        "csv-named-xlsx": (flat.encode(), ".xlsx"),
        "empty-xlsx": (b"", ".xlsx"),
        "empty-xls": (b"", ".xls"),
        "empty-ods": (b"", ".ods"),
        "pdf-named-xlsx": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n", ".xlsx"),
        "txt-extension": (example, ".txt"),
        "no-extension": (example, ""),
        "xlsm-named": (example, ".xlsm"),
    }
    for name, (data, suffix) in wrong.items():
        corpus.add("misnamed", name, data, suffix in (".xlsx", ".xlsm") and data == example, suffix)
    ods_parts = _zip_parts(ODS_EXAMPLE)
    content = dict(ods_parts)["content.xml"]
    cell = re.search(rb'<table:table-cell[^>]*office:value="780"[^>]*>.*?</table:table-cell>', content).group(0)
    row_pattern = rb'<table:table-row (?=table:style-name="ro\d+"><table:table-cell[^>]*><text:p>total_performance_pay<)'
    assert len(re.findall(row_pattern, content)) == 1

    def repeat_row(text: bytes, times: int) -> bytes:
        return re.sub(row_pattern, b'<table:table-row table:number-rows-repeated="%d" ' % times, text, count=1)

    ods_variants = {
        "columns-repeated-16000": (content.replace(cell, cell.replace(b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="16000" ', 1)), False),
        "columns-repeated-300": (content.replace(cell, cell.replace(b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="300" ', 1)), False),
        "rows-repeated-6000": (repeat_row(content, 6000), True),
        "both-repeated": (repeat_row(content, 1_000_000).replace(cell, cell.replace(
            b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="16000" ', 1)), False),
        "lol-declared": (_after_prolog(content, BILLION_LAUGHS), False),
        "lol-used": (_after_prolog(content, BILLION_LAUGHS).replace(b"12230100MB00000010", b"&lol9;"), False),
        "xxe-used": (_after_prolog(content, XXE).replace(b"12230100MB00000010", b"&xxe;"), False),
        "value-attribute-garbage": (content.replace(cell, cell.replace(b'office:value="780"', b'office:value="abc"')), False),
        "truncated-content": (content[: len(content) // 2], False),
    }
    for name, (changed, keeps) in ods_variants.items():
        corpus.add("ods", name, _edited(ods_parts, {"content.xml": changed}), keeps, ".ods")
    corpus.add("ods", "no-content", _edited(ods_parts, {}, drop=("content.xml",)), False, ".ods")


def build_corpus(folder: Path) -> list[Case]:
    rng = random.Random(1234)
    corpus = CorpusBuilder(folder)
    _byte_mutants(corpus, EXAMPLE, "inline-strings", 170, rng)
    _byte_mutants(corpus, SHARED_STRINGS_EXAMPLE, "shared-strings", 90, rng)
    _byte_mutants(corpus, XLS_EXAMPLE, "xls", 60, rng)
    _byte_mutants(corpus, ODS_EXAMPLE, "ods", 30, rng)
    _zip_mutants(corpus, EXAMPLE, "inline-strings", rng)
    _zip_mutants(corpus, SHARED_STRINGS_EXAMPLE, "shared-strings", rng)
    _content_mutants(corpus)
    _other_formats(corpus)
    return corpus.cases


@dataclass
class CorpusResult:
    cases: list[Case]
    outcomes: dict[Path, list]
    problems: dict[str, list]  # a file's own problems (its refusal, its rows without an institution), by path
    submissions: dict[str, list]
    seconds: float


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, catalog) -> CorpusResult:
    folder = tmp_path_factory.mktemp("hostile-corpus")
    cases = build_corpus(folder)
    started = time.monotonic()
    outcomes: dict[Path, list] = {case.path: [] for case in cases}
    problems: dict[str, list] = {}
    submissions: dict[str, list] = {}
    # Files known to kill their worker go last and together: a dead worker makes read_batch re-read every
    # file still in flight one by one, which is correct but slow.
    paths = sorted((case.path for case in cases), key=lambda path: "XFD1048576" in path.name)
    for start in range(0, len(paths), 100):
        chunk = paths[start:start + 100]
        with _address_space_cap():
            batch = read_batch(chunk, catalog, workers=2, timeout=10)
        assert [outcome.path for outcome in batch.outcomes] == [str(path) for path in chunk]
        for path, outcome in zip(chunk, batch.outcomes):
            outcomes[path].append(outcome)
        for outcome in batch.outcomes:
            for problem in [*([outcome.refusal] if outcome.refusal else []), *outcome.problems]:
                problems.setdefault(problem.file.path, []).append(problem)
        for submission in batch.submissions:
            submissions.setdefault(submission.path, []).append(submission)
    return CorpusResult(cases, outcomes, problems, submissions, time.monotonic() - started)


# --------------------------------------------------------------------------- corpus tests

def test_corpus_has_at_least_500_distinct_files_of_every_kind(corpus: CorpusResult) -> None:
    digests = {hashlib.sha256(case.path.read_bytes()).hexdigest() for case in corpus.cases}
    assert len(corpus.cases) >= 500 and len(digests) >= 500
    families = {case.family for case in corpus.cases}
    assert {"bytes-inline-strings", "bytes-shared-strings", "bytes-xls", "bytes-ods", "zip-inline-strings",
            "zip-shared-strings", "content", "csv", "misnamed", "ods"} <= families
    assert sum(case.keeps_780 for case in corpus.cases) >= 100


def test_every_file_gets_exactly_one_outcome_explained_in_chinese(corpus: CorpusResult) -> None:
    for case in corpus.cases:
        [outcome] = corpus.outcomes[case.path]
        name = case.path.name
        assert outcome.status in {"read", "read_with_warnings", "refused"}, name
        own = corpus.problems.get(str(case.path), []) + [p for s in corpus.submissions.get(str(case.path), [])
                                                         for p in s.problems]
        if outcome.status == "refused":
            assert _names_the_file_in_chinese(_refusal(outcome), name), _refusal(outcome)
            assert not corpus.submissions.get(str(case.path)), name
        else:
            message = outcome_message(outcome, len(own), "zh")
            assert outcome.submissions and HAN.search(message), (name, outcome)
            assert len(corpus.submissions[str(case.path)]) == len(outcome.submissions), name
        assert bool(own) == (outcome.status == "read_with_warnings") or outcome.status == "refused", (name, outcome)
        for problem in own:
            assert problem.file == outcome.file and problem.file.path == str(case.path), (problem.file, outcome.file)
            assert _names_the_file_in_chinese(problem_message(problem, "zh"), name), problem_message(problem, "zh")
            assert expected(problem, "zh") and found(problem, "zh") and fix(problem, "zh"), problem


def test_values_that_survive_a_mutation_are_the_true_ones(corpus: CorpusResult) -> None:
    checked = 0
    for case in corpus.cases:
        [outcome] = corpus.outcomes[case.path]
        if not case.keeps_780 or outcome.status == "refused":
            continue
        [submission] = corpus.submissions[str(case.path)]
        reading = submission.current.get("incentive_performance_pay")
        assert reading is not None and reading.value == 780, (case.path.name, reading, outcome)
        assert reading.cell is not None and reading.cell.sheet == "指标", case.path.name
        checked += 1
    assert checked >= 80


def test_the_corpus_is_read_without_hanging(corpus: CorpusResult) -> None:
    """About 10 s on an idle 2-core machine; the bound is loose so a busy machine does not fail it."""
    assert corpus.seconds < 90, f"{len(corpus.cases)} files took {corpus.seconds:.1f} s"


def test_mutants_read_without_complaint_match_the_example_exactly(corpus: CorpusResult, catalog) -> None:
    """A zip byte mutant that reads cleanly must be indistinguishable from the original (no silent corruption)."""
    [original], _ = read_file(EXAMPLE, catalog)
    expected = {k: r.value for k, r in original.current.items()}, {k: r.value for k, r in original.prior.items()}
    for case in corpus.cases:
        [outcome] = corpus.outcomes[case.path]
        if case.family not in ("bytes-inline-strings", "bytes-shared-strings") or outcome.status != "read" or not case.keeps_780:
            continue
        [submission] = corpus.submissions[str(case.path)]
        assert ({k: r.value for k, r in submission.current.items()},
                {k: r.value for k, r in submission.prior.items()}) == expected, case.path.name


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=st.one_of(st.floats(min_value=0, max_value=1e15, allow_nan=False), st.integers(0, 10 ** 12)),
       as_text=st.booleans())
def test_any_number_in_the_indicator_cell_reads_back_exactly(catalog, tmp_path: Path, value: float, as_text: bool) -> None:
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    raw = dict(parts)[part]
    literal = repr(float(value)) if isinstance(value, float) else str(value)
    cell = (b'<c r="D3" t="inlineStr"><is><t>%s</t></is></c>' if as_text else b'<c r="D3" t="n"><v>%s</v></c>') % literal.encode()
    path = tmp_path / "number.xlsx"
    path.write_bytes(_edited(parts, {part: raw.replace(_cell_xml(raw, "D3"), cell)}))
    [submission], _ = read_file(path, catalog)
    reading = submission.current["incentive_performance_pay"]
    if reading.value is None:  # only text the reader does not take as a number, and then it says so
        assert as_text and any("D3" in where(p, "zh") and "指标" in where(p, "zh") for p in submission.problems), literal
    else:
        assert reading.value == float(literal), (literal, reading)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cell_type=st.sampled_from([None, "n", "s", "str", "inlineStr", "b", "e", "d"]),
       text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=24),
       formula=st.booleans())
def test_any_text_in_the_indicator_cell_is_never_silently_misread(catalog, tmp_path: Path, cell_type: str | None,
                                                                   text: str, formula: bool) -> None:
    from xml.sax.saxutils import escape

    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    raw = dict(parts)[part]
    inner = f"<is><t>{escape(text)}</t></is>" if cell_type == "inlineStr" else f"<v>{escape(text)}</v>"
    if formula:
        inner = "<f>D4*0.52</f>" + inner
    cell = f'<c r="D3"{f" t={chr(34)}{cell_type}{chr(34)}" if cell_type else ""}>{inner}</c>'.encode()
    path = tmp_path / "text.xlsx"
    path.write_bytes(_edited(parts, {part: raw.replace(_cell_xml(raw, "D3"), cell)}))
    try:
        submissions, outcome = read_file(path, catalog)
    except BaseException as exc:  # noqa: BLE001 - a PanicException is exactly what must not escape
        pytest.fail(f"read_file raised {type(exc).__name__}: {exc} for {cell!r}")
    if outcome.status == "refused":
        assert _names_the_file_in_chinese(_refusal(outcome), path.name)
        return
    reading = submissions[0].current["incentive_performance_pay"]
    if isinstance(reading.value, float):
        normal = text.strip().translate(str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")).replace(",", "").replace(" ", "")
        assert cell_type in (None, "n", "str", "inlineStr") and math.isclose(reading.value, float(normal)), (cell, reading)


# --------------------------------------------------------------------------- XML entity attacks

def test_openpyxl_parses_through_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    assert require_defusedxml() is None


def _entity_attacks(folder: Path) -> dict[str, Path]:
    inline, shared = _zip_parts(EXAMPLE), _zip_parts(SHARED_STRINGS_EXAMPLE)
    i_files, s_files = dict(inline), dict(shared)
    i_ind, i_info, s_info = _sheet_part(inline, "指标"), _sheet_part(inline, "基本信息"), _sheet_part(shared, "基本信息")
    code = b"12230100MB00000010"
    attacks = {
        "lol-sheet-used": _edited(inline, {i_info: _after_prolog(i_files[i_info], BILLION_LAUGHS).replace(code, b"&lol9;")}),
        "lol-sheet-declared": _edited(inline, {i_ind: _after_prolog(i_files[i_ind], BILLION_LAUGHS)}),
        "lol-content-types": _edited(inline, {"[Content_Types].xml": _after_prolog(i_files["[Content_Types].xml"], BILLION_LAUGHS)
                                              .replace(b'ContentType="application/xml"', b'ContentType="&lol9;"')}),
        "lol-shared-strings-used": _edited(shared, {"xl/sharedStrings.xml": _after_prolog(s_files["xl/sharedStrings.xml"], BILLION_LAUGHS).replace(code, b"&lol9;")}),
        "xxe-shared-strings-used": _edited(shared, {"xl/sharedStrings.xml": _after_prolog(s_files["xl/sharedStrings.xml"], XXE).replace(code, b"&xxe;")}),
        "xxe-shared-strings-declared": _edited(shared, {"xl/sharedStrings.xml": _after_prolog(s_files["xl/sharedStrings.xml"], XXE)}),
        "xxe-shared-strings-parameter": _edited(shared, {"xl/sharedStrings.xml": _after_prolog(s_files["xl/sharedStrings.xml"], XXE_PARAMETER)}),
        "xxe-sheet-used": _edited(inline, {i_info: _after_prolog(i_files[i_info], XXE).replace(code, b"&xxe;")}),
        "xxe-sheet-used-shared-base": _edited(shared, {s_info: _after_prolog(s_files[s_info], XXE).replace(b"</sheetData>", b'<row r="30"><c r="A30" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>')}),
        "xxe-sheet-external-dtd": _edited(inline, {i_ind: _after_prolog(i_files[i_ind], XXE_DTD)}),
    }
    paths = {}
    for name, data in attacks.items():
        paths[name] = folder / f"{name}.xlsx"
        paths[name].write_bytes(data)
    return paths


def test_entity_attacks_are_refused_or_read_without_expansion(tmp_path: Path) -> None:
    paths = _entity_attacks(tmp_path)
    result = _read_isolated(list(paths.values()), extra=1 * GIB)
    assert result.returncode == 0, result.stderr
    passwd = _passwd_lines()
    for name, path in paths.items():
        record = result.records[path.name]
        assert "raised" not in record, record
        assert record["seconds"] < 5, record
        dump = json.dumps(record, ensure_ascii=False)
        assert "lollol" not in dump, name
        assert not any(line in dump for line in passwd), name
        assert "root:" not in dump, name
        if record["status"] == "refused":
            assert _names_the_file_in_chinese(record["message"], path.name), record["message"]
        else:
            [values] = record["values"]
            assert values["code"] == "12230100MB00000010" and values["current"]["incentive_performance_pay"] == 780, name
    assert max(r["peak_mb"] for r in result.records.values()) < 600
    assert result.records["lol-sheet-used.xlsx"]["status"] == "refused"
    assert result.records["xxe-shared-strings-used.xlsx"]["status"] == "refused"


# --------------------------------------------------------------------------- zip bombs

class _NativeReaderSpy:
    """Stands in for python_calamine.CalamineWorkbook and records whether any file was opened."""

    opened: ClassVar[list[str]] = []

    @classmethod
    def from_path(cls, path: str):
        cls.opened.append(path)
        raise AssertionError(f"the native reader opened {path}")

    @classmethod
    def from_filelike(cls, filelike: object):
        cls.opened.append(repr(filelike))
        raise AssertionError("the native reader opened an in-memory copy")


@pytest.fixture
def native_reader_spy(monkeypatch: pytest.MonkeyPatch) -> type[_NativeReaderSpy]:
    import python_calamine

    _NativeReaderSpy.opened = []
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", _NativeReaderSpy)
    return _NativeReaderSpy


def _set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size that the local header and the central directory declare for ``name``."""
    patched = bytearray(data)
    encoded = name.encode()
    for match in re.finditer(rb"PK\x03\x04", data):
        start = match.start()
        length = struct.unpack_from("<H", patched, start + 26)[0]
        if bytes(patched[start + 30:start + 30 + length]) == encoded:
            struct.pack_into("<I", patched, start + 22, size)
    for match in re.finditer(rb"PK\x01\x02", data):
        start = match.start()
        length = struct.unpack_from("<H", patched, start + 28)[0]
        if bytes(patched[start + 46:start + 46 + length]) == encoded:
            struct.pack_into("<I", patched, start + 24, size)
    return bytes(patched)


def _bomb_many_dense_entries() -> bytes:
    parts = _zip_parts(EXAMPLE)
    blob = bytes(100 * 1024)
    return _zip_bytes(parts + [(f"xl/media/image{index}.bin", blob) for index in range(1200)])


def test_many_entries_are_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    path = tmp_path / "many-entries.xlsx"
    path.write_bytes(_zip_bytes(_zip_parts(EXAMPLE) + [(f"xl/media/pad{index}.bin", b"x") for index in range(2100)]))
    _, outcome = read_file(path, catalog)
    problem = outcome.refusal
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name)
    assert "2,115" in _refusal(outcome) and "2,000" in _refusal(outcome)  # the entry count found and the limit
    assert problem.code == "too_many_parts" and dict(problem.values) == {"max_parts": 2000, "parts": 2115}
    assert isinstance(problem, DataProblem) and not outcome.problems
    assert problem.file == outcome.file == FileRef.of_bytes(str(path), path.read_bytes())


def test_many_highly_compressed_entries_are_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    path = tmp_path / "many-dense.xlsx"
    path.write_bytes(_bomb_many_dense_entries())
    started = time.monotonic()
    _, outcome = read_file(path, catalog)
    assert time.monotonic() - started < 2
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "压缩" in _refusal(outcome) and "MB" in _refusal(outcome) and path.name in _refusal(outcome)
    assert outcome.refusal.code == "zip_bomb" and outcome.refusal.values["ratio"] > 200


def test_an_entry_declaring_a_huge_size_is_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    parts = _zip_parts(EXAMPLE)
    path = tmp_path / "declares-huge.xlsx"
    path.write_bytes(_set_declared_size(_zip_bytes(parts), _sheet_part(parts, "指标"), 0xF0000000))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "压缩" in _refusal(outcome) and "MB" in _refusal(outcome)


def _lying_entry(tmp_path: Path) -> Path:
    """A sheet that inflates to 64 MB of XML while its zip entry declares 20 KB."""
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            if name != part:
                archive.writestr(name, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with archive.open(name, "w") as entry:
                entry.write(head + b"<sheetData>")
                for _ in range(64):
                    entry.write(b" " * (1024 * 1024))
                entry.write(tail)
    path = tmp_path / "declares-small.xlsx"
    path.write_bytes(_set_declared_size(buffer.getvalue(), part, 20_000))
    return path


def test_an_entry_whose_declared_size_lies_costs_little(tmp_path: Path) -> None:
    path = _lying_entry(tmp_path)
    assert path.stat().st_size < 1024 * 1024
    result = _read_isolated([path], extra=1 * GIB)
    assert result.returncode == 0, result.stderr
    record = result.records[path.name]
    assert record["status"] == "refused" and record["seconds"] < 5 and record["peak_mb"] < 600
    assert _names_the_file_in_chinese(record["message"], path.name)


def test_an_entry_whose_declared_size_lies_is_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    path = _lying_entry(tmp_path)
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert "压缩" in _refusal(outcome) or "大小" in _refusal(outcome)
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "xl/worksheets/" in _refusal(outcome)
    assert outcome.refusal.code.startswith("part_") and outcome.refusal.place.part.startswith("xl/worksheets/")


@pytest.mark.parametrize("part", ["_rels/.rels", "xl/styles.xml", "xl/sharedStrings.xml", "xl/workbook.xml"])
def test_a_size_lie_in_any_part_the_native_reader_opens_is_refused_before_parsing(
        catalog, tmp_path: Path, native_reader_spy, part: str) -> None:
    """Not only the worksheets the scan reads: every part calamine decompresses when it opens the file."""
    parts = _zip_parts(SHARED_STRINGS_EXAMPLE)
    path = tmp_path / "lying-part.xlsx"
    path.write_bytes(_set_declared_size(_zip_bytes(parts), part, len(dict(parts)[part]) // 2))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name)
    assert part in _refusal(outcome) and "压缩" in _refusal(outcome)


def test_an_ods_part_whose_declared_size_lies_is_refused_before_parsing(catalog, tmp_path: Path,
                                                                          native_reader_spy) -> None:
    path = tmp_path / "declares-small.ods"
    path.write_bytes(_set_declared_size(_zip_bytes(_zip_parts(ODS_EXAMPLE)), "content.xml", 20_000))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "content.xml" in _refusal(outcome)


def test_an_entry_compressed_in_a_way_the_native_reader_cannot_read_is_refused_before_parsing(
        catalog, tmp_path: Path, native_reader_spy) -> None:
    path = tmp_path / "bzip2.xlsx"
    path.write_bytes(_zip_bytes(_zip_parts(EXAMPLE), zipfile.ZIP_BZIP2))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "压缩方式" in _refusal(outcome)
    assert outcome.refusal.code == "part_compression_unsupported"
    assert outcome.refusal.values["method"] == zipfile.ZIP_BZIP2


def test_bombs_inside_a_batch_archive_are_refused_and_the_rest_is_read(catalog, tmp_path: Path) -> None:
    bomb = _bomb_many_dense_entries()
    inner = _zip_bytes([("inner-bomb.xlsx", bomb), ("inner-good.xlsx", EXAMPLE.read_bytes())], zipfile.ZIP_STORED)
    archive = tmp_path / "submissions.zip"
    archive.write_bytes(_zip_bytes([("2024/bomb.xlsx", bomb), ("2024/nested.zip", inner),
                                    ("2024/good.xlsx", EXAMPLE.read_bytes())], zipfile.ZIP_STORED))
    outer_bomb = tmp_path / "outer-bomb.zip"
    outer_bomb.write_bytes(_zip_bytes([(f"pad{index}.xlsx", bytes(100 * 1024)) for index in range(1200)]))
    with _address_space_cap():
        read = read_batch([archive, outer_bomb], catalog, workers=2, timeout=10)
    # an archive member is known by its path inside the archive
    statuses = [(o.path, o.status) for o in read.outcomes]
    assert statuses == [(str(archive), "read_with_warnings"), (str(outer_bomb), "refused"),
                        (f"{archive}/2024/bomb.xlsx", "refused"), (f"{archive}/2024/good.xlsx", "read")]
    # a nested archive is skipped, never unpacked
    assert read.outcomes[0].skipped == ("2024/nested.zip",) and read.outcomes[0].unpacked == 2
    assert "nested.zip" in outcome_message(read.outcomes[0], 0, "zh")
    assert "压缩" in _refusal(read.outcomes[1]) and "outer-bomb.zip" in _refusal(read.outcomes[1])
    assert "压缩" in _refusal(read.outcomes[2]) and "bomb.xlsx" in _refusal(read.outcomes[2])
    assert [s.subject.code for s in read.submissions] == ["12230100MB00000010"]


# --------------------------------------------------------------------------- dimensions and far cells

def test_a_forged_dimension_reads_quickly_and_correctly(tmp_path: Path, catalog) -> None:
    parts = _zip_parts(EXAMPLE)
    forged = {name: (lambda raw: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', raw))
              for name, _ in parts if name.startswith("xl/worksheets/")}
    example = tmp_path / "forged-example.xlsx"
    example.write_bytes(_edited(parts, forged))
    tiny_book = Workbook()
    tiny_book.active.append(["机构代码", "机构名称", "省份", "所有制", "报告期", "激励性绩效工资"])
    tiny_book.active.append([G1, "兰州示例医院", "甘肃省", "公立", "2024年", 650])
    buffer = io.BytesIO()
    tiny_book.save(buffer)
    tiny_parts = _zip_parts(buffer)
    tiny = tmp_path / "forged-tiny.xlsx"
    tiny.write_bytes(_edited(tiny_parts, {"xl/worksheets/sheet1.xml": lambda raw: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', raw)}))
    assert b"XFD1048576" in dict(_zip_parts(tiny))["xl/worksheets/sheet1.xml"]
    result = _read_isolated([EXAMPLE, example, tiny], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    original, forged_record, tiny_record = (result.records[p.name] for p in (EXAMPLE, example, tiny))
    assert forged_record["status"] == "read" and forged_record["seconds"] < 5
    assert forged_record["values"] == original["values"]
    assert tiny_record["status"] == "read" and tiny_record["seconds"] < 5
    assert tiny_record["values"][0]["current"] == {"incentive_performance_pay": 650}


def _far_cell(tmp_path: Path) -> Path:
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    path = tmp_path / "far-cell.xlsx"
    path.write_bytes(_edited(parts, {part: lambda raw: _append_cell(raw, "XFD1048576", 1048576)}))
    return path


def test_a_cell_at_xfd1048576_costs_only_its_file_in_a_batch(catalog, tmp_path: Path) -> None:
    with _address_space_cap():
        read = read_batch([_far_cell(tmp_path), EXAMPLE], catalog, workers=2, timeout=10)
    assert [o.status for o in read.outcomes] == ["refused", "read"]
    assert _names_the_file_in_chinese(_refusal(read.outcomes[0]), "far-cell.xlsx")


def test_read_file_refuses_a_cell_at_xfd1048576_instead_of_aborting(tmp_path: Path) -> None:
    path = _far_cell(tmp_path)
    result = _read_isolated([path], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    record = result.records[path.name]
    assert record["status"] == "refused" and "指标" in record["message"]


FAR_CELLS_THE_NATIVE_READER_ALSO_PLACES = {
    "lower-case": b'<row r="1048576"><c r="xfd1048576" t="n"><v>1</v></c></row>',
    "nine-digit-row": b'<row r="1"><c r="A123456789" t="n"><v>1</v></c></row>',
    "spaced-attribute": b'<row r = "1048576"><c r = "XFD1048576" t="n"><v>1</v></c></row>',
    "r-not-first": b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "cells-without-r": (b'<row r="90"><c t="n"><v>1</v></c>' + b"<c/>" * 16000 + b'<c t="n"><v>1</v></c></row>'
                        b'<row r="150000"><c t="n"><v>1</v></c></row>'),
    "rows-without-r": (b'<row r="1"><c r="BXX1" t="n"><v>1</v></c></row>' + b"<row/>" * 6000
                       + b'<row><c t="n"><v>1</v></c></row>'),  # 2,000 columns by 6,002 rows
}


def test_far_cells_written_in_any_form_the_native_reader_accepts_are_refused(tmp_path: Path) -> None:
    """Each of these has the native reader allocate beyond the caps (gigabytes for most, and abort)."""
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    paths = []
    for name, rows in FAR_CELLS_THE_NATIVE_READER_ALSO_PLACES.items():
        path = tmp_path / f"far-{name}.xlsx"
        path.write_bytes(_edited(parts, {part: lambda raw, rows=rows: raw.replace(b"</sheetData>", rows + b"</sheetData>")}))
        paths.append(path)
    result = _read_isolated(paths, extra=2 * GIB)
    assert result.returncode == 0, (result.last_started, result.stderr)
    for path in paths:
        record = result.records[path.name]
        assert record["status"] == "refused" and "指标" in record["message"], record


def test_rows_times_columns_is_capped_even_when_each_alone_is_allowed(tmp_path: Path) -> None:
    """Column BXX (2,000) and row 199,000 each pass their own cap; together calamine would ask
    for about 13 GB.  The area cap refuses the file before calamine allocates anything."""
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    path = tmp_path / "wide-and-tall.xlsx"
    path.write_bytes(_edited(parts, {part: lambda raw: _append_cell(_append_cell(raw, "BXX70", 70), "A199000", 199000)}))
    result = _read_isolated([path], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    record = result.records[path.name]
    assert record["status"] == "refused" and "万个单元格" in record["message"], record


def _panicking_xls(tmp_path: Path) -> Path:
    path = tmp_path / "short-sector.xls"
    path.write_bytes(XLS_EXAMPLE.read_bytes()[:-100])  # the last CFB sector cut short
    return path


def test_read_file_refuses_an_xls_that_makes_the_native_reader_panic(catalog, tmp_path: Path) -> None:
    path = _panicking_xls(tmp_path)
    try:
        _, outcome = read_file(path, catalog)
    except BaseException as exc:  # noqa: BLE001 - a PanicException is exactly what must not escape
        pytest.fail(f"read_file raised {type(exc).__name__}: {exc}")
    assert outcome.status == "refused" and _names_the_file_in_chinese(_refusal(outcome), path.name)


def test_an_xls_that_makes_the_native_reader_panic_costs_only_its_file_in_a_batch(catalog, tmp_path: Path) -> None:
    with _address_space_cap():
        read = read_batch([_panicking_xls(tmp_path), EXAMPLE], catalog, workers=2, timeout=10)
    assert [o.status for o in read.outcomes] == ["refused", "read"]
    assert "short-sector.xls" in _refusal(read.outcomes[0])


def test_check_in_process_refuses_an_xls_that_makes_the_native_reader_panic(runner, tmp_path: Path) -> None:
    from compliance.cli.main import main

    result = runner.invoke(main, ["--home", str(ROOT), "check", "--workers", "0", str(_panicking_xls(tmp_path)),
                                  str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 2, result.exception
    data = json.loads(result.stdout)
    assert {f["subject_id"] for f in data["findings"]} == {"12230100MB00000010"}


# --------------------------------------------------------------------------- ambiguous packages

@pytest.mark.parametrize("index", ["-1", "abc"])
def test_a_malformed_shared_string_index_is_never_read_as_another_string(catalog, tmp_path: Path, index: str) -> None:
    parts = _zip_parts(SHARED_STRINGS_EXAMPLE)
    info = _sheet_part(parts, "基本信息")
    raw = dict(parts)[info]
    c3 = _cell_xml(raw, "C3")
    path = tmp_path / "bad-index.xlsx"
    path.write_bytes(_edited(parts, {info: raw.replace(c3, re.sub(rb"<v>\d+</v>", b"<v>" + index.encode() + b"</v>", c3))}))
    submissions, outcome = read_file(path, catalog)
    named = [p for s in submissions for p in s.problems if "C3" in where(p, "zh")]
    assert outcome.status == "refused" or named, [s.subject.code for s in submissions]


def test_a_package_with_duplicate_part_names_is_refused(catalog, tmp_path: Path) -> None:
    parts = _zip_parts(EXAMPLE)
    part = _sheet_part(parts, "指标")
    raw = dict(parts)[part]
    d3 = _cell_xml(raw, "D3")
    path = tmp_path / "duplicate-part.xlsx"
    path.write_bytes(_zip_bytes(parts + [(part, raw.replace(d3, d3.replace(b"780", b"999")))]))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and part.split("/")[-1] in _refusal(outcome)


# --------------------------------------------------------------------------- caps that do not hold

FLAT_HEADER = "机构代码,机构名称,省份,所有制,报告期,绩效工资总量,激励性绩效工资\n"


def test_csv_rows_beyond_the_row_cap_are_reported_not_dropped(catalog, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(FLAT_HEADER + f"{G1},兰州示例医院,甘肃省,公立,2024年,1000,650\n" + "\n" * 5000
                    + f"{G2},天水示例医院,甘肃省,公立,2024年,1000,700\n", encoding="utf-8")
    submissions, outcome = read_file(path, catalog)
    reported = [*outcome.problems, *(p for s in submissions for p in s.problems)]
    assert G2 in {ref.institution for ref in outcome.submissions} or any("5,000" in expected(p, "zh")
                                                                            for p in reported), (outcome, reported)


def test_csv_columns_beyond_the_column_cap_are_reported_not_dropped(catalog, tmp_path: Path) -> None:
    fillers = ",".join(f"备注{index}" for index in range(60))
    path = tmp_path / "wide.csv"
    path.write_text(f"机构代码,机构名称,省份,所有制,报告期,{fillers},激励性绩效工资\n"
                    f"{G1},兰州示例医院,甘肃省,公立,2024年,{',' * 59},650\n", encoding="utf-8")
    [submission], outcome = read_file(path, catalog)
    reading = submission.current.get("incentive_performance_pay")
    assert (reading is not None and reading.value == 650) or any("60" in expected(p, "zh")
                                                                  for p in outcome.problems), outcome


def test_the_same_caps_hold_for_xlsx(catalog, tmp_path: Path) -> None:
    """The reference behaviour the CSV tests above ask for: xlsx reports rows and columns beyond the caps."""
    book = Workbook()
    sheet = book.active
    sheet.append(["机构代码", "机构名称", "省份", "所有制", "报告期", *[f"备注{i}" for i in range(60)], "激励性绩效工资"])
    sheet.append([G1, "兰州示例医院", "甘肃省", "公立", "2024年", *[None] * 60, 650])
    sheet.cell(row=5002, column=1, value=G2)
    path = tmp_path / "wide-long.xlsx"
    book.save(path)
    [submission], outcome = read_file(path, catalog)
    assert outcome.status == "read_with_warnings"
    wanted = " ".join(expected(p, "zh") for p in outcome.problems)
    assert "5,000" in wanted and "60" in wanted
    assert {p.code for p in outcome.problems} == {"rows_truncated", "columns_truncated"}  # the file's, once
    assert not submission.problems


def test_an_ods_row_repeated_many_times_costs_no_more_than_the_row_cap(tmp_path: Path) -> None:
    parts = _zip_parts(ODS_EXAMPLE)
    content = dict(parts)["content.xml"]
    pattern = rb'<table:table-row (?=table:style-name="ro\d+"><table:table-cell[^>]*><text:p>total_performance_pay<)'
    paths = []
    for times in (20_000, 300_000):  # both beyond the 5000-row cap
        paths.append(tmp_path / f"repeated-{times}.ods")
        paths[-1].write_bytes(_edited(parts, {"content.xml": re.sub(
            pattern, b'<table:table-row table:number-rows-repeated="%d" ' % times, content, count=1)}))
        assert paths[-1].stat().st_size < 64 * 1024
    result = _read_isolated(paths, extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    small, large = (result.records[path.name] for path in paths)
    assert small["status"] == large["status"] == "read_with_warnings"
    assert large["peak_mb"] - small["peak_mb"] < 64, (small["peak_mb"], large["peak_mb"])


def _ods_with_content(tmp_path: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    path = tmp_path / name
    path.write_bytes(_edited(_zip_parts(ODS_EXAMPLE), {"content.xml": change}))
    return path


def test_an_ods_row_repeated_a_million_times_reads_within_the_row_cap_and_reports_its_true_height(
        tmp_path: Path) -> None:
    pattern = rb'<table:table-row (?=table:style-name="ro\d+"><table:table-cell[^>]*><text:p>total_performance_pay<)'
    path = _ods_with_content(tmp_path, "repeated-million.ods", lambda raw: re.sub(
        pattern, b'<table:table-row table:number-rows-repeated="1000000" ', raw, count=1))
    result = _read_isolated([ODS_EXAMPLE, path], extra=2 * GIB)
    assert result.returncode == 0, result.stderr
    plain, repeated = result.records[ODS_EXAMPLE.name], result.records[path.name]
    assert plain["status"] == "read" and repeated["status"] == "read_with_warnings"
    assert repeated["peak_mb"] - plain["peak_mb"] < 64 and repeated["seconds"] < 5
    assert any("1,000,062" in problem for problem in repeated["problems"])  # 62 other rows + the repeated one
    read, true = repeated["values"][0]["current"], plain["values"][0]["current"]
    assert read and all(true.get(code) == value for code, value in read.items())  # rows past the cap are not read


def test_libreoffice_padding_in_an_ods_is_measured_exactly_as_the_native_reader_expands_it() -> None:
    """LibreOffice repeats a last empty row about a million times and empty cells to column 16384: free for
    calamine, so the scan must neither count them nor make the reader work on a copy."""
    from python_calamine import CalamineWorkbook

    from compliance.ingest.odsscan import scan_content
    from compliance.ingest.workbook import MAX_ROWS

    content = dict(_zip_parts(ODS_EXAMPLE))["content.xml"]
    assert b'table:number-rows-repeated="1048520"' in content and b'table:number-columns-repeated="16383"' in content
    tables = scan_content(content, MAX_ROWS + 1)
    book = CalamineWorkbook.from_path(str(ODS_EXAMPLE))  # the committed fixture: safe to read in-process
    try:
        assert [table.name for table in tables] == book.sheet_names
        for table in tables:
            sheet = book.get_sheet_by_name(table.name)
            assert (table.height, table.width) == (sheet.height, sheet.end[1] + 1), table.name
            assert table.height <= MAX_ROWS + 1  # nothing to cut short: the file itself is read
    finally:
        book.close()


def test_an_ods_cell_repeated_across_every_column_is_refused_before_parsing(catalog, tmp_path: Path,
                                                                            native_reader_spy) -> None:
    cell = b'<table:table-cell table:style-name="ce5" office:value-type="string"'
    path = _ods_with_content(tmp_path, "wide-cell.ods", lambda raw: raw.replace(
        cell + b' calcext:value-type="string"><text:p>total_performance_pay<',
        cell + b' table:number-columns-repeated="16384"><text:p>total_performance_pay<', 1))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name)
    assert "指标" in _refusal(outcome) and "2,000" in _refusal(outcome) and "16,384" in _refusal(outcome)
    assert outcome.refusal.code == "ods_sheet_too_large" and outcome.refusal.values["columns"] == 16384


def test_an_ods_row_hidden_inside_a_cell_is_refused_before_parsing(catalog, tmp_path: Path, native_reader_spy) -> None:
    """calamine skips whatever a cell holds: a row tag inside a cell would make a scan that trusted it split
    the real row in two and undercount its width."""
    path = _ods_with_content(tmp_path, "row-in-cell.ods", lambda raw: raw.replace(
        b"<text:p>total_performance_pay</text:p>", b"<text:p>total_performance_pay</text:p><table:table-row/>", 1))
    _, outcome = read_file(path, catalog)
    assert outcome.status == "refused" and not native_reader_spy.opened
    assert _names_the_file_in_chinese(_refusal(outcome), path.name) and "指标" in _refusal(outcome)


def test_a_sheet_with_more_merged_ranges_than_the_cap_is_refused(catalog, tmp_path: Path) -> None:
    """Each cell read is checked against every merged range: tens of thousands of ranges would make
    reading one file slow, so they are refused with a message, like the other caps."""
    from compliance.ingest.reader import read_file
    from compliance.ingest.workbook import MAX_MERGED_RANGES

    count = MAX_MERGED_RANGES + 1
    ranges = b"".join(b'<mergeCell ref="H%d:I%d"/>' % (row, row) for row in range(200, 200 + count))
    merge_cells = b'</sheetData><mergeCells count="%d">%s</mergeCells>' % (count, ranges)
    parts = _zip_parts(EXAMPLE)
    path = tmp_path / "merged-everywhere.xlsx"
    path.write_bytes(_edited(parts, {_sheet_part(parts, "指标"): lambda raw: raw.replace(b"</sheetData>", merge_cells)}))
    submissions, outcome = read_file(path, catalog)
    assert not submissions and outcome.status == "refused"
    assert "合并" in _refusal(outcome) and "指标" in _refusal(outcome)
