"""The supervisors' pages: the jurisdiction's dashboard, a hospital's drill-down, waivers granted
with the supervisor as approver, and audits of a period run in the background."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from compliance.errors import ComplianceError, ConfigError
from compliance.outputs import write_file
from compliance.pipeline.progress import Progress
from compliance.rules.loader import load_waivers, waiver_files
from compliance.store import portal as store
from compliance.store.accounts import Role
from compliance.web.access import for_roles, portal, record, with_intake
from compliance.web.intake import IntakeHandler
from compliance.web.pages import render
from compliance.web.uploads import Refused, Upload
from compliance.web.views import open_private, rule_titles

FILTERS = ("city", "grade", "ownership")


@require_GET
@for_roles(Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in FILTERS}
    board = store.dashboard(request.tenant, request.GET.get("period") or None, filters,  # type: ignore[attr-defined]
                            portal().config.store_url)
    return render(request, "web/dashboard.html", board=board, filters=filters, gaps=_worded_gaps(request, board))


def _worded_gaps(request: HttpRequest, board: store.Dashboard) -> list[tuple[store.GapRow, dict[str, Any]]]:
    """Each of the largest gaps with its finding as the upload's result words it (title, the sentence
    with observed value, requirement and gap in the reader's language): figures are never re-worded here."""
    from compliance.web.pages import language
    from compliance.web.views import result_of

    results: dict[str, dict[str, Any]] = {}
    worded = []
    for gap in board.gaps:
        if gap.upload not in results:
            results[gap.upload] = {f["rule_id"]: f for f in result_of(gap.upload, language(request))["findings"]}
        finding = results[gap.upload].get(gap.rule_id)
        if finding is not None:
            worded.append((gap, finding))
    return worded


@require_GET
@for_roles(Role.SUPERVISOR)
def institution(request: HttpRequest, code: str) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    if not tenant.covers(code):
        raise Http404()
    url = portal().config.store_url
    uploads = store.uploads(tenant, institution=code, url=url)
    trend = store.institution_trend(tenant, code, url=url)
    name = next((upload.name for upload in uploads if upload.name), "")
    return render(request, "web/institution.html", code=code, name=name, uploads=uploads, trend=trend,
                  titles=rule_titles())


def _waivers_of(tenant: Any) -> list[Any]:
    catalog = portal().catalog()
    return sorted((w for w in catalog.waivers if tenant.covers(w.subject)), key=lambda w: (w.subject, w.rule))


