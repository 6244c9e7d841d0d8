"""Stable codes: the status and reason of a finding, the outcome of a file, the severity of a
data problem.  Reports, exit codes and the history store key off these codes, never wording."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class Status(enum.StrEnum):
    """Status of one finding."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    MISSING_DATA = "missing_data"
    NOT_APPLICABLE = "not_applicable"
    NOT_DUE = "not_due"
    WAIVED = "waived"
    ERROR = "error"


# Statuses that mean "nothing to fix".
SATISFIED = frozenset({Status.PASS, Status.NOT_APPLICABLE, Status.NOT_DUE, Status.WAIVED})

# Worst first: used to order findings and to pick a subject's overall status.
SEVERITY_ORDER: tuple[Status, ...] = (
    Status.ERROR,
    Status.FAIL,
    Status.MISSING_DATA,
    Status.WARN,
    Status.NOT_DUE,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)
SEVERITY_RANK: Mapping[Status, int] = MappingProxyType({status: rank for rank, status in enumerate(SEVERITY_ORDER)})

STATUS_MEANING: Mapping[Status, str] = MappingProxyType({
    Status.PASS: "the measured value meets the requirement",
    Status.WARN: "a soft (原则上/力争) or expected (预期性) target is missed",
    Status.FAIL: "a binding or plain requirement is missed",
    Status.MISSING_DATA: "an input the rule needs is blank or unusable; never counted as a pass",
    Status.NOT_APPLICABLE: "the rule does not cover this subject or period (ownership, jurisdiction, effective date, "
                           "its document's time scope or repeal, exempt items only)",
    Status.NOT_DUE: "the rule's deadline is after the as-of date; the gap is still shown",
    Status.WAIVED: "a recorded waiver covers this finding",
    Status.ERROR: "the rule could not be evaluated (e.g. division by zero); the message says why",
})


class Reason(enum.StrEnum):
    """Why a finding has its status: one code per distinct cause, documented in docs/rules.md."""

    # pass, fail, warn
    MET = "met"
    NOT_MET = "not_met"
    # missing_data
    MISSING_INPUT = "missing_input"
    MISSING_ATTRIBUTE = "missing_attribute"
    NO_ROWS = "no_rows"
    NO_UNITS = "no_units"
    ITEMS_MISSING = "items_missing"
    SHARE_UNDECIDED = "share_undecided"
    HOSPITAL_ATTRIBUTE_MISSING = "hospital_attribute_missing"
    # not_applicable
    OTHER_LEVEL = "other_level"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    OUTSIDE_SCOPE = "outside_scope"
    BEFORE_EFFECTIVE = "before_effective"
    OUTSIDE_TIME_SCOPE = "outside_time_scope"
    REPEALED = "repealed"
    ALL_EXEMPT = "all_exempt"
    EXEMPT = "exempt"
    # not_due
    BEFORE_DEADLINE = "before_deadline"
    # waived
    WAIVED = "waived"
    # error
    DIVISION_BY_ZERO = "division_by_zero"
    INVALID_BASE = "invalid_base"
    OUT_OF_RANGE = "out_of_range"
    ENGINE_ERROR = "engine_error"
    ITEMS_ERROR = "items_error"
    # data-quality checks (error or warn)
    PART_EXCEEDS_TOTAL = "part_exceeds_total"
    SHARE_OUT_OF_RANGE = "share_out_of_range"
    PRIOR_YEAR_CHANGED = "prior_year_changed"
    SUSPECT_JUMP = "suspect_jump"


