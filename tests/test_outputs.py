"""Writing outputs: atomic files, no symbolic link followed, clear errors (exit 2) for every file-system
failure, one run per folder, a manifest written last that matches the files, no traceback."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.cli.main import main
from compliance.errors import OutputError
from compliance.outputs import MANIFEST_NAME, OutputFolder, write_file
from compliance.outputs import folder as folder_module
from compliance.pipeline.executors import InProcessExecutor
from compliance.results.status import ExitCode

from .conftest import EXAMPLES, ROOT

HOME = ["--home", str(ROOT)]
HOSPITAL = str(EXAMPLES / "hospital-noncompliant.xlsx")


def check(runner, out: Path | str, *extra: str, pdf: str = "none", lang: str = "zh"):
    return runner.invoke(main, [*HOME, "check", HOSPITAL, "--out", str(out), "--pdf", pdf, "--workers", "0",
                                "--lang", lang, *extra])


def visible_files(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.iterdir() if not path.name.startswith(".")}


def assert_manifest_matches(folder: Path) -> dict:
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"),
                          parse_constant=lambda name: pytest.fail(f"{name} in the manifest"))
    files = visible_files(folder)
    listed = {output["name"]: output["sha256"] for output in manifest["outputs"]}
    assert {name: digest for name, digest in files.items() if name != MANIFEST_NAME} == listed
    assert not [path for path in folder.iterdir() if path.name.startswith(".")], "temporary files left"
    return manifest


# ---------------------------------------------------------------- what a run writes


def test_a_run_writes_its_files_and_then_a_manifest_that_matches_them(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = check(runner, out, pdf="both")
    assert result.exit_code == ExitCode.FINDINGS, result.output
    manifest = assert_manifest_matches(out)
    assert [output["kind"] for output in manifest["outputs"]] == ["gap_workbook", "inspection_report",
                                                                  "inspection_notice"]
    assert manifest["outputs"][1]["subject"]["code"] == "12230100MB00000010"
    assert manifest["inputs"] == [{"path": HOSPITAL, "sha256": hashlib.sha256(Path(HOSPITAL).read_bytes()).hexdigest(),
                                   "outcome": "read"}]
    assert manifest["run"]["catalog_digest"] and manifest["run"]["pdf"] == "both"
    assert result.stderr.strip().splitlines()[-1].endswith(MANIFEST_NAME)  # written last


def test_a_rerun_replaces_the_files_and_the_manifest(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    check(runner, out)
    first = json.loads((out / MANIFEST_NAME).read_text())["run"]["id"]
    check(runner, out)
    assert json.loads((out / MANIFEST_NAME).read_text())["run"]["id"] != first
    assert_manifest_matches(out)


def test_files_of_the_same_name_in_two_runs_never_mix(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "unrelated.txt").write_text("kept")
    check(runner, out)
    assert (out / "unrelated.txt").read_text() == "kept"
    assert "unrelated.txt" not in json.loads((out / MANIFEST_NAME).read_text())["outputs"]


def test_name_collisions_are_warned_about_and_listed_in_the_manifest(runner, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes the reader accepts never collide (unified social credit codes are 18 capitals and digits); a
    caller with codes of its own can still make them collide, so the reader's check is lifted here."""
    from openpyxl import load_workbook

    from compliance.ingest import identities, reader

    monkeypatch.setattr(reader, "check_institution_code", lambda written: identities.CodeCheck(written))
    paths = []
    for index, code in enumerate(["ABC/123", "ABC_123"]):
        book = load_workbook(HOSPITAL)
        book["基本信息"]["C3"] = code
        paths.append(tmp_path / f"{index}.xlsx")
        book.save(paths[-1])
    out = tmp_path / "out"
    result = runner.invoke(main, [*HOME, "check", *map(str, paths), "--out", str(out), "--workers", "0"])
    assert result.exit_code == ExitCode.FINDINGS, result.output
    pdfs = sorted(path.name for path in out.glob("*.pdf"))
    assert len(pdfs) == 2 and all(name.startswith("ABC_123-2024-") for name in pdfs)
    assert "ABC/123" in result.stderr and "ABC_123-2024" in result.stderr and "警告" in result.stderr
    manifest = assert_manifest_matches(out)
    assert [s["code"] for s in manifest["name_collisions"][0]["subjects"]] == ["ABC/123", "ABC_123"]