@for_roles(Role.SUPERVISOR)
def waivers(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    catalog = portal().catalog()
    problem = ""
    values = {key: request.POST.get(key, "").strip() for key in ("rule", "subject", "period", "justification",
                                                                 "expires")}
    if request.method == "POST":
        problem = _grant(request, values)
        if not problem:
            return redirect("waivers")
    elif request.method != "GET":
        raise Http404()
    rules = _waivable_rules(catalog, tenant.jurisdiction_code)
    return render(request, "web/waivers.html", status=400 if problem else 200, waivers=_waivers_of(tenant),
                  rules=rules, problem=problem, values=values, today=dt.date.today().isoformat())


def _waivable_rules(catalog: Any, jurisdiction: str) -> list[str]:
    """The hospital rules of the packs whose jurisdiction is the supervisor's province (or lies in it)."""
    from compliance.ingest.identities import PROVINCES

    province = PROVINCES.get(jurisdiction[:2])
    return sorted(rule.id for rule in catalog.rules if rule.applies.level == "hospital"
                  and province is not None and province.named(rule.jurisdiction.province))


def _grant(request: HttpRequest, values: dict[str, str]) -> str:
    """Add a waiver to the portal's waiver file (checked as the tool checks any waiver file); the
    problem's wording key, or '' once granted."""
    tenant = request.tenant  # type: ignore[attr-defined]
    if not values["justification"]:
        return "web.waiver.no_justification"
    if values["rule"] not in _waivable_rules(portal().catalog(), tenant.jurisdiction_code):
        return "web.waiver.not_your_rule"
    if not tenant.covers(values["subject"]):
        return "web.waiver.not_yours"
    entry: dict[str, Any] = {"rule": values["rule"], "subject": values["subject"],
                             "justification": values["justification"],
                             "approver": f"{request.user.get_username()} ({tenant.jurisdiction_code})",
                             "granted": dt.date.today(), "expires": values["expires"]}
    if values["period"]:
        entry["period"] = values["period"]
    try:
        entry["expires"] = dt.date.fromisoformat(values["expires"])
    except ValueError:
        return "web.waiver.bad_expiry"
    target = portal().waiver_file
    catalog = portal().catalog()
    with portal().waiver_lock:
        existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.is_file() else None
        entries = list((existing or {}).get("waivers", []))
        entries.append(entry)
        text = yaml.safe_dump({"waivers": entries}, allow_unicode=True, sort_keys=False)
        trial = portal().checks / ".waiver-trial.yaml"  # outside waivers/: not read as a waiver file
        try:
            write_file(trial, text.encode())
            others = [path for path in waiver_files(list(_checks_folders())) if path != target]
            load_waivers([*others, trial], frozenset(rule.id for rule in catalog.rules))
        except ComplianceError as exc:
            told = " ".join(part for part in (getattr(exc, "problem", str(exc)), getattr(exc, "fix", "")) if part)
            request.waiver_error = told  # type: ignore[attr-defined]
            return "web.waiver.invalid"
        finally:
            trial.unlink(missing_ok=True)
        write_file(target, text.encode())
    record(request, "waiver", target=values["subject"], rule=values["rule"], period=values["period"],
           expires=values["expires"])
    return ""


def _checks_folders() -> tuple[Path, ...]:
    from compliance.paths import resolve_home

    return (*resolve_home(portal().config.home).checks, portal().checks)


class JobProgress(Progress):
    """An audit's progress, written to its job row as it goes."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.done = 0

    def start(self, stage: str, total: int) -> None:
        self.done = 0
        store.update_job(self.token, portal().config.store_url, stage=stage, total=total, done=0)

    def advance(self, count: int = 1) -> None:
        self.done += count
        store.update_job(self.token, portal().config.store_url, done=self.done)

    def finish(self) -> None:
        return None


def _check_region(folder: Path, tenant: Any, period: str) -> None:
    """The supervisor's region workbook must be a region of its jurisdiction, for the audited period."""
    from compliance.pipeline.read import read_batch

    batch = read_batch([folder], portal().catalog(), executor=portal().pool)
    for outcome in batch.outcomes:
        if outcome.refusal is not None:
            raise ConfigError("region_workbook_unreadable", file=outcome.file.name, problem=outcome.refusal)
    for submission in batch.submissions:
        who = submission.subject
        if who.level != "region" or not tenant.covers(who.code) or who.period.label != period:
            raise ConfigError("region_workbook_not_ours", level=who.level, code=who.code, period=who.period.label,
                              jurisdiction=tenant.jurisdiction_code, wanted=period)


def _job_failure(exc: Exception) -> str:
    """What the supervisor reads of a failed job: a configuration or usage mistake in the portal's
    language (Chinese first, as it is stored once for every reader), another error of the tool as
    its text, anything else by its type only (the log has the rest)."""
    from compliance.wording.catalogue import DEFAULT_LANGUAGE
    from compliance.wording.errors import config_message

    if isinstance(exc, ConfigError):
        return config_message(exc, DEFAULT_LANGUAGE)[:500]
    return str(exc)[:500] if isinstance(exc, ComplianceError) else type(exc).__name__

def _run_job(job: store.JobInfo, inputs: tuple[store.UploadInfo, ...], tenant: Any) -> None:
    from compliance.audit.run import AuditRequest, run_audit
    from compliance.pipeline.check import get_profile
    from compliance.results.periods import parse_period
    from compliance.web.processing import upload_file

    url = portal().config.store_url
    folder = portal().audits / job.token
    inbox = folder / "inbox"
    try:
        if (inbox / "region").is_dir():
            _check_region(inbox / "region", tenant, job.period)
        for item in inputs:
            own = inbox / item.token
            own.mkdir(mode=0o700)
            shutil.copyfile(upload_file(portal(), item.stored_name), own / item.original_name)
        store.update_job(job.token, url, state="running")
        catalog = portal().catalog()
        period = parse_period(job.period)
        assert period is not None
        request = AuditRequest(get_profile(catalog, job.profile), period, inbox, folder / "out", store_url=url,
                               pdf="both")
        done = run_audit(catalog, request, progress=JobProgress(job.token), executor=portal().pool)
        files = [str(path.relative_to(folder / "out")) for path in done.written]
        store.update_job(job.token, url, state="done", finished=dt.datetime.now(dt.UTC), run_id=done.result.run.id,
                         files=files)
    except Exception as exc:
        import logging

        logging.getLogger("compliance.web").exception("audit job %s failed", job.token)
        store.update_job(job.token, url, state="failed", finished=dt.datetime.now(dt.UTC), message=_job_failure(exc))
    finally:
        shutil.rmtree(inbox, ignore_errors=True)


@for_roles(Role.SUPERVISOR)
@with_intake
def audits(request: HttpRequest, handler: IntakeHandler) -> HttpResponse:
    """The audits of the jurisdiction, and a form to start one: a period, a profile and, for the
    region rules, the region's own workbook (optional)."""
    if request.method not in ("GET", "POST"):
        raise Http404()
    tenant = request.tenant  # type: ignore[attr-defined]
    url = portal().config.store_url
    board = store.dashboard(tenant, None, None, url)
    catalog = portal().catalog()
    problem = ""
    if request.method == "POST":
        period, profile = request.POST.get("period", ""), request.POST.get("profile", "")
        if period not in board.periods or profile not in catalog.profiles:
            raise Http404()
        region = [taken for taken in handler.taken if isinstance(taken, Upload)]
        refused = [taken for taken in handler.taken if isinstance(taken, Refused)]
        if refused:
            problem = f"web.refusal.{refused[0].refusal.value}"
        elif len(region) > 1:
            problem = "web.audits.one_region"
        else:
            job = store.create_job(tenant, request.user.get_username(), profile, period, url)
            inbox = portal().audits / job.token / "inbox"
            inbox.mkdir(parents=True, mode=0o700)
            if region:
                (inbox / "region").mkdir(mode=0o700)
                region[0].path.rename(inbox / "region" / region[0].original_name)
            inputs = store.audit_inputs(tenant, period, url)
            record(request, "audit", target=job.token, period=period, profile=profile, hospitals=len(inputs),
                   region=region[0].original_name if region else "")
            portal().jobs.submit(_run_job, job, inputs, tenant)
            return redirect("audit", token=job.token)
    return render(request, "web/audits.html", status=400 if problem else 200, jobs=store.jobs(tenant, url),
                  periods=board.periods, profiles=sorted(catalog.profiles), chosen=portal().config.profile,
                  problem=problem, max_mb=portal().config.max_upload // (1024 * 1024))


@require_GET
@for_roles(Role.SUPERVISOR)
def audit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        job = store.job(request.tenant, token, portal().config.store_url)  # type: ignore[attr-defined]
    except store.NotFound:
        raise Http404() from None
    return render(request, "web/audit.html", job=job, files=[(name, _file_label(name)) for name in job.files])


def _file_label(name: str) -> tuple[str, str]:
    """(wording key, subject code) of an audit's file, for its link."""
    base = Path(name).name
    for suffix, key in (("-inspection-report.pdf", "web.download.report"), ("-inspection-notice.pdf",
                                                                             "web.download.notice")):
        if base.endswith(suffix):
            return key, base.removesuffix(suffix)
    if base == "gap-report.xlsx":
        return "web.download.workbook", ""
    return "", base


@require_GET
@for_roles(Role.SUPERVISOR)
def audit_file(request: HttpRequest, token: str, name: str) -> HttpResponse:
    from django.http import FileResponse

    try:
        job = store.job(request.tenant, token, portal().config.store_url)  # type: ignore[attr-defined]
    except store.NotFound:
        raise Http404() from None
    if name not in job.files:
        raise Http404()
    try:
        handle = open_private(portal().audits / job.token / "out" / name)
    except OSError:
        raise Http404() from None
    record(request, "download", target=f"{token}/{name}")
    return FileResponse(handle, as_attachment=True, filename=Path(name).name)
