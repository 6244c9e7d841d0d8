"""The quarterly audit (issue 15.3/15.4): five quarters of examples/audit/ audited in sequence into
one history store, with the statuses and trend classes examples/audit/README.md documents; other
periods set aside; last year's values from the store; idempotence; one audit of a profile and
period at a time; a SIGKILL at any point leaves complete files and an intact store; SQLite and
PostgreSQL agree; ``compliance history``; progress lines.

The five quarters are audited once per module (no PDFs, in this process) and their results kept
for several tests.  Tests that need PDFs audit one quarter (2024Q4, three subjects, the region's
report being most of the time).  Subprocesses are the real command (launched as
tests/test_process_signals.py does); the kill test fixes the audit's clock in the subprocess and in
the undisturbed reference run, so their outputs can be compared byte for byte although they are
in different stores.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

import compliance.audit.run as audit_run
from compliance.audit import AuditRequest, AuditResult, audit_period, run_audit
from compliance.audit.lock import lock_name
from compliance.audit.run import last_finished_quarter
from compliance.cli.main import main
from compliance.outputs.folder import TEMPORARY_SUFFIX
from compliance.pipeline.check import exit_code, get_profile, run_check
from compliance.results.history import Trend
from compliance.results.periods import parse_period
from compliance.results.run import CheckResult, SubjectResult
from compliance.results.status import FileStatus, Status
from compliance.rules.spec import Catalog, Profile
from compliance.store import api
from compliance.store.setup import sqlite_url
from compliance.wording.catalogue import status_label, text
from compliance.wording.outcomes import outcome_message

from .conftest import ROOT

PROFILE = "sichuan-province"
REGION = "510000"
HOSPITALS = ("12510100MB0000101H", "12510100MB0000102L")
INBOX = ROOT / "examples" / "audit" / "inbox"
QUARTERS = ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4")
FILES = ("hospital-1.xlsx", "hospital-2.xlsx", "region.xlsx")
LOG = "audit.log"

# examples/audit/README.md, "Rules varied on purpose": the region's status per quarter ...
STATUSES = {
    "sichuan-14fyp.bmi-enrollment-rate": ("pass", "fail", "pass", "pass", "pass"),
    "sichuan-14fyp.employee-inpatient-fund-payment-ratio": ("pass", "pass", "warn", "warn", "pass"),
    "sichuan-14fyp.rural-low-income-full-enrollment": ("pass", "pass", "pass", "fail", "fail"),
    "sichuan-14fyp.vbp-hvmc-categories-5": ("not_due", "not_due", "not_due", "not_due", "warn"),
    "sichuan-14fyp.price-adjustment-system-unified-operation-2025": ("not_due", "not_due", "pass", "pass", "pass"),
}
# ... and its trend class from one quarter to the next (2024Q4, the first audit: all "new").
TRENDS = {
    "sichuan-14fyp.bmi-enrollment-rate": ("newly_failing", "fixed", "still_met", "still_met"),
    "sichuan-14fyp.employee-inpatient-fund-payment-ratio": ("still_met", "newly_failing", "still_failing", "fixed"),
    "sichuan-14fyp.rural-low-income-full-enrollment": ("still_met", "still_met", "newly_failing", "still_failing"),
    "sichuan-14fyp.vbp-hvmc-categories-5": ("still_met", "still_met", "still_met", "newly_failing"),
    "sichuan-14fyp.price-adjustment-system-unified-operation-2025": ("still_met", "still_met", "still_met",
                                                                     "still_met"),
}
# "Prior-year values (上年同期) and 2025Q4": blank in 2025Q4, taken from the stored 2024Q4 submission.
YEAR_OVER_YEAR = {
    "sichuan-14fyp.procurement-subsystem-private-pharmacy-inclusion": (
        "procurement_subsystem_private_and_pharmacy_count",),
    "sichuan-14fyp.benefit-gap-between-regions-narrowing": ("pool_resident_inpatient_ratio_max",
                                                            "pool_resident_inpatient_ratio_min"),
    "sichuan-14fyp.outpatient-benefit-increase": ("outpatient_fund_payment", "outpatient_policy_scope_expense"),
    "sichuan-14fyp.village-clinic-direct-settlement-expansion": ("village_clinics_networked",),
    "sichuan-14fyp.chronic-disease-xprov-disease-scope-expansion": ("chronic_disease_xprov_diseases",),
    "sichuan-14fyp.ltc-pilot-coverage-expansion": ("ltc_pilot_cities",),
}
RESTATED = "remote_settlement_institutions"
RESTATED_RULE = "sichuan-14fyp.remote-settlement-designated-institutions-increase"
PRIOR_CHANGED = "quality.prior-year-changed"

# The clock of the kill test's audits (subprocess and reference alike): a run's start is in its reports.
CLOCK = dt.datetime(2026, 1, 5, 1, 2, 3, tzinfo=dt.UTC)

# The command as tests/test_process_signals.py starts it; the first argument fixes the audit's clock
# (ISO text) or is empty.
LAUNCH = """\
import sys
moment = sys.argv.pop(1)
if moment:
    import datetime as dt
    import types
    import compliance.audit.run as run
    fixed = dt.datetime.fromisoformat(moment)
    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed if tz is None else fixed.astimezone(tz)
    run.dt = types.SimpleNamespace(**{**vars(dt), "datetime": Clock})
