"""``--scheduler``: the option that runs a command's stages on Dask distributed, for ``check`` and ``audit``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from compliance.errors import ConfigError
from compliance.pipeline.executors import Executor

F = TypeVar("F", bound=Callable[..., Any])

SCHEDULER_HELP = ("Run the reading, checking and rendering on Dask distributed: tcp://host:8786 (a running "
                  "scheduler whose workers see the input files and the output folder at the same paths) or "
                  "local:N (N worker processes here). Needs `pip install \"dask[distributed]\"`.")


def scheduler_option(command: F) -> F:
    return click.option("--scheduler", default=None, metavar="ADDRESS", help=SCHEDULER_HELP)(command)


@contextmanager
def cluster(address: str | None) -> Iterator[Executor | None]:
    """The Dask executor of `address` for the block (closed after it), or None without one."""
    if not address:
        yield None
        return
    try:
        from compliance.pipeline.distributed import DaskExecutor

        executor = DaskExecutor.connect(address)
    except ImportError as exc:
        raise ConfigError("dask_missing") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError("scheduler_unreachable", address=address, detail=str(exc)) from exc
    try:
        yield executor
    finally:
        executor.close()
