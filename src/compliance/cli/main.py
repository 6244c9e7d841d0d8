"""The ``compliance`` command line: parse arguments, call library functions, map to exit codes."""

from __future__ import annotations

import datetime as dt
import errno
import json
import signal
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from compliance.cli.cluster import cluster, scheduler_option
from compliance.cli.output import findings_table, json_chunks
from compliance.cli.process import stopping_on_signals, write_crash_log
from compliance.cli.progress import PROGRESS_CHOICES, choose_progress, stamp
from compliance.errors import ComplianceError, ConfigError, Interrupted
from compliance.ingest.template import write_template
from compliance.paths import HOME_VARIABLE, Home, resolve_home
from compliance.pipeline.check import (
    DEFAULT_PROFILE,
    exit_code,
    get_profile,
    load_default_catalog,
    run_check,
)
from compliance.results.status import ExitCode, FileStatus
from compliance.rules.dictionary import data_dictionary
from compliance.rules.loader import load_catalog, load_pack, load_waivers, waiver_files
from compliance.rules.spec import Catalog
from compliance.wording.catalogue import DEFAULT_LANGUAGE, text
from compliance.wording.errors import (
    collision_message,
    error_message,
    internal_error_message,
    interrupted_message,
)
from compliance.wording.outcomes import outcome_message
from compliance.wording.problems import message as problem_message

EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    f"  {ExitCode.COMPLIANT.value}  every applicable rule passes (or is not due / not applicable)\n"
    f"  {ExitCode.FINDINGS.value}  a rule fails, warns, lacks data or could not be evaluated\n"
    f"  {ExitCode.USAGE_OR_INPUT_ERROR.value}  usage error, bad rule or profile file, a submitted file was refused, "
    "or an output could not be written\n"
    f"  {ExitCode.INTERNAL_ERROR.value}  internal error (a defect of the tool; the message names its crash log)\n"
    f"  {ExitCode.HANGUP.value}  stopped by SIGHUP, {ExitCode.INTERRUPTED.value}  by SIGINT (Ctrl-C), "
    f"{ExitCode.TERMINATED.value}  by SIGTERM (128 + the signal's number); unfinished files are removed"
)


def _parse_date(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-12-31") from None


class CommandGroup(click.Group):
    """The one place that maps what a command raises to its exit code and message: a
    ComplianceError ends it with its message and the exit code its class carries; a stop by a
    signal with 128 + the signal's number; anything else is a defect of the tool, written to a
    crash log, with one line saying where (exit code 3).  Click's own exits pass through."""

    def invoke(self, ctx: click.Context) -> Any:
        with stopping_on_signals():
            try:
                return self._invoke_mapped(ctx)
            except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
                raise
            except Exception as exc:
                if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                    raise  # stdout closed by a reader (| head): click ends quietly
                log = write_crash_log(exc)
                click.echo(internal_error_message(type(exc).__name__, log, _lang(ctx)), err=True)
                ctx.exit(ExitCode.INTERNAL_ERROR)

    def _invoke_mapped(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ComplianceError as exc:
            click.echo(error_message(exc, _lang(ctx)), err=True)
            ctx.exit(exc.exit_code)
        except Interrupted as exc:
            click.echo(interrupted_message(exc.signal_number, _lang(ctx)), err=True)
            ctx.exit(128 + exc.signal_number)
        except KeyboardInterrupt:
            click.echo(interrupted_message(signal.SIGINT, _lang(ctx)), err=True)
            ctx.exit(ExitCode.INTERRUPTED)


def _lang(ctx: click.Context) -> str:
    return (ctx.obj or {}).get("lang", DEFAULT_LANGUAGE)


HOME_HELP = (
    f"A site's folder of rule packs (rules/) and audit profiles (checks/); default: ${HOME_VARIABLE}, else the "
    "rules and profiles bundled with the package. A home with rules/ replaces the bundled rules and profiles; "
    "a home with only checks/ adds its profiles to the bundled ones (same name: the home's). "
    "`compliance template` writes into its inputs/templates/ unless given --out."
)


@click.group(cls=CommandGroup, epilog=EXIT_CODES_HELP)
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None, help=HOME_HELP)
@click.version_option(package_name="compliance")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """Check hospital submissions against health-reform policy rules and write gap reports."""
    ctx.obj = {"home_option": home}


def _home(ctx: click.Context) -> Home:
    """The home of this run (resolved once, when a command first needs it)."""
    obj = ctx.find_root().obj
    if "home" not in obj:
        obj["home"] = resolve_home(obj["home_option"])
    home: Home = obj["home"]
    return home


def _catalog(ctx: click.Context) -> Catalog:
    return load_default_catalog(_home(ctx))


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True,
              help="Audit profile: a file name (without .yaml) in checks/ of the home or of the bundled profiles.")
