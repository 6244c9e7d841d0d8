"""How the command and its worker processes take a stop: workers leave stopping to the parent, and
a stop while the command is still loading ends it with 128 + N and no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from compliance.cli import _stop_while_loading
from compliance.pipeline.context import WorkerContext, WorkerSetup
from compliance.pipeline.executors import ProcessPool


def _handlers(context: WorkerContext, name: str) -> str:
    return str(signal.getsignal(getattr(signal, name)))


def test_workers_take_the_default_action_on_a_stop(catalog) -> None:
    """A signal sent to the whole process group must not raise the parent's Interrupted inside a
    worker (a stray traceback, and an unwinding worker racing the parent that stops it)."""
    previous = signal.signal(signal.SIGTERM, lambda number, frame: None)  # as the command's own handler
    try:
        found = ProcessPool(1).run(_handlers, ["SIGINT", "SIGTERM", "SIGHUP"], WorkerSetup(catalog))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert found == [str(signal.SIG_IGN), str(signal.SIG_DFL), str(signal.SIG_DFL)]


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_while_loading_exits_with_its_number(number: int) -> None:
    with pytest.raises(SystemExit) as raised:
        _stop_while_loading(number, None)
    assert raised.value.code == 128 + number


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5])
def test_ctrl_c_at_start_up_prints_no_traceback(delay: float, tmp_path) -> None:
    """SIGINT while the command is loading (or, on a fast machine, just after): exit 130, never a
    traceback."""
    from .conftest import ROOT

    code = "import sys; from compliance.cli import main; sys.argv = ['compliance'] + sys.argv[1:]; main()"
    process = subprocess.Popen([sys.executable, "-c", code, "--home", str(ROOT), "check",
                                str(ROOT / "examples" / "sichuan"), "--out", str(tmp_path / "out")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