REASON_MEANING: Mapping[Reason, str] = MappingProxyType({
    Reason.MET: "the measured value meets the requirement",
    Reason.NOT_MET: "the measured value misses the requirement; the gap says by how much",
    Reason.MISSING_INPUT: "an input the rule needs is blank, unreadable or withdrawn by a data-quality check",
    Reason.MISSING_ATTRIBUTE: "the province, ownership, grade or type that decides whether the rule applies is not given",
    Reason.NO_ROWS: "a per-item table the rule checks has no rows",
    Reason.NO_UNITS: "no unit (hospital or unit-table row) of the region is in the rule's scope",
    Reason.ITEMS_MISSING: "some items or units lack a value, and none of the others misses the requirement",
    Reason.SHARE_UNDECIDED: "too many units lack data to tell whether the required share is reached",
    Reason.HOSPITAL_ATTRIBUTE_MISSING: "a region rule counts only some hospitals (e.g. public ones) and a hospital of "
                                       "the region does not say whether it is one",
    Reason.OTHER_LEVEL: "the rule is for hospitals and the subject is a region, or the other way round",
    Reason.OUTSIDE_JURISDICTION: "the document's jurisdiction does not cover the subject's province or city",
    Reason.OUTSIDE_SCOPE: "the subject's ownership, grade or type is outside the rule's scope",
    Reason.BEFORE_EFFECTIVE: "the reporting period ends before the rule took effect (its own date, else its document's)",
    Reason.OUTSIDE_TIME_SCOPE: "the reporting period lies outside the time scope of the rule's document (a task list "
                               "for 2020 judging 2022), and the rule does not continue beyond it",
    Reason.REPEALED: "the reporting period starts after the rule's document lapsed (失效) or was repealed (废止)",
    Reason.ALL_EXEMPT: "every item of the table is exempt (e.g. decoction pieces)",
    Reason.EXEMPT: "this item is exempt (an item of a per-item rule)",
    Reason.BEFORE_DEADLINE: "the requirement is missed but its deadline is after the as-of date",
    Reason.WAIVED: "a waiver (checks/waivers/) covers the rule for this subject and period and has not expired at "
                   "the check date; the details name its justification, approver, dates and the status it replaces",
    Reason.DIVISION_BY_ZERO: "a denominator of the rule's measure is 0",
    Reason.INVALID_BASE: "last year's value a growth rate is measured against is 0 or negative",
    Reason.OUT_OF_RANGE: "the measured value is beyond the range the rule engine compares",
    Reason.ENGINE_ERROR: "the rule engine could not classify the value (a defect in the rule)",
    Reason.ITEMS_ERROR: "some items cannot be computed (e.g. a zero denominator), and none misses the requirement",
    Reason.PART_EXCEEDS_TOTAL: "a part is larger than its total; both values are withdrawn",
    Reason.SHARE_OUT_OF_RANGE: "a share is outside 0–100 %; the value is withdrawn",
    Reason.PRIOR_YEAR_CHANGED: "last year's value differs from the same institution's earlier submission",
    Reason.SUSPECT_JUMP: "a value moved more than the field allows against last year; it is still used",
})


class Validity(enum.StrEnum):
    """Whether a policy document is in force, as its publisher marks it (有效 / 失效 / 废止)."""

    IN_FORCE = "in_force"  # 有效
    EXPIRED = "expired"  # 失效: lapsed, typically at the end of its time scope
    REPEALED = "repealed"  # 废止: withdrawn by a later document


VALIDITY_WORDS: Mapping[str, Validity] = MappingProxyType({
    "有效": Validity.IN_FORCE, "失效": Validity.EXPIRED, "废止": Validity.REPEALED,
})

VALIDITY_MEANING: Mapping[Validity, str] = MappingProxyType({
    Validity.IN_FORCE: "in force (有效)",
    Validity.EXPIRED: "lapsed (失效): its rules judge no period that starts after the date it lapsed",
    Validity.REPEALED: "repealed (废止): its rules judge no period that starts after the date of repeal",
})


class Benchmark(enum.StrEnum):
    """What a benchmark profile set aside to apply a rule that would not otherwise judge the subject."""

    JURISDICTION = "jurisdiction"  # the subject is outside the document's province or city
    TIME_SCOPE = "time_scope"  # the period is outside the document's time scope
    VALIDITY = "validity"  # the period starts after the document lapsed or was repealed


BENCHMARK_MEANING: Mapping[Benchmark, str] = MappingProxyType({
    Benchmark.JURISDICTION: "the subject is outside the document's province or city",
    Benchmark.TIME_SCOPE: "the period is outside the document's time scope",
    Benchmark.VALIDITY: "the period starts after the document lapsed or was repealed",
})


class FileStatus(enum.StrEnum):
    """What happened to one submitted file."""

    READ = "read"
    READ_WITH_WARNINGS = "read_with_warnings"
    REFUSED = "refused"


class Severity(enum.StrEnum):
    """How serious a data problem is: an error withdraws the value, a warning says how it was read."""

    ERROR = "error"
    WARNING = "warning"


class ExitCode(enum.IntEnum):
    """Exit codes of the `compliance` command."""

    COMPLIANT = 0
    FINDINGS = 1
    USAGE_OR_INPUT_ERROR = 2
    INTERNAL_ERROR = 3  # a defect of the tool: one line on stderr, the details in a crash log
    HANGUP = 129  # stopped by a signal: 128 + its number (SIGHUP, SIGINT, SIGTERM)
    INTERRUPTED = 130
    TERMINATED = 143