from compliance.cli import main
sys.argv = ["compliance"] + sys.argv[1:]
main()
"""


# --------------------------------------------------------------------------------------------- helpers


def period(label: str) -> Any:
    parsed = parse_period(label)
    assert parsed is not None, label
    return parsed


def migrated(path: Path) -> str:
    url = sqlite_url(path)
    assert api.migrate(url).up_to_date
    return url


def audit(catalog: Catalog, profile: Profile, label: str, inbox: Path, out: Path, url: str,
          pdf: str = "none") -> AuditResult:
    return run_audit(catalog, AuditRequest(profile, period(label), inbox, out, pdf=pdf, workers=0, store_url=url))


def region_of(result: CheckResult) -> SubjectResult:
    (region,) = [s for s in result.subjects if s.subject.code == REGION]
    return region


def finding(subject: SubjectResult, rule_id: str) -> Any:
    (found,) = [f for f in subject.findings if f.rule_id == rule_id]
    return found


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of `folder` (and below), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def store_rows(url: str) -> tuple[Any, ...]:
    """What the store holds, row by row (runs with their start times, findings, submissions)."""
    runs = api.runs(url)
    return (runs, tuple(api.findings(r.id, url) for r in runs), api.submissions(url=url))


def finding_rows(findings: tuple[api.StoredFinding, ...]) -> list[tuple[Any, ...]]:
    """Stored findings as plain tuples (no database ids), in a vendor-independent order."""
    return sorted((f.run_id, f.sha256, f.code, f.period, f.rule_id, f.rule_digest, f.status, f.reason, f.severity,
                    json.dumps(f.observed_value), f.observed_unit, f.required_comparator,
                    json.dumps(f.required_threshold), f.required_unit, json.dumps(f.gap_value), f.gap_unit,
                    json.dumps(dict(f.details), sort_keys=True)) for f in findings)


def trend_classes(result: CheckResult) -> dict[str, tuple[Any, ...]]:
    return {s.subject.code: (s.trend.previous_period if s.trend else None,
                             tuple((r.rule_id, r.trend.value, r.previous_status, r.status)
                                   for r in (s.trend.rows if s.trend else ())))
            for s in result.subjects}


def parts_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name.endswith(TEMPORARY_SUFFIX))


def assert_complete_files(folder: Path) -> dict[str, Any] | None:
    """Every file under its final name in `folder` is whole; the manifest (when there is one)
    lists files whose sizes and SHA-256 match.  Returns the manifest."""
    manifest = None
    for path in sorted(folder.iterdir()):
        if path.name.endswith(TEMPORARY_SUFFIX):
            continue
        data = path.read_bytes()
        if path.suffix == ".pdf":
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), path
        elif path.suffix == ".xlsx":
            openpyxl.load_workbook(path, read_only=True).close()
        elif path.name == "manifest.json":
            manifest = json.loads(data)
        else:
            raise AssertionError(f"unexpected file {path}")
    if manifest is not None:
        listed = {o["name"] for o in manifest["outputs"]}
        assert listed | {"manifest.json"} == {p.name for p in folder.iterdir()
                                               if not p.name.endswith(TEMPORARY_SUFFIX)}
        for output in manifest["outputs"]:
            data = (folder / output["name"]).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (output["bytes"], output["sha256"]), output
    return manifest


def fixed_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime = CLOCK) -> None:
    """The audit's clock stands at `moment` (as the subprocesses' LAUNCH fixes it)."""
    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return moment if tz is None else moment.astimezone(tz)

    monkeypatch.setattr(audit_run, "dt", types.SimpleNamespace(**{**vars(dt), "datetime": Clock}))


def command(*args: str, clock: dt.datetime | None = None) -> list[str]:
    return [sys.executable, "-c", LAUNCH, clock.isoformat() if clock else "", *args]


def start(args: list[str], url: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=env,
                            start_new_session=True)  # its own process group: killed whole


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def prefix(key: str, **values: Any) -> str:
    """The wording of log line `key` up to its first value (the value named first is cut)."""
    first = next(iter(values))
    return text(key, "zh", **{**values, first: "\0"}).split("\0")[0]


AUDIT_STARTED = prefix("audit.audit_started", profile=PROFILE, period="", inbox="")
AUDIT_SAVED = prefix("audit.audit_saved", run="", subjects=0, findings=0, set_aside=0)


# --------------------------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Audited:
    url: str
    out: Path
    results: dict[str, AuditResult]


@pytest.fixture(scope="module")
def profile(catalog: Catalog) -> Profile:
    return get_profile(catalog, PROFILE)


@pytest.fixture(scope="module")
def audited(catalog: Catalog, profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """The five quarters audited in sequence over the whole inbox, into one store (no PDFs)."""
    folder = tmp_path_factory.mktemp("audited")
    url = migrated(folder / "store.sqlite3")
    out = folder / "out"
    return Audited(url, out, {label: audit(catalog, profile, label, INBOX, out, url) for label in QUARTERS})


@pytest.fixture(scope="module")
def reference(catalog: Catalog, profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """2024Q4 (its own folder of the inbox) audited with PDFs, undisturbed, in a store of its own, at CLOCK."""
    folder = tmp_path_factory.mktemp("reference")
    url = migrated(folder / "store.sqlite3")
    out = folder / "out"
    with pytest.MonkeyPatch.context() as patch:
        fixed_clock(patch)
        done = audit(catalog, profile, "2024Q4", INBOX / "2024Q4", out, url, pdf="report")
    assert not done.rerun and done.result.run.started == CLOCK
    return Audited(url, out, {"2024Q4": done})


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database (127.0.0.1:5432, user postgres, trust auth, as in tests/test_store.py),
    dropped after the test."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]')")
    admin = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    name = f"compliance_audit_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 (database test) answers or lets user postgres create "
                    f"a database: {str(exc).strip()[:120]}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        from django.db import connections

        from compliance.store.setup import alias

        connections[alias(url)].close()
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------------------------- 1. five quarters


def test_five_quarters_statuses_and_trends_as_documented(audited: Audited) -> None:
    for index, label in enumerate(QUARTERS):
        done = audited.results[label]
        result = done.result
        assert result.run.audit_period == period(label) and not done.rerun
        assert sorted(s.subject.code for s in result.subjects) == sorted((*HOSPITALS, REGION))
        assert all(s.subject.period.label == label for s in result.subjects)
        assert exit_code(result) == (0 if label == "2024Q4" else 1), label  # as the README says of check
        region = region_of(result)
        trend = region.trend
        assert trend is not None
        rows = {row.rule_id: row for row in trend.rows}
        rule_findings = [f for f in region.findings if f.kind != "quality"]
        assert len(trend.rows) == len(rows) == len(rule_findings)  # one row per rule, none for data quality
        assert set(rows) == {f.rule_id for f in rule_findings}
        for rule_id, statuses in STATUSES.items():
            assert finding(region, rule_id).status.value == statuses[index], (label, rule_id)
            assert rows[rule_id].status.value == statuses[index]
        for f in rule_findings:  # every other rule passes (sichuan-2020h2's are not applicable)
            if f.rule_id not in STATUSES:
                expected = "not_applicable" if f.rule_id.startswith("sichuan-2020h2.") else "pass"
                assert f.status.value == expected, (label, f.rule_id, f.status)
        if index == 0:
            assert trend.previous_period == ""
            assert {row.trend for row in trend.rows} == {Trend.NEW}
            assert all(row.previous_status is None for row in trend.rows)
            assert trend.series == ()
        else:
            assert trend.previous_period == QUARTERS[index - 1]
            for rule_id, classes in TRENDS.items():
                row = rows[rule_id]
                assert row.trend.value == classes[index - 1], (label, rule_id)
                assert row.previous_status == Status(STATUSES[rule_id][index - 1])
            assert all(row.trend is Trend.STILL_MET for rule_id, row in rows.items() if rule_id not in TRENDS)
        for hospital in (s for s in result.subjects if s.subject.code != REGION):
            # a region profile: the hospitals are counted as the province's members, judged on nothing of their own
            assert hospital.findings == () and hospital.trend is None


def test_series_of_the_last_quarter_runs_over_the_five_periods(audited: Audited) -> None:
    region = region_of(audited.results["2025Q4"].result)
    assert region.trend is not None and region.trend.series
    for series in region.trend.series:
        assert [p.period for p in series.points] == list(QUARTERS), series.rule_id
        now = finding(region, series.rule_id)
        assert series.points[-1].value == pytest.approx(now.observed.value)
        assert series.points[-1].status is now.status
    (bmi,) = [s for s in region.trend.series if s.rule_id == "sichuan-14fyp.bmi-enrollment-rate"]
    assert [p.status.value for p in bmi.points] == list(STATUSES["sichuan-14fyp.bmi-enrollment-rate"])
    assert [round(p.value * 100, 2) for p in bmi.points] == [95.62, 94.68, 95.31, 95.74, 95.90]  # README
    for index, label in enumerate(QUARTERS[1:], start=1):  # each earlier audit: its periods so far
        earlier = region_of(audited.results[label].result).trend
        assert earlier is not None and earlier.series
        assert all([p.period for p in s.points] == list(QUARTERS[:index + 1]) for s in earlier.series)


# --------------------------------------------------------------------------------------------- 2. set aside


def test_other_periods_are_set_aside_and_named(audited: Audited) -> None:
    done = audited.results["2025Q2"]
    result = done.result
    assert done.set_aside == 12
    inbox_files = sorted(INBOX.rglob("*.xlsx"))
    assert len(inbox_files) == 15
    by_path = {Path(o.path): o for o in result.outcomes}
    assert len(by_path) == len(result.outcomes)  # one outcome per file
    assert sorted(by_path) == inbox_files  # none silently dropped
    set_aside = 0
    for path, outcome in by_path.items():
        quarter = path.parent.name
        assert len(outcome.submissions) == 1, path
        if quarter == "2025Q2":
            assert outcome.status is FileStatus.READ and outcome.other_period == (), path
            continue
        assert outcome.status is FileStatus.READ_WITH_WARNINGS, path
        assert outcome.other_period == outcome.submissions, path
        (ref,) = outcome.other_period
        assert (ref.period, Path(ref.path)) == (quarter, path)
        assert quarter in outcome_message(outcome, 0, "zh")  # the file's outcome says which period it was
        set_aside += 1
    assert set_aside == done.set_aside
    assert len(result.subjects) + set_aside == 15
    assert {s.submission.period for s in result.subjects} == {"2025Q2"}
    manifest = json.loads((audited.out / PROFILE / "2025Q2" / "manifest.json").read_text(encoding="utf-8"))
    inputs = {Path(i["path"]): i for i in manifest["inputs"]}
    assert sorted(inputs) == inbox_files
    for path, entry in inputs.items():
        if path.parent.name == "2025Q2":
            assert entry["outcome"] == "read" and "set_aside" not in entry, entry
        else:
            assert entry["outcome"] == "read_with_warnings", entry
            assert [ref["period"] for ref in entry["set_aside"]] == [path.parent.name], entry


def test_an_inbox_without_the_period_audits_nothing(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = migrated(tmp_path / "store.sqlite3")
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(main, ["audit", "--profile", PROFILE, "--period", "2024Q3", "--inbox", str(INBOX),
                                  "--out", str(tmp_path / "out"), "--pdf", "none", "--workers", "0"])
    assert result.exit_code == 2, result.output
    assert all(label in result.stderr for label in QUARTERS)  # it names the periods the inbox holds
    assert api.runs(url) == () and api.submissions(url=url) == ()
    assert not (tmp_path / "out" / PROFILE / "2024Q3").exists()


# --------------------------------------------------------------------------------------------- 3. prior-year values


@pytest.fixture(scope="module")
def from_the_store(catalog: Catalog, profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """2024Q4, then 2025Q4, each over its own folder: 2025Q4's inbox holds no file of 2024Q4, only the store does."""
    folder = tmp_path_factory.mktemp("from-the-store")
    url = migrated(folder / "store.sqlite3")
    return Audited(url, folder / "out", {label: audit(catalog, profile, label, INBOX / label, folder / "out", url)
                                         for label in ("2024Q4", "2025Q4")})