# ---------------------------------------------------------------- refusals: exit 2, a message, nothing written


def test_a_symbolic_link_in_the_output_folder_is_refused_and_its_target_untouched(runner, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "gap-report.xlsx").symlink_to(victim)
    result = check(runner, out)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    assert victim.read_text() == "precious" and (out / "gap-report.xlsx").is_symlink()
    assert str(out / "gap-report.xlsx") in result.stderr and str(victim) in result.stderr
    assert "符号链接" in result.stderr and "Traceback" not in result.output
    assert sorted(path.name for path in out.iterdir()) == ["gap-report.xlsx"]  # nothing written


def test_a_symbolic_link_where_a_pdf_goes_is_refused_before_the_workbook_is_written(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "12230100MB00000010-2024-inspection-report.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    result = check(runner, out, pdf="report")
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert not (out / "gap-report.xlsx").exists() and not (tmp_path / "elsewhere.pdf").exists()


def test_an_old_manifest_that_is_a_symbolic_link_is_refused(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "other.json").write_text("{}")
    (out / MANIFEST_NAME).symlink_to(tmp_path / "other.json")
    assert check(runner, out).exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert (tmp_path / "other.json").read_text() == "{}"


@pytest.mark.parametrize("case", ["link_to_folder", "dangling_link", "a_file", "child_of_a_file", "name_too_long",
                                  "folder_in_the_way"])
def test_an_unusable_output_folder_is_a_clear_error(case: str, runner, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "file.txt").write_text("x")
    out = {"link_to_folder": tmp_path / "link", "dangling_link": tmp_path / "dangling",
           "a_file": tmp_path / "file.txt", "child_of_a_file": tmp_path / "file.txt" / "out",
           "name_too_long": tmp_path / ("长" * 200), "folder_in_the_way": tmp_path / "real"}[case]
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "real" / "gap-report.xlsx").mkdir()
    result = check(runner, out)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("错误：无法写入 ") and "应为" in line and "实际为" in line and "请" in line, line
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "real" / "manifest.json").exists() and not (tmp_path / "nowhere").exists()


