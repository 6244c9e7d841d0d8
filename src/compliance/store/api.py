"""The one way into the history store: every read and write goes through these functions.

They take the frozen values of :mod:`compliance.results` and return frozen values of their own,
never model instances, so nothing outside this package touches Django.  Each function takes the
store's database URL (default: ``$DATABASE_URL``, else the SQLite file of the home, see
:mod:`compliance.store.setup`) and the home (``--home``) that default depends on.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.cli.output import plain
from compliance.errors import ConfigError
from compliance.results.findings import Finding, InputValue
from compliance.results.history import (
    AuditPoint,
    EarlierSubmission,
    StoredValue,
    SubjectHistory,
    SubjectPeriod,
)
from compliance.results.identity import Cell
from compliance.results.quantities import Quantity
from compliance.results.run import CheckResult, SubjectResult
from compliance.results.status import Status
from compliance.store import setup

APP = "compliance_store"


@dataclass(frozen=True)
class StoreStatus:
    """Which database the store is (vendor and where, never a password) and its migrations."""

    vendor: str
    location: str
    applied: tuple[str, ...]
    unapplied: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return not self.unapplied


@dataclass(frozen=True)
class StoredRun:
    id: str
    started: dt.datetime
    profile: str
    catalog_digest: str
    as_of: dt.date | None
    started_by: str
    submissions: int  # distinct submissions with findings in this run
    findings: int


@dataclass(frozen=True)
class StoredSubmission:
    sha256: str
    path: str
    level: str
    code: str
    name: str
    period: str
    period_start: dt.date
    period_end: dt.date
    received: dt.datetime
    readings: int


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored: values are strict JSON (dates as ISO text), as ``check --format json`` writes them."""

    run_id: str
    sha256: str
    code: str
    period: str
    rule_id: str
    rule_digest: str
    status: str
    reason: str
    severity: str
    observed_value: Any
    observed_unit: str
    required_comparator: str
    required_threshold: Any
    required_unit: str
    gap_value: Any
    gap_unit: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class HistoryEntry:
    """One subject's status on one rule for one period, in one run."""

    period: str
    period_start: dt.date
    period_end: dt.date
    rule_id: str
    status: str
    reason: str
    observed_value: Any
    observed_unit: str
    gap_value: Any
    gap_unit: str
    run_id: str
    started: dt.datetime
    as_of: dt.date | None
    sha256: str
    profile: str
    run_kind: str  # audit or check


def _alias(url: str | None, home: Path | None) -> str:
    return setup.alias(url, home)


def _existing(url: str | None, home: Path | None) -> str:
    """The alias of a store that exists: an SQLite file that is not there is not created by a read or write."""
    name = _alias(url, home)
    vendor, where = setup.location(name)
    if vendor == "sqlite" and where != ":memory:" and not Path(where).is_file():
        raise ConfigError("store_missing", vendor=vendor, where=where)
    return name


@contextmanager
def _errors(name: str) -> Iterator[None]:
    """Database errors as a ConfigError naming the store (without a password)."""
    from django.db import Error

    try:
        yield
    except Error as exc:
        vendor, where = setup.location(name)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        unmigrated = "no such table" in text or "does not exist" in text
        raise ConfigError("store_unusable_unmigrated" if unmigrated else "store_unusable", vendor=vendor, where=where,
                          detail=text) from exc


def migrate(url: str | None = None, home: Path | None = None) -> StoreStatus:
    """Create or update the store's tables (an SQLite file's folder is created); its status after."""
    from django.core.management import call_command

    name = _alias(url, home)
    vendor, where = setup.location(name)
    if vendor == "sqlite" and where != ":memory:":
        Path(where).parent.mkdir(parents=True, exist_ok=True)
    with _errors(name):
        call_command("migrate", database=name, verbosity=0, interactive=False)  # with Django's auth, for accounts
    return status(url, home)


def status(url: str | None = None, home: Path | None = None) -> StoreStatus:
    """The store's database and which of its migrations are applied."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    name = _alias(url, home)
    vendor, where = setup.location(name)
    if vendor == "sqlite" and where != ":memory:" and not Path(where).is_file():
        loader = MigrationLoader(None)
        applied: set[tuple[str, str]] = set()
    else:
        with _errors(name):
            loader = MigrationLoader(connections[name])
            applied = set(loader.applied_migrations)
    # the store's own migrations by name, those of Django's apps it needs (auth) as app.name
    everything = sorted(loader.disk_migrations, key=lambda key: (key[0] != APP, key))
    named = [(key, m if a == APP else f"{a}.{m}") for key in everything for a, m in [key]]
    return StoreStatus(vendor, where, tuple(n for key, n in named if key in applied),
                       tuple(n for key, n in named if key not in applied))


def require_up_to_date(url: str | None = None, home: Path | None = None) -> StoreStatus:
    """The store's status; a ConfigError naming it when it does not exist or lacks a migration."""
    state = status(url, home)
    if not state.up_to_date:
        raise ConfigError("store_not_migrated", vendor=state.vendor, where=state.location,
                          unapplied=tuple(state.unapplied))
    return state


