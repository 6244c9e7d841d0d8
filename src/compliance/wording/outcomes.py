"""What happened to a file, in the reader's language: read (how many institutions, how many data
problems), unpacked (an archive), or refused (why)."""

from __future__ import annotations

from compliance.results.problems import FileOutcome
from compliance.results.status import FileStatus
from compliance.wording.catalogue import join, plural, text
from compliance.wording.problems import message as problem_message


def outcome_message(outcome: FileOutcome, problems: int, lang: str) -> str:
    """The outcome of a file with `problems` data problems (its own and its submissions')."""
    if outcome.status is FileStatus.REFUSED and outcome.refusal is not None:
        return problem_message(outcome.refusal, lang)
    if outcome.is_archive and not outcome.submissions:
        message = text("outcome.archive", lang, workbooks=plural("count.workbooks", outcome.unpacked, lang))
        if outcome.skipped:
            message += text("outcome.skipped", lang, files=plural("count.other_files", len(outcome.skipped), lang),
                            names=join(list(outcome.skipped[:10]), lang))
        return message
    message = text("outcome.read", lang, institutions=plural("count.institutions", len(outcome.submissions), lang))
    if problems:
        message += text("outcome.problems", lang, problems=plural("count.data_problems", problems, lang))
    if outcome.rows_refused:
        message += text("outcome.rows_refused", lang, rows=plural("count.rows", outcome.rows_refused, lang))
    if outcome.not_checked:
        message += text("outcome.not_checked", lang,
                        institutions=plural("count.institutions", len(outcome.not_checked), lang))
    if outcome.other_period:
        periods = sorted({ref.period for ref in outcome.other_period})
        message += text("outcome.other_period", lang,
                        institutions=plural("count.institutions", len(outcome.other_period), lang),
                        periods=join(periods, lang))
    return message


def label(outcome: FileOutcome, lang: str) -> str:
    return text(f"file_status.{outcome.status.value}", lang)
