"""Runs killed or stopped while writing: only complete files under final names, a manifest only once a
run is complete, temporary files and folders removed (TMPDIR empty) on every exit but SIGKILL, and
what a SIGKILL left removed by the next run into the folder.

The command runs in a child process; a few lines of test instrumentation in the child pause it at
the chosen moment (a file complete under its temporary name, or a PDF being rendered in a worker)
and leave a marker file, and the test then sends the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from compliance.outputs import MANIFEST_NAME
from compliance.results.status import ExitCode

from .conftest import EXAMPLES, ROOT
from .test_outputs import assert_manifest_matches

BATCH = [str(EXAMPLES / "sichuan")]  # a province and two hospitals
CHILD = """
import os, sys, time
from pathlib import Path

marker = Path(os.environ["PAUSE_MARKER"])
pause = os.environ.get("PAUSE_AT", "")

def wait_here():
    marker.write_text(str(os.getpid()))
    time.sleep(300)

if pause.startswith("rename:"):
    wanted, count = pause.split(":")[1], int(pause.split(":")[2])
    seen = []
    real_rename = os.rename

    def rename(source, target, **options):
        if str(target).endswith(wanted):
            seen.append(target)
            if len(seen) == count:
                wait_here()
        return real_rename(source, target, **options)

    os.rename = rename
elif pause.startswith("render:"):
    import compliance.report as report
    count = int(pause.split(":")[1])
    real_task = report.render_task
    done = []

    def render_task(context, request):
        done.append(request)
        if len(done) >= count or request.report.subject.subject.code == os.environ.get("PAUSE_CODE"):
            wait_here()
        return real_task(context, request)

    report.render_task = render_task

from compliance.cli.main import main
main(sys.argv[1:], prog_name="compliance")
"""


def start(tmp_path: Path, out: Path, pause: str = "", *, workers: str = "2", paths: list[str] = BATCH,
          pause_code: str = "") -> tuple[subprocess.Popen[bytes], Path, Path]:
    scratch = tmp_path / "tmpdir"
    scratch.mkdir(exist_ok=True)
    marker = tmp_path / f"paused-{time.monotonic_ns()}"
    env = {**os.environ, "TMPDIR": str(scratch), "PAUSE_MARKER": str(marker), "PAUSE_AT": pause,
           "PAUSE_CODE": pause_code, "COMPLIANCE_LOG_DIR": str(tmp_path / "logs"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    args = ["--home", str(ROOT), "check", *paths, "--profile", "auto", "--out", str(out), "--workers", workers]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    return child, marker, scratch


def wait_for(marker: Path, child: subprocess.Popen[bytes], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"the run ended before pausing: {child.stderr.read().decode() if child.stderr else ''}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the run never reached the pause")
        time.sleep(0.05)


def finish(child: subprocess.Popen[bytes]) -> tuple[int, str]:
    _, stderr = child.communicate(timeout=120)
    return child.returncode, stderr.decode("utf-8", errors="replace")


def complete(path: Path) -> bool:
    if path.suffix == ".pdf":
        data = path.read_bytes()
        return data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    return True


def no_processes_left(session: int) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == session:
                    return False
            except (ProcessLookupError, PermissionError):
                continue
    return True


def rerun(tmp_path: Path, out: Path) -> None:
    child, _, scratch = start(tmp_path, out)
    code, stderr = finish(child)
    assert code == ExitCode.FINDINGS, stderr
    assert_manifest_matches(out)
    assert list(scratch.iterdir()) == []


def test_sigkill_while_the_workbook_is_written_then_a_rerun(tmp_path: Path) -> None:
    out = tmp_path / "out"
    rerun(tmp_path, out)  # a complete earlier run
    before = (out / "gap-report.xlsx").read_bytes()
    child, marker, _ = start(tmp_path, out, "rename:gap-report.xlsx:1")
    wait_for(marker, child)
    child.send_signal(signal.SIGKILL)
    finish(child)
    assert (out / "gap-report.xlsx").read_bytes() == before  # the earlier run's, whole
    assert not (out / MANIFEST_NAME).exists()  # the folder says its run is unfinished
    assert [p for p in out.iterdir() if p.name.startswith(".")], "the killed run's temporary file"
    assert all(complete(path) for path in out.iterdir() if not path.name.startswith("."))
    rerun(tmp_path, out)


def test_sigkill_while_the_third_pdf_is_written_then_a_rerun(tmp_path: Path) -> None:
    out = tmp_path / "out"
    child, marker, _ = start(tmp_path, out, "rename:.pdf:3")
    wait_for(marker, child)
    child.send_signal(signal.SIGKILL)
    finish(child)
    visible = [path for path in out.iterdir() if not path.name.startswith(".")]
    assert sorted(path.suffix for path in visible) == [".pdf", ".pdf", ".xlsx"]
    assert all(complete(path) for path in visible) and not (out / MANIFEST_NAME).exists()
    rerun(tmp_path, out)
    assert len(list(out.glob("*.pdf"))) == 3


@pytest.mark.parametrize(("sent", "code", "words"), [(signal.SIGTERM, ExitCode.TERMINATED, "SIGTERM"),
                                                     (signal.SIGINT, ExitCode.INTERRUPTED, "SIGINT"),
                                                     (signal.SIGHUP, ExitCode.HANGUP, "SIGHUP")])
def test_a_signal_while_pdfs_are_rendered_stops_the_run_cleanly(sent: int, code: int, words: str,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "out"
    child, marker, scratch = start(tmp_path, out, "render:99", pause_code="12510100MB0000102L")
    wait_for(marker, child)
    child.send_signal(sent)
    returned, stderr = finish(child)
    assert returned == code, stderr
    assert f"已中断（{words}）" in stderr and "Traceback" not in stderr
    assert not (out / MANIFEST_NAME).exists() and not [p for p in out.iterdir() if p.name.startswith(".")]
    assert list(scratch.iterdir()) == [], "TMPDIR holds what the run left"
    deadline = time.monotonic() + 10
    while not no_processes_left(child.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert no_processes_left(child.pid), "a worker process outlived the run"


def test_a_signal_in_a_single_process_run_stops_it_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    child, marker, scratch = start(tmp_path, out, "rename:.pdf:2", workers="0")
    wait_for(marker, child)
    child.send_signal(signal.SIGTERM)
    returned, stderr = finish(child)
    assert returned == ExitCode.TERMINATED, stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")] and list(scratch.iterdir()) == []


def test_tmpdir_is_empty_after_runs_that_succeed_and_fail(tmp_path: Path) -> None:
    out = tmp_path / "out"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not an archive")
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(EXAMPLES / "hospital-compliant.xlsx", "2024/a.xlsx")
    (tmp_path / "file").write_text("x")
    for paths, target, expected in (([*BATCH, str(archive)], out, ExitCode.FINDINGS),
                                    ([str(broken), str(archive)], out, ExitCode.USAGE_OR_INPUT_ERROR),
                                    ([str(archive)], tmp_path / "file" / "out", ExitCode.USAGE_OR_INPUT_ERROR)):
        child, _, scratch = start(tmp_path, target, paths=paths)
        returned, stderr = finish(child)
        assert returned == expected, stderr
        assert list(scratch.iterdir()) == [], (paths, stderr)
