"""Data-quality checks run before the rules, reported as findings of their own.

Like the logic checks of national performance-assessment uploads: a part
larger than its total, a share outside 0-100%, a prior-year value that
differs from the same hospital's earlier submission, and implausible jumps
against last year. Impossible values are withdrawn (rules that need them say
missing_data and cite the check); suspect values are used but flagged.

The stage is pure: it returns new submissions (with the withdrawn values blank and a data
problem saying why) beside the quality findings, and changes nothing it was given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from compliance.evaluation.earlier import earlier_key, with_stored_priors
from compliance.ingest.submission import Reading, Submission
from compliance.results.findings import Citation, Details, Finding, InputUsed
from compliance.results.history import EarlierSubmission, SubjectPeriod
from compliance.results.periods import Period
from compliance.results.problems import DataProblem, Place
from compliance.results.quantities import PERCENT, Quantity
from compliance.results.status import Reason, Status
from compliance.rules.spec import Catalog, FieldSpec

QUALITY_CITATION = Citation("", "", "", "", "")
QUALITY_DOMAIN = "数据质量"
CHANGE_TOLERANCE = 0.005  # prior-year values differing by less than 0.5% from the earlier submission are the same


@dataclass(frozen=True)
class QualityCheck:
    rule_id: str
    reason: Reason


PART_OF_TOTAL = QualityCheck("quality.part-exceeds-total", Reason.PART_EXCEEDS_TOTAL)
SHARE_RANGE = QualityCheck("quality.share-out-of-range", Reason.SHARE_OUT_OF_RANGE)
PRIOR_CHANGED = QualityCheck("quality.prior-year-changed", Reason.PRIOR_YEAR_CHANGED)
SUSPECT_JUMP = QualityCheck("quality.suspect-jump", Reason.SUSPECT_JUMP)
CHECKS = (PART_OF_TOTAL, SHARE_RANGE, PRIOR_CHANGED, SUSPECT_JUMP)


@dataclass(frozen=True)
class Checked:
    """A submission after the quality checks, and the checks' findings on it."""

    submission: Submission
    findings: tuple[Finding, ...]


def _finding(check: QualityCheck, submission: Submission, status: Status, details: Details,
             inputs: list[InputUsed]) -> Finding:
    return Finding(submission=submission.ref, subject_name=submission.subject.name, rule_id=check.rule_id,
                   rule_digest="", title="", kind="quality", domain=QUALITY_DOMAIN, status=status,
                   reason=check.reason, severity=status, citation=QUALITY_CITATION, details=details,
                   inputs=tuple(inputs))


def _used(spec: FieldSpec, reading: Reading, prior: bool) -> InputUsed:
    return InputUsed(spec.code, spec.name, reading.value, spec.unit, "prior" if prior else "current", reading.cell)


