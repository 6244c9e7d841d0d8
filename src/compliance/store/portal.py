"""The portal's way into the store: uploads, the supervisors' dashboard, audit jobs and the access
log.  Every function that reads takes the tenant (:class:`AccountInfo`) and returns only what it
covers: a hospital user its own institution, a supervisor the institutions of its jurisdiction.
An object another tenant owns is answered exactly as one that does not exist (:class:`NotFound`),
so a changed URL tells nothing.  Frozen values out, never model instances.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import ComplianceError
from compliance.results.run import CheckResult
from compliance.store.accounts import AccountInfo, Role
from compliance.store.api import _errors, _existing, save_run
from compliance.store.setup import store_models

#: Identification fields the dashboard shows and filters by.
PROFILE_FIELDS = ("institution_name", "province", "city", "grade", "type", "ownership")


class NotFound(ComplianceError):
    """No such object for this tenant (it may exist for another: the answer is the same)."""


def new_token() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class UploadInfo:
    token: str
    username: str
    institution_code: str
    original_name: str
    stored_name: str
    size: int
    sha256: str
    received: dt.datetime
    state: str  # checked, refused or failed
    reason: str
    details: Mapping[str, Any]
    profile: str
    period: str
    run_id: str
    worst: str
    counts: Mapping[str, int]
    superseded_by: str  # the token of the upload that replaced it, or ""
    identity: Mapping[str, str] = field(default_factory=dict)  # PROFILE_FIELDS as submitted

    @property
    def current(self) -> bool:
        return self.state == "checked" and not self.superseded_by

    @property
    def name(self) -> str:
        return self.identity.get("institution_name", "")


@dataclass(frozen=True)
class NewUpload:
    """What the portal made of an accepted file, for :func:`record_upload`."""

    token: str
    original_name: str
    stored_name: str
    sha256: str
    size: int
    received: dt.datetime
    state: str
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    profile: str = ""
    result: CheckResult | None = None


@dataclass(frozen=True)
class GapRow:
    upload: str
    institution_code: str
    institution_name: str
    rule_id: str
    observed: Any
    observed_unit: str
    comparator: str
    threshold: Any
    gap: Any
    gap_unit: str
    share: float  # the gap as a share of the required value


@dataclass(frozen=True)
class Dashboard:
    period: str
    periods: tuple[str, ...]
    rows: tuple[UploadInfo, ...]  # each hospital's current upload for the period, worst first
    missing: tuple[tuple[str, str], ...]  # (institution code, name) known in the jurisdiction, nothing for the period
    gaps: tuple[GapRow, ...]
    choices: Mapping[str, tuple[str, ...]]  # city, grade, ownership values present, for the filters


@dataclass(frozen=True)
class EventInfo:
    when: dt.datetime
    username: str
    action: str
    outcome: str
    target: str
    address: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class JobInfo:
    token: str
    username: str
    jurisdiction_code: str
    profile: str
    period: str
    state: str
    stage: str
    done: int
    total: int
    started: dt.datetime
    finished: dt.datetime | None
    run_id: str
    files: tuple[str, ...]
    message: str


def tenant_of(user: Any) -> AccountInfo | None:
    """The account of a logged-in Django user (None: a user made without ``compliance users add``)."""
    from compliance.store.accounts import _info

    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return _info(user)
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: no account row
        return None


def _division_filter(rows: Any, tenant: AccountInfo, column: str = "institution_code") -> Any:
    """`rows` narrowed to what `tenant` covers, in the database (the division is characters 3-8 of a code)."""
    from django.db.models.functions import Substr

    if tenant.role is Role.ADMIN:
        return rows
    if tenant.role is Role.HOSPITAL:
        return rows.filter(**{column: tenant.institution_code})
    code = tenant.jurisdiction_code
    prefix = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return rows.annotate(division=Substr(column, 3, 6)).filter(division__startswith=prefix)


def _identity(submission: Any) -> dict[str, str]:
    if submission is None:
        return {}
    values = {item.get("code"): item.get("value") for item in submission.identification or []}
    return {key: str(values[key]) for key in PROFILE_FIELDS if values.get(key) not in (None, "")}


def _upload_info(row: Any) -> UploadInfo:
    return UploadInfo(row.token, row.user.username, row.institution_code, row.original_name, row.stored_name,
                      row.size, row.sha256, row.received, row.state, row.reason, dict(row.details), row.profile,
                      row.period, row.run.run_id if row.run_id else "", row.worst, dict(row.counts),
                      row.superseded_by.token if row.superseded_by_id else "", _identity(row.submission))


def _uploads(name: str) -> Any:
    models = store_models()

    return models.Upload.objects.using(name).select_related("user", "run", "submission", "superseded_by")


def record_upload(tenant: AccountInfo, username: str, new: NewUpload, url: str | None = None,
                  home: Path | None = None) -> UploadInfo:
    """Save an upload, and with a checked one its run and findings, in one transaction; the upload
    it supersedes (the same institution's current one for the period) points to it."""
    from django.contrib.auth.models import User
    from django.db import transaction

    models = store_models()

    if tenant.role is not Role.HOSPITAL:
        raise NotFound("only a hospital user uploads its institution's workbooks")
    name = _existing(url, home)
    result = new.result
    subjects = result.subjects if result is not None else ()
    if any(subject.subject.code != tenant.institution_code for subject in subjects):
        raise NotFound("the workbook is another institution's")
    with _errors(name), transaction.atomic(using=name):
        user = User.objects.using(name).get(username=username)
        run = submission = None
        period, period_end, counts, worst = "", None, {}, ""
        if result is not None and subjects:
            save_run(result, url, home)
            run = models.Run.objects.using(name).get(run_id=result.run.id)
            subject = subjects[0]
            ref = subject.submission
            submission = models.Submission.objects.using(name).get(
                sha256=ref.file.sha256, level=subject.subject.level, code=ref.institution, period=ref.period)
            period, period_end = subject.subject.period.label, subject.subject.period.end
            for finding in subject.findings:
                counts[finding.status.value] = counts.get(finding.status.value, 0) + 1
            worst = subject.worst.value
        row = models.Upload.objects.using(name).create(
            token=new.token, user=user, institution_code=tenant.institution_code, original_name=new.original_name,
            stored_name=new.stored_name, sha256=new.sha256, size=new.size, received=new.received, state=new.state,
            reason=new.reason, details=dict(new.details), profile=new.profile, period=period, period_end=period_end,
            run=run, submission=submission, worst=worst, counts=counts)
        if new.state == "checked" and period:
            models.Upload.objects.using(name).filter(
                institution_code=tenant.institution_code, period=period, state="checked",
                superseded_by__isnull=True).exclude(pk=row.pk).update(superseded_by=row)
        return _upload_info(_uploads(name).get(pk=row.pk))


def uploads(tenant: AccountInfo, institution: str | None = None, period: str | None = None,
            url: str | None = None, home: Path | None = None) -> tuple[UploadInfo, ...]:
    """The uploads `tenant` may see (of one institution, of one period), newest first."""
    name = _existing(url, home)
    with _errors(name):
        rows = _division_filter(_uploads(name), tenant)
        if institution is not None:
            rows = rows.filter(institution_code=institution)
        if period is not None:
            rows = rows.filter(period=period)
        return tuple(_upload_info(row) for row in rows.order_by("-received", "-pk"))


def upload(tenant: AccountInfo, token: str, url: str | None = None, home: Path | None = None) -> UploadInfo:
    name = _existing(url, home)
    with _errors(name):
        row = _division_filter(_uploads(name), tenant).filter(token=token).first()
    if row is None or not tenant.covers(row.institution_code):
        raise NotFound(token)
    return _upload_info(row)


def known_institutions(tenant: AccountInfo, url: str | None = None,
                       home: Path | None = None) -> dict[str, str]:
    """Institution code → name of every hospital `tenant` covers that has an account or ever sent a workbook."""
    models = store_models()

    name = _existing(url, home)
    found: dict[str, str] = {}
    with _errors(name):
        for code in _division_filter(models.Account.objects.using(name).filter(role=Role.HOSPITAL.value), tenant):
            found.setdefault(code.institution_code, "")
        for row in _division_filter(models.Submission.objects.using(name).filter(level="hospital"), tenant, "code"):
            found[row.code] = row.name or found.get(row.code, "")
    return found


def _missed_share(gap: Any, threshold: Any) -> float:
    if isinstance(gap, (int, float)) and isinstance(threshold, (int, float)) and threshold:
        return abs(float(gap)) / abs(float(threshold))
    return 0.0


def dashboard(tenant: AccountInfo, period: str | None = None, filters: Mapping[str, str] | None = None,
              url: str | None = None, home: Path | None = None, gaps: int = 10) -> Dashboard:
    """The jurisdiction in one period (default: the latest with uploads): each hospital's current
    upload, who has sent nothing, and the largest gaps; `filters` (city, grade, ownership) narrow it."""
    models = store_models()

    name = _existing(url, home)
    with _errors(name):
        visible = _division_filter(_uploads(name).filter(state="checked").exclude(period=""), tenant)
        periods = tuple(sorted(set(visible.values_list("period", flat=True)), reverse=True))
        chosen = period if period in periods else (periods[0] if periods else "")
        current = [_upload_info(row) for row in visible.filter(period=chosen, superseded_by__isnull=True)]
    choices = {key: tuple(sorted({row.identity[key] for row in current if row.identity.get(key)}))
               for key in ("city", "grade", "ownership")}
    wanted = {key: value for key, value in (filters or {}).items() if value and key in choices}
    rows = [row for row in current if all(row.identity.get(key) == value for key, value in wanted.items())]
    order = ["error", "fail", "missing_data", "warn", "not_due", "waived", "not_applicable", "pass"]
    rows.sort(key=lambda row: (order.index(row.worst) if row.worst in order else 0, row.institution_code))
    sent = {row.institution_code for row in current}
    missing = tuple(sorted((code, known) for code, known in known_institutions(tenant, url, home).items()
                           if code not in sent)) if not wanted else ()
    largest: list[GapRow] = []
    with _errors(name):
        by_run = {row.run_id: row for row in rows if row.run_id}
        findings = models.Finding.objects.using(name).filter(
            run__run_id__in=list(by_run), status="fail", submission__level="hospital").select_related("run")
        for finding in findings:
            row = by_run[finding.run.run_id]
            largest.append(GapRow(row.token, row.institution_code, row.name, finding.rule_id, finding.observed_value,
                                  finding.observed_unit, finding.required_comparator, finding.required_threshold,
                                  finding.gap_value, finding.gap_unit,
                                  _missed_share(finding.gap_value, finding.required_threshold)))
    largest.sort(key=lambda gap: (-gap.share, gap.institution_code, gap.rule_id))
    return Dashboard(chosen, periods, tuple(rows), missing, tuple(largest[:gaps]), choices)


@dataclass(frozen=True)
class RuleTrend:
    """Each rule's status in each period of an institution's current uploads, oldest period first."""

    periods: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (rule id, status per period; "" when not checked then)


def institution_trend(tenant: AccountInfo, institution: str, url: str | None = None,
                      home: Path | None = None) -> RuleTrend:
    models = store_models()

    if not tenant.covers(institution):
        raise NotFound(institution)
    current = [row for row in uploads(tenant, institution=institution, url=url, home=home) if row.current]
    by_period = {row.period: row for row in sorted(current, key=lambda row: row.period)}
    periods = tuple(by_period)
    statuses: dict[str, dict[str, str]] = {}
    name = _existing(url, home)
    with _errors(name):
        rows = models.Finding.objects.using(name).filter(
            run__run_id__in=[row.run_id for row in by_period.values()], submission__code=institution,
            submission__level="hospital").select_related("run").values_list("rule_id", "status", "run__run_id")
        period_of = {row.run_id: period for period, row in by_period.items()}
        for rule_id, status, run_id in rows:
            statuses.setdefault(rule_id, {})[period_of[run_id]] = status
    return RuleTrend(periods, tuple((rule, tuple(found.get(p, "") for p in periods))
                                    for rule, found in sorted(statuses.items())))


def log_event(username: str, action: str, outcome: str, target: str = "", address: str = "",
              details: Mapping[str, Any] | None = None, url: str | None = None, home: Path | None = None) -> None:
    models = store_models()

    name = _existing(url, home)
    with _errors(name):
        models.PortalEvent.objects.using(name).create(
            when=dt.datetime.now(dt.UTC), username=username[:150], action=action, outcome=outcome,
            target=target, address=address[:64], details=dict(details or {}))


def events(tenant: AccountInfo, limit: int = 200, url: str | None = None,
           home: Path | None = None) -> tuple[EventInfo, ...]:
    """The latest access-log entries (administrators only; others get none)."""
    models = store_models()

    if tenant.role is not Role.ADMIN:
        return ()
    name = _existing(url, home)
    with _errors(name):
        rows = models.PortalEvent.objects.using(name).order_by("-when", "-pk")[:limit]
        return tuple(EventInfo(r.when, r.username, r.action, r.outcome, r.target, r.address, dict(r.details))
                     for r in rows)


def _job_info(row: Any) -> JobInfo:
    return JobInfo(row.token, row.user.username, row.jurisdiction_code, row.profile, row.period, row.state,
                   row.stage, row.done, row.total, row.started, row.finished, row.run_id, tuple(row.files),
                   row.message)


def create_job(tenant: AccountInfo, username: str, profile: str, period: str, url: str | None = None,
               home: Path | None = None) -> JobInfo:
    from django.contrib.auth.models import User

    models = store_models()

    if tenant.role is not Role.SUPERVISOR:
        raise NotFound("only a supervisor starts an audit of its jurisdiction")
    name = _existing(url, home)
    with _errors(name):
        user = User.objects.using(name).get(username=username)
        row = models.AuditJob.objects.using(name).create(
            token=new_token(), user=user, jurisdiction_code=tenant.jurisdiction_code, profile=profile, period=period,
            state="queued", started=dt.datetime.now(dt.UTC))
        return _job_info(models.AuditJob.objects.using(name).select_related("user").get(pk=row.pk))


def update_job(token: str, url: str | None = None, home: Path | None = None, **changes: Any) -> None:
    """Record a job's progress (the job runner's own call: it holds the token it was given)."""
    models = store_models()

    name = _existing(url, home)
    with _errors(name):
        models.AuditJob.objects.using(name).filter(token=token).update(**changes)


def upload_tokens(url: str | None = None, home: Path | None = None) -> frozenset[str]:
    """The token of every upload recorded, for the portal's start-up sweep (its folders that no
    upload owns are what a stopped server left)."""
    models = store_models()

    name = _existing(url, home)
    with _errors(name):
        return frozenset(models.Upload.objects.using(name).values_list("token", flat=True))


def fail_unfinished_jobs(message: str, url: str | None = None, home: Path | None = None) -> tuple[str, ...]:
    """Mark failed, with `message`, the audit jobs a stopped server left queued or running (a job
    runs in its server's process: a server that starts has none running); their tokens."""
    models = store_models()

    from django.db import transaction

    name = _existing(url, home)
    with _errors(name), transaction.atomic(using=name):
        rows = models.AuditJob.objects.using(name)
        tokens = tuple(rows.filter(state__in=("queued", "running")).values_list("token", flat=True))
        rows.filter(token__in=tokens).update(state="failed", finished=dt.datetime.now(dt.UTC), message=message)
        return tokens


def _jobs(name: str, tenant: AccountInfo) -> Any:
    models = store_models()

    rows = models.AuditJob.objects.using(name).select_related("user")
    if tenant.role is Role.ADMIN:
        return rows
    if tenant.role is not Role.SUPERVISOR:
        return rows.none()
    return rows.filter(jurisdiction_code=tenant.jurisdiction_code)


def job(tenant: AccountInfo, token: str, url: str | None = None, home: Path | None = None) -> JobInfo:
    name = _existing(url, home)
    with _errors(name):
        row = _jobs(name, tenant).filter(token=token).first()
    if row is None:
        raise NotFound(token)
    return _job_info(row)


def jobs(tenant: AccountInfo, url: str | None = None, home: Path | None = None) -> tuple[JobInfo, ...]:
    name = _existing(url, home)
    with _errors(name):
        return tuple(_job_info(row) for row in _jobs(name, tenant).order_by("-started", "-pk")[:50])


def audit_inputs(tenant: AccountInfo, period: str, url: str | None = None,
                 home: Path | None = None) -> tuple[UploadInfo, ...]:
    """The current upload of each hospital `tenant` covers for `period`: what its audit reads."""
    return tuple(row for row in uploads(tenant, period=period, url=url, home=home) if row.current)


__all__: Iterable[str] = ("Dashboard", "GapRow", "JobInfo", "NewUpload", "NotFound", "UploadInfo", "audit_inputs",
                          "create_job", "dashboard", "events", "institution_trend", "job", "jobs", "known_institutions",
                          "log_event",
                          "new_token", "record_upload", "tenant_of", "update_job", "upload", "uploads")
