"""The ``compliance`` command line: a thin adapter over the library's functions."""

from compliance.cli.main import main

__all__ = ["main"]