def save_run(result: CheckResult, url: str | None = None, home: Path | None = None) -> int:
    """Save a run, its submissions and findings in one transaction; the run's row id.

    A submission already stored (same content hash, level, code and period) is not stored again;
    a run already stored (same run id) is left as it is."""
    from django.db import transaction

    models = setup.store_models()

    name = _existing(url, home)
    run = result.run
    with _errors(name), transaction.atomic(using=name):
        existing = models.Run.objects.using(name).filter(run_id=run.id).first()
        if existing is not None:
            return int(existing.pk)
        now = dt.datetime.now(dt.UTC)
        period = run.audit_period
        row = models.Run.objects.using(name).create(
            run_id=run.id, started=run.started, profile=run.profile, profile_title=run.profile_title,
            catalog_digest=run.catalog_digest, as_of=run.as_of, started_by=run.started_by, saved=now,
            kind="audit" if period else "check", period=period.label if period else "",
            period_start=period.start if period else None, period_end=period.end if period else None)
        for subject in result.subjects:
            submission = _submission(name, subject, now)
            models.Finding.objects.using(name).bulk_create(
                [_finding(row, submission, finding) for finding in subject.findings])
        return int(row.pk)


def _submission(name: str, subject: SubjectResult, now: dt.datetime) -> Any:
    models = setup.store_models()

    ref, who = subject.submission, subject.subject
    row, created = models.Submission.objects.using(name).get_or_create(
        sha256=ref.file.sha256, level=who.level, code=ref.institution, period=ref.period,
        defaults={"path": ref.file.path, "region_level": who.region_level or "", "name": who.name,
                  "period_start": who.period.start, "period_end": who.period.end, "received": now,
                  "identification": plain(list(subject.identification))})
    if created:
        readings: dict[tuple[str, str, str], Any] = {}
        for finding in subject.findings:
            for used in finding.inputs:
                key = (used.field, used.which, used.item)
                if used.summed_over or used.lacking or used.earlier or key in readings:
                    continue  # a region's total is the tool's sum, an earlier submission's value not read here
                cell = used.cell
                readings[key] = models.Reading(
                    submission=row, field=used.field, which=used.which, item=used.item,
                    value_type=_type(used.value), value=plain(used.value), unit=used.unit,
                    cell_file=cell.file if cell else "", cell_sheet=cell.sheet if cell else "",
                    cell_ref=cell.ref if cell else "")
        models.Reading.objects.using(name).bulk_create(list(readings.values()))
    return row


def _type(value: InputValue) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _value(quantity: Quantity | None) -> tuple[Any, str]:
    return (None, "") if quantity is None else (plain(quantity.value), quantity.unit)


def _finding(run: Any, submission: Any, finding: Finding) -> Any:
    models = setup.store_models()

    observed, observed_unit = _value(finding.observed)
    gap, gap_unit = _value(finding.gap)
    required = finding.required
    threshold, threshold_unit = _value(required.threshold if required else None)
    return models.Finding(
        run=run, submission=submission, rule_id=finding.rule_id, rule_digest=finding.rule_digest,
        status=finding.status.value, reason=finding.reason.value, severity=finding.severity.value,
        observed_value=observed, observed_unit=observed_unit,
        required_comparator=required.comparator if required else "", required_threshold=threshold,
        required_unit=threshold_unit, gap_value=gap, gap_unit=gap_unit,
        details={key: plain(value) for key, value in finding.details.items()})


def runs(url: str | None = None, home: Path | None = None) -> tuple[StoredRun, ...]:
    """Every stored run, oldest first."""
    from django.db.models import Count

    models = setup.store_models()

    name = _existing(url, home)
    with _errors(name):
        rows = models.Run.objects.using(name).order_by("started", "pk").annotate(
            n_findings=Count("findings"), n_submissions=Count("findings__submission", distinct=True))
        return tuple(StoredRun(r.run_id, r.started, r.profile, r.catalog_digest, r.as_of, r.started_by,
                               r.n_submissions, r.n_findings) for r in rows)


def submissions(code: str | None = None, url: str | None = None,
                home: Path | None = None) -> tuple[StoredSubmission, ...]:
    """The stored submissions (of one institution or region code), by period and content hash."""
    from django.db.models import Count

    models = setup.store_models()

    name = _existing(url, home)
    with _errors(name):
        rows = models.Submission.objects.using(name)
        if code is not None:
            rows = rows.filter(code=code)
        rows = rows.order_by("period_start", "period_end", "code", "level", "sha256").annotate(
            n_readings=Count("readings"))
        return tuple(StoredSubmission(r.sha256, r.path, r.level, r.code, r.name, r.period, r.period_start,
                                      r.period_end, r.received, r.n_readings) for r in rows)