@click.option("--as-of", callback=_parse_date, help="Check as of this date (YYYY-MM-DD); default: end of each period.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the Excel gap workbook and PDF inspection report into this folder.")
@click.option("--pdf", "pdf_documents", type=click.Choice(["report", "notice", "both", "none"]), default="report",
              show_default=True,
              help="PDF documents per subject with --out: the inspection report, the one-page inspection "
                   "notice (result, items to fix, signatures), both, or none.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Worker processes reading files and rendering PDFs (default: one per core; 0: all in this "
                   "process).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the tool's own wording in the output and reports (rule text stays as written).")
@click.option("--progress", type=click.Choice(PROGRESS_CHOICES), default="auto", show_default=True,
              help="Progress of reading, checking and rendering on standard error: a bar on a terminal, "
                   "lines otherwise (auto), or none.")
@click.option("--save", is_flag=True, help="Save the run and its findings in the history store (see `compliance db`).")
@scheduler_option
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], profile: str, as_of: dt.date | None, output_format: str,
          out: Path | None, pdf_documents: str, workers: int | None, lang: str, progress: str, save: bool,
          scheduler: str | None) -> None:
    """Check workbooks (.xlsx .xlsm .xls .ods .csv, folders or .zip archives); one finding per rule and subject."""
    ctx.obj["lang"] = lang
    catalog = _catalog(ctx)
    chosen = get_profile(catalog, profile)
    shown = choose_progress(progress, lang, lambda line: click.echo(f"{stamp()} {line}", err=True))
    if save:
        from compliance.store import api

        api.require_up_to_date(home=ctx.find_root().obj["home_option"])  # before any file is read
    with cluster(scheduler) as executor:
        result = run_check(catalog, chosen, paths, as_of, workers, executor=executor, started_by="cli",
                           owns_process=True, progress=shown)
        if save:
            api.save_run(result, home=ctx.find_root().obj["home_option"])
        counts = result.problem_counts()
        for outcome in result.outcomes:
            message = outcome_message(outcome, counts.get(outcome.file, 0), lang)
            if outcome.status is FileStatus.REFUSED:
                click.echo(text("cli.refused", lang, message=f"{outcome.path}: {message}"), err=True)
            elif outcome.status is FileStatus.READ_WITH_WARNINGS:
                click.echo(text("cli.warning", lang, path=outcome.path, message=message), err=True)
        for problem in result.problems:
            click.echo(text("cli.problem", lang, message=problem_message(problem, lang)), err=True)
        if output_format == "json":
            for chunk in json_chunks(result, lang):  # a country's findings are never one string
                click.echo(chunk, nl=False)
            click.echo()
        else:
            click.echo(findings_table(result, lang))
        if out is not None:
            from compliance.report import write_reports

            written = write_reports(result, catalog, out, lang=lang, pdf=pdf_documents, workers=workers,
                                    executor=executor, owns_process=True, progress=shown)
            for collision in written.collisions:
                click.echo(collision_message(collision, lang), err=True)
            for path in written.paths:
                click.echo(text("cli.wrote", lang, path=path), err=True)
    ctx.exit(exit_code(result))


@main.group()
def rules() -> None:
    """List, show and validate rule packs."""


@rules.command("list")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def rules_list(ctx: click.Context, output_format: str) -> None:
    """One line per rule: id, kind, level, title."""
    catalog = _catalog(ctx)
    rows = [{"id": r.id, "kind": r.kind, "level": r.applies.level, "severity": r.severity.value, "title": r.title,
             "document": r.citation.document_number, "clause": r.citation.clause} for r in catalog.rules]
    if output_format == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        click.echo(tabulate([[r["id"], r["kind"], r["level"], r["severity"], r["title"]] for r in rows],
                            headers=["id", "kind", "level", "severity", "title"], disable_numparse=True))


