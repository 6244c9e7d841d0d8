"""Exceptions raised for problems in rule files, configuration and usage.

Problems in *submitted data* are never raised: they are collected as findings or data problems
so that evaluation always covers every rule.  Each exception class carries the exit code the
command line ends with (``exit_code``), mapped in one place: :func:`compliance.cli.main.run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance.results.findings import Details
from compliance.results.problems import Place
from compliance.results.status import ExitCode


class ComplianceError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: ExitCode = ExitCode.USAGE_OR_INPUT_ERROR


class RuleFileError(ComplianceError):
    """A rule pack or profile file is malformed. Names file, line and problem."""

    def __init__(self, path: str | Path, line: int | None, problem: str, fix: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line else self.path
        text = f"{where}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class ConfigError(ComplianceError):
    """A configuration or usage problem (an unknown profile, a missing rules folder …): ``code``
    names it, and its sentence in each language is the catalogue's ``config.<code>``, filled from
    ``values`` (:func:`compliance.wording.errors.config_message`); ``str()`` gives the English one,
    for logs."""

    def __init__(self, code: str, /, **values: Any) -> None:
        self.code = code
        self.values = Details.of(**values)
        super().__init__(code)

    def __str__(self) -> str:
        from compliance.wording.errors import config_message

        return config_message(self, "en")

    def __reduce__(self) -> tuple[Any, ...]:
        return _config_error, (self.code, self.values)


def _config_error(code: str, values: Details) -> ConfigError:
    return ConfigError(code, **dict(values))


class ExpressionError(ComplianceError):
    """An arithmetic expression in a rule is not allowed or not well formed."""


class SubmissionError(ComplianceError):
    """A submitted file (or a row of a flat table) cannot be read at all; carried into a refused-file
    outcome as a data problem with the same code, place and values (see
    :class:`compliance.results.problems.DataProblem`)."""

    def __init__(self, path: str | Path, code: str, place: Place | None = None, values: Details | None = None) -> None:
        self.path = str(path)
        self.code = code
        self.place = place or Place()
        self.values = values or Details()
        super().__init__(f"{self.path} {code} {self.place} {dict(self.values)}")


class EngineError(ComplianceError):
    """The rule engine failed in a way that is not caused by submitted data."""


class OutputError(ComplianceError):
    """An output cannot be written.  ``code`` says why (a key of
    :data:`compliance.outputs.folder.OUTPUT_PROBLEM_MEANING`), ``path`` names the file or folder,
    ``values`` fill the sentences :mod:`compliance.wording.errors` words it with."""

    def __init__(self, code: str, path: str | Path, values: Details | None = None) -> None:
        self.code = code
        self.path = str(path)
        self.values = values or Details()
        super().__init__(f"{self.path}: {code} {dict(self.values)}")


class Interrupted(BaseException):
    """The command was stopped by a signal (SIGINT, SIGTERM, SIGHUP).  A BaseException, like
    KeyboardInterrupt, so no ``except Exception`` on the way out swallows it; every ``finally``
    runs, removing temporary files.  The command line ends with 128 + the signal's number."""

    def __init__(self, signal_number: int) -> None:
        self.signal_number = signal_number
        super().__init__(signal_number)


class StageError(ComplianceError):
    """A stage of the pipeline could not produce a result (a subject could not be evaluated, a
    document could not be rendered); the message names the subject and the document."""
