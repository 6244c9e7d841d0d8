"""Stable status codes of findings and exit codes of the command line."""

from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """Status of one finding. Reports and exit codes key off these codes."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    MISSING_DATA = "missing_data"
    NOT_APPLICABLE = "not_applicable"
    NOT_DUE = "not_due"
    WAIVED = "waived"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


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

STATUS_LABEL_ZH: dict[Status, str] = {
    Status.PASS: "达标",
    Status.WARN: "预警",
    Status.FAIL: "不达标",
    Status.MISSING_DATA: "缺少数据",
    Status.NOT_APPLICABLE: "不适用",
    Status.NOT_DUE: "未到期限",
    Status.WAIVED: "已豁免",
    Status.ERROR: "错误",
}

STATUS_MEANING: dict[Status, str] = {
    Status.PASS: "the measured value meets the requirement",
    Status.WARN: "a soft (原则上/力争) or expected (预期性) target is missed",
    Status.FAIL: "a binding or plain requirement is missed",
    Status.MISSING_DATA: "an input the rule needs is blank or unusable; never counted as a pass",
    Status.NOT_APPLICABLE: "the rule does not cover this subject or period (ownership, jurisdiction, effective date, exempt items only)",
    Status.NOT_DUE: "the rule's deadline is after the as-of date; the gap is still shown",
    Status.WAIVED: "a recorded waiver covers this finding",
    Status.ERROR: "the rule could not be evaluated (e.g. division by zero); the message says why",
}


class ExitCode(enum.IntEnum):
    """Exit codes of the `compliance` command."""

    COMPLIANT = 0
    FINDINGS = 1
    USAGE_OR_INPUT_ERROR = 2