@rules.command("show")
@click.argument("rule_id")
@click.pass_context
def rules_show(ctx: click.Context, rule_id: str) -> None:
    """Everything a rule says, with its citation."""
    catalog = _catalog(ctx)
    try:
        rule = catalog.rule(rule_id)
    except KeyError:
        raise ConfigError("unknown_rule", rule=rule_id) from None
    lines = [
        f"id:           {rule.id}",
        f"title:        {rule.title}",
        f"kind:         {rule.kind}",
        f"domain:       {rule.domain}",
        f"document:     {rule.citation.document_number}《{rule.citation.document_title}》",
        f"clause:       {rule.citation.clause}",
        f"quote:        {rule.citation.quote_text}",
        f"jurisdiction: {rule.jurisdiction.label}",
        (f"applies to:   level={rule.applies.level} ownership={','.join(rule.applies.ownership) or 'any'} "
         f"grade={','.join(rule.applies.grade) or 'any'} type={','.join(rule.applies.type) or 'any'}"),
        f"              {rule.applies.description}",
        f"effective:    {rule.effective_from or '-'}   deadline: {rule.deadline or '-'}",
        (f"time scope:   {rule.scope_start or '-'} .. {rule.scope_end or 'open'}"
         f"{' (continues beyond its document' + chr(39) + 's scope)' if rule.continues else ''}"
         f"   document: {rule.citation.validity.value}"
         f"{' since ' + rule.citation.validity_date.isoformat() if rule.citation.validity_date else ''}"),
        f"binding:      {rule.binding} (a miss is {rule.severity.value})",
        f"unit:         {rule.unit}",
        f"defined at:   {rule.path}:{rule.line}",
    ]
    if rule.notes:
        lines.append(f"notes:        {rule.notes}")
    click.echo("\n".join(lines))


