"""Progress of a run's stages, told to whoever shows it (a bar on a terminal, log lines under cron).

The library only counts: a stage starts with its number of tasks, advances as tasks finish (in the
parent process), and finishes.  Stage names are codes (``read``, ``evaluate``, ``render``,
``store``); the command line words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class NoProgress:
    """Progress nobody watches."""

    def start(self, stage: str, total: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None

    def finish(self) -> None:
        return None


NO_PROGRESS = NoProgress()