def _number(reading: Reading | None) -> float | None:
    value = reading.value if reading else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class _Withdrawals:
    """Values to blank in a new copy of the submission, each with the data problem saying why."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        self.current = dict(submission.current)
        self.prior = dict(submission.prior)
        self.problems: list[DataProblem] = []

    def withdraw(self, code: str, prior: bool, problem: str, values: Details) -> None:
        """Blank the value of field `code` (last year's when `prior`), with a data problem of code
        `problem` on its cell."""
        target = self.prior if prior else self.current
        reading = target[code]
        target[code] = Reading(None, reading.cell)
        place = Place(reading.cell.sheet, reading.cell.ref) if reading.cell else Place()
        self.problems.append(DataProblem(self.submission.file, problem, place, values, field_code=code))

    def result(self) -> Submission:
        if not self.problems:
            return self.submission
        return replace(self.submission, current=self.current, prior=self.prior,
                       problems=self.submission.problems + tuple(self.problems))


def _part_of_total(withdrawals: _Withdrawals, fields: dict[str, FieldSpec]) -> list[Finding]:
    submission = withdrawals.submission
    found = []
    for spec in fields.values():
        if not spec.part_of or spec.part_of not in fields:
            continue
        total_spec = fields[spec.part_of]
        for prior, source in ((False, submission.current), (True, submission.prior)):
            part, total = _number(source.get(spec.code)), _number(source.get(spec.part_of))
            if part is None or total is None or part <= total:
                continue
            inputs = [_used(spec, source[spec.code], prior), _used(total_spec, source[spec.part_of], prior)]
            found.append(_finding(PART_OF_TOTAL, submission, Status.ERROR,
                                  Details.of(part=spec.code, total=spec.part_of, prior=prior or None), inputs))
            values = Details.of(part_name=spec.name, total_name=total_spec.name, part_value=part, part_unit=spec.unit,
                                total_value=total, total_unit=total_spec.unit, prior=prior)
            withdrawals.withdraw(spec.code, prior, "value_withdrawn_part_exceeds_total", values)
            withdrawals.withdraw(spec.part_of, prior, "value_withdrawn_part_exceeds_total", values)
    return found


def _share_range(withdrawals: _Withdrawals, fields: dict[str, FieldSpec]) -> list[Finding]:
    submission = withdrawals.submission
    found = []
    for spec in fields.values():
        if spec.value_type != "ratio" or spec.minimum is None or spec.minimum < 0:
            continue
        for prior, source in ((False, withdrawals.current), (True, withdrawals.prior)):
            value = _number(source.get(spec.code))
            if value is None or 0 <= value <= 1:
                continue
            found.append(_finding(SHARE_RANGE, submission, Status.ERROR,
                                  Details.of(field=spec.code, prior=prior or None),
                                  [_used(spec, source[spec.code], prior)]))
            withdrawals.withdraw(spec.code, prior, "value_withdrawn_share_out_of_range",
                                 Details.of(name=spec.name, share=value, prior=prior))
    return found


def _suspect_jumps(withdrawals: _Withdrawals, fields: dict[str, FieldSpec]) -> list[Finding]:
    submission, current, prior = withdrawals.submission, withdrawals.current, withdrawals.prior
    found = []
    for spec in fields.values():
        if not spec.has_prior or spec.max_change is None or spec.value_type not in ("money", "number", "count"):
            continue
        now, before = _number(current.get(spec.code)), _number(prior.get(spec.code))
        if now is None or before is None or before <= 0:
            continue
        change = now / before - 1
        if abs(change) <= spec.max_change:
            continue
        found.append(_finding(SUSPECT_JUMP, submission, Status.WARN,
                              Details.of(field=spec.code, change=Quantity(change, PERCENT),
                                         max_change=Quantity(spec.max_change, PERCENT)),
                              [_used(spec, current[spec.code], False), _used(spec, prior[spec.code], True)]))
    return found


BatchIndex = Mapping[tuple[str, str, Period], Submission]


def batch_index(submissions: Sequence[Submission]) -> BatchIndex:
    """The batch's submissions by level, code and period (the first of each, in the order given)."""
    index: dict[tuple[str, str, Period], Submission] = {}
    for submission in submissions:
        index.setdefault((submission.subject.level, submission.subject.code, submission.subject.period), submission)
    return index


def _earlier(submission: Submission, batch: BatchIndex) -> Submission | None:
    """The same institution's submission for the same period one year earlier (the same months:
    2019年1-9月 for 2020年1-9月, never 2019 or 2019Q3), if in this batch."""
    subject = submission.subject
    return batch.get((subject.level, subject.code, subject.period.previous_year()))


def _earlier_values(submission: Submission, batch: BatchIndex,
                    stored: Mapping[SubjectPeriod, EarlierSubmission]) -> tuple[str, str, dict[str, Reading]] | None:
    """The period, file and current values of the same subject's submission a year before: from
    this batch, else from the history store."""
    earlier = _earlier(submission, batch)
    if earlier is not None:
        return earlier.subject.period.label, earlier.file.path, earlier.current
    kept = stored.get(earlier_key(submission))
    if kept is None:
        return None
    return kept.period, kept.path, {value.field: Reading(value.value, value.cell) for value in kept.values}


def _prior_changed(submission: Submission, batch: BatchIndex, fields: dict[str, FieldSpec],
                   stored: Mapping[SubjectPeriod, EarlierSubmission]) -> list[Finding]:
    earlier = _earlier_values(submission, batch, stored)
    if earlier is None:
        return []
    period, path, values = earlier
    found = []
    for code, reading in submission.prior.items():
        stated, reported = _number(reading), _number(values.get(code))
        if stated is None or reported is None:
            continue
        if abs(stated - reported) <= CHANGE_TOLERANCE * max(abs(reported), 1e-9):
            continue
        spec = fields[code]
        found.append(_finding(PRIOR_CHANGED, submission, Status.WARN,
                              Details.of(field=code, reported=Quantity(reported, spec.unit),
                                         earlier_period=period, earlier_file=path,
                                         earlier_cell=values[code].cell),
                              [_used(spec, reading, True)]))
    return found


def check_quality(catalog: Catalog, submissions: Sequence[Submission],
                  stored: Mapping[SubjectPeriod, EarlierSubmission] | None = None) -> list[Checked]:
    """Each submission after the checks (impossible values withdrawn, in a new value) with its
    quality findings, in the order given.  `stored`: earlier submissions from the history store
    (an audit's), to compare stated prior-year values with and to fill blank ones from."""
    fields = catalog.fields
    stored = stored or {}
    checked = []
    batch = batch_index(submissions)
    for given in submissions:
        found = _prior_changed(given, batch, fields, stored)
        submission = with_stored_priors(given, stored.get(earlier_key(given)), fields)
        withdrawals = _Withdrawals(submission)
        found += _part_of_total(withdrawals, fields)
        found += _share_range(withdrawals, fields)
        found += _suspect_jumps(withdrawals, fields)
        checked.append(Checked(withdrawals.result(), tuple(found)))
    return checked
