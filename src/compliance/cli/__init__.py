"""The ``compliance`` command line: a thin adapter over the library's functions.

:func:`main` is the installed command.  Loading the library takes a moment; a SIGINT, SIGTERM or
SIGHUP that arrives meanwhile ends the command with 128 + the signal's number and no traceback
(once loaded, the command stops on them with its one-line message, see ``cli/process.py``).
"""

from __future__ import annotations

import signal
from types import FrameType

STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop_while_loading(signal_number: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signal_number)


def main() -> None:
    for number in STOPPING:
        signal.signal(number, _stop_while_loading)
    from compliance.cli.main import main as command

    command()


__all__ = ["main"]
