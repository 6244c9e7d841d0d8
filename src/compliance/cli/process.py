"""What the command line does as a process of its own: stop cleanly on a signal, and leave a
crash log when the tool itself fails.

On SIGINT, SIGTERM or SIGHUP the command raises :class:`compliance.errors.Interrupted` where it
is, so every ``finally`` on the way out runs (worker processes are stopped, temporary files and
folders removed); a second signal while that happens is ignored rather than cutting the cleanup
short.  An unexpected exception is written with its traceback to a log file, and the user gets
one line saying where it is.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from compliance import __version__
from compliance.errors import Interrupted

LOG_DIR_VARIABLE = "COMPLIANCE_LOG_DIR"
STOPPING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Within the block, the stopping signals raise Interrupted (once); the previous handlers are
    restored after it.  Does nothing outside the main thread, where handlers cannot be set."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signal_number: int, frame: FrameType | None) -> None:
        if received:
            return
        received.append(signal_number)
        raise Interrupted(signal_number)

    previous: dict[int, Any] = {number: signal.signal(number, stop) for number in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def log_folder() -> Path:
    """Where crash logs go: ``$COMPLIANCE_LOG_DIR``, else the user's state folder
    (``$XDG_STATE_HOME/compliance/logs``, by default ``~/.local/state/compliance/logs``)."""
    if os.environ.get(LOG_DIR_VARIABLE):
        return Path(os.environ[LOG_DIR_VARIABLE])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "compliance" / "logs"


def _working_folder() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "?"


def write_crash_log(error: BaseException, argv: list[str] | None = None) -> Path | None:
    """Write `error`'s traceback, the command and the versions to a new log file; its path, or
    None (the traceback then goes to stderr) when no log can be written."""
    from compliance.errors import OutputError
    from compliance.outputs import write_file

    now = dt.datetime.now(dt.UTC)
    details = "".join(traceback.format_exception(error))
    body = (f"compliance {__version__} crashed at {now.isoformat()}\n"
            f"command: {' '.join(argv if argv is not None else sys.argv)}\n"
            f"python: {sys.version.split()[0]} on {platform.platform()}\n"
            f"working folder: {_working_folder()}\n\n{details}")
    path = log_folder() / f"crash-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    try:
        return write_file(path, body.encode("utf-8")).path
    except (OutputError, OSError):
        sys.stderr.write(body)
        return None
