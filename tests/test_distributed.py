"""The check on Dask distributed (a LocalCluster of worker processes) gives the findings the local
run gives, on a generated province; a region's hospitals read on different workers are all judged
with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.province import make_province, write_province
from compliance.pipeline.check import check_submissions, get_profile, run_check
from compliance.pipeline.read import read_batch
from compliance.results.run import CheckResult, Run
from compliance.rules.spec import Catalog

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[Any]:
    from compliance.pipeline.distributed import DaskExecutor

    executor = DaskExecutor.connect("local:2")
    yield executor
    executor.close()


def _findings(result: CheckResult) -> list[tuple[Any, ...]]:
    return sorted((f.subject_id, f.rule_id, f.status.value, f.reason.value, repr(f.observed), repr(f.gap),
                   repr(sorted(f.details.items())), tuple(i.cell for i in f.inputs)) for f in result.findings)


def test_a_province_on_dask_matches_the_local_run(tmp_path: Path, catalog: Catalog, dask_executor: Any) -> None:
    province = make_province("510000", 60, 5)
    write_province(province, ["2025Q4"], tmp_path, catalog=catalog, seed=5)
    profile = get_profile(catalog, "auto")
    local = run_check(catalog, profile, [tmp_path / "2025Q4"], workers=0)
    run = Run.new(catalog.digest, profile.name, profile.title)
    batch = read_batch([tmp_path / "2025Q4"], catalog, executor=dask_executor)
    remote = check_submissions(catalog, profile, batch, run, executor=dask_executor)
    assert _findings(remote) == _findings(local)
    assert [o.status for o in remote.outcomes] == [o.status for o in local.outcomes]
    assert sorted(p.code for p in remote.problems) == sorted(p.code for p in local.problems)
    workers = dask_executor.client.run(lambda dask_worker: len(getattr(dask_worker, "compliance_contexts", {})))
    assert len(workers) == 2 and all(count >= 1 for count in workers.values())  # both workers took tasks
    province_region = next(s for s in remote.subjects if s.subject.code == "510000")
    assert len(province_region.members) == 60  # read on both workers, judged together


def test_an_audit_on_dask_writes_what_the_local_audit_writes(tmp_path: Path, catalog: Catalog,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from click.testing import CliRunner

    from compliance.cli.main import main
    from compliance.store.setup import sqlite_url

    province = make_province("510000", 24, 9)
    write_province(province, ["2025Q4"], tmp_path / "inbox", catalog=catalog, seed=9)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "store.sqlite3"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "migrate"]).exit_code == 0
    common = ["audit", "--profile", "auto", "--period", "2025Q4", "--inbox", str(tmp_path / "inbox"),
              "--progress", "none", "--pdf", "notice"]
    remote = runner.invoke(main, [*common, "--out", str(tmp_path / "dask"), "--scheduler", "local:2"])
    assert remote.exit_code == 1, remote.output  # findings to review
    local = runner.invoke(main, [*common, "--out", str(tmp_path / "local"), "--workers", "0"])
    assert local.exit_code == 1, local.output  # the same run: the store's, not saved again

    def files(folder: Path) -> dict[str, str]:
        found = folder / "auto" / "2025Q4"
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in found.iterdir()
                if p.suffix in (".xlsx", ".pdf")}

    on_dask, here = files(tmp_path / "dask"), files(tmp_path / "local")
    assert on_dask.keys() == here.keys() and len(on_dask) == 1 + 24 + len(province.regions)
    assert on_dask["gap-report.xlsx"] == here["gap-report.xlsx"]


def test_a_check_on_dask_prints_and_writes_what_the_local_check_does(tmp_path: Path, catalog: Catalog) -> None:
    import json

    from click.testing import CliRunner

    from compliance.cli.main import main

    province = make_province("510000", 16, 11)
    write_province(province, ["2025Q4"], tmp_path / "inbox", catalog=catalog, seed=11)
    runner = CliRunner()
    common = ["check", str(tmp_path / "inbox"), "--profile", "auto", "--format", "json", "--progress", "none",
              "--pdf", "notice"]
    remote = runner.invoke(main, [*common, "--out", str(tmp_path / "dask"), "--scheduler", "local:2"])
    local = runner.invoke(main, [*common, "--out", str(tmp_path / "local"), "--workers", "0"])
    assert remote.exit_code == local.exit_code == 1, remote.output

    def printed(output: str) -> dict[str, Any]:
        found = json.loads(output[output.index("{"):output.rindex("}") + 1])
        del found["run"]
        return found

    assert printed(remote.stdout) == printed(local.stdout)
    on_dask = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert on_dask == sorted(p.name for p in (tmp_path / "local").iterdir())
    assert len([name for name in on_dask if name.endswith(".pdf")]) == 16 + len(province.regions)


@pytest.mark.parametrize("command", ["audit", "check"])
def test_an_unreachable_scheduler_is_a_usage_error(command: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from compliance.cli.main import main

    (tmp_path / "inbox").mkdir()
    arguments = (["audit", "--profile", "auto", "--period", "2025Q4", "--inbox", str(tmp_path / "inbox"), "--out",
                  str(tmp_path / "out")] if command == "audit" else ["check", str(tmp_path / "inbox")])
    result = CliRunner().invoke(main, [*arguments, "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "scheduler" in result.output
