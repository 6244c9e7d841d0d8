"""The command's own errors in the reader's language: an output that cannot be written, a stop by
a signal, a defect of the tool.  Other errors (a rule file's, a usage mistake) keep their text."""

from __future__ import annotations

import signal
from pathlib import Path

from compliance.errors import ComplianceError, OutputError
from compliance.outputs.names import NameCollision
from compliance.wording.catalogue import join, paren, text


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


def error_message(error: ComplianceError, lang: str) -> str:
    text_of_error = output_message(error, lang) if isinstance(error, OutputError) else str(error)
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
