"""The check as a pipeline of values: identity by path and content, results that pickle, the same
findings in this process, in a process pool (fork or spawn) and in threads, duplicates reported."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
import shutil
import subprocess
import threading
from pathlib import Path

import openpyxl
import orjson
import pytest

from compliance.cli.main import main
from compliance.ingest.reader import read_file
from compliance.pipeline.check import (
    EvaluationPayload,
    evaluate_submissions,
    get_profile,
    run_check,
)
from compliance.pipeline.executors import InProcessExecutor, ProcessPool
from compliance.pipeline.read import read_batch
from compliance.report.inputs import DocumentRequest, SubjectReport
from compliance.results.run import CheckResult
from compliance.results.status import FileStatus, Severity
from compliance.wording import findings as worded
from compliance.wording.problems import found

from .conftest import EXAMPLES, ROOT

HOME = ["--home", str(ROOT)]
HOSPITAL = EXAMPLES / "hospital-noncompliant.xlsx"


def _edit(source: Path, target: Path, sheet: str, code: str, column: int, value: object) -> Path:
    """A copy of `source` with one cell of the row of `code` on `sheet` changed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    book = openpyxl.load_workbook(target)
    ws = book[sheet]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == code)
    ws.cell(row, column).value = value
    book.save(target)
    return target


@pytest.fixture
def same_named(tmp_path: Path) -> tuple[Path, Path]:
    """Two hospitals' files, both called 自评表.xlsx, in two folders; only B's has a data problem."""
    a = tmp_path / "a" / "自评表.xlsx"
    a.parent.mkdir(parents=True)
    shutil.copy(EXAMPLES / "harbin" / "hospital-1.xlsx", a)
    b = _edit(EXAMPLES / "harbin" / "hospital-2.xlsx", tmp_path / "b" / "自评表.xlsx", "指标",
              "total_medical_revenue", 4, "五万五")
    return a, b