@pytest.fixture(scope="module")
def from_the_inbox(catalog: Catalog, profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """2025Q4 over the whole inbox into an empty store: last year's file, set aside, stands in for the store."""
    folder = tmp_path_factory.mktemp("from-the-inbox")
    url = migrated(folder / "store.sqlite3")
    return Audited(url, folder / "out", {"2025Q4": audit(catalog, profile, "2025Q4", INBOX, folder / "out", url)})


@pytest.mark.parametrize("source", ["store", "whole inbox", "inbox only"])
def test_prior_year_values_come_from_the_store(source: str, audited: Audited, from_the_store: Audited,
                                               from_the_inbox: Audited, catalog: Catalog, profile: Profile) -> None:
    done = {"store": from_the_store, "whole inbox": audited, "inbox only": from_the_inbox}[source]
    plain = run_check(catalog, profile, [INBOX / "2025Q4"], workers=0)  # `compliance check` of 2025Q4 alone
    plain_region = region_of(plain)
    audited_region = region_of(done.results["2025Q4"].result)
    earlier_region = region_of(audited.results["2024Q4"].result)
    earlier_path = str(INBOX / "2024Q4" / "region.xlsx")

    def read(subject: SubjectResult, field: str, which: str) -> Any:
        found = {(u.value, u.cell) for f in subject.findings for u in f.inputs if u.field == field and u.which == which}
        assert len(found) == 1, (field, which, found)
        return found.pop()

    for rule_id, fields in YEAR_OVER_YEAR.items():
        before = finding(plain_region, rule_id)
        assert (before.status, before.reason.value) == (Status.MISSING_DATA, "missing_input"), rule_id
        after = finding(audited_region, rule_id)
        assert after.status is Status.PASS, rule_id
        for field in fields:
            (prior,) = [u for u in after.inputs if u.field == field and u.which == "prior"]
            value, cell = read(earlier_region, field, "current")  # as 2024Q4's region.xlsx reported it
            assert prior.value == value and prior.cell == cell, (rule_id, field)
            assert cell is not None and cell.file == "region.xlsx" and cell.ref.startswith("D")
            assert prior.earlier == "2024Q4", (rule_id, field)  # not read from this submission, and it says so
            (current,) = [u for u in after.inputs if u.field == field and u.which == "current"]
            assert current.earlier == "" and current.value != prior.value
    assert finding(plain_region, RESTATED_RULE).status is Status.PASS  # on the stated prior value
    assert finding(audited_region, RESTATED_RULE).status is Status.PASS
    (stated,) = [u for u in finding(audited_region, RESTATED_RULE).inputs if u.which == "prior"]
    assert stated.value == 8924 and stated.cell is not None and stated.cell.ref.startswith("E")  # the stated one kept
    assert stated.earlier == ""

    assert [f.rule_id for f in plain.findings if f.kind == "quality"] == []  # no store, nothing to compare with
    (changed,) = [f for f in audited_region.findings if f.kind == "quality"]
    assert (changed.rule_id, changed.status) == (PRIOR_CHANGED, Status.WARN)
    assert changed.details["field"] == RESTATED and changed.details["earlier_period"] == "2024Q4"
    assert changed.details["earlier_file"] == earlier_path
    assert changed.details["reported"].value == 9200
    assert changed.details["earlier_cell"] == read(earlier_region, RESTATED, "current")[1]
    assert all(row.rule_id != PRIOR_CHANGED for row in audited_region.trend.rows)  # no part in the trends
    for label in QUARTERS[:-1]:  # no stored submission a year before any of them
        assert not [f for f in audited.results[label].result.findings if f.kind == "quality"], label
    # the same run whichever inbox it was read from (the same files audited), with the same findings
    assert done.results["2025Q4"].result.run.id == audited.results["2025Q4"].result.run.id
    if done is not audited:  # a store of its own: only the runs of this test's audits
        assert [r.id for r in api.runs(done.url)] == [result.result.run.id for result in done.results.values()]
        assert finding_rows(api.findings(done.results["2025Q4"].result.run.id, done.url)) == finding_rows(
            api.findings(audited.results["2025Q4"].result.run.id, audited.url))


# --------------------------------------------------------------------------------------------- 4. idempotence


def test_a_second_audit_changes_nothing(audited: Audited, catalog: Catalog, profile: Profile) -> None:
    before_store = store_rows(audited.url)
    assert len(before_store[0]) == 5
    assert [len(f) for f in before_store[1]] == [len(audited.results[q].result.findings) for q in QUARTERS]
    assert len(before_store[2]) == 15
    before_files = {q: snapshot(audited.out / PROFILE / q) for q in QUARTERS}
    assert all(set(files) == {"gap-report.xlsx", "manifest.json"} for files in before_files.values())
    for label in QUARTERS:
        first = audited.results[label]
        again = audit(catalog, profile, label, INBOX, audited.out, audited.url)
        assert again.rerun, label
        assert again.result.run.id == first.result.run.id and again.result.run.started == first.result.run.started
        assert trend_classes(again.result) == trend_classes(first.result)
        assert sorted(again.written) == sorted(first.written)
        assert snapshot(audited.out / PROFILE / label) == before_files[label], label  # byte for byte
    assert store_rows(audited.url) == before_store


def test_a_second_audit_with_pdfs_writes_the_same_bytes(reference: Audited, catalog: Catalog, profile: Profile,
                                                        tmp_path: Path) -> None:
    """The rerun runs on the real clock: only the stored start time makes its reports the same."""
    first = reference.results["2024Q4"]
    folder = reference.out / PROFILE / "2024Q4"
    expected = snapshot(folder)
    assert {name for name in expected if name.endswith(".pdf")} == {
        f"{code}-2024Q4-inspection-report.pdf" for code in (*HOSPITALS, REGION)}
    before_store = store_rows(reference.url)
    for out in (reference.out, tmp_path / "elsewhere"):  # into the same folder, and into another
        again = audit(catalog, profile, "2024Q4", INBOX / "2024Q4", out, reference.url, pdf="report")
        assert again.rerun and again.result.run.started == first.result.run.started == CLOCK
        assert snapshot(out / PROFILE / "2024Q4") == expected
        assert store_rows(reference.url) == before_store


# --------------------------------------------------------------------------------------------- 5. one at a time


def test_a_held_lock_refuses_or_makes_the_audit_wait(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = migrated(tmp_path / "store.sqlite3")
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "out"
    (out / PROFILE).mkdir(parents=True)
    lock = out / PROFILE / lock_name(PROFILE, "2024Q4")

    def args(label: str) -> list[str]:
        return ["audit", "--profile", PROFILE, "--period", label, "--inbox", str(INBOX / label), "--out", str(out),
                "--pdf", "none", "--workers", "0", "--progress", "none"]

    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another audit of 2024Q4 is running
        for wait, waited in (("0", 0), ("0.6", 1)):
            began = time.monotonic()
            result = runner.invoke(main, [*args("2024Q4"), "--wait", wait])
            elapsed = time.monotonic() - began
            assert result.exit_code == 2, result.output
            assert text("output.audit_running.found", "zh", waited=waited) in result.stderr
            assert str(lock) in result.stderr
            assert elapsed >= float(wait)
            last = (out / LOG).read_text(encoding="utf-8").splitlines()[-1]  # the log says why, and the exit code
            assert text("output.audit_running.found", "zh", waited=waited) in last
            assert text("audit.stopped", "zh", message="\0", code=2).split("\0")[1] in last
        assert not (out / PROFILE / "2024Q4").exists()
        assert api.runs(url) == ()
        other = runner.invoke(main, [*args("2025Q1"), "--wait", "0"])  # another period: a lock of its own
        assert other.exit_code == 1, other.output
        assert len(api.runs(url)) == 1
    finally:
        os.close(fd)
    result = runner.invoke(main, [*args("2024Q4"), "--wait", "0"])  # let go: it runs
    assert result.exit_code == 0, result.output
    assert (out / PROFILE / "2024Q4" / "manifest.json").is_file()
    assert len(api.runs(url)) == 2


def test_two_audits_started_together_one_is_refused(reference: Audited, tmp_path: Path) -> None:
    url = migrated(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    args = command("audit", "--profile", PROFILE, "--period", "2024Q4", "--inbox", str(INBOX / "2024Q4"),
                   "--out", str(out), "--workers", "0", "--wait", "0", "--progress", "none")  # with PDFs: a while
    processes = [start(args, url), start(args, url)]
    try:
        outcomes = [(p.wait(timeout=240), p.stderr.read()) for p in processes]  # type: ignore[union-attr]
    finally:
        for process in processes:
            kill(process)
            process.stderr.close()  # type: ignore[union-attr]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes
    (refused,) = [err for code, err in outcomes if code == 2]
    assert text("output.audit_running.found", "zh", waited=0) in refused
    (done,) = api.runs(url)
    assert done.id == reference.results["2024Q4"].result.run.id and done.findings == len(
        reference.results["2024Q4"].result.findings)
    manifest = assert_complete_files(out / PROFILE / "2024Q4")
    assert manifest is not None and len(manifest["outputs"]) == 4
    assert parts_under(out) == []


def test_two_audits_with_wait_both_finish_one_run(tmp_path: Path) -> None:
    """Both started while the lock is held (so both wait on it), then let go: one audits, then the other."""
    url = migrated(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    (out / PROFILE).mkdir(parents=True)
    lock = out / PROFILE / lock_name(PROFILE, "2024Q4")
    args = command("audit", "--profile", PROFILE, "--period", "2024Q4", "--inbox", str(INBOX / "2024Q4"),
                   "--out", str(out), "--pdf", "none", "--workers", "0", "--wait", "120", "--progress", "none")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    processes = [start(args, url), start(args, url)]
    try:
        deadline = time.monotonic() + 60
        while not all(_has_open(p.pid, lock) for p in processes):  # both are waiting for the lock
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes), "never waited"
            time.sleep(0.05)
        os.close(fd)
        fd = -1
        outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in processes]  # type: ignore[union-attr]
    finally:
        if fd >= 0:
            os.close(fd)
        for process in processes:
            kill(process)
            process.stderr.close()  # type: ignore[union-attr]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    (stored,) = api.runs(url)
    assert api.findings(stored.id, url) and len(api.submissions(url=url)) == 3
    lines = (out / LOG).read_text(encoding="utf-8").splitlines()
    started = [i for i, line in enumerate(lines) if AUDIT_STARTED in line]
    written = [i for i, line in enumerate(lines) if prefix("audit.audit_written", folder="", files=0) in line]
    assert len(started) == len(written) == 2 and started[0] < written[0] < started[1] < written[1]  # never overlapping
    assert sum(AUDIT_SAVED in line for line in lines) == 1  # the second found the first's run
    assert sum(prefix("audit.audit_rerun", run="", subjects=0, findings=0, set_aside=0) in line for line in lines) == 1
    assert_complete_files(out / PROFILE / "2024Q4")


def _has_open(pid: int, path: Path) -> bool:
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        pytest.skip("no /proc/<pid>/fd to see that a process waits on the lock")
    for name in names:
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") == os.path.realpath(path):
                return True
        except OSError:
            continue
    return False


# --------------------------------------------------------------------------------------------- 6. kill and rerun


def _wait_for(process: subprocess.Popen[str], found: Any, limit: float = 120.0) -> bool:
    """Poll until `found()` (True) or the process ends (False)."""
    deadline = time.monotonic() + limit
    while not found():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the audit never got there"
        time.sleep(0.003)
    return True


def _log_has(out: Path, wording: str) -> Any:
    def found() -> bool:
        try:
            return wording in (out / LOG).read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
    return found


def _writing_pdfs(folder: Path) -> Any:
    def found() -> bool:
        try:
            return any(".pdf" in name for name in os.listdir(folder))
        except FileNotFoundError:
            return False
    return found


@pytest.mark.parametrize("point", ["0.5s", "started", "saved", "saved+2s", "writing-pdfs"])
def test_killed_audit_leaves_whole_files_and_an_intact_store(point: str, reference: Audited, catalog: Catalog,
                                                             profile: Profile, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clean = reference.results["2024Q4"]
    clean_findings = finding_rows(api.findings(clean.result.run.id, reference.url))
    url = migrated(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    folder = out / PROFILE / "2024Q4"
    inbox = INBOX / "2024Q4"
    args = command("audit", "--profile", PROFILE, "--period", "2024Q4", "--inbox", str(inbox), "--out", str(out),
                   "--workers", "0", "--progress", "none", clock=CLOCK)
    with open(tmp_path / "stderr.txt", "w", encoding="utf-8") as stderr:
        process = start(args, url, stderr=stderr)
        try:
            if point == "0.5s":
                time.sleep(0.5)
            elif point == "started":
                _wait_for(process, _log_has(out, AUDIT_STARTED))
            elif point.startswith("saved"):
                if _wait_for(process, _log_has(out, AUDIT_SAVED)) and point == "saved+2s":
                    time.sleep(2)
            else:
                _wait_for(process, _writing_pdfs(folder))
            finished = process.poll() is not None
        finally:
            kill(process)
    told = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert process.returncode == (0 if finished else -signal.SIGKILL), told

    # what the killed run left: only whole files, an intact store
    if folder.exists():
        assert_complete_files(folder)
    assert all(p.parent == folder for p in parts_under(out))  # half-written files only where it was writing
    runs = api.runs(url)
    assert len(runs) <= 1
    if runs:
        assert (runs[0].id, runs[0].started, runs[0].findings) == (clean.result.run.id, CLOCK, len(clean_findings))
        assert finding_rows(api.findings(runs[0].id, url)) == clean_findings
    if point in ("saved", "saved+2s", "writing-pdfs"):
        assert runs, "the log said the run was saved"

    # run again to the end: the same files as an undisturbed run, one run in the store
    fixed_clock(monkeypatch)
    again = audit(catalog, profile, "2024Q4", inbox, out, url, pdf="report")
    assert again.rerun is bool(runs)
    assert parts_under(out) == []
    assert snapshot(folder) == snapshot(reference.out / PROFILE / "2024Q4")
    (stored,) = api.runs(url)
    assert stored.id == clean.result.run.id
    assert finding_rows(api.findings(stored.id, url)) == clean_findings


def _rewriting(folder: Path) -> Any:
    """True once a rerun has begun replacing the folder's finished files (its manifest gone, or a part file there)."""
    def found() -> bool:
        names = os.listdir(folder)
        return "manifest.json" not in names or any(name.endswith(".compliance-part") for name in names)
    return found


def test_audit_killed_while_rewriting_a_finished_folder(reference: Audited, catalog: Catalog, profile: Profile,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun killed while it replaces a finished run's files leaves no manifest claiming a whole run:
    either the old complete set with its manifest, or whole files without one; a rerun completes it."""
    url = migrated(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    folder = out / PROFILE / "2024Q4"
    inbox = INBOX / "2024Q4"
    fixed_clock(monkeypatch)
    audit(catalog, profile, "2024Q4", inbox, out, url, pdf="report")
    finished = snapshot(folder)
    args = command("audit", "--profile", PROFILE, "--period", "2024Q4", "--inbox", str(inbox), "--out", str(out),
                   "--workers", "0", "--progress", "none", clock=CLOCK)
    with open(tmp_path / "stderr.txt", "w", encoding="utf-8") as stderr:
        process = start(args, url, stderr=stderr)
        try:
            _wait_for(process, _rewriting(folder))
        finally:
            kill(process)
    manifest = assert_complete_files(folder)  # every file there is whole, and a manifest lists only whole files
    if manifest is None:
        assert "manifest.json" not in os.listdir(folder)
    else:
        assert snapshot(folder) == finished  # killed before it removed anything
    assert len(api.runs(url)) == 1  # the rerun added nothing
    again = audit(catalog, profile, "2024Q4", inbox, out, url, pdf="report")
    assert again.rerun and parts_under(out) == [] and snapshot(folder) == finished


# --------------------------------------------------------------------------------------------- 7. SQLite and PostgreSQL


def test_postgresql_stores_what_sqlite_stores(audited: Audited, postgres_url: str, catalog: Catalog,
                                              profile: Profile, tmp_path: Path) -> None:
    status = api.migrate(postgres_url)
    assert (status.vendor, status.unapplied) == ("postgresql", ())
    on_postgres = {label: audit(catalog, profile, label, INBOX, tmp_path / "out", postgres_url) for label in QUARTERS}
    for label in QUARTERS:
        lite, pg = audited.results[label].result, on_postgres[label].result
        assert pg.run.id == lite.run.id and not on_postgres[label].rerun
        assert finding_rows(api.findings(pg.run.id, postgres_url)) == finding_rows(api.findings(lite.run.id,
                                                                                                audited.url))
        assert trend_classes(pg) == trend_classes(lite), label
        assert [(s.rule_id, [(p.period, p.value, p.status) for p in s.points]) for s in region_of(pg).trend.series] \
            == [(s.rule_id, [(p.period, p.value, p.status) for p in s.points]) for s in region_of(lite).trend.series]

    def history(url: str) -> list[tuple[Any, ...]]:
        return [(h.period, h.rule_id, h.status, h.reason, json.dumps(h.observed_value), h.observed_unit,
                 json.dumps(h.gap_value), h.run_id, h.sha256, h.profile) for h in api.history(REGION, url)]

    assert history(postgres_url) == history(audited.url)
    assert [(s.sha256, s.path, s.level, s.code, s.period, s.readings) for s in api.submissions(url=postgres_url)] == \
        [(s.sha256, s.path, s.level, s.code, s.period, s.readings) for s in api.submissions(url=audited.url)]


# --------------------------------------------------------------------------------------------- 8. command line


def test_history_command(audited: Audited, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", audited.url)
    shown = runner.invoke(main, ["history", REGION, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    entries = json.loads(shown.stdout)
    run_ids = {label: audited.results[label].result.run.id for label in QUARTERS}
    assert {e["period"] for e in entries} == set(QUARTERS)
    assert all(e["run_id"] == run_ids[e["period"]] and e["profile"] == PROFILE and e["run_kind"] == "audit"
               for e in entries)
    statuses = {(e["rule_id"], e["period"]): e["status"] for e in entries}
    assert len(statuses) == len(entries)  # one audit per period: one entry per rule and period
    for rule_id, expected in STATUSES.items():
        assert [statuses[(rule_id, label)] for label in QUARTERS] == list(expected), rule_id
    assert statuses[(PRIOR_CHANGED, "2025Q4")] == "warn"

    table = runner.invoke(main, ["history", REGION, "--format", "table"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[-len(QUARTERS):] == list(QUARTERS)  # the periods as columns, oldest first
    for rule_id, expected in STATUSES.items():
        (row,) = [line.split() for line in lines if line.split()[:1] == [rule_id]]
        assert row[1:] == [status_label(Status(s), "zh") for s in expected], rule_id
    (row,) = [line.split() for line in lines if line.split()[:1] == [PRIOR_CHANGED]]
    assert row[1:] == ["-", "-", "-", "-", status_label(Status.WARN, "zh")]

    unknown = runner.invoke(main, ["history", "999999"])
    assert unknown.exit_code == 2 and "999999" in unknown.stderr


def test_history_as_a_processs_first_use_of_the_store(audited: Audited) -> None:
    """In a fresh process, `compliance history` imports the store's models before anything has set
    Django up; Django's setup then imported the admin, which met the models undefined (a crash)."""
    command = Path(sys.executable).parent / "compliance"
    shown = subprocess.run([str(command), "history", REGION, "--format", "json"], capture_output=True, text=True,
                           env={**os.environ, "DATABASE_URL": audited.url}, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    assert {entry["period"] for entry in json.loads(shown.stdout)} == set(QUARTERS)


@pytest.mark.parametrize("text_of_period", ["2025Q5", "last quarter", ""])
def test_audit_refuses_an_unknown_period(text_of_period: str, runner: CliRunner, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated(tmp_path / "store.sqlite3"))
    result = runner.invoke(main, ["audit", "--profile", PROFILE, "--period", text_of_period, "--inbox", str(INBOX),
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"--period “{text_of_period}” 不是报告期" in result.stderr and "2025Q3" in result.stderr
    assert not (tmp_path / "out").exists()


def test_audit_into_an_unmigrated_store_says_to_migrate(runner: CliRunner, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "history" / "store.sqlite3"
    monkeypatch.setenv("DATABASE_URL", sqlite_url(store))
    args = ["audit", "--profile", PROFILE, "--period", "2024Q4", "--inbox", str(INBOX / "2024Q4"),
            "--out", str(tmp_path / "out"), "--pdf", "none", "--workers", "0"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "compliance db migrate" in result.stderr
    assert not store.exists() and not (tmp_path / "out" / PROFILE / "2024Q4").exists()
    store.parent.mkdir()
    store.touch()  # a database without the tables
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "compliance db migrate" in result.stderr, result.output
    assert not (tmp_path / "out" / PROFILE / "2024Q4").exists()


@pytest.mark.parametrize(("today", "expected"), [
    (dt.date(2026, 1, 1), "2025Q4"),
    (dt.date(2026, 3, 31), "2025Q4"),
    (dt.date(2026, 4, 1), "2026Q1"),
    (dt.date(2026, 6, 30), "2026Q1"),
    (dt.date(2026, 7, 1), "2026Q2"),
    (dt.date(2026, 10, 1), "2026Q3"),
    (dt.date(2026, 12, 3), "2026Q3"),
    (dt.date(2026, 12, 31), "2026Q3"),
])
def test_the_default_period_is_the_last_finished_quarter(today: dt.date, expected: str) -> None:
    quarter = last_finished_quarter(today)
    assert quarter.label == expected and quarter.end < today
    assert audit_period(None, today) == quarter
    assert audit_period("2025年第三季度", today).label == "2025Q3"


# --------------------------------------------------------------------------------------------- 9. progress


def test_check_progress_lines(runner: CliRunner) -> None:
    files = [str(INBOX / "2025Q2" / "hospital-1.xlsx"), str(INBOX / "2025Q2" / "region.xlsx")]
    base = ["check", "--profile", PROFILE, "--workers", "0", "--format", "json", *files]
    read = text("progress.line", "zh", stage=text("progress.read", "zh"), done=2, total=2)
    stages = [text(f"progress.{stage}", "zh") for stage in ("read", "evaluate", "render", "store")]

    shown = runner.invoke(main, [*base, "--progress", "lines"])
    assert shown.exit_code == 1, shown.output
    lines = shown.stderr.splitlines()
    assert any(line.endswith(" " + read) for line in lines), shown.stderr
    (line,) = [line for line in lines if line.endswith(" " + read)]
    dt.datetime.fromisoformat(line.split(" ", 1)[0])  # each line starts with the time
    assert any(line.endswith(" " + text("progress.line", "zh", stage=stages[1], done=2, total=2)) for line in lines)
    assert not any(stage in shown.stdout for stage in stages)  # standard output is the findings alone
    json.loads(shown.stdout)

    quiet = runner.invoke(main, [*base, "--progress", "none"])
    assert quiet.exit_code == 1, quiet.output
    assert not any(stage in quiet.stderr for stage in stages), quiet.stderr
    json.loads(quiet.stdout)
