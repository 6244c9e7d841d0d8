"""Batches: folders and zip archives, one outcome per file, hangs and crashes isolated."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from compliance.pipeline import read as batch
from compliance.pipeline.read import read_batch
from compliance.wording.outcomes import outcome_message
from compliance.wording.problems import found, message

from .conftest import EXAMPLES

GOOD = [EXAMPLES / "hospital-noncompliant.xlsx", EXAMPLES / "hospital-compliant.xlsx"]


def test_zip_of_workbooks_is_unpacked_and_member_paths_are_not_trusted(catalog, tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(GOOD[0], "2024/a.xlsx")
        handle.write(GOOD[1], "../../escape.xlsx")
        handle.writestr("readme.txt", "ignored")
    read = read_batch([archive], catalog)
    assert sorted(s.subject.code for s in read.submissions) == ["12230100MB00000010", "12230100MB00000023"]
    assert [o.status for o in read.outcomes] == ["read_with_warnings", "read", "read"]
    assert read.outcomes[0].skipped == ("readme.txt",) and "readme.txt" in outcome_message(read.outcomes[0], 0, "zh")
    assert [o.path for o in read.outcomes[1:]] == [f"{archive}/2024/a.xlsx", f"{archive}/../../escape.xlsx"]
    assert not (tmp_path.parent / "escape.xlsx").exists()


def test_zip_members_whose_flattened_names_would_collide_are_both_read(catalog, tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(GOOD[0], "dup/a.xlsx")
        handle.write(GOOD[1], "dup__a.xlsx")
    read = read_batch([archive], catalog, workers=0)
    assert sorted(s.subject.code for s in read.submissions) == ["12230100MB00000010", "12230100MB00000023"]
    assert sorted(s.path for s in read.submissions) == [f"{archive}/dup/a.xlsx", f"{archive}/dup__a.xlsx"]


def test_a_bad_archive_is_refused_and_the_batch_goes_on(catalog, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    read = read_batch([bad, GOOD[0]], catalog)
    assert [o.status for o in read.outcomes] == ["refused", "read"]


def test_a_hanging_file_is_stopped_and_the_rest_are_read(catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "slow.xlsx"
    shutil.copy(GOOD[0], slow)
    real = batch.read_file

    def sleepy(path: Path, catalog_, shown=None):
        if path.name == "slow.xlsx":
            time.sleep(30)
        return real(path, catalog_, shown)

    monkeypatch.setattr(batch, "read_file", sleepy)
    started = time.monotonic()
    read = batch.read_batch([slow, *GOOD], catalog, workers=2, timeout=1)
    assert time.monotonic() - started < 20
    assert [o.status for o in read.outcomes] == ["refused", "read", "read"]
    refusal = read.outcomes[0].refusal
    assert refusal.code == "read_timeout" and refusal.values["seconds"] == 1
    assert "秒" in found(refusal, "zh") and "1 second" in found(refusal, "en")


def test_a_crashing_reader_costs_only_its_file(catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crash = tmp_path / "crash.xlsx"
    shutil.copy(GOOD[0], crash)
    real = batch.read_file

    def crashing(path: Path, catalog_, shown=None):
        if path.name == "crash.xlsx":
            os._exit(139)  # as if the native reader segfaulted
        return real(path, catalog_, shown)

    monkeypatch.setattr(batch, "read_file", crashing)
    read = batch.read_batch([*GOOD, crash], catalog, workers=2, timeout=10)
    assert [o.status for o in read.outcomes] == ["read", "read", "refused"]
    assert len(read.submissions) == 2
    assert read.outcomes[2].refusal.code == "read_crashed"


def test_missing_path_is_an_outcome(catalog, tmp_path: Path) -> None:
    read = read_batch([tmp_path / "nope.xlsx", GOOD[1]], catalog)
    assert [o.status for o in read.outcomes] == ["refused", "read"]
    assert read.outcomes[0].refusal.code == "file_missing"
    assert message(read.outcomes[0].refusal, "zh") == "nope.xlsx：应为存在的文件，实际为文件不存在。请检查路径后重新提交。"


def test_worker_processes_return_what_an_in_process_read_returns(catalog, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("compliance.pipeline.executors.chunk_size", lambda count, workers, per_task: 4)  # replies holding several files
    files = []
    for index in range(12):
        files.append(tmp_path / f"{index:02d}.xlsx")
        shutil.copy(GOOD[index % 2], files[-1])
    pooled = read_batch(files, catalog, workers=2)
    in_process = read_batch(files, catalog, workers=0)
    assert pooled.outcomes == in_process.outcomes
    assert [(s.ref, s.current, s.prior, s.tables, s.problems) for s in pooled.submissions] == [
        (s.ref, s.current, s.prior, s.tables, s.problems) for s in in_process.submissions]


def test_submissions_survive_pickling_with_their_readings_cells_and_tables(catalog) -> None:
    import dataclasses
    import pickle

    from compliance.ingest.reader import read_file
    from compliance.ingest.submission import Reading

    files = [*GOOD, EXAMPLES / "hospitals-flat.xlsx", *sorted((EXAMPLES / "sichuan").glob("*.xlsx"))]
    submissions = [s for path in files for s in read_file(path, catalog)[0]]
    assert any(rows for s in submissions for rows in s.tables.values())
    region = dataclasses.replace(submissions[0], members=tuple(submissions[1:3]))
    uncelled = dataclasses.replace(submissions[1], current={**submissions[1].current, "derived": Reading(1.5)})
    assert submissions[0].__reduce__()[0].__name__ == "_unpack_submission"  # readings as columns
    assert uncelled.__reduce__()[0].__name__ == "_rebuild_submission"  # a reading without a cell: the plain way
    for original in [*submissions, region, uncelled]:
        copy = pickle.loads(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))
        assert [getattr(copy, f.name) for f in dataclasses.fields(copy) if f.name != "members"] == [
            getattr(original, f.name) for f in dataclasses.fields(original) if f.name != "members"]
        assert [m.ref for m in copy.members] == [m.ref for m in original.members]
        assert [type(r) for r in copy.current.values()] == [type(r) for r in original.current.values()]
        assert all(r.cell is None or type(r.cell) is type(o.cell) for r, o in zip(copy.current.values(),
                                                                                 original.current.values()))