def findings(run_id: str, url: str | None = None, home: Path | None = None) -> tuple[StoredFinding, ...]:
    """The findings of one run, by subject, period and rule."""
    models = setup.store_models()

    name = _existing(url, home)
    with _errors(name):
        rows = models.Finding.objects.using(name).filter(run__run_id=run_id).select_related(
            "submission").order_by("submission__code", "submission__period_start", "submission__period_end",
                                   "submission__sha256", "rule_id")
        return tuple(StoredFinding(
            run_id, r.submission.sha256, r.submission.code, r.submission.period, r.rule_id, r.rule_digest,
            r.status, r.reason, r.severity, r.observed_value, r.observed_unit, r.required_comparator,
            r.required_threshold, r.required_unit, r.gap_value, r.gap_unit,
            types.MappingProxyType(dict(r.details))) for r in rows)


def history(code: str, url: str | None = None, home: Path | None = None) -> tuple[HistoryEntry, ...]:
    """One institution's or region's status on each rule, per period and run, oldest first."""
    models = setup.store_models()

    name = _existing(url, home)
    with _errors(name):
        rows = models.Finding.objects.using(name).filter(submission__code=code).select_related(
            "submission", "run").order_by("submission__period_start", "submission__period_end", "rule_id",
                                          "run__started", "run__pk")
        return tuple(HistoryEntry(
            r.submission.period, r.submission.period_start, r.submission.period_end, r.rule_id, r.status,
            r.reason, r.observed_value, r.observed_unit, r.gap_value, r.gap_unit, r.run.run_id, r.run.started,
            r.run.as_of, r.submission.sha256, r.run.profile, r.run.kind) for r in rows)


def stored_run(run_id: str, url: str | None = None,
               home: Path | None = None) -> tuple[dt.datetime, str] | None:
    """When the stored run `run_id` started and who or what started it (None when the store has no such run)."""
    models = setup.store_models()

    name = _existing(url, home)
    with _errors(name):
        row = models.Run.objects.using(name).filter(run_id=run_id).only("started", "started_by").first()
        return None if row is None else (row.started, row.started_by)


def earlier_submissions(keys: Iterable[SubjectPeriod], url: str | None = None,
                        home: Path | None = None) -> dict[SubjectPeriod, EarlierSubmission]:
    """For each (level, code, period) the latest stored submission with the current values its
    rules read (a later resubmission replaces an earlier one); keys the store has nothing for are left out."""
    models = setup.store_models()

    name = _existing(url, home)
    found: dict[SubjectPeriod, EarlierSubmission] = {}
    with _errors(name):
        for level, code, period in sorted(set(keys)):
            row = models.Submission.objects.using(name).filter(level=level, code=code, period=period).order_by(
                "-received", "-pk").first()
            if row is None:
                continue
            values = tuple(
                StoredValue(r.field, r.value, r.unit, Cell(r.cell_file, r.cell_sheet, r.cell_ref) if r.cell_ref else None)
                for r in row.readings.filter(which="current", item="").order_by("field"))
            found[(level, code, period)] = EarlierSubmission(level, code, period, row.path, row.sha256, values)
    return found


def audit_history(profile: str, subjects: Iterable[tuple[str, str]], before: dt.date, url: str | None = None,
                  home: Path | None = None) -> dict[tuple[str, str], SubjectHistory]:
    """Each subject's (level, code) findings in the audits of `profile` of periods that ended before
    `before`: for each period the latest audit of it only, oldest period first."""
    models = setup.store_models()

    name = _existing(url, home)
    wanted = set(subjects)
    points: dict[tuple[str, str], list[AuditPoint]] = {key: [] for key in wanted}
    with _errors(name):
        runs = models.Run.objects.using(name).filter(profile=profile, kind="audit", period_end__lt=before).order_by(
            "period_start", "period_end", "started", "pk")
        latest = {(run.period_start, run.period_end): run for run in runs}  # the last audit of each period wins
        for run in sorted(latest.values(), key=lambda r: (r.period_start, r.period_end)):
            rows = models.Finding.objects.using(name).filter(
                run=run, submission__code__in=sorted(code for _, code in wanted)).select_related(
                "submission").order_by("submission__code", "rule_id", "pk")
            for r in rows:
                key = (r.submission.level, r.submission.code)
                if key not in wanted:
                    continue
                points[key].append(AuditPoint(run.period, run.period_start, run.period_end, r.rule_id,
                                              Status(r.status), r.observed_value, r.observed_unit,
                                              r.required_comparator, r.required_threshold, r.required_unit,
                                              run.run_id))
    return {key: SubjectHistory(key[0], key[1], tuple(found)) for key, found in points.items() if found}