@rules.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def rules_validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Validate rule packs (default: every pack and profile); errors name file and line."""
    if files:
        for path in files:
            pack = load_pack(path)
            click.echo(f"ok: {path} ({len(pack.rules)} rules)")
    else:
        home = _home(ctx)
        catalog = load_catalog(home.rules, home.checks)
        click.echo(f"ok: {len(catalog.packs)} packs, {len(catalog.rules)} rules, {len(catalog.profiles)} profiles")
        click.echo(f"read from {home.description}")


@main.group()
def waivers() -> None:
    """Check waiver files (checks/waivers/*.yaml): exceptions to a rule for one subject."""


@waivers.command("lint")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def waivers_lint(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Validate waiver files (default: checks/waivers/ of the home, else the bundled ones) against the
    rules; an error names file and line (exit 2)."""
    home = _home(ctx)
    catalog = load_catalog(home.rules, home.checks, waivers=False)
    paths = list(files) or waiver_files(home.checks)
    loaded = load_waivers(paths, frozenset(rule.id for rule in catalog.rules))
    for path in paths:
        click.echo(f"ok: {path} ({sum(waiver.path == str(path) for waiver in loaded)} waivers)")
    if not paths:
        click.echo(f"ok: no waiver files in {', '.join(str(folder / 'waivers') for folder in home.checks)}")


@rules.command("coverage")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def rules_coverage(ctx: click.Context, output_format: str) -> None:
    """Per document: catalog rows, rules encoded, rules with tests, rows left out and why."""
    from compliance.rules.coverage import (
        CATALOG_FILE,
        coverage,
        read_catalog_ids,
        share_encoded,
    )

    home = _home(ctx)
    catalog = _catalog(ctx)
    catalog_path = home.rules / CATALOG_FILE
    if not catalog_path.exists():
        raise ConfigError("requirements_catalog_missing", path=str(catalog_path))
    cases = home.rules.parent / "tests" / "cases"  # the per-rule cases, in a checkout (none are bundled)
    entries = coverage(catalog, read_catalog_ids(catalog_path), cases)
    share = share_encoded(entries)
    if output_format == "json":
        click.echo(json.dumps({"share_encoded": share, "documents": [e.to_dict() for e in entries]},
                              ensure_ascii=False, indent=2))
    else:
        rows = [[e.pack, len(e.catalog_rows), len(e.encoded), len(e.tested), len(e.left_out), len(e.unaccounted)]
                for e in entries]
        totals = [sum(row[i] for row in rows) for i in range(1, 6)]
        click.echo(tabulate(rows + [["total", *totals]],
                            headers=["document", "catalog rows", "encoded", "tested", "left out", "unaccounted"],
                            disable_numparse=True))
        click.echo(f"\nencoded: {share:.1%} of catalog rows\n")
        documents = [e for e in entries if e.validity]
        click.echo(tabulate([[e.pack, e.issued or "-", e.effective, f"{e.scope_start} .. {e.scope_end or 'open'}",
                              e.validity + (f" {e.validity_date}" if e.validity_date else ""), len(e.continuing)]
                             for e in documents],
                            headers=["document", "issued", "effective", "time scope", "validity", "continuing rules"],
                            disable_numparse=True))
        click.echo("")
        for entry in entries:
            for req_id, reason in entry.left_out.items():
                click.echo(f"left out  {req_id}: {reason}")
            for req_id in entry.unaccounted:
                click.echo(f"MISSING   {req_id}: neither encoded nor explained under not_encoded:")
            for req_id in entry.untested:
                click.echo(f"UNTESTED  {req_id}: needs pass, fail, boundary and missing cases in tests/cases/")
    complete = all(not e.unaccounted and not e.untested for e in entries) and share >= 0.9
    ctx.exit(ExitCode.COMPLIANT if complete else ExitCode.FINDINGS)


@main.command()
@click.option("--profile", default=None, help="Only the fields this profile needs (default: every rule).")
@click.option("--level", type=click.Choice(["hospital", "region", "all"]), default="all", show_default=True,
              help="Which subject's workbook: a hospital's, a region's, or both.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: inputs/templates/ of the home given by --home or "
                   f"${HOME_VARIABLE}, or of the source checkout; with neither: the current folder).")
@click.option("--identify", "identify", multiple=True, metavar="FIELD=VALUE",
              help="Fill in the basic-information sheet, e.g. --identify institution_code=12230100MB0000101M "
                   "--identify institution_name=某医院 (with --level hospital or region).")
@click.pass_context
def template(ctx: click.Context, profile: str | None, level: str, out: Path | None, identify: tuple[str, ...]) -> None:
    """Generate blank self-assessment workbooks from the rules (one per subject level)."""
    catalog = _catalog(ctx)
    chosen = get_profile(catalog, profile) if profile else None
    levels = ["hospital", "region"] if level == "all" else [level]
    filled: dict[str, str] = {}
    for item in identify:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--identify")
        filled[field.strip()] = value.strip()
    if filled and level == "all":
        raise click.BadParameter("give --level hospital or region with --identify", param_hint="--identify")
    folder = out or _home(ctx).templates or Path.cwd()
    for each in levels:
        path = write_template(catalog, folder, chosen, each, filled)
        click.echo(str(path))


@main.command()
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def fields(ctx: click.Context, output_format: str) -> None:
    """Print the data dictionary: every field code a submission can carry."""
    entries = data_dictionary(_catalog(ctx))
    if output_format == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    click.echo(tabulate([[e["code"], e["section"], e["name"], e["unit"], e["type"], ",".join(e["used_by"])]
                         for e in entries], headers=["code", "section", "name", "unit", "type", "used by"],
                        disable_numparse=True))


@main.group()
def db() -> None:
    """The history store: $DATABASE_URL, else store.sqlite3 in the home (see README, History store)."""


def _print_store(state: Any) -> None:
    click.echo(f"database: {state.vendor} {state.location}")
    click.echo(f"applied: {', '.join(state.applied) or '(none)'}")
    if state.unapplied:
        click.echo(f"unapplied: {', '.join(state.unapplied)} (run `compliance db migrate`)")
    else:
        click.echo("up to date")


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Create or update the history store's tables."""
    from compliance.store import (
        api,  # Django is loaded only by the commands that use the store
    )

    _print_store(api.migrate(home=ctx.find_root().obj["home_option"]))


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Which database the history store is, and which of its migrations are applied."""
    from compliance.store import api

    _print_store(api.status(home=ctx.find_root().obj["home_option"]))


from compliance.cli import audit as _audit_commands  # noqa: F401 - registers audit and history on main
from compliance.cli import users as _users_commands  # noqa: F401 - registers users on main
from compliance.cli import serve as _serve_commands  # noqa: F401 - registers serve on main