def test_errors_are_worded_in_english_with_lang_en(runner, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    result = check(runner, tmp_path / "file.txt", lang="en")
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert f"Error: cannot write {tmp_path / 'file.txt'}: expected a folder; found a file." in result.stderr


@pytest.mark.parametrize(("error", "code", "words"), [
    (errno.EACCES, "output_permission_denied", "没有写入权限"),
    (errno.EROFS, "output_read_only", "只读文件系统"),
    (errno.ENOSPC, "output_no_space", "磁盘已满"),
    (errno.EIO, "output_failed", "系统错误"),
])
def test_an_operating_system_refusal_is_a_clear_error_and_leaves_nothing_half_written(
        error: int, code: str, words: str, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "gap-report.xlsx").write_bytes(b"the previous run's workbook")
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        if os.path.islink(f"/proc/self/fd/{fd}") and ".compliance-part" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(error, os.strerror(error))
        real_fsync(fd)

    monkeypatch.setattr(folder_module.os, "fsync", failing_fsync)
    result = check(runner, out)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    assert words in result.stderr and str(out / "gap-report.xlsx") in result.stderr
    assert (out / "gap-report.xlsx").read_bytes() == b"the previous run's workbook"
    assert sorted(path.name for path in out.iterdir()) == ["gap-report.xlsx"]  # no temporary file, no manifest
    with pytest.raises(OutputError) as raised:
        write_file(out / "x.bin", b"data")
    assert raised.value.code == code


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_a_clear_error(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = check(runner, out)
    finally:
        out.chmod(0o755)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR and "没有写入权限" in result.stderr


@pytest.fixture
def mounted(tmp_path: Path):
    """A tmpfs mounted with the options given (root only), unmounted after the test."""
    mounts: list[Path] = []

    def mount(options: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a file system needs root")
        point = tmp_path / f"mount{len(mounts)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True,
                              check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
        mounts.append(point)
        return point

    yield mount
    for point in mounts:
        subprocess.run(["umount", str(point)], check=False)


def test_a_read_only_file_system_is_a_clear_error(runner, mounted) -> None:
    out = mounted("ro,size=1m")
    result = check(runner, out / "reports")
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    assert "只读文件系统" in result.stderr and str(out / "reports") in result.stderr


def test_a_full_disk_is_a_clear_error_and_leaves_no_temporary_file(runner, mounted) -> None:
    out = mounted("size=16k")
    result = check(runner, out)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, result.output
    assert "磁盘已满" in result.stderr and str(out / "gap-report.xlsx") in result.stderr
    assert list(out.iterdir()) == []


def test_two_runs_never_write_into_one_folder_at_once(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = check(runner, out)
        assert write_file(out / "single.txt", b"a single file may still be written").size == 34
    finally:
        os.close(holder)
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR
    assert "另一个 compliance 运行正在写入该文件夹" in result.stderr
    assert check(runner, out).exit_code == ExitCode.FINDINGS


def test_what_a_killed_run_left_half_written_is_removed_by_the_next(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    left = out / f".gap-report.xlsx.{'0' * 16}.compliance-part"
    left.write_bytes(b"PK half")
    mine = out / ".my-notes.txt"
    mine.write_text("not the tool's")
    check(runner, out)
    assert not left.exists() and mine.exists()


def test_the_folder_writer_refuses_names_that_are_not_one_component(tmp_path: Path) -> None:
    with OutputFolder(tmp_path) as folder:
        for name in ("../escape", "a/b", "", ".", ".."):
            with pytest.raises(ValueError):
                folder.write(name, b"x")
        folder.write("once.txt", b"1")
        with pytest.raises(ValueError, match="already written"):
            folder.write("once.txt", b"2")
    assert not (tmp_path.parent / "escape").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["once.txt"]


def test_a_template_is_never_written_through_a_symbolic_link(runner, tmp_path: Path) -> None:
    out = tmp_path / "templates"
    out.mkdir()
    (out / "hospital-self-assessment.xlsx").symlink_to(tmp_path / "victim.xlsx")
    result = runner.invoke(main, [*HOME, "template", "--level", "hospital", "--out", str(out)])
    assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR and not (tmp_path / "victim.xlsx").exists()


# ---------------------------------------------------------------- a defect of the tool


def test_an_internal_error_is_one_line_naming_its_crash_log_and_exit_3(runner, crash_logs: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cli = sys.modules["compliance.cli.main"]
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(cli, "run_check", broken)
    result = runner.invoke(main, [*HOME, "check", HOSPITAL])
    assert result.exit_code == ExitCode.INTERNAL_ERROR
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "内部错误（ZeroDivisionError）" in lines[0], result.stderr
    logs = list(crash_logs.glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    log = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError: a defect" in log and "compliance" in log


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_output_problem_is_worded_with_where_what_found_and_fix(lang: str) -> None:
    from compliance.outputs import OUTPUT_PROBLEM_MEANING
    from compliance.results.findings import Details
    from compliance.wording.errors import output_message

    for code in OUTPUT_PROBLEM_MEANING:
        values = Details.of(detail="Input/output error", parent="/srv", target="/etc/passwd", kind="folder",
                              profile="sichuan-province", period="2025Q3", waited=0)
        message = output_message(OutputError(code, "/srv/reports/x.pdf", values), lang)
        assert "/srv/reports/x.pdf" in message and "{" not in message, (code, message)
        assert ("应为" in message and "实际为" in message) if lang == "zh" else ("expected" in message), message


def test_pdfs_are_rendered_and_written_in_rounds(sichuan, catalog, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory holds one round of documents, never the whole batch's."""
    from compliance import report

    rounds: list[int] = []

    class Recording(InProcessExecutor):
        def run(self, task, payloads, setup, **options):  # type: ignore[no-untyped-def]
            rounds.append(len(payloads))
            return super().run(task, payloads, setup, **options)

    monkeypatch.setattr(report, "RENDER_ROUND", 2)
    written = report.write_reports(sichuan, catalog, tmp_path, pdf="both", executor=Recording())
    assert rounds == [2, 2, 2] and len(written.files) == 1 + 6 + 1
    assert_manifest_matches(tmp_path)


class SharedStorage:
    """Runs tasks in this process, as a cluster whose workers share the output folder would: the
    documents are written by the task and put in place by the run."""

    workers = 1
    shared_storage = True

    def __init__(self) -> None:
        self.tasks: list[str] = []

    def run(self, task, payloads, setup, **options):  # type: ignore[no-untyped-def]
        self.tasks.append(task.__name__)
        return InProcessExecutor().run(task, payloads, setup, **options)


def test_documents_a_cluster_worker_writes_are_put_in_place_by_the_run(sichuan, catalog, tmp_path: Path) -> None:
    from compliance import report

    here = report.write_reports(sichuan, catalog, tmp_path / "here", pdf="both", workers=0)
    executor = SharedStorage()
    there = report.write_reports(sichuan, catalog, tmp_path / "there", pdf="both", executor=executor)
    assert executor.tasks == ["render_and_stage_task"]
    assert [(f.name, f.sha256, f.size) for f in there.files[:-1]] == [(f.name, f.sha256, f.size) for f in here.files[:-1]]
    assert visible_files(tmp_path / "there").keys() == visible_files(tmp_path / "here").keys()
    assert sorted(os.listdir(tmp_path / "there")) == sorted(os.listdir(tmp_path / "here"))  # no temporary file left
    assert_manifest_matches(tmp_path / "there")


def test_a_document_that_fails_on_a_worker_leaves_none_of_its_rounds_staged_files(sichuan, catalog, tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import report
    from compliance.errors import StageError

    failing = sichuan.subjects[1].subject.code
    real = report.render_task

    def render(context, request):  # type: ignore[no-untyped-def]
        if request.report.subject.subject.code == failing:
            raise RuntimeError("boom")
        return real(context, request)

    monkeypatch.setattr(report, "render_task", render)
    with pytest.raises(StageError, match=failing):
        report.write_reports(sichuan, catalog, tmp_path, pdf="report", executor=SharedStorage())
    assert sorted(os.listdir(tmp_path)) == ["gap-report.xlsx"]  # no manifest, no staged PDF left behind


def test_a_staged_file_replaced_before_it_is_put_in_place_is_refused(tmp_path: Path) -> None:
    from compliance.outputs import stage_file

    staged = stage_file(tmp_path, "report.pdf", b"%PDF-1.7 worker")
    assert (tmp_path / staged.temporary).read_bytes() == b"%PDF-1.7 worker"
    (tmp_path / staged.temporary).unlink()
    (tmp_path / staged.temporary).symlink_to(tmp_path / "elsewhere")
    with OutputFolder(tmp_path) as folder, pytest.raises(OutputError) as refused:
        folder.commit(staged)
    assert refused.value.code == "output_failed"
    assert sorted(os.listdir(tmp_path)) == []  # the link removed, nothing put in place
    with OutputFolder(tmp_path) as folder:
        good = stage_file(tmp_path, "report.pdf", b"%PDF-1.7 second")
        written = folder.commit(good)
        other = stage_file(tmp_path, "other.pdf", b"%PDF-1.7 never committed")
        folder.adopt([other])
    assert written.sha256 == hashlib.sha256(b"%PDF-1.7 second").hexdigest()
    assert sorted(os.listdir(tmp_path)) == ["report.pdf"]  # the adopted, uncommitted file removed on close
    (tmp_path / "link.pdf").symlink_to(tmp_path / "report.pdf")
    with pytest.raises(OutputError) as refused:
        stage_file(tmp_path, "link.pdf", b"x")
    assert refused.value.code == "output_is_symlink"
