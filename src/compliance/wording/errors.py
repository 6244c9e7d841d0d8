"""The command's own errors in the reader's language: a configuration or usage mistake, an output
that cannot be written, a stop by a signal, a defect of the tool.  A rule file's errors keep their
text (file, line and problem, for the rule's author)."""

from __future__ import annotations

import signal
from pathlib import Path

from compliance.errors import ComplianceError, ConfigError, OutputError
from compliance.outputs.names import NameCollision
from compliance.results.problems import DataProblem
from compliance.wording.catalogue import join, level_label, paren, text


def output_message(error: OutputError, lang: str) -> str:
    """Where, what was expected, what was found and how to fix it."""
    values = dict(error.values)
    if error.code in ("output_is_not_a_file", "output_not_a_folder"):
        values["kind"] = text(f"output.kind.{values.get('kind', 'special')}", lang)
    values.setdefault("detail", "")
    return text("output.message", lang, path=error.path,
                expected=text(f"output.{error.code}.expected", lang, **values),
                found=text(f"output.{error.code}.found", lang, **values),
                fix=text(f"output.{error.code}.fix", lang, **values))


def config_message(error: ConfigError, lang: str) -> str:
    """What is wrong, what was expected or found, and how to fix it; a list of values joined as the
    language joins them, a data problem as its own sentence (where, expected, found, fix)."""
    from compliance.wording import problems

    values = {key: join([str(item) for item in value], lang) if isinstance(value, tuple)
              else problems.message(value, lang) if isinstance(value, DataProblem) else value
              for key, value in error.values.items()}
    if "level" in values:
        values["level"] = level_label(values["level"], lang)
    return text(f"config.{error.code}", lang, **values)


def error_message(error: ComplianceError, lang: str) -> str:
    if isinstance(error, OutputError):
        text_of_error = output_message(error, lang)
    elif isinstance(error, ConfigError):
        text_of_error = config_message(error, lang)
    else:
        text_of_error = str(error)
    return text("cli.error", lang, message=text_of_error)


def interrupted_message(signal_number: int, lang: str) -> str:
    try:
        name = signal.Signals(signal_number).name
    except ValueError:
        name = str(signal_number)
    return text("cli.interrupted", lang, signal=name)


def internal_error_message(kind: str, log: Path | None, lang: str) -> str:
    if log is None:
        return text("cli.internal_error_no_log", lang, kind=kind)
    return text("cli.internal_error", lang, kind=kind, log=log)


def collision_message(collision: NameCollision, lang: str) -> str:
    subjects = join([paren(subject.code, subject.name, lang) for subject in collision.subjects], lang)
    return text("cli.name_collision", lang, subjects=subjects, name=collision.plain, names=join(list(collision.names), lang))
