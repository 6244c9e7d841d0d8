"""``compliance audit`` and ``compliance history``: the commands over the history store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from compliance.cli.cluster import cluster, scheduler_option
from compliance.cli.main import EXIT_CODES_HELP, _catalog, _home, _parse_date, main
from compliance.cli.output import plain
from compliance.cli.progress import PROGRESS_CHOICES, LogFile, choose_progress, stamp
from compliance.pipeline.check import exit_code, get_profile
from compliance.results.status import Status
from compliance.wording.catalogue import status_label, text
from compliance.wording.outcomes import outcome_message

LOG_NAME = "audit.log"

AUDIT_HELP = """Audit one period under one profile: check the inbox's submissions of the period, compare
with the earlier audits in the history store, save the run and write the reports into
OUT/<profile>/<period>/.

\b
Run it again over the same inbox and it finds its run in the store: the reports are written
again, identical, and the store gains no rows.  Two audits of the same profile and period into
the same OUT never overlap: the second waits up to --wait seconds, then stops with exit code 2
(audit_running).  Each run appends to OUT/audit.log (or --log)."""


@main.command(help=AUDIT_HELP, epilog=EXIT_CODES_HELP)
@click.option("--profile", required=True, help="Audit profile (a file name without .yaml in checks/).")
@click.option("--period", default=None,
              help="The period audited: 2025Q3, 2025H1, 2025 ... (default: the last quarter that has ended).")
@click.option("--inbox", required=True, type=click.Path(path_type=Path),
              help="Folder (or .zip) of the submissions; those of other periods are set aside and listed.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Output folder; the reports go to OUT/<profile>/<period>/.")
@click.option("--as-of", callback=_parse_date, help="Judge deadlines as of this date (default: the period's end).")
@click.option("--pdf", "pdf_documents", type=click.Choice(["report", "notice", "both", "none"]), default="report",
              show_default=True, help="PDF documents per subject.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Worker processes (default: one per core; 0: all in this process).")
@scheduler_option
@click.option("--wait", type=click.FloatRange(0, 86400), default=0.0, show_default=True,
              help="Seconds to wait for another audit of the same profile and period to finish.")
@click.option("--log", "log_path", type=click.Path(path_type=Path), default=None,
              help=f"Append the run's log lines to this file (default: OUT/{LOG_NAME}).")
@click.option("--progress", type=click.Choice(PROGRESS_CHOICES), default="auto", show_default=True,
              help="A bar on a terminal, plain lines otherwise (auto), or none.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.pass_context
def audit(ctx: click.Context, profile: str, period: str | None, inbox: Path, out: Path, as_of: dt.date | None,
          pdf_documents: str, workers: int | None, scheduler: str | None, wait: float, log_path: Path | None,
          progress: str, lang: str) -> None:
    from compliance.audit import AuditRequest, audit_period, run_audit
    from compliance.outputs.folder import prepare_folder

    ctx.obj["lang"] = lang
    catalog = _catalog(ctx)
    chosen = get_profile(catalog, profile)
    audited = audit_period(period, dt.date.today())
    if not inbox.exists():
        from compliance.errors import ConfigError

        raise ConfigError("inbox_missing", inbox=str(inbox))
    prepare_folder(out)
    log = LogFile(log_path or out / LOG_NAME)
    prefix = f"{chosen.name} {audited.label}"

    def write(line: str) -> None:
        log.write(f"{stamp()} {prefix} {line}")
        click.echo(f"{stamp()} {line}", err=True)

    def say(event: str, values: dict[str, Any]) -> None:
        write(text(f"audit.{event}", lang, **values))

    try:
        with cluster(scheduler) as executor:
            request = AuditRequest(chosen, audited, inbox, out, as_of, lang, pdf_documents, workers, wait,
                                   home=ctx.find_root().obj["home_option"])
            done = run_audit(catalog, request, log=say, progress=choose_progress(progress, lang, write),
                             owns_process=True, executor=executor)
            result = done.result
            counts = result.problem_counts()
            for outcome in result.outcomes:  # files of other periods only were summed up when they were set aside
                problems = counts.get(outcome.file, 0)
                if outcome.status.value != "read" and (problems or outcome.not_checked or not outcome.other_period
                                                       or outcome.status.value == "refused"):
                    write(f"{outcome.path}: {outcome_message(outcome, problems, lang)}")
            code = exit_code(result)
            write(text("audit.finished", lang, code=int(code)))
    except BaseException as exc:
        log.write(f"{stamp()} {prefix} {_stopped(exc, lang)}")  # standard error gets the error from the command group
        raise
    finally:
        log.close()
    ctx.exit(code)


HISTORY_EXIT_HELP = "\b\nExit codes:\n  0  printed\n  2  no such subject in the store, or the store cannot be used"


@main.command(epilog=HISTORY_EXIT_HELP)
@click.argument("subject")
@click.option("--profile", default=None, help="Only the runs of this profile.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.pass_context
def history(ctx: click.Context, subject: str, profile: str | None, output_format: str, lang: str) -> None:
    """A subject's (institution or region code) status on each rule over the stored periods: for each
    period, the latest audit's verdict (else the latest saved check's) as a table, or every stored
    verdict with its run (json)."""
    from compliance.errors import ConfigError
    from compliance.store import api

    ctx.obj["lang"] = lang
    _home(ctx)
    entries = [e for e in api.history(subject, home=ctx.find_root().obj["home_option"])
               if profile is None or e.profile == profile]
    if not entries:
        if profile:
            raise ConfigError("no_history_in_profile", subject=subject, profile=profile)
        raise ConfigError("no_history", subject=subject)
    if output_format == "json":
        click.echo(json.dumps([{key: plain(value) for key, value in vars(e).items()} for e in entries],
                              ensure_ascii=False, indent=2, allow_nan=False))
        return
    periods = sorted({(e.period_start, e.period_end, e.period) for e in entries})
    latest: dict[tuple[str, str], Any] = {}
    for entry in entries:  # oldest run first: a later run of a period replaces an earlier one, a check never an audit
        key = (entry.rule_id, entry.period)
        if entry.run_kind == "audit" or key not in latest or latest[key].run_kind != "audit":
            latest[key] = entry
    rules = sorted({e.rule_id for e in entries})
    rows = [[rule, *(status_label(Status(latest[(rule, p)].status), lang) if (rule, p) in latest else "-"
                     for _, _, p in periods)] for rule in rules]
    click.echo(tabulate(rows, headers=[text("cli.col.rule", lang), *(p for _, _, p in periods)],
                        disable_numparse=True))



def _stopped(exc: BaseException, lang: str) -> str:
    """The log's last line of an audit that did not finish: why, and the exit code it ends with."""
    from compliance.errors import ComplianceError, Interrupted
    from compliance.wording.errors import error_message, interrupted_message

    if isinstance(exc, ComplianceError):
        message, code = error_message(exc, lang), int(exc.exit_code)
    elif isinstance(exc, Interrupted):
        message, code = interrupted_message(exc.signal_number, lang), 128 + exc.signal_number
    elif isinstance(exc, KeyboardInterrupt):
        message, code = interrupted_message(2, lang), 130
    else:
        message, code = text("audit.internal", lang, kind=type(exc).__name__), 3
    return text("audit.stopped", lang, message=message, code=code)