def test_same_named_files_keep_their_own_data_problems(same_named: tuple[Path, Path], catalog, runner,
                                                       tmp_path: Path) -> None:
    a, b = same_named
    out = tmp_path / "out"
    result = runner.invoke(main, [*HOME, "check", str(a), str(b), "--profile", "auto", "--format", "json",
                                  "--out", str(out), "--pdf", "both", "--workers", "0"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    codes = {f["submission"]["path"]: f["subject_id"] for f in data["findings"]}
    assert codes == {str(a): "12230100MB0000101M", str(b): "12230100MB0000102Q"}
    [problem] = data["data_problems"]
    assert problem["file"]["path"] == str(b) and "五万五" in problem["found"]
    assert problem["code"] == "not_a_number" and problem["values"]["value"] == "五万五"
    assert problem["place"]["sheet"] == "指标" and problem["place"]["cell"].startswith("D")
    assert {f["path"]: f["status"] for f in data["files"]} == {str(a): "read", str(b): "read_with_warnings"}
    # the gap workbook: the problem belongs to B's file, by its full path
    sheet = openpyxl.load_workbook(out / "gap-report.xlsx")["数据问题"]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    problem_rows = [row for row in rows if row[4] and "五万五" in str(row[6] or "")]
    assert [row[0] for row in problem_rows] == [str(b)]
    # each hospital's report and notice: its own file, its own problems only
    for code, own, other in (("12230100MB0000101M", a, b), ("12230100MB0000102Q", b, a)):
        for document in ("report", "notice"):
            text = subprocess.run(["pdftotext", str(out / f"{code}-2020-inspection-{document}.pdf"), "-"],
                                  check=True, capture_output=True, text=True).stdout
            flat = re.sub(r"\s+", "", text)
            if document == "report":
                assert re.sub(r"\s+", "", str(own)) in flat and re.sub(r"\s+", "", str(other)) not in flat
            assert ("五万五" in flat) == (own == b), (code, document)
    # the notice and the file outcome give the same number of data problems
    notice_b = subprocess.run(["pdftotext", str(out / "12230100MB0000102Q-2020-inspection-notice.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
    assert "数据问题1条" in re.sub(r"\s+", "", notice_b)
    report_b = re.sub(r"\s+", "", subprocess.run(
        ["pdftotext", str(out / "12230100MB0000102Q-2020-inspection-report.pdf"), "-"],
        check=True, capture_output=True, text=True).stdout)
    assert "读取1个机构，1个数据问题" in report_b


def test_the_same_hospital_and_period_twice_is_a_data_problem_naming_both_files(catalog, tmp_path: Path) -> None:
    copy = tmp_path / "again" / "hospital-noncompliant.xlsx"
    copy.parent.mkdir()
    shutil.copy(HOSPITAL, copy)
    changed = _edit(HOSPITAL, tmp_path / "corrected.xlsx", "指标", "incentive_performance_pay", 4, 900)
    profile = get_profile(catalog, "headline")
    for files, severity, used in (([HOSPITAL, copy], Severity.WARNING, copy), ([HOSPITAL, changed], Severity.ERROR,
                                                                               changed)):
        result = run_check(catalog, profile, files, workers=0)
        [subject] = result.subjects  # checked once: no duplicate findings
        assert subject.submission.file.path == str(used)
        assert len(subject.findings) == len({f.rule_id for f in subject.findings})
        [problem] = [p for p in subject.problems if p.field_code == "institution_code"]
        assert problem.severity is severity
        seen = found(problem, "zh")
        assert str(files[0]) in seen and str(used) in seen and "使用" in seen
        assert problem.code == ("duplicate_submission_identical" if severity is Severity.WARNING
                                else "duplicate_submission")
        assert problem.values["others"] == (f"{files[0]} 基本信息!C3",) and problem.values["submissions"] == 2
        assert subject.superseded == tuple(ref for ref in result.outcomes[0].submissions)
        assert result.outcomes[0].not_checked and result.outcomes[0].status is FileStatus.READ_WITH_WARNINGS
        html = __import__("compliance.report.pdf", fromlist=["pdf"]).render_inspection_html(
            SubjectReport.of(result, subject), catalog)
        assert str(files[0]) in html  # the report names the submission it did not use


def _findings_of(result: CheckResult) -> list[tuple]:
    return [(f.submission.institution, f.rule_id, f.status, f.reason, f.observed, f.required, f.gap, f.gap_amounts,
             f.details, f.inputs, f.items, f.contributors, worded.message(f, "zh"), worded.message(f, "en"))
            for f in result.findings]


@pytest.fixture(scope="module")
def jurisdictions(catalog):  # type: ignore[no-untyped-def]
    """Every bundled jurisdiction's submissions, read once."""
    return {name: read_batch([EXAMPLES / name], catalog, workers=0).submissions
            for name in ("harbin", "gansu", "sichuan", "hebei")}


def test_in_process_process_pool_and_spawned_workers_give_identical_findings(catalog, jurisdictions) -> None:
    profile = get_profile(catalog, "auto")
    submissions = jurisdictions["harbin"] + jurisdictions["sichuan"]
    alone = evaluate_submissions(catalog, profile, submissions, executor=InProcessExecutor())
    pooled = evaluate_submissions(catalog, profile, submissions, executor=ProcessPool(2))
    spawned = evaluate_submissions(catalog, profile, submissions, executor=ProcessPool(2, start_method="spawn"))
    assert _findings_of(alone) == _findings_of(pooled) == _findings_of(spawned)
    assert len(alone.findings) > 100


def test_reading_in_spawned_workers_needs_nothing_inherited(catalog) -> None:
    files = sorted((EXAMPLES / "gansu").glob("*.xlsx"))
    spawned = read_batch(files, catalog, executor=ProcessPool(2, start_method="spawn", limit_memory=True))
    here = read_batch(files, catalog, workers=0)
    assert spawned.outcomes == here.outcomes
    assert [(s.ref, s.current, s.prior, s.tables) for s in spawned.submissions] == [
        (s.ref, s.current, s.prior, s.tables) for s in here.submissions]


def test_eight_checks_at_once_in_threads_give_the_findings_each_gives_alone(catalog, jurisdictions) -> None:
    profile = get_profile(catalog, "auto")
    work = [jurisdictions[name] for name in ("harbin", "gansu", "sichuan", "hebei")] * 2
    expected = [_findings_of(evaluate_submissions(catalog, profile, submissions)) for submissions in work]
    found: list[list[tuple] | None] = [None] * len(work)
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def check(index: int) -> None:
        try:
            start.wait()
            found[index] = _findings_of(evaluate_submissions(catalog, profile, work[index]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=check, args=(index,)) for index in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert found == expected


def test_documents_render_the_same_in_threads(catalog, sichuan: CheckResult) -> None:
    from compliance.report import render_documents

    requests = [DocumentRequest(document, SubjectReport.of(sichuan, subject), lang)
                for subject in sichuan.subjects for document in ("notice",) for lang in ("zh", "en")]
    alone = render_documents(requests, catalog, InProcessExecutor())
    results: dict[int, bytes] = {}

    def render(index: int) -> None:
        [results[index]] = render_documents([requests[index]], catalog, InProcessExecutor())

    threads = [threading.Thread(target=render, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    strip = re.compile(rb"/(CreationDate|ModDate) \(D:[^)]*\)")  # WeasyPrint dates each document
    assert [strip.sub(b"", results[i]) for i in range(len(requests))] == [strip.sub(b"", pdf) for pdf in alone]


def test_every_result_value_survives_a_trip_to_another_process(catalog, sichuan: CheckResult) -> None:
    region = next(s for s in sichuan.subjects if s.subject.level == "region")
    submission = read_file(EXAMPLES / "sichuan" / "region.xlsx", catalog).submissions[0]
    values = [sichuan, sichuan.run, *sichuan.subjects, *sichuan.outcomes, *sichuan.findings, catalog,
              SubjectReport.of(sichuan, region), DocumentRequest("report", SubjectReport.of(sichuan, region), "en"),
              submission.file, submission.ref,
              *(item for f in sichuan.findings for item in f.items), *(c for f in sichuan.findings for c in f.contributors),
              *(p for s in sichuan.subjects for p in s.problems)]
    assert any(f.contributors or f.items for f in sichuan.findings)
    for value in values:
        copy = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == value, type(value).__name__
    payload = pickle.loads(pickle.dumps(EvaluationPayload(get_profile(catalog, "auto"), None, submission)))
    copy = payload.submission  # a submission compares by identity: its parts are compared
    assert payload.profile == get_profile(catalog, "auto")
    assert (copy.ref, copy.current, copy.prior, copy.tables, copy.table_sources, copy.problems,
            copy.identification) == (submission.ref, submission.current, submission.prior, submission.tables,
                                     submission.table_sources, submission.problems, submission.identification)


def test_results_are_immutable(sichuan: CheckResult) -> None:
    finding = sichuan.findings[0]
    for value, field in ((finding, "status"), (sichuan.subjects[0], "findings"), (sichuan, "subjects"),
                         (sichuan.run, "catalog_digest"), (finding.submission, "institution")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
    assert isinstance(sichuan.subjects, tuple) and isinstance(sichuan.subjects[0].findings, tuple)


def test_a_run_names_its_rules_by_digest(catalog, tmp_path: Path) -> None:
    result = run_check(catalog, get_profile(catalog, "headline"), [HOSPITAL], workers=0)
    assert result.run.catalog_digest == catalog.digest and len(catalog.digest) == 64
    assert {f.rule_digest for f in result.findings if f.kind != "quality"} <= {r.digest for r in catalog.rules}
    home = tmp_path / "home"
    shutil.copytree(ROOT / "rules", home / "rules")
    shutil.copytree(ROOT / "checks", home / "checks")
    pack = home / "rules" / "harbin-2017.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("10%以内", "10% 以内", 1), encoding="utf-8")
    from compliance.pipeline.check import load_default_catalog

    changed = load_default_catalog(home)
    assert changed.digest != catalog.digest
    before = {r.id: r.digest for r in catalog.rules}
    after = {r.id: r.digest for r in changed.rules}
    assert [rule_id for rule_id in before if before[rule_id] != after[rule_id]]  # the edited rule's digest moved
    assert sum(before[rule_id] != after[rule_id] for rule_id in before) < len(before) // 10


def test_workers_0_renders_in_this_process(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool was started")

    monkeypatch.setattr("compliance.pipeline.executors.ProcessPool.__init__", no_pool)
    result = runner.invoke(main, [*HOME, "check", str(EXAMPLES / "sichuan"), "--profile", "auto", "--out",
                                  str(tmp_path), "--workers", "0", "--pdf", "notice"])
    assert result.exit_code == 1, result.output
    assert len(list(tmp_path.glob("*.pdf"))) == 3


def test_two_rows_of_one_flat_table_for_the_same_hospital_differ_even_in_one_file(catalog, tmp_path: Path) -> None:
    """Both rows share the file (and its hash): whether they are the same is read from what they say."""
    import csv

    header = ["institution_code", "institution_name", "province", "city", "grade", "type", "ownership", "period",
              "incentive_performance_pay", "total_performance_pay"]
    row = ["12230100MB00003011", "甲医院", "黑龙江省", "哈尔滨市", "三级", "综合医院", "公立", "2024", "780", "1500"]
    for second, severity in ((row, Severity.WARNING), ([*row[:8], "900", "1500"], Severity.ERROR)):
        path = tmp_path / f"flat-{severity.value}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, row, second])
        result = run_check(catalog, get_profile(catalog, "headline"), [path], workers=0)
        [subject] = result.subjects
        [problem] = [p for p in subject.problems if p.field_code == "institution_code"]
        assert problem.severity is severity, problem
        share = next(f for f in subject.findings if f.rule_id == "gansu-2020h2.incentive-share-of-performance-pay")
        assert share.observed.value == pytest.approx(int(second[8]) / 1500)  # the row given last is used


class Partitioned:
    """An executor that runs every other payload in a second partition with its own context, as two
    workers of a cluster would: a region's hospitals are read and evaluated in both."""

    workers = 2
    shared_storage = False

    def __init__(self) -> None:
        self.stages: list[str] = []

    def run(self, task, payloads, setup, **options):  # type: ignore[no-untyped-def]
        self.stages.append(task.__name__)
        halves = [InProcessExecutor().run(task, list(payloads[first::2]), setup) for first in (0, 1)]
        results: list = [None] * len(payloads)
        results[0::2], results[1::2] = halves
        return results


def test_a_region_whose_hospitals_are_read_in_different_partitions_is_judged_with_all_of_them(
        catalog, tmp_path: Path) -> None:
    from benchmarks.province import make_province, write_province

    province = make_province("510000", 40, 13)
    write_province(province, ["2025Q4"], tmp_path, catalog=catalog, seed=13)
    profile = get_profile(catalog, "auto")
    executor = Partitioned()
    split = run_check(catalog, profile, [tmp_path / "2025Q4"], executor=executor)
    whole = run_check(catalog, profile, [tmp_path / "2025Q4"], workers=0)
    assert executor.stages == ["read_task", "evaluate_task"]

    def findings(result: CheckResult) -> list[tuple]:
        return sorted((f.subject_id, f.rule_id, f.status.value, f.reason.value, repr(f.observed), repr(f.gap))
                      for f in result.findings)

    assert findings(split) == findings(whole)
    codes = {subject.submission: subject.subject.code for subject in split.subjects}
    for region in province.regions:
        judged = next(s for s in split.subjects if s.subject.level == "region" and s.subject.code == region.code)
        expected = {h.code for h in province.hospitals if region.level == "省" or h.city_code == region.code}
        assert {codes[member] for member in judged.members} == expected, region.name


def test_the_json_written_in_pieces_is_the_document_json_dumps_writes(catalog, sichuan: CheckResult) -> None:
    from compliance.cli.output import findings_json, json_chunks, result_to_json

    empty = dataclasses.replace(sichuan, subjects=(), outcomes=())
    for result in (sichuan, empty):
        for lang in ("zh", "en"):
            document = result_to_json(result, lang)
            written = findings_json(result, lang)
            assert written == orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
            assert json.loads(written) == json.loads(json.dumps(document, ensure_ascii=False, allow_nan=False))
            assert len(list(json_chunks(result, lang))) > 10  # never one string


def test_the_json_layout_is_the_standard_librarys_and_what_orjson_refuses_is_still_written() -> None:
    from compliance.cli.output import _dumped

    value = {"code": "中文\"", "n": [1, 2.5, 0.1, None, True], "empty": {}, "none": []}
    assert _dumped(value, 0) == json.dumps(value, ensure_ascii=False, indent=2)
    assert _dumped(value, 2) == json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")
    huge = {"observed": 2 ** 70, "small": 1e-05}  # orjson refuses integers past 64 bits
    assert json.loads(_dumped(huge, 1)) == huge
