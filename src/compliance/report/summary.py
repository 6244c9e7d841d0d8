"""Figures shared by the Excel and PDF reports: counts, rates, ordering, file names."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from compliance.evaluation.evaluate import CheckResult, SubjectResult
from compliance.results.findings import Finding
from compliance.results.status import SEVERITY_ORDER, STATUS_LABEL_ZH, Status


@dataclass(frozen=True)
class StatusCounts:
    counts: dict[Status, int]

    @property
    def applicable(self) -> int:
        return sum(n for s, n in self.counts.items() if s is not Status.NOT_APPLICABLE)

    @property
    def compliance_rate(self) -> float | None:
        """Share of applicable, judged findings that pass (not_due and waived count as judged-ok)."""
        judged = self.applicable
        if not judged:
            return None
        ok = sum(self.counts.get(s, 0) for s in (Status.PASS, Status.WAIVED, Status.NOT_DUE))
        return ok / judged

    def rows(self) -> list[tuple[Status, str, int]]:
        return [(s, STATUS_LABEL_ZH[s], self.counts.get(s, 0)) for s in SEVERITY_ORDER]


def count_statuses(findings: list[Finding]) -> StatusCounts:
    counter = Counter(f.status for f in findings)
    return StatusCounts({s: counter.get(s, 0) for s in Status})


def ordered_findings(findings: list[Finding]) -> list[Finding]:
    """Worst status first, then domain and rule id, so the report opens with what to fix."""
    rank = {status: index for index, status in enumerate(SEVERITY_ORDER)}
    return sorted(findings, key=lambda f: (rank[f.status], f.domain, f.rule_id))


def largest_gaps(findings: list[Finding], limit: int = 3) -> list[Finding]:
    """Failing findings with a money or quantity gap, largest first; then other failures."""
    failing = [f for f in findings if f.status in (Status.FAIL, Status.WARN, Status.NOT_DUE)]
    return sorted(failing, key=lambda f: (f.gap_amount is None, -(f.gap_amount or 0.0)))[:limit]


def subject_file_stem(subject: SubjectResult) -> str:
    code = re.sub(r"[^0-9A-Za-z_-]+", "_", subject.submission.subject.code).strip("_") or "subject"
    return f"{code}-{subject.submission.subject.period.label}"


def all_counts(result: CheckResult) -> StatusCounts:
    return count_statuses(result.findings)
