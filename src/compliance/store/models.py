"""The tables of the history store.  Only :mod:`compliance.store.api` uses them.

Values that may be a number, yes/no, a date or text are kept as strict JSON (dates as ISO text,
see :func:`compliance.cli.output.plain`), with a type tag where a reader needs to tell them apart.
"""

from __future__ import annotations

from compliance.store.setup import configure

configure()  # importing the models (a module walk, say) sets Django up first; a no-op during django.setup()

from django.db import models


class Submission(models.Model):
    """One subject's data for one period in one file, by the file's content hash: saved once,
    however many runs read it."""

    sha256 = models.CharField(max_length=64)
    path = models.TextField()  # as the user gave it (archive.zip/member.xlsx for a member)
    level = models.CharField(max_length=16)  # hospital or region
    region_level = models.CharField(max_length=16, blank=True, default="")
    code = models.CharField(max_length=64)  # institution or region code
    name = models.TextField(blank=True, default="")
    period = models.CharField(max_length=16)  # canonical label: 2024, 2024H1, 2024Q3 ...
    period_start = models.DateField()
    period_end = models.DateField()
    received = models.DateTimeField()  # when the store first saw it
    identification = models.JSONField(default=list)  # [{code, name, value, cell}] as submitted

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sha256", "level", "code", "period"],
                                               name="submission_unique")]
        indexes = [models.Index(fields=["code", "period"], name="submission_code_period")]


class Reading(models.Model):
    """A value a rule read from a submission, and the cell it came from."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="readings")
    field = models.CharField(max_length=128)  # field code, or column code of a table
    which = models.CharField(max_length=64)  # current, prior, or the table's code
    item = models.TextField(blank=True, default="")  # the table row's label
    value_type = models.CharField(max_length=8)  # number, bool, date, text, none
    value = models.JSONField(null=True)
    unit = models.CharField(max_length=64, blank=True, default="")
    cell_file = models.TextField(blank=True, default="")
    cell_sheet = models.TextField(blank=True, default="")
    cell_ref = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "field", "which", "item"],
                                               name="reading_unique")]


class Run(models.Model):
    """One check: when, under which profile and rules, as of which date, started by whom or what."""

    run_id = models.CharField(max_length=64, unique=True)
    started = models.DateTimeField()
    profile = models.CharField(max_length=128)
    profile_title = models.TextField(blank=True, default="")
    catalog_digest = models.CharField(max_length=128)
    as_of = models.DateField(null=True)
    started_by = models.TextField(blank=True, default="")
    saved = models.DateTimeField()
    kind = models.CharField(max_length=8, default="check")  # check (any files) or audit (one period)
    period = models.CharField(max_length=16, blank=True, default="")  # an audit's period label
    period_start = models.DateField(null=True)
    period_end = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["profile", "kind", "period_end"], name="run_profile_period")]


class Finding(models.Model):
    """One rule's verdict on one submission in one run, as structured values (no sentences)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="findings")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="findings")
    rule_id = models.CharField(max_length=200)
    rule_digest = models.CharField(max_length=128)
    status = models.CharField(max_length=32)
    reason = models.CharField(max_length=64)
    severity = models.CharField(max_length=32)
    observed_value = models.JSONField(null=True)
    observed_unit = models.CharField(max_length=64, blank=True, default="")
    required_comparator = models.CharField(max_length=8, blank=True, default="")
    required_threshold = models.JSONField(null=True)
    required_unit = models.CharField(max_length=64, blank=True, default="")
    gap_value = models.JSONField(null=True)
    gap_unit = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "submission", "rule_id"], name="finding_unique")]
        indexes = [models.Index(fields=["rule_id", "status"], name="finding_rule_status")]


class Account(models.Model):
    """What a portal user may see: a hospital user one institution, a supervisor one jurisdiction
    (a GB/T 2260 province, city or county code), an administrator everything."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="compliance_account")
    role = models.CharField(max_length=16)  # hospital, supervisor or admin
    institution_code = models.CharField(max_length=18, blank=True, default="")
    jurisdiction_code = models.CharField(max_length=6, blank=True, default="")
    created = models.DateTimeField()


class Upload(models.Model):
    """A workbook a hospital user sent through the portal, under a generated name, and what became
    of it: checked (its run and submission), refused (why) or failed.  A later upload for the same
    institution and period supersedes it; both stay."""

    token = models.CharField(max_length=32, unique=True)  # in URLs; random, never the row id
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="compliance_uploads")
    institution_code = models.CharField(max_length=18)
    original_name = models.TextField()
    stored_name = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    received = models.DateTimeField()
    state = models.CharField(max_length=16)  # checked, refused or failed
    reason = models.CharField(max_length=64, blank=True, default="")  # why refused or failed (a code)
    details = models.JSONField(default=dict)
    profile = models.CharField(max_length=128, blank=True, default="")
    period = models.CharField(max_length=16, blank=True, default="")
    period_end = models.DateField(null=True)
    run = models.ForeignKey(Run, on_delete=models.PROTECT, null=True, related_name="uploads")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, null=True, related_name="uploads")
    worst = models.CharField(max_length=32, blank=True, default="")  # the worst finding status
    counts = models.JSONField(default=dict)  # findings per status
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, related_name="supersedes")

    class Meta:
        indexes = [models.Index(fields=["institution_code", "period"], name="upload_institution_period")]


class PortalEvent(models.Model):
    """The portal's access log: logins, uploads, downloads, waivers and audits, who and from where."""

    when = models.DateTimeField()
    username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16)  # ok, refused, denied
    target = models.TextField(blank=True, default="")
    address = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["when"], name="portal_event_when")]


class AuditJob(models.Model):
    """A supervisor's audit of a period, run in the background: its state and progress."""

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="compliance_audits")
    jurisdiction_code = models.CharField(max_length=6)
    profile = models.CharField(max_length=128)
    period = models.CharField(max_length=16)
    state = models.CharField(max_length=16)  # queued, running, done, failed
    stage = models.CharField(max_length=32, blank=True, default="")
    done = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True)
    run_id = models.CharField(max_length=64, blank=True, default="")
    files = models.JSONField(default=list)  # names written in the job's folder
    message = models.TextField(blank=True, default="")
