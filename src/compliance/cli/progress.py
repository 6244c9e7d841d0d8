"""Progress on the command line: a bar on a terminal, plain lines elsewhere (cron, a log file).

``--progress auto`` (default) draws a bar when standard error is a terminal and otherwise writes
one line per stage when it ends, and one every ``LINE_SECONDS`` while a long stage runs.  Lines
start with the time, so a cron mail or a log file shows where an audit spent its time.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from compliance.errors import OutputError
from compliance.outputs.folder import output_error
from compliance.pipeline.progress import NO_PROGRESS, Progress
from compliance.wording.catalogue import text

LINE_SECONDS = 30.0
PROGRESS_CHOICES = ("auto", "bar", "lines", "none")


def stamp() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class LineProgress:
    """A line when a stage ends (and every LINE_SECONDS while it runs): time, stage, done of total."""

    def __init__(self, write: Callable[[str], None], lang: str) -> None:
        self.write, self.lang = write, lang
        self.stage, self.total, self.done, self.last = "", 0, 0, 0.0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.total, self.done, self.last = stage, total, 0, time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.last >= LINE_SECONDS and self.done < self.total:
            self._line()

    def finish(self) -> None:
        self._line()

    def _line(self) -> None:
        self.last = time.monotonic()
        self.write(text("progress.line", self.lang, stage=text(f"progress.{self.stage}", self.lang),
                        done=self.done, total=self.total))


class BarProgress:
    """click's progress bar on standard error, one per stage."""

    def __init__(self, lang: str, stream: TextIO | None = None) -> None:
        self.lang, self.stream = lang, stream or sys.stderr
        self._bar: Any = None

    def start(self, stage: str, total: int) -> None:
        self.finish()
        self._bar = click.progressbar(length=total, label=text(f"progress.{stage}", self.lang), file=self.stream,
                                      show_pos=True)
        self._bar.__enter__()

    def advance(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def choose_progress(choice: str, lang: str, write: Callable[[str], None]) -> Progress:
    """The progress `choice` names; ``auto``: a bar on a terminal, lines otherwise."""
    if choice == "none":
        return NO_PROGRESS
    if choice == "bar" or (choice == "auto" and sys.stderr.isatty()):
        return BarProgress(lang)
    return LineProgress(write, lang)


_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class LogFile:
    """An audit's log: lines appended (never a symbolic link followed), each written at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._fd = os.open(path, _LOG_FLAGS, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OutputError("output_is_symlink", path) from None
            raise output_error(exc, path) from None

    def write(self, line: str) -> None:
        os.write(self._fd, (line.rstrip("\n") + "\n").encode("utf-8"))

    def close(self) -> None:
        os.close(self._fd)
