"""One audit of a profile and period at a time: an advisory lock on a file in the output folder.

The lock file (``.<profile>-<period>.audit-lock`` beside the period folders) is made by the tool,
opened without following a symbolic link, and kept (removing it would let a third run lock a new
file while the second still waits on the old one).  The lock is the operating system's
(``flock``): it is let go when the process ends, however it ends, so a killed run never leaves
a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from compliance.errors import OutputError
from compliance.outputs.folder import output_error
from compliance.results.findings import Details

POLL_SECONDS = 0.2
_OPEN = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def lock_name(profile_stem: str, period: str) -> str:
    return f".{profile_stem}-{period}.audit-lock"


def open_lock_file(path: Path, mode: int = 0o644) -> int:
    """The lock file at `path`, made when missing, never through a symbolic link (OutputError
    ``output_is_symlink``, or the error of any other failure to open it)."""
    try:
        return os.open(path, _OPEN, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError("output_is_symlink", path) from None
        raise output_error(exc, path) from None


@contextmanager
def audit_lock(folder: Path, profile_stem: str, period: str, wait: float = 0.0) -> Iterator[Path]:
    """Hold the lock of `profile_stem` and `period` in `folder` for the block; when another run
    holds it, wait up to `wait` seconds for it, then refuse (OutputError ``audit_running``)."""
    path = folder / lock_name(profile_stem, period)
    fd = open_lock_file(path)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError("audit_running", path,
                                      Details.of(profile=profile_stem, period=period, waited=round(wait))) from None
                time.sleep(POLL_SECONDS)
        yield path
    finally:
        os.close(fd)  # closing the descriptor lets the lock go
